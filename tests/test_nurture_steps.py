# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureSteps(NurtureSequenceCommon):
    """Each trigger and each action, on a small sequence of its own."""

    def setUp(self):
        super().setUp()
        self.flow = self.env["crm.nurture.sequence"].create(
            {
                "name": "Steps",
                "send_tz": "UTC",
                "enrollment_mode": "none",
                "domain": repr([("active", "in", [True, False])]),
            }
        )
        self.first = self.step(name="Hello", trigger="start")
        self.first.mailing_id.body_html = (
            '<p><a href="https://www.example.com/a">a</a></p>'
        )

    def step(self, **values):
        return self.env["crm.nurture.step"].create(
            {"sequence_id": self.flow.id, "action": "email", **values}
        )

    def run_flow(self, when):
        with self.at(when):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.mock_mail_gateway(mail_unlink_sent=False):
                return self.env["crm.nurture.trace"]._process_due()

    def states(self, step):
        traces = self.env["crm.nurture.trace"].search([("step_id", "=", step.id)])
        return {trace.lead_id: trace.state for trace in traces}

    def start(self, leads):
        with self.at(self.T0):
            self.flow.action_start()
            self.flow._enroll_leads(leads)
        self.run_flow(self.T0)

    def test_open_reply_bounce_triggers(self):
        ann, bob, cid = self.leads
        opened = self.step(
            name="Opened", parent_id=self.first.id, trigger="opened", delay=3
        )
        not_opened = self.step(
            name="Not opened", parent_id=self.first.id, trigger="not_opened", delay=3
        )
        replied = self.step(
            name="Replied", parent_id=self.first.id, trigger="replied", delay=3
        )
        not_replied = self.step(
            name="Not replied",
            parent_id=self.first.id,
            trigger="not_replied",
            delay=3,
            action="add_tags",
            tag_ids=[(4, self.env["crm.tag"].create({"name": "Quiet"}).id)],
        )
        bounced = self.step(
            name="Bounced",
            parent_id=self.first.id,
            trigger="bounced",
            delay=3,
            action="activity",
        )
        self.start(self.leads)
        with self.at(self.T0 + self.days(1)):
            self.gateway_mail_trace_open(self.first.mailing_id, ann)
            self.gateway_mail_trace_reply(self.first.mailing_id, bob)
            self.gateway_mail_trace_bounce(self.first.mailing_id, cid)
        self.run_flow(self.T0 + self.days(1))
        self.assertEqual(
            self.states(opened), {ann: "done", bob: "done", cid: "scheduled"}
        )
        self.assertEqual(self.states(replied)[bob], "done")
        self.assertEqual(self.states(bounced)[cid], "done")
        self.assertEqual(self.states(not_opened)[ann], "cancelled")
        self.assertEqual(self.states(not_replied)[bob], "cancelled")
        self.assertTrue(cid.activity_ids)
        # At the deadline: the positive branches not taken are cancelled, the
        # negative ones run (Cid bounced: he leaves before any of them).
        self.run_flow(self.T0 + self.days(3))
        self.assertEqual(self.states(opened)[cid], "cancelled")
        self.assertEqual(self.states(not_replied)[ann], "done")
        self.assertEqual(ann.tag_ids.mapped("name"), ["Quiet"])
        self.assertEqual(self.participant_of(cid).exit_reason, "bounced")

    def participant_of(self, lead):
        return self.flow.participant_ids.filtered(lambda p: p.lead_id == lead)

    def test_actions(self):
        ann = self.leads[0]
        tag = self.env["crm.tag"].create({"name": "Nurtured"})
        stage = self.env.ref("crm.stage_lead3")
        add = self.step(
            name="Tag",
            parent_id=self.first.id,
            trigger="after_parent",
            action="add_tags",
            tag_ids=[(4, tag.id)],
        )
        remove = self.step(
            name="Untag",
            parent_id=add.id,
            trigger="after_parent",
            delay=1,
            action="remove_tags",
            tag_ids=[(4, tag.id)],
        )
        move = self.step(
            name="Stage",
            parent_id=remove.id,
            trigger="after_parent",
            action="stage",
            stage_id=stage.id,
        )
        self.step(
            name="Reopen", parent_id=move.id, trigger="after_parent", action="reopen"
        )
        ann.action_set_lost()
        self.start(ann)
        self.run_flow(self.T0)
        self.assertEqual(ann.tag_ids, tag)
        self.run_flow(self.T0 + self.days(1))
        self.run_flow(self.T0 + self.days(1))
        self.run_flow(self.T0 + self.days(1))
        self.assertFalse(ann.tag_ids)
        self.assertEqual(
            ann.tag_stat_ids.filtered(lambda s: s.tag_id == tag).add_count, 1
        )
        self.assertEqual(ann.stage_id, stage)
        self.assertTrue(ann.active)
        self.assertTrue(ann.date_reactivated)
        self.assertEqual(self.participant_of(ann).state, "completed")

    def test_exit_on_mismatch_and_success_goes_on(self):
        ann, bob = self.leads[:2]
        self.flow.write(
            {
                "exit_on_mismatch": True,
                "domain": repr(
                    [("active", "in", [True, False]), ("name", "=like", "Nurtrec %")]
                ),
                "success_tag_ids": [
                    (4, self.env["crm.tag"].create({"name": "Goal"}).id)
                ],
                "success_action": "continue",
            }
        )
        later = self.step(
            name="Later", parent_id=self.first.id, trigger="after_parent", delay=2
        )
        self.start(ann | bob)
        ann.name = "Renamed"
        bob.tag_ids = self.flow.success_tag_ids
        self.run_flow(self.T0 + self.days(2))
        self.assertEqual(self.participant_of(ann).exit_reason, "mismatch")
        self.assertEqual(self.states(later), {ann: "cancelled", bob: "done"})
        self.assertTrue(self.participant_of(bob).date_succeeded)
        self.assertEqual(self.participant_of(bob).state, "completed")

    def test_edit_while_running(self):
        """A step edited while participants wait on it runs as edited."""
        ann = self.leads[0]
        later = self.step(
            name="Later",
            parent_id=self.first.id,
            trigger="after_parent",
            delay=2,
            action="activity",
        )
        self.start(ann)
        later.write(
            {
                "action": "add_tags",
                "tag_ids": [(4, self.env["crm.tag"].create({"name": "Edited"}).id)],
            }
        )
        self.run_flow(self.T0 + self.days(2))
        self.assertEqual(ann.tag_ids.mapped("name"), ["Edited"])
        self.assertFalse(ann.activity_ids)

    def test_enrollment_modes_and_reenrollment_delay(self):
        """Continuous: leads that start matching join at the next run. Once: those
        matching at start only. After N days: back once N days have passed."""
        self.flow.write(
            {
                "enrollment_mode": "continuous",
                "domain": repr([("name", "=like", "Nurtrec %")]),
                "reenroll": "after_days",
                "reenroll_days": 10,
            }
        )
        with self.at(self.T0):
            self.flow.action_start()
            self.env["crm.nurture.sequence"]._cron_process()
        self.assertEqual(self.flow.participant_ids.lead_id, self.leads)
        newcomer = self.make_leads(["dee"])
        with self.at(self.T0 + self.days(1)):
            self.env["crm.nurture.sequence"]._cron_process()
        self.assertEqual(self.flow.participant_ids.lead_id, self.leads | newcomer)
        finished = self.participant_of(newcomer)
        self.assertEqual(finished.state, "completed")
        with self.at(self.T0 + self.days(5)):
            self.env["crm.nurture.sequence"]._cron_process()
        self.assertEqual(len(self.flow.participant_ids), 4)
        with self.at(self.T0 + self.days(12)):
            self.env["crm.nurture.sequence"]._cron_process()
        self.assertEqual(len(self.flow.participant_ids), 8)
        once = self.flow.copy(
            {
                "name": "Once",
                "enrollment_mode": "once",
                "step_ids": [
                    (0, 0, {"name": "Hi", "trigger": "start", "action": "activity"})
                ],
            }
        )
        with self.at(self.T0):
            once.action_start()
        self.assertEqual(len(once.participant_ids), 4)
        self.make_leads(["eve"])
        with self.at(self.T0 + self.days(1)):
            self.env["crm.nurture.sequence"]._cron_process()
        self.assertEqual(len(once.participant_ids), 4)

    def test_enroll_when_tagged(self):
        tag = self.env["crm.tag"].create({"name": "Restock interest"})
        self.flow.enroll_tag_ids = tag
        with self.at(self.T0):
            self.flow.action_start()
        self.leads[0].write({"tag_ids": [(4, tag.id)]})
        self.leads[1].write(
            {
                "tag_ids": [
                    (4, self.env["crm.tag"].create({"name": "Nurture other tag"}).id)
                ]
            }
        )
        self.assertEqual(self.flow.participant_ids.lead_id, self.leads[0])
