# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestButtonReturns(NurtureSequenceCommon):
    """Buttons return a value (an action or True): an XML-RPC client gets an answer,
    not "cannot marshal None", after a call that worked."""

    def assertReturns(self, result, name):
        self.assertIsNotNone(result, f"{name} returns a value")

    def test_sequence_buttons(self):
        sequence = self.sequence.with_user(self.user_manager)
        with self.at(self.T0):
            for name in (
                "action_start",
                "action_pause",
                "action_resume",
                "action_stop",
            ):
                self.assertReturns(getattr(sequence, name)(), name)

    def test_participant_buttons(self):
        lead = self.make_leads(["button ann"])
        self.start_with(lead)
        participant = self.participant(lead).with_user(self.user_manager)
        self.assertReturns(participant.action_remove(), "action_remove")
        self.assertEqual(participant.exit_reason, "removed")

    def test_recurring_mailing_buttons(self):
        mailing = self.recurring_mailing()
        with self.at(self.T0):
            mailing.action_put_in_queue()
            for name in (
                "action_pause_recurrence",
                "action_resume_recurrence",
                "action_stop_recurrence",
            ):
                self.assertReturns(getattr(mailing, name)(), name)

    def test_test_mode_buttons(self):
        wizard = (
            self.env["crm.nurture.test.wizard"]
            .with_user(self.user_editor)
            .create({"sequence_id": self.sequence.id, "email": "tester@example.com"})
        )
        action = wizard.action_start_test()
        run = (
            self.env["crm.nurture.participant"]
            .with_user(self.user_editor)
            .browse(action["res_id"])
        )
        with self.mock_mail_gateway():
            for name in (
                "action_test_run_next_step",
                "action_test_simulate_open",
                "action_test_simulate_click",
                "action_test_simulate_reply",
                "action_test_simulate_bounce",
                "action_test_end",
            ):
                self.assertReturns(getattr(run, name)(), name)
