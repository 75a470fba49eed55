# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureEngine(NurtureSequenceCommon):
    def test_three_week_restock_flow(self):
        """Week 1 to all; week 2 split on clicks; week 3 to everyone not won."""
        ann, bob, cid = self.leads
        self.start_with(self.leads)
        self.assertEqual(self.process(self.T0), 3)
        for lead in self.leads:
            self.assertEqual(self.steps_done(lead), self.week1)
        # Ann clicks on day 2: her "clicked" branch runs at once, the other is
        # cancelled.
        with self.at(self.T0 + self.days(2)):
            self.gateway_mail_trace_click(self.week1.mailing_id, ann, "teapot")
        waiting = self.participant(ann).trace_ids.filtered(
            lambda t: t.state == "scheduled"
        )
        self.assertEqual(waiting.step_id, self.week2_clicked)
        self.assertEqual(waiting.scheduled_date, self.T0 + self.days(2))
        self.assertEqual(self.process(self.T0 + self.days(2)), 1)
        self.assertEqual(self.steps_done(ann), self.week1 | self.week2_clicked)
        # Bob is won before week 2: success, noticed at once; he leaves and his
        # two branches are cancelled, before their turn.
        bob.action_set_won()
        self.assertEqual(self.participant(bob).state, "succeeded")
        # Due: Cid's two branches (the "clicked" one is cancelled at its deadline).
        self.assertEqual(self.process(self.T0 + self.days(7)), 2)
        self.assertEqual(self.participant(bob).state, "succeeded")
        self.assertEqual(self.steps_done(bob), self.week1)
        self.assertEqual(self.steps_done(cid), self.week1 | self.week2_ignored)
        # Week 3: Ann a week after her click, Cid a week after his reminder.
        self.assertEqual(self.process(self.T0 + self.days(9)), 1)
        self.assertEqual(self.process(self.T0 + self.days(14)), 1)
        self.assertEqual(
            self.steps_done(ann), self.week1 | self.week2_clicked | self.week3[1]
        )
        self.assertEqual(
            self.steps_done(cid), self.week1 | self.week2_ignored | self.week3[0]
        )
        self.assertEqual(self.participant(ann).state, "completed")
        self.assertEqual(self.participant(cid).state, "completed")
        # Emails went through the mailing engine: one trace per email sent.
        self.assertEqual(len(self.week1.mailing_id.mailing_trace_ids), 3)
        self.assertEqual(self.week2_ignored.mailing_id.mailing_trace_ids.res_id, cid.id)
        self.assertEqual(self.week2_clicked.mailing_id.mailing_trace_ids.res_id, ann.id)
        self.assertEqual(self.participant(cid).current_step_id, self.week3[0])
        self.assertEqual(self.participant(cid).last_email_status, "sent")

    def test_opted_out_never_mailed(self):
        ann, bob = self.leads[:2]
        self.start_with(ann | bob)
        self.env["mail.blacklist"].create({"email": bob.email_from})
        self.process(self.T0)
        self.assertEqual(self.participant(bob).state, "exited")
        self.assertEqual(self.participant(bob).exit_reason, "optout")
        self.assertEqual(self.week1.mailing_id.mailing_trace_ids.res_id, ann.id)

    def test_send_window_across_weekend_and_timezone(self):
        """Weekdays 9:00-17:00 in Auckland: due on Friday evening there, the email
        leaves on Monday 9:00 Auckland time."""
        self.sequence.write(
            {
                "send_tz": "Pacific/Auckland",
                "send_hour_from": 9,
                "send_hour_to": 17,
                "send_sat": False,
                "send_sun": False,
            }
        )
        friday_evening = datetime(2026, 5, 8, 7, 0)  # 19:00 Friday in Auckland (UTC+12)
        self.start_with(self.leads[0], when=friday_evening)
        self.assertEqual(self.process(friday_evening), 1)
        trace = self.participant(self.leads[0]).trace_ids
        self.assertEqual(trace.state, "scheduled")
        monday_9_auckland = datetime(2026, 5, 10, 21, 0)  # Sunday 21:00 UTC
        self.assertEqual(trace.scheduled_date, monday_9_auckland)
        self.process(monday_9_auckland)
        self.assertEqual(trace.state, "done")

    def test_pause_resume_stop(self):
        self.start_with(self.leads)
        self.sequence.action_pause()
        self.assertEqual(self.process(self.T0), 0)
        self.sequence.action_resume()
        self.assertEqual(self.process(self.T0), 3)
        self.sequence.action_stop()
        self.assertEqual(set(self.sequence.participant_ids.mapped("state")), {"exited"})
        self.assertFalse(
            self.sequence.participant_ids.trace_ids.filtered(
                lambda t: t.state == "scheduled"
            )
        )

    def test_no_step_twice(self):
        """A step already done is not done again, even if handed again."""
        self.start_with(self.leads)
        self.process(self.T0)
        traces = self.sequence.participant_ids.trace_ids.filtered(
            lambda t: t.step_id == self.week1
        )
        self.assertEqual(
            self.env["crm.nurture.trace"]._claim(traces.ids),
            self.env["crm.nurture.trace"],
        )
        self.assertEqual(self.process(self.T0), 0)
        self.assertEqual(len(self.week1.mailing_id.mailing_trace_ids), 3)

    def test_reenrollment(self):
        ann = self.leads[0]
        self.start_with(ann)
        self.sequence._enroll_leads(ann)
        self.assertEqual(len(self.sequence.participant_ids), 1)
        self.participant(ann).action_remove()
        self.sequence._enroll_leads(ann)
        self.assertEqual(len(self.sequence.participant_ids), 1)  # never
        self.sequence.reenroll = "after_finish"
        self.sequence._enroll_leads(ann)
        self.assertEqual(len(self.sequence.participant_ids), 2)

    def test_enroll_when_lost_for_a_reason(self):
        self.sequence.enroll_lost_reason_ids = self.reason_stock
        with self.at(self.T0):
            self.sequence.action_start()
        self.leads[0].action_set_lost(lost_reason_id=self.reason_stock.id)
        self.leads[1].action_set_lost(
            lost_reason_id=self.env.ref("crm.lost_reason_1").id
        )
        self.assertEqual(self.sequence.participant_ids.lead_id, self.leads[0])

    def test_delete_waited_step_refused(self):
        self.start_with(self.leads)
        with self.assertRaises(UserError):
            self.week1.unlink()

    def test_roles(self):
        """Managers run sequences; content editors edit steps only; salespeople read
        where their leads are."""
        self.leads.user_id = self.user_salesman
        self.start_with(self.leads)
        with self.assertRaises(AccessError):
            self.sequence.with_user(self.user_editor).action_pause()
        self.week1.with_user(self.user_editor).name = "Back in stock at last"
        with self.assertRaises(AccessError):
            self.env["crm.nurture.step"].with_user(self.user_editor).create(
                {"sequence_id": self.sequence.id, "name": "Extra", "trigger": "start"}
            )
        self.sequence.with_user(self.user_manager).action_pause()
        seen = (
            self.env["crm.nurture.participant"].with_user(self.user_salesman).search([])
        )
        self.assertEqual(seen.lead_id, self.leads)
        with self.assertRaises(AccessError):
            seen.with_user(self.user_salesman).write({"state": "exited"})
