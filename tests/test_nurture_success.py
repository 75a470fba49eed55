# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import statements_on
from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureSuccessAtOnce(NurtureSequenceCommon):
    """A goal takes effect as soon as it is true: the participant leaves (or is
    marked and goes on) then, not when its next step is due, and no email leaves
    after it."""

    def test_won_lead_succeeds_when_won(self):
        ann, bob = self.make_leads(
            ["goal ann", "goal bob"], user_id=self.user_salesman.id
        )
        self.start_with(ann | bob)
        self.process(self.T0)
        # The salesperson wins Ann's deal, a week before her next email.
        with self.at(self.T0 + self.days(1)):
            ann.with_user(self.user_salesman).action_set_won()
        self.assertEqual(self.participant(ann).state, "succeeded")
        self.sequence.invalidate_recordset()
        self.assertEqual(self.sequence.succeeded_count, 1)
        self.assertEqual(self.sequence.success_rate, 50)
        for day in (7, 14, 21):
            self.process(self.T0 + self.days(day))
        self.assertEqual(self.steps_done(ann), self.week1, "no email after the goal")
        self.assertEqual(self.participant(bob).state, "completed")

    def test_lead_never_enrolled_costs_no_participant_query(self):
        """Odoo converts and moves leads one at a time (its lead assignment): a
        lead that never took part in a sequence costs those writes no
        participant query, while a sequence with goals on them runs; a lead that
        did is checked at once."""
        ann, bob = self.make_leads(["never ann", "never bob"])
        self.start_with(ann)
        self.process(self.T0)
        self.assertTrue(ann.nurture_enrolled)
        self.assertFalse(bob.nurture_enrolled)
        won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        with statements_on(self.env, "crm_nurture_participant") as statements:
            bob.convert_opportunity(bob.partner_id)
            bob.stage_id = won
        self.assertEqual(bob.type, "opportunity")
        self.assertEqual(statements, [])
        with statements_on(self.env, "crm_nurture_participant") as statements:
            ann.stage_id = won
        self.assertTrue(statements, "checked")
        self.assertEqual(self.participant(ann).state, "succeeded")

    def test_click_is_a_goal_at_once(self):
        self.sequence.write({"success_clicked": True, "success_action": "continue"})
        ann, bob = self.make_leads(["click.ann", "click.bob"])
        self.start_with(ann | bob)
        self.process(self.T0)
        with self.at(self.T0 + self.days(1)):
            self.gateway_mail_trace_click(self.week1.mailing_id, ann, "teapot")
        ann_run = self.participant(ann)
        self.assertTrue(ann_run.date_succeeded, "marked when she clicked")
        self.assertEqual(ann_run.state, "running", "and she goes on")
        self.assertFalse(self.participant(bob).date_succeeded)

    def test_goal_set_while_running_is_noticed_at_the_next_run(self):
        ann, bob = self.make_leads(["late ann", "late bob"])
        self.start_with(ann | bob)
        self.process(self.T0)
        stage_proposition = self.env.ref("crm.stage_lead3")
        ann.stage_id = stage_proposition
        self.assertEqual(
            self.participant(ann).state, "running", "no goal on stages yet"
        )
        self.sequence.with_user(self.user_manager).success_stage_id = stage_proposition
        with self.at(self.T0 + self.days(1)):
            self.env.flush_all()
            self.env["crm.nurture.sequence"]._cron_process()
        self.assertEqual(self.participant(ann).state, "succeeded")
        self.assertEqual(self.participant(bob).state, "running")
