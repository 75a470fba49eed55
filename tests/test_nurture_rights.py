# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureRights(NurtureSequenceCommon):
    """Sequence managers create, run, pause, stop and delete; content editors edit
    step contents only; salespeople read where their leads are."""

    def test_manager_runs_the_whole_life(self):
        Sequence = self.env["crm.nurture.sequence"].with_user(self.user_manager)
        sequence = Sequence.create({"name": "Managed", "enrollment_mode": "none"})
        step = self.env["crm.nurture.step"].with_user(self.user_manager).create(
            {"sequence_id": sequence.id, "name": "Hello", "trigger": "start"}
        )
        step.write({"delay": 2, "delay_unit": "hours"})
        sequence.action_start()
        sequence.action_pause()
        self.assertEqual(sequence.state, "paused")
        with self.assertRaises(UserError):
            sequence.unlink()  # paused: stop it first
        sequence.action_resume()
        with self.assertRaises(UserError):
            sequence.unlink()  # running: stop it first
        sequence.action_stop()
        sequence.unlink()
        self.assertFalse(sequence.exists())
        draft = Sequence.create({"name": "Never started"})
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_editor_edits_contents_only(self):
        sequence = self.sequence.with_user(self.user_editor)
        week1 = self.week1.with_user(self.user_editor)
        # Reads the sequence, its numbers and its picture.
        self.assertEqual(sequence.name, "Three-week restock")
        self.assertEqual(len(sequence.flow_data["steps"]), 5)
        # The words of a step, and its email.
        week1.write({"name": "Back in stock, at last"})
        week1.mailing_id.write({"subject": "It is back", "body_html": "<p>Back!</p>"})
        self.assertEqual(self.week1.name, "Back in stock, at last")
        self.assertEqual(self.week1.mailing_id.subject, "It is back")
        # Not when it runs, nor what it does.
        for values in (
            {"trigger": "after_parent"},
            {"delay": 3},
            {"parent_id": self.week2_clicked.id},
            {"action": "add_tags"},
            {"tag_ids": [(4, self.env["crm.tag"].create({"name": "Editor tag"}).id)]},
            {"name": "Renamed", "delay": 1},
        ):
            with self.assertRaises(AccessError, msg=str(values)):
                self.week2_ignored.with_user(self.user_editor).write(values)
        self.assertEqual(self.week2_ignored.delay, 7)
        with self.assertRaises(AccessError):
            self.env["crm.nurture.step"].with_user(self.user_editor).create(
                {"sequence_id": self.sequence.id, "name": "Extra", "parent_id": self.week1.id,
                 "trigger": "after_parent"}
            )
        with self.assertRaises(AccessError):
            self.week3[0].with_user(self.user_editor).unlink()
        # Nor the sequence itself.
        with self.assertRaises(AccessError):
            self.env["crm.nurture.sequence"].with_user(self.user_editor).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            sequence.write({"name": "Renamed"})
        for action in ("action_start", "action_stop"):
            with self.assertRaises(AccessError, msg=action):
                getattr(sequence, action)()
        with self.assertRaises(AccessError):
            sequence.unlink()
        self.assertEqual(self.sequence.state, "draft")

    def test_editor_cannot_use_a_template(self):
        template = self.env.ref("mass_mailing_crm_nurture.crm_nurture_template_restock")
        with self.assertRaises(AccessError):
            template.with_user(self.user_editor).action_use_template()

    def test_salesman_reads_where_his_leads_are(self):
        other = new_test_user(
            self.env, login="nurture_rights_other", groups="base.group_user,sales_team.group_sale_salesman"
        )
        mine = self.make_leads(["mine"], user_id=self.user_salesman.id)
        theirs = self.make_leads(["theirs"], user_id=other.id)
        self.sequence._enroll(mine | theirs)
        Participant = self.env["crm.nurture.participant"].with_user(self.user_salesman)
        visible = Participant.search([("sequence_id", "=", self.sequence.id)])
        self.assertEqual(visible.lead_id, mine)
        self.assertEqual(visible.current_step_id, self.env["crm.nurture.step"])
        self.assertEqual(visible.trace_ids.step_id, self.week1)
        hidden = self.sequence.participant_ids.filtered(lambda p: p.lead_id == theirs)
        with self.assertRaises(AccessError):
            hidden.with_user(self.user_salesman).read(["state"])
        with self.assertRaises(AccessError):
            visible.write({"state": "exited"})
        with self.assertRaises(AccessError):
            visible.action_remove()
        with self.assertRaises(AccessError):
            visible.unlink()
        with self.assertRaises(AccessError):
            self.env["crm.nurture.funnel.report"].with_user(self.user_salesman).search([])
        with self.assertRaises(AccessError):
            self.sequence.with_user(self.user_salesman).action_start()

    def test_marketing_user_without_nurture_rights(self):
        marketer = new_test_user(
            self.env,
            login="nurture_rights_marketer",
            groups="base.group_user,mass_mailing.group_mass_mailing_user",
        )
        with self.assertRaises(AccessError):
            self.env["crm.nurture.sequence"].with_user(marketer).search([])
        with self.assertRaises(AccessError):
            self.env["crm.nurture.test.wizard"].with_user(marketer).create(
                {"sequence_id": self.sequence.id, "email": "m@example.com"}
            )

    def test_step_email_is_not_a_campaign(self):
        """A step's email leaves with its step: sending or scheduling it as a
        campaign is refused (it would reach nobody and be marked sent)."""
        mailing = self.week1.mailing_id.with_user(self.user_editor)
        self.assertEqual(mailing.nurture_sequence_id, self.sequence)
        for action in ("action_launch", "action_put_in_queue"):
            with self.assertRaises(UserError, msg=action):
                getattr(mailing, action)()
        mailing.schedule_date = "2030-01-01 10:00:00"
        with self.assertRaises(UserError):
            mailing.action_schedule()
        self.assertEqual(mailing.state, "draft")
