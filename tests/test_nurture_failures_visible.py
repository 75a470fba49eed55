# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureFailuresVisible(NurtureSequenceCommon):
    """Emails of a step that could not be sent show in the step's numbers, the flow
    picture and the participants list, with their reason; no branch of them runs."""

    def send_step_without_mail_server(self, when):
        with self.at(when):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.mock_mail_gateway(mail_unlink_sent=False):
                self.env["crm.nurture.trace"]._process_due()
                with (
                    patch.object(
                        # The class of the running series (renamed on 19.0).
                        type(self.env["ir.mail_server"]),
                        "send_email",
                        side_effect=MailDeliveryException(
                            "Connection refused by the server"
                        ),
                    ),
                    mute_logger("odoo.addons.mail.models.mail_mail"),
                ):
                    self.env["mail.mail"].sudo().process_email_queue()
        self.env.invalidate_all()

    def test_failed_sends_are_counted_and_explained(self):
        leads = self.make_leads(["nosmtp ann", "nosmtp bob", "nosmtp cid"])
        self.start_with(leads)
        self.send_step_without_mail_server(self.T0)
        step = self.week1.with_user(self.user_editor)
        self.assertEqual(step.done_count, 3)
        self.assertEqual(step.sent_count, 0)
        self.assertEqual(step.undelivered_count, 3)
        flow = self.sequence.with_user(self.user_editor).flow_data
        box = next(box for box in flow["steps"] if box["id"] == self.week1.id)
        self.assertEqual(box["stats"]["undelivered"], 3)
        # One click away: the participants behind the number, and the reason.
        action = step.action_view_participants("undelivered")
        participants = (
            self.env["crm.nurture.participant"]
            .with_user(self.user_editor)
            .search(action["domain"])
        )
        self.assertEqual(participants.lead_id, leads)
        for participant in participants:
            self.assertEqual(participant.last_email_status, "error")
            self.assertTrue(participant.last_email_failure_type)
            self.assertIn("Connection refused", participant.last_email_failure_reason)
        # A week later: neither "you did not click" nor "you clicked" follows an
        # email that never left.
        self.process(self.T0 + self.days(7))
        week2 = self.week2_clicked | self.week2_ignored
        traces = participants.sudo().trace_ids.filtered(lambda t: t.step_id in week2)
        self.assertEqual(set(traces.mapped("state")), {"cancelled"})
        self.assertIn("not delivered", traces[0].message)
        self.assertFalse(week2.mailing_id.mailing_trace_ids)
        # Nothing left to do for them: they completed (before, they stayed
        # running with nothing scheduled, for ever).
        self.assertEqual(set(participants.sudo().mapped("state")), {"completed"})

    def test_open_cancels_the_last_branch_left(self):
        """A "not clicked" step without a "clicked" sibling, cancelled by the
        click: the participant has nothing left and completes."""
        self.week2_clicked.unlink()
        leads = self.make_leads(["lonely ann"])
        self.start_with(leads)
        self.process(self.T0)
        participant = self.sequence.participant_ids.filtered(
            lambda p: p.lead_id == leads
        )
        first = participant.trace_ids.filtered(lambda t: t.step_id == self.week1)
        self.env["crm.nurture.trace"]._on_mailing_event(first.mailing_trace_id, "click")
        waiting = participant.trace_ids.filtered(
            lambda t: t.step_id == self.week2_ignored
        )
        self.assertEqual(waiting.state, "cancelled")
        self.assertEqual(participant.state, "completed")
