# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from .common_recurring import NurtureRecurringCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestRecurrenceDates(NurtureRecurringCommon):
    def test_next_dates(self):
        mailing = self.recurring_mailing(
            recurrence_start_date=datetime(2026, 1, 31, 9, 0)
        )
        after = datetime(2026, 2, 10, 12, 0)
        cases = [
            ("hours", 6, datetime(2026, 2, 10, 15, 0)),
            ("days", 1, datetime(2026, 2, 11, 9, 0)),
            ("days", 3, datetime(2026, 2, 12, 9, 0)),
            ("weeks", 2, datetime(2026, 2, 14, 9, 0)),
            ("months", 1, datetime(2026, 2, 28, 9, 0)),
            ("months", 2, datetime(2026, 3, 31, 9, 0)),
        ]
        for unit, interval, expected in cases:
            mailing.write({"recurrence_unit": unit, "recurrence_interval": interval})
            self.assertEqual(
                mailing._get_next_run_date(after), expected, (unit, interval)
            )
        # Strictly after, unless included; a start in the future is the next date.
        mailing.write({"recurrence_unit": "days", "recurrence_interval": 1})
        self.assertEqual(
            mailing._get_next_run_date(datetime(2026, 2, 11, 9, 0)),
            datetime(2026, 2, 12, 9, 0),
        )
        self.assertEqual(
            mailing._get_next_run_date(datetime(2026, 2, 11, 9, 0), include=True),
            datetime(2026, 2, 11, 9, 0),
        )
        self.assertEqual(
            mailing._get_next_run_date(datetime(2025, 12, 1)),
            datetime(2026, 1, 31, 9, 0),
        )

    def test_refused_settings(self):
        with self.assertRaises(ValidationError):
            self.recurring_mailing(ab_testing_enabled=True, ab_testing_pc=50)
        mailing = self.recurring_mailing()
        with self.assertRaises(ValidationError):
            mailing.write(
                {
                    "recurrence_start_date": datetime(2026, 5, 1),
                    "recurrence_end_date": datetime(2026, 4, 1),
                }
            )
        with self.assertRaises(ValidationError), mute_logger("odoo.sql_db"):
            mailing.write({"recurrence_interval": 0})
            mailing.flush_recordset()


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestRecurringRuns(NurtureRecurringCommon):
    def test_only_new_recipients_across_runs(self):
        """Run 1 mails the matching leads; run 2 only those that match since."""
        with self.at(self.T0):
            mailing = self.recurring_mailing()
            mailing.with_user(self.user_marketer).action_launch()
            self.assertEqual(mailing.state, "recurring")
            self.assertEqual(mailing.recurrence_next_date, self.T0)
            self.assertEqual(self.run_due(), 3)
        self.assertEqual(self.traced(mailing), dict.fromkeys(self.leads.ids, 1))
        self.assertEqual(mailing.state, "recurring")
        self.assertEqual(mailing.recurrence_next_date, self.T0 + timedelta(days=1))
        run_1 = mailing.recurrence_run_ids
        self.assertEqual((run_1.state, run_1.new_recipient_count), ("done", 3))
        self.assertEqual(run_1.sent_count, 3)
        newcomer = self.make_leads(["dee"])
        # Not due yet: nothing happens.
        with self.at(self.T0 + timedelta(hours=12)):
            self.assertEqual(self.run_due(), 0)
        with self.at(self.T0 + timedelta(days=1, minutes=5)):
            self.assertEqual(self.run_due(), 1)
        self.assertEqual(
            self.traced(mailing), dict.fromkeys((self.leads | newcomer).ids, 1)
        )
        self.assertEqual(len(mailing.recurrence_run_ids), 2)
        run_2 = mailing.recurrence_run_ids.sorted("date_start")[-1]
        self.assertEqual(run_2.new_recipient_count, 1)
        self.assertEqual(run_2.trace_ids.res_id, newcomer.id)
        # Nobody new: no run, only the next date moves.
        with self.at(self.T0 + timedelta(days=2, minutes=5)):
            self.assertEqual(self.run_due(), 0)
        self.assertEqual(len(mailing.recurrence_run_ids), 2)
        self.assertEqual(mailing.recurrence_next_date, self.T0 + timedelta(days=3))

    def test_run_statistics(self):
        with self.at(self.T0):
            mailing = self.recurring_mailing()
            mailing.action_launch()
            self.run_due()
        run = mailing.recurrence_run_ids
        self.gateway_mail_trace_click(mailing, self.leads[0], "shop")
        self.gateway_mail_trace_open(mailing, self.leads[1])
        run.invalidate_recordset()
        self.assertEqual(
            (run.sent_count, run.opened_count, run.clicked_count, run.replied_count),
            (3, 2, 1, 0),
        )

    def test_run_statistics_never_write_the_run(self):
        """Opens and clicks (HTTP) and the emails the queue sends never write the
        run's row: one row they would all update at once (a serialization
        failure of the mail queue after the relay accepted an email, sent again
        by its next call). The counts are right when read, and summed per group
        (list, graph, pivot)."""
        with self.at(self.T0):
            mailing = self.recurring_mailing()
            mailing.action_launch()
            self.run_due()
        run = mailing.recurrence_run_ids
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT write_date FROM mailing_recurrence_run WHERE id = %s", [run.id]
        )
        written = self.env.cr.fetchone()[0]
        self.gateway_mail_trace_click(mailing, self.leads[0], "shop")
        self.gateway_mail_trace_open(mailing, self.leads[1])
        run.trace_ids[2].set_bounced()
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT write_date FROM mailing_recurrence_run WHERE id = %s", [run.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], written)
        run.invalidate_recordset()
        self.assertEqual(
            (run.sent_count, run.opened_count, run.clicked_count, run.failed_count),
            (3, 2, 1, 1),
        )
        groups = self.env["mailing.recurrence.run"]._read_group(
            [("id", "=", run.id)],
            ["mailing_id"],
            ["sent_count:sum", "opened_count:sum", "clicked_count:sum", "__count"],
        )
        self.assertEqual(groups, [(mailing, 3, 2, 1, 1)])

    def test_relative_dates_across_runs(self):
        """Leads lost yesterday or today: each day's run mails that day's losses."""
        domain = (
            "[('active', 'in', [True, False]), ('name', '=like', 'Nurtrec %'), "
            "('date_closed', '>=', datetime.datetime.combine(context_today() - "
            "relativedelta(days=1), datetime.time(0, 0, 0)).to_utc().strftime("
            "'%Y-%m-%d %H:%M:%S'))]"
        )
        self.leads[0].action_set_lost()
        self.leads[0].date_closed = self.T0 - timedelta(days=10)
        self.leads[1].action_set_lost()
        self.leads[1].date_closed = self.T0 - timedelta(hours=2)
        with self.at(self.T0):
            mailing = self.recurring_mailing(domain)
            mailing.action_launch()
            self.assertEqual(self.run_due(), 1)
        self.leads[2].action_set_lost()
        self.leads[2].date_closed = self.T0 + timedelta(days=5)
        with self.at(self.T0 + timedelta(days=5, hours=1)):
            self.assertEqual(self.run_due(), 1)
        self.assertEqual(self.traced(mailing), dict.fromkeys(self.leads[1:].ids, 1))

    def test_blacklist_and_duplicates_as_odoo(self):
        """Blacklisted: cancelled once, never retried. Same email twice: one mail."""
        self.env["mail.blacklist"].create({"email": self.leads[0].email_from})
        twin = self.make_leads(["twin"], email_from=self.leads[1].email_from)
        with self.at(self.T0):
            mailing = self.recurring_mailing()
            mailing.action_launch()
            self.run_due()
        traces = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id)]
        )
        by_lead = {trace.res_id: trace for trace in traces}
        self.assertEqual(by_lead[self.leads[0].id].failure_type, "mail_bl")
        statuses = {
            by_lead[self.leads[1].id].failure_type,
            by_lead[twin.id].failure_type,
        }
        self.assertEqual(statuses, {False, "mail_dup"})
        # A later twin is also a duplicate, found per batch.
        late_twin = self.make_leads(["late twin"], email_from=self.leads[2].email_from)
        with self.at(self.T0 + timedelta(days=1)):
            self.assertEqual(self.run_due(), 1)
        late = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id), ("res_id", "=", late_twin.id)]
        )
        self.assertEqual(late.failure_type, "mail_dup")
        with self.at(self.T0 + timedelta(days=2)):
            self.assertEqual(self.run_due(), 0)
        # ann (blacklisted), bob, cid, twin, late twin: once each.
        self.assertEqual(
            self.traced(mailing), dict.fromkeys((self.leads | twin | late_twin).ids, 1)
        )

    def test_exclusion_lists(self):
        customers = self.env["mailing.list"].create(
            {
                "name": "Customers",
                "contact_ids": [(0, 0, {"email": self.leads[0].email_from})],
            }
        )
        with self.at(self.T0):
            mailing = self.recurring_mailing(
                recurrence_exclusion_list_ids=[(6, 0, customers.ids)]
            )
            mailing.action_launch()
            self.assertEqual(self.run_due(), 2)
        self.assertEqual(set(self.traced(mailing)), set(self.leads[1:].ids))
        newcomer = self.make_leads(["eve"])
        self.env["mailing.contact"].create(
            {"email": newcomer.email_from, "list_ids": [(4, customers.id)]}
        )
        with self.at(self.T0 + timedelta(days=1)):
            self.assertEqual(self.run_due(), 0)
        self.assertNotIn(newcomer.id, self.traced(mailing))

    def test_mailing_list_recipients(self):
        """On a mailing list: contacts added between runs get run 2, opted-out
        contacts never."""
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "Tea lovers",
                "contact_ids": [
                    (0, 0, {"email": "one@tea.example.com"}),
                    (0, 0, {"email": "two@tea.example.com"}),
                ],
            }
        )
        with self.at(self.T0):
            mailing = self.recurring_mailing(
                mailing_model_id=self.env["ir.model"]._get_id("mailing.list"),
                contact_list_ids=[(6, 0, mailing_list.ids)],
            )
            mailing.action_launch()
            self.assertEqual(self.run_due(), 2)
        three = self.env["mailing.contact"].create(
            {"email": "three@tea.example.com", "list_ids": [(4, mailing_list.id)]}
        )
        four = self.env["mailing.contact"].create(
            {
                "email": "four@tea.example.com",
                "subscription_ids": [
                    (0, 0, {"list_id": mailing_list.id, "opt_out": True})
                ],
            }
        )
        with self.at(self.T0 + timedelta(days=1)):
            self.run_due()
        traces = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id)]
        )
        sent = traces.filtered(lambda t: t.trace_status != "cancel")
        self.assertIn(three.id, sent.mapped("res_id"))
        self.assertNotIn(four.id, sent.mapped("res_id"))
        self.assertEqual(len(sent), 3)

    def test_crash_after_a_batch(self):
        """A failure after the first batch: that batch stays, the failure is
        recorded on the mailing and the run is tried again later, which finishes
        it: everybody once, one run, the error cleared."""
        more = self.make_leads(["dan", "eli", "fay"])
        everyone = self.leads | more
        origin = type(self.env["mailing.mailing"])._action_send_mail
        calls = []

        def failing_send(mailing, res_ids=None):
            calls.append(res_ids)
            if len(calls) == 2:
                raise ConnectionRefusedError("SMTP went away")
            return origin(mailing, res_ids)

        with self.at(self.T0):
            mailing = self.recurring_mailing()
            mailing.action_launch()
            with (
                patch.object(type(mailing), "_action_send_mail", failing_send),
                mute_logger(
                    "odoo.addons.mass_mailing_crm_nurture.models.mailing_mailing_recurrence"
                ),
            ):
                self.assertEqual(self.run_due(batch_size=2), 2)
            self.assertEqual(len(self.traced(mailing)), 2)
            self.assertEqual(mailing.recurrence_run_ids.state, "running")
            self.assertEqual(mailing.recurrence_failure_count, 1)
            self.assertIn("SMTP went away", mailing.recurrence_last_error)
            self.assertEqual(
                mailing.recurrence_next_date, self.T0 + timedelta(minutes=5)
            )
            # Not before its retry.
            self.assertEqual(self.run_due(batch_size=2), 0)
        with self.at(self.T0 + timedelta(minutes=5)):
            self.assertEqual(self.run_due(batch_size=2), 4)
        self.assertEqual(self.traced(mailing), dict.fromkeys(everyone.ids, 1))
        run = mailing.recurrence_run_ids
        self.assertEqual(len(run), 1)
        self.assertEqual((run.state, run.new_recipient_count), ("done", 6))
        self.assertEqual(mailing.recurrence_failure_count, 0)
        self.assertFalse(mailing.recurrence_last_error)

    def test_bounded_batches(self):
        """A call handles at most max_batches batches; the next calls go on."""
        self.make_leads(["dan", "eli"])
        with self.at(self.T0):
            mailing = self.recurring_mailing()
            mailing.action_launch()
            self.assertEqual(self.run_due(batch_size=2, max_batches=1), 2)
            self.assertEqual(self.run_due(batch_size=2, max_batches=1), 2)
            self.assertEqual(mailing.recurrence_run_ids.state, "running")
            self.assertEqual(self.run_due(batch_size=2, max_batches=1), 1)
            self.assertEqual(self.run_due(batch_size=2, max_batches=1), 0)
        self.assertEqual(mailing.recurrence_run_ids.state, "done")
        self.assertEqual(len(self.traced(mailing)), 5)

    def test_pause_resume_stop_end(self):
        with self.at(self.T0):
            mailing = self.recurring_mailing(
                recurrence_end_date=self.T0 + timedelta(days=3)
            )
            mailing.action_launch()
            mailing.action_pause_recurrence()
            self.assertEqual(self.run_due(), 0)
        # Resumed two and a half days later: the missed runs are not sent in a burst.
        with self.at(self.T0 + timedelta(days=2, hours=12)):
            mailing.action_resume_recurrence()
            self.assertEqual(mailing.recurrence_next_date, self.T0 + timedelta(days=3))
            self.assertEqual(self.run_due(), 0)
        with self.at(self.T0 + timedelta(days=3)):
            self.assertEqual(self.run_due(), 3)
        # The next run would fall after the end date: the recurrence is over.
        self.assertEqual(mailing.state, "done")
        self.assertFalse(mailing.recurrence_next_date)
        other = self.recurring_mailing()
        other.action_launch()
        other.action_stop_recurrence()
        self.assertEqual(other.state, "done")

    @users("nurture_recurring_marketer")
    def test_marketing_user_rights(self):
        with self.at(self.T0):
            mailing = self.recurring_mailing().with_env(self.env)
            mailing.action_launch()
        self.assertEqual(mailing.state, "recurring")
        with self.at(self.T0), self.mock_mail_gateway():
            mailing.sudo()._process_recurring()
        self.assertEqual(mailing.recurrence_run_count, 1)
        self.assertEqual(mailing.recurrence_run_ids.new_recipient_count, 3)
        with self.assertRaises(AccessError):
            self.env["mailing.recurrence.run"].create(
                {"mailing_id": mailing.id, "date_start": self.T0}
            )
        with self.assertRaises(AccessError):
            mailing.recurrence_run_ids.write({"new_recipient_count": 99})


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestRecurringFailures(NurtureRecurringCommon):
    """A recurring mailing that fails never stops the others; it is tried again
    with a growing delay, shown on the mailing, and paused after too many."""

    LOGGER = "odoo.addons.mass_mailing_crm_nurture.models.mailing_mailing_recurrence"

    def test_failing_render_among_good_ones(self):
        """A mailing whose email does not render fails alone: the good one is sent
        to everybody, the bad one to nobody, with its error on the mailing and in
        its chatter; it is tried again 5, 10, 20, 40 minutes later, then paused."""
        with self.at(self.T0):
            bad = self.recurring_mailing(
                subject="Broken",
                body_html='<p>Hi <t t-out="object.nonexistent_field"/></p>',
            )
            good = self.recurring_mailing(subject="Fine")
            (bad | good).action_launch()
            with mute_logger(self.LOGGER):
                self.assertEqual(self.run_due(), 3)
        self.assertEqual(self.traced(good), dict.fromkeys(self.leads.ids, 1))
        self.assertFalse(self.traced(bad))
        self.assertEqual(bad.recurrence_failure_count, 1)
        self.assertIn("nonexistent_field", bad.recurrence_last_error)
        self.assertIn("tried again", bad.message_ids[0].body)
        minutes = 0
        for attempt, delay in enumerate((5, 10, 20, 40), start=2):
            minutes += delay
            with (
                self.at(self.T0 + timedelta(minutes=minutes - 1)),
                mute_logger(self.LOGGER),
            ):
                self.run_due()
            self.assertEqual(
                bad.recurrence_failure_count, attempt - 1, "not before its retry"
            )
            with (
                self.at(self.T0 + timedelta(minutes=minutes)),
                mute_logger(self.LOGGER),
            ):
                self.run_due()
            self.assertEqual(bad.recurrence_failure_count, attempt)
        self.assertTrue(bad.recurrence_paused)
        self.assertIn("paused", bad.message_ids[0].body)
        self.assertFalse(self.traced(bad))
        self.assertEqual(bad.state, "recurring")
