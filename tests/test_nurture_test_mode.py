# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureTestMode(NurtureSequenceCommon):
    """Test runs: moved by hand, emails to the test address only, events
    simulated, never touched by the scheduled action, counted nowhere."""

    def start_test(self, lead=None, user=None, email="tester@example.com"):
        wizard = (
            self.env["crm.nurture.test.wizard"]
            .with_user(user or self.user_editor)
            .create(
                {
                    "sequence_id": self.sequence.id,
                    "lead_id": lead and lead.id,
                    "email": email,
                }
            )
        )
        action = wizard.action_start_test()
        return (
            self.env["crm.nurture.participant"]
            .with_user(user or self.user_editor)
            .browse(action["res_id"])
        )

    def done_steps(self, participant):
        return participant.trace_ids.filtered(lambda t: t.state == "done").step_id

    def test_walk_the_clicked_branch_with_a_test_address(self):
        """No lead chosen: a test lead carries the run and goes with it."""
        with self.at(self.T0):
            run = self.start_test()
        lead = run.lead_id
        self.assertTrue(run.is_test)
        self.assertEqual(lead.email_from, "tester@example.com")
        with self.at(self.T0), self.mock_mail_gateway():
            run.action_test_run_next_step()
        self.assertEqual(self.done_steps(run), self.week1)
        test_mail = self._new_mails.filtered(
            lambda m: m.email_to == "tester@example.com"
        )
        self.assertEqual(len(test_mail), 1)
        self.assertEqual(test_mail.subject, "[TEST] Back in stock")
        self.assertFalse(
            self.week1.mailing_id.mailing_trace_ids, "a test leaves no mailing trace"
        )
        with self.at(self.T0 + self.days(1)), self.mock_mail_gateway():
            run.action_test_simulate_click()
        # The "clicked" branch ran at once, its opposite is cancelled.
        self.assertEqual(self.done_steps(run), self.week1 | self.week2_clicked)
        ignored = run.trace_ids.filtered(lambda t: t.step_id == self.week2_ignored)
        self.assertEqual(ignored.state, "cancelled")
        self.assertEqual(len(self._new_mails), 1)
        with self.at(self.T0 + self.days(1)), self.mock_mail_gateway():
            run.action_test_run_next_step()
        self.assertEqual(
            self.done_steps(run), self.week1 | self.week2_clicked | self.week3[1]
        )
        self.assertEqual(run.state, "completed")
        with self.assertRaises(UserError):
            run.action_test_run_next_step()
        run.action_test_end()
        self.assertFalse(run.exists())
        self.assertFalse(lead.exists(), "the lead made for the test is deleted")

    def test_walk_the_ignored_branch_on_a_chosen_lead(self):
        ann = self.leads[0]
        ann.contact_name = "Ann Tester"
        self.week1.mailing_id.body_html = '<p>Dear <t t-out="object.contact_name"/></p>'
        with self.at(self.T0):
            run = self.start_test(ann, user=self.user_manager)
        with self.assertRaises(UserError):
            run.action_test_simulate_open()  # no email yet
        with self.at(self.T0), self.mock_mail_gateway():
            run.action_test_run_next_step()
            # Odoo's own test send, rendered for the chosen lead (Odoo's would
            # render for the first lead it finds), sent to the test address.
            sent = [m for m in self._mails if m["email_to"] == ["tester@example.com"]]
            self.assertEqual(len(sent), 1)
            self.assertIn("Dear Ann Tester", sent[0]["body"])
            self.assertEqual(sent[0]["subject"], "[TEST] Back in stock")
            run.action_test_run_next_step()  # a week later, nothing clicked
        self.assertEqual(self.done_steps(run), self.week1 | self.week2_ignored)
        self.assertEqual(
            run.trace_ids.filtered(lambda t: t.step_id == self.week2_clicked).state,
            "cancelled",
        )
        self.assertNotIn(ann.email_from, self._new_mails.mapped("email_to"))
        run.action_test_end()
        self.assertTrue(ann.exists(), "a chosen lead stays")

    def test_simulated_open_and_reply(self):
        """A reply is also an open: the "opened" branch of a later step runs."""
        opened = self.env["crm.nurture.step"].create(
            {
                "sequence_id": self.sequence.id,
                "name": "Thanks for reading",
                "parent_id": self.week3[0].id,
                "trigger": "opened",
                "delay": 3,
            }
        )
        with self.at(self.T0):
            run = self.start_test()
        with self.at(self.T0), self.mock_mail_gateway():
            run.action_test_run_next_step()
            run.action_test_run_next_step()
            run.action_test_run_next_step()
            run.action_test_simulate_reply()
        self.assertEqual(
            self.done_steps(run),
            self.week1 | self.week2_ignored | self.week3[0] | opened,
        )
        last = run.trace_ids.filtered(lambda t: t.step_id == self.week3[0])
        self.assertTrue(last.test_replied and last.test_opened)
        self.assertFalse(last.test_clicked)

    def test_simulated_bounce(self):
        """The "bounced" branch runs at once; the participant then leaves at its
        next step, as a real one whose email bounced."""
        call = self.env["crm.nurture.step"].create(
            {
                "sequence_id": self.sequence.id,
                "name": "Email bounced: call",
                "parent_id": self.week1.id,
                "trigger": "bounced",
                "delay": 7,
                "action": "activity",
            }
        )
        with self.at(self.T0):
            run = self.start_test()
        with self.at(self.T0), self.mock_mail_gateway():
            run.action_test_run_next_step()
            run.action_test_simulate_bounce()
        self.assertEqual(self.done_steps(run), self.week1 | call)
        self.assertEqual(run.lead_id.activity_ids.summary, "Email bounced: call")
        self.assertEqual(run.state, "running")
        with self.at(self.T0), self.mock_mail_gateway():
            run.action_test_run_next_step()
        self.assertEqual((run.state, run.exit_reason), ("exited", "bounced"))
        self.assertEqual(self.done_steps(run), self.week1 | call)

    def test_scheduled_action_leaves_test_runs_alone(self):
        ann = self.leads[0]
        self.start_with(ann)
        with self.at(self.T0):
            run = self.start_test(ann, user=self.user_manager)
        # The real participation of the same lead runs; the test run waits.
        self.assertEqual(self.process(self.T0), 1)
        self.assertEqual(self.process(self.T0 + self.days(7)), 2)
        self.assertEqual(self.process(self.T0 + self.days(14)), 1)
        self.assertEqual(self.participant(ann).state, "completed")
        self.assertEqual(run.trace_ids.state, "scheduled")
        self.assertEqual(self.sequence.participant_count, 1)
        self.assertEqual(self.sequence.participant_ids.lead_id, ann)
        self.assertEqual(self.sequence.test_participant_ids, run)
        ann.invalidate_recordset()
        self.assertEqual(
            ann.nurture_participant_count, 1, "the lead shows its real run only"
        )

    def test_a_test_run_never_keeps_a_lead_out(self):
        ann = self.leads[0]
        with self.at(self.T0):
            run = self.start_test(ann, user=self.user_manager)
            self.sequence.with_user(self.user_manager).action_start()
            self.sequence._enroll_leads(ann)
        self.assertEqual(self.participant(ann).is_test, False)
        self.assertTrue(run.exists())

    def test_send_window_does_not_hold_a_test(self):
        self.sequence.write({"send_sat": False, "send_sun": False})
        saturday = self.T0 + self.days(5)
        with self.at(saturday):
            run = self.start_test()
            with self.mock_mail_gateway():
                run.action_test_run_next_step()
        self.assertEqual(self.done_steps(run), self.week1)

    def test_who_may_test(self):
        with self.assertRaises(AccessError):
            self.start_test(user=self.user_salesman)
        ann = self.leads[0]
        self.start_with(ann)
        real = self.participant(ann).with_user(self.user_manager)
        with self.assertRaises(UserError):
            real.action_test_run_next_step()  # only a test run moves by hand
        with self.assertRaises(UserError):
            self.start_test(email="not an address")
