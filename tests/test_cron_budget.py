# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Scheduled runs stop on their own within the cron worker's time limit.

Time is a clock of the tests' own (``cron_budget.clock``), moved by the work the
engines do (a second per step group, per enrollment batch, per recurring batch,
per email sent): what is checked is the rule, the same whatever the machine's
speed. One test runs on the real clock with a limit of a few seconds."""

import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import freezegun

from odoo import Command
from odoo.sql_db import Cursor
from odoo.tests import tagged
from odoo.tools import config

from odoo.addons.mass_mailing_crm_nurture import compat, cron_budget
from odoo.addons.mass_mailing_crm_nurture.models import crm_nurture_sequence

from .common import NurtureTagCommon
from .common_nurture import NurtureSequenceCommon


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class BudgetCase:
    """A worker's time limit, a clock moved by hand, Odoo's progress reports."""

    def setUp(self):
        super().setUp()
        # The queue's runs below count what they send: from an empty queue (19.0
        # tells a sequence's responsible of the assignment by email).
        self.env["mail.mail"].sudo().search([("state", "=", "outgoing")]).unlink()
        # What a process remembers of its cron runs, forgotten between tests.
        for memory in (cron_budget._skipped, cron_budget._item_seconds):
            memory.clear()
            self.addCleanup(memory.clear)

    @contextmanager
    def limits(self, real=6, cron=-1, workers=2):
        with patch.dict(
            config.options,
            {
                "limit_time_real": real,
                "limit_time_real_cron": cron,
                "workers": workers,
            },
        ):
            yield

    @contextmanager
    def fake_clock(self):
        clock = FakeClock()
        with patch.object(cron_budget, "clock", clock):
            yield clock

    @contextmanager
    def slow(self, model, method, clock, seconds=1.0):
        """Each call of ``model.method`` takes ``seconds`` on ``clock``."""
        cls = type(self.env[model])
        original = getattr(cls, method)

        def timed(records, *args, **kwargs):
            clock.advance(seconds)
            return original(records, *args, **kwargs)

        with patch.object(cls, method, timed):
            yield

    @contextmanager
    def progress(self):
        reports = []

        def notify(_cron, done, remaining):
            reports.append((done, remaining))

        self.reports = reports
        with patch.object(compat, "notify_progress", notify):
            yield reports


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestBudgetRule(BudgetCase, NurtureTagCommon):
    def test_worker_limit_as_odoo_computes_it(self):
        cases = [
            # (limit_time_real, limit_time_real_cron, workers) -> limit
            ((120, -1, 2), 120),  # Odoo's defaults with workers
            ((120, 300, 2), 300),  # a cron limit of its own
            ((90, 0, 0), 90),  # threaded: the real limit applies to cron threads
            ((120, 0, 2), cron_budget.DEFAULT_TIME_LIMIT),  # workers never killed
            ((0, -1, 0), cron_budget.DEFAULT_TIME_LIMIT),  # no limit at all
        ]
        for (real, cron, workers), expected in cases:
            with self.subTest(real=real, cron=cron, workers=workers):
                with self.limits(real, cron, workers):
                    self.assertEqual(cron_budget.worker_time_limit(), expected)

    def test_budget_half_the_limit_or_the_parameter_within_it(self):
        params = self.env["ir.config_parameter"].sudo()
        with self.limits(real=120):
            self.assertEqual(cron_budget.RunBudget(self.env).seconds, 60)
            params.set_param(cron_budget.BUDGET_PARAM, "30")
            self.assertEqual(cron_budget.RunBudget(self.env).seconds, 30)
            params.set_param(cron_budget.BUDGET_PARAM, "500")
            self.assertEqual(cron_budget.RunBudget(self.env).seconds, 120)
            params.set_param(cron_budget.BUDGET_PARAM, "soon")
            self.assertEqual(cron_budget.RunBudget(self.env).seconds, 60)

    def test_a_poll_shares_the_limit_and_counts_the_sleep_before_it(self):
        """A cron worker runs the due actions of a poll one after the other, and
        Odoo's watchdog times its sleep before the poll (prefork) and the whole
        poll: the second action of a poll has what the first one left, and a
        prefork worker's limit is reduced by its longest sleep. Before, each
        action had half the limit from its own start: after a full sleep, one
        action's budget alone passed the limit (WorkerCron timeout in the soak)."""

        class PollCursor:  # one per poll, as Odoo's cron cursor
            closed = False

        # No poll left on the thread for the other tests.
        self.addCleanup(setattr, cron_budget._poll, "cursor", None)
        with self.limits(real=200, workers=2), self.fake_clock() as clock:
            poll = PollCursor()
            cron_budget.poll_job(poll)
            with cron_budget.job_run():
                budget = cron_budget.RunBudget(self.env)
                self.assertEqual(budget.limit, 200 - cron_budget.POLL_SLEEP)
                self.assertEqual(budget.seconds, 65)
                with budget.batch():
                    clock.advance(1)
                clock.advance(60)  # the rest of the first action
            cron_budget.poll_job(poll)  # the next action of the same poll
            with cron_budget.job_run():
                budget = cron_budget.RunBudget(self.env)
                self.assertEqual(budget.elapsed(), 61)
                self.assertTrue(budget.allows())  # its first batch, always
                with budget.batch():
                    clock.advance(3)
                self.assertFalse(budget.allows())  # 64 + 3 > 65
            # A new poll starts a new clock.
            cron_budget.poll_job(PollCursor())
            with cron_budget.job_run():
                self.assertEqual(cron_budget.RunBudget(self.env).elapsed(), 0)
            # Out of a poll (the poll's cursor closed or gone): the call's own.
            del poll
            with cron_budget.job_run():
                budget = cron_budget.RunBudget(self.env)
                self.assertEqual((budget.limit, budget.seconds), (200, 100))
        # Cron threads (no workers) do not count their sleep; a limit below the
        # sleep leaves a tenth of it.
        for workers, real, limit in ((0, 200, 200), (2, 60, 6)):
            with self.subTest(workers=workers, real=real):
                with self.limits(real=real, workers=workers):
                    poll = PollCursor()
                    cron_budget.poll_job(poll)
                    with cron_budget.job_run():
                        budget = cron_budget.RunBudget(self.env)
                        self.assertEqual(budget.limit, limit)

    def test_an_action_finding_the_poll_spent_waits_one_poll(self):
        """An action whose poll's budget was spent by the actions before it (a
        backlog of another engine) does not start its first batch, which would
        run past the worker's limit (the soak's "WorkerCron timeout" on the first
        poll after a start): it does nothing, is triggered for the next poll, and
        then runs whatever the poll's clock says (skipped once in a row, never
        starved by the actions before it)."""

        class PollCursor:
            closed = False

        self.addCleanup(setattr, cron_budget._poll, "cursor", None)
        queue = self.env.ref("mail.ir_cron_mail_scheduler_action")
        in_queue = self.env(context=dict(self.env.context, cron_id=queue.id))
        Trigger = self.env["ir.cron.trigger"].sudo()

        polls = []  # Odoo holds a poll's cursor while the poll goes on

        def poll_spent_by_another_action(clock):
            """A new poll whose first action spends 70 s of its 65 s budget."""
            polls.append(PollCursor())
            cron_budget.poll_job(polls[-1])
            with cron_budget.job_run():
                clock.advance(70)

        with (
            self.limits(real=200, workers=2),
            self.fake_clock() as clock,
            self.progress() as reports,
        ):
            poll_spent_by_another_action(clock)
            cron_budget.poll_job(cron_budget.current_poll())  # the queue's turn
            with cron_budget.job_run():
                budget = cron_budget.RunBudget(in_queue)
                self.assertEqual(budget.seconds, 65)
                self.assertFalse(budget.allows())
                before = Trigger.search([("cron_id", "=", queue.id)])
                budget.hand_over(in_queue)
                # Odoo 18 calls it again in the same run: still nothing, one trigger.
                again = cron_budget.RunBudget(in_queue)
                self.assertFalse(again.allows())
                again.hand_over(in_queue)
                triggers = Trigger.search([("cron_id", "=", queue.id)]) - before
            self.assertEqual(len(triggers), 1)
            self.assertEqual(reports, [(0, 1), (0, 1)])
            # The next poll: spent again by the first action, the queue runs.
            poll_spent_by_another_action(clock)
            cron_budget.poll_job(cron_budget.current_poll())
            with cron_budget.job_run():
                budget = cron_budget.RunBudget(in_queue)
                self.assertTrue(budget.allows())
                with budget.batch():
                    clock.advance(1)
                self.assertFalse(budget.allows())  # past the budget: stops there
            # Having run, it is skipped again when it finds the poll spent.
            poll_spent_by_another_action(clock)
            cron_budget.poll_job(cron_budget.current_poll())
            with cron_budget.job_run():
                self.assertFalse(cron_budget.RunBudget(in_queue).allows())
            # First of a poll, or called out of Odoo's cron runner: always starts.
            polls.append(PollCursor())
            cron_budget.poll_job(polls[-1])
            with cron_budget.job_run():
                self.assertTrue(cron_budget.RunBudget(in_queue).allows())
            cron_budget._poll.cursor = None
            with cron_budget.job_run():
                clock.advance(100)
                self.assertTrue(cron_budget.RunBudget(in_queue).allows())

    def test_next_batch_only_if_it_ends_within_the_budget(self):
        with self.limits(real=10), self.fake_clock() as clock:
            budget = cron_budget.RunBudget(self.env)  # 5 s
            self.assertTrue(budget.allows())  # the first batch always
            with budget.batch():
                clock.advance(2)
            self.assertTrue(budget.allows())  # 2 + 2 <= 5
            with budget.batch():
                clock.advance(1)
            self.assertTrue(budget.allows())  # 3 + 2 (longest) <= 5
            with budget.batch():
                clock.advance(1)
            self.assertFalse(budget.allows())  # 4 + 2 > 5
            # Another engine of the same run shares its clock and its batches.
            with cron_budget.job_run() as run:
                self.assertIsNot(run, budget.run)
                self.assertTrue(cron_budget.RunBudget(self.env).allows())

    def test_budget_spans_the_calls_of_one_scheduled_run(self):
        """Odoo 18 calls an action that reports work left up to ten times in a
        row: the budget is the run's, not each call's."""
        with self.limits(real=10), self.fake_clock() as clock:
            with cron_budget.job_run():
                first = cron_budget.RunBudget(self.env)
                with first.batch():
                    clock.advance(4)
                first.add_done(7)
                second = cron_budget.RunBudget(self.env)
                self.assertFalse(second.allows())
                with self.progress() as reports:
                    first.notify_progress(self.env, remaining=3)
                    second.hand_over(self.env)
                # Both report the run's work, and what is left: called again.
                self.assertEqual(reports, [(7, 3), (7, 3)])
            # A new run starts afresh.
            with cron_budget.job_run():
                self.assertTrue(cron_budget.RunBudget(self.env).allows())

    def test_tag_expiry_stops_within_the_budget(self):
        with self.mock_now(self.T0):
            self.leads.write({"tag_ids": [Command.link(self.tag_restock.id)]})
        Stat = self.env["crm.lead.tag.stat"]
        with (
            self.mock_now(self.T0 + timedelta(days=11)),
            self.limits(real=4),
            self.fake_clock() as clock,
            self.slow("crm.lead.tag.stat", "_expire_next_batch", clock),
            self.progress() as reports,
        ):
            with cron_budget.job_run():
                # 2 s of budget: a batch (1 s), a second (1 + 1 <= 2), then stop.
                self.assertEqual(Stat._expire_tags(batch_size=1), 2)
                self.assertEqual(reports[-1], (2, 2))
                # Odoo's next call in the same run does nothing and hands over.
                Stat._cron_expire_tags()
                self.assertEqual(reports[-1], (2, 2))
            with cron_budget.job_run():
                self.assertEqual(Stat._expire_tags(batch_size=1), 2)
            self.assertEqual(reports[-1], (2, 0))
        self.assertFalse(self.leads.with_context(active_test=False).tag_ids)


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureBudget(BudgetCase, NurtureSequenceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One email step for everyone: a backlog of 40 first emails.
        (cls.sequence.step_ids - cls.week1).unlink()
        cls.backlog = cls.make_leads([f"backlog{idx}" for idx in range(37)])

    def run_cron(self, when):
        """One run of the scheduled action, as Odoo's cron runner makes it."""
        with self.at(when):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.mock_mail_gateway(mail_unlink_sent=False):
                with cron_budget.job_run():
                    self.env["crm.nurture.sequence"]._cron_process()
                # What the nurture action reported last (the queue reports too).
                self.cron_report = self.reports[-1] if self.reports else None
                # The mail queue is a scheduled action (a run) of its own.
                with cron_budget.job_run():
                    self.env["mail.mail"].process_email_queue()
            return Counter(mail["email_to"][0] for mail in self._mails)

    def test_backlog_over_several_runs_every_email_once(self):
        leads = self.leads | self.backlog
        self.start_with(leads)
        sent = Counter()
        with (
            patch.object(crm_nurture_sequence, "PROCESS_BATCH_SIZE", 10),
            self.limits(real=6),
            self.fake_clock() as clock,
            self.slow("crm.nurture.trace", "_process_group", clock),
            self.progress(),
        ):
            # 3 s of budget: batches of 10 emails at 1 s each, three per run.
            start = clock()
            sent.update(self.run_cron(self.T0))
            self.assertLessEqual(clock() - start, 6)
            self.assertEqual(len(sent), 30)
            self.assertEqual(self.cron_report, (30, 10))
            sent.update(self.run_cron(self.T0))
            self.assertEqual(self.cron_report, (10, 0))
        self.assertEqual(len(sent), 40)
        self.assertEqual(set(sent.values()), {1}, "an email sent twice")
        self.assertEqual(len(self.week1.mailing_id.mailing_trace_ids), 40)

    def test_calls_after_the_budget_do_nothing_and_hand_over(self):
        """Odoo 18 calls the action again at once while work is left, ten times:
        once the run's budget is spent the calls send nothing, each reports the
        run's work and what is left, so the next poll goes on."""
        self.start_with(self.leads | self.backlog)
        with (
            patch.object(crm_nurture_sequence, "PROCESS_BATCH_SIZE", 10),
            self.limits(real=6),
            self.fake_clock() as clock,
            self.slow("crm.nurture.trace", "_process_group", clock),
            self.progress() as reports,
            self.at(self.T0),
            self.mock_mail_gateway(mail_unlink_sent=False),
            cron_budget.job_run(),
        ):
            for _call in range(10):
                self.env["crm.nurture.sequence"]._cron_process()
        self.assertEqual(reports[-10:], [(30, 10)] * 10)
        done = self.sequence.participant_ids.trace_ids.filtered(
            lambda t: t.state == "done"
        )
        self.assertEqual(len(done), 30)

    def test_enrollment_takes_half_the_budget(self):
        """A large filter is enrolled over several runs, the due steps of those
        already in going on meanwhile; each lead joins once."""
        leads = self.leads | self.backlog
        with self.at(self.T0):
            self.sequence.write({"enrollment_mode": "continuous"})
            self.sequence.with_user(self.user_manager).action_start()
        with (
            patch.object(crm_nurture_sequence, "ENROLL_BATCH_SIZE", 8),
            self.limits(real=8),
            self.fake_clock() as clock,
            self.slow("crm.nurture.sequence", "_enroll", clock),
            self.progress(),
        ):
            # 4 s of budget, 2 s for enrollment: two batches of 8 leads per run.
            self.run_cron(self.T0)
            self.assertEqual(len(self.sequence.participant_ids), 16)
            # Enrollment left: work left, even with every step done.
            self.assertEqual(self.cron_report[1], 1)
            runs = 1
            while len(self.sequence.participant_ids) < len(leads) and runs < 5:
                self.run_cron(self.T0)
                runs += 1
        self.assertEqual(runs, 3)
        self.assertEqual(self.sequence.participant_ids.lead_id, leads)
        self.assertEqual(len(self.sequence.participant_ids), len(leads))
        self.assertEqual(len(self.week1.mailing_id.mailing_trace_ids), len(leads))

    def test_action_finding_the_poll_spent_sends_at_the_next_poll(self):
        """The nurture action, after another action of its poll spent the budget:
        nothing sent and triggered for the next poll; there, every email once."""

        class PollCursor:
            closed = False

        self.addCleanup(setattr, cron_budget._poll, "cursor", None)
        action = self.env.ref("mass_mailing_crm_nurture.ir_cron_nurture_process")
        self.start_with(self.leads)
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([]).unlink()
        Sequence = self.env["crm.nurture.sequence"].with_context(cron_id=action.id)
        with (
            self.limits(real=200, workers=2),
            self.fake_clock() as clock,
            self.progress() as reports,
            self.at(self.T0),
            self.mock_mail_gateway(mail_unlink_sent=False),
        ):
            for _poll in range(2):
                poll = PollCursor()
                cron_budget.poll_job(poll)
                with cron_budget.job_run():  # another action of the poll
                    clock.advance(66)
                cron_budget.poll_job(cron_budget.current_poll())
                with cron_budget.job_run():
                    Sequence._cron_process()
                if not _poll:
                    self.assertEqual(reports, [(0, 1)])
                    self.assertEqual(Trigger.search([]).cron_id, action)
                    self.assertFalse(self.week1.mailing_id.mailing_trace_ids)
        self.assertEqual(reports[-1], (len(self.leads), 0))
        self.assertEqual(
            sorted(self.week1.mailing_id.mailing_trace_ids.mapped("res_id")),
            sorted(self.leads.ids),
        )

    def test_batches_sized_to_fit_the_budget_in_a_cron_worker(self):
        """A batch of a fixed size takes what the machine makes of it (on a
        loaded machine one nurture batch of 500 steps took longer than a poll may
        run): in a cron worker a batch takes the steps that fit a quarter of the
        budget at the seconds per step its last batch took, starting with a tenth
        of the engine's size when it measured nothing yet; called directly, the
        engine's size."""

        class PollCursor:
            closed = False

        self.addCleanup(setattr, cron_budget._poll, "cursor", None)
        self.start_with(self.leads | self.backlog)  # 40 first emails due
        Trace = type(self.env["crm.nurture.trace"])
        select, group = Trace._select_due_fresh, Trace._process_group
        sizes = []

        def selecting(records, limit, auto_commit):
            sizes.append(limit)
            return select(records, limit, auto_commit)

        def half_a_second_per_step(records, step, trace_ids):
            clock.advance(0.5 * len(trace_ids))
            return group(records, step, trace_ids)

        with (
            patch.object(crm_nurture_sequence, "PROCESS_BATCH_SIZE", 100),
            patch.object(Trace, "_select_due_fresh", selecting),
            patch.object(Trace, "_process_group", half_a_second_per_step),
            self.limits(real=200, workers=2),  # a poll's budget: 65 s
            self.fake_clock() as clock,
            self.progress(),
        ):
            poll = PollCursor()
            sent = self.run_cron_in_poll(poll)
        # 10 steps (5 s), then 65 / 4 / 0.5 = 32 at most: the 30 left.
        self.assertEqual(sizes[:2], [10, 32])
        self.assertEqual(len(sent), 40)
        self.assertEqual(set(sent.values()), {1})
        # Out of Odoo's cron runner: the engine's own size.
        cron_budget._poll.cursor = None
        self.assertEqual(
            cron_budget.RunBudget(self.env).batch_size("nurture.steps", 100), 100
        )
        # A loaded machine (60 ms per step) and a prefork worker at Odoo's
        # default limit (25 s of budget): about 100 steps per batch.
        cron_budget._item_seconds[(self.env.cr.dbname, "nurture.steps")] = 0.06
        with self.limits(real=120, workers=2):
            cron_budget.poll_job(poll)
            self.assertEqual(
                cron_budget.RunBudget(self.env).batch_size("nurture.steps", 500), 104
            )

    def run_cron_in_poll(self, poll):
        """``run_cron`` as the first action of a cron poll."""
        cron_budget.poll_job(poll)
        return self.run_cron(self.T0)

    def test_copies_of_the_action_are_woken_too(self):
        """A deployment duplicates the action to run the engine in several cron
        workers: an enrollment wakes every copy, not only the original."""
        action = self.env.ref("mass_mailing_crm_nurture.ir_cron_nurture_process")
        copy = action.copy({"active": True})
        other = self.env.ref("mass_mailing_crm_nurture.ir_cron_mailing_recurrence")
        Trigger = self.env["ir.cron.trigger"]
        Trigger.search([]).unlink()
        self.start_with(self.leads)
        woken = Trigger.search([]).cron_id
        self.assertIn(action, woken)
        self.assertIn(copy, woken)
        self.assertNotIn(other, woken)

    def test_real_clock_a_few_seconds(self):
        """On the real clock: with a limit of 3 s, one run on a backlog returns
        within it, with work left."""
        self.start_with(self.leads | self.backlog)
        original = type(self.env["crm.nurture.trace"])._process_group

        def slow_group(records, step, trace_ids):
            time.sleep(0.25)
            return original(records, step, trace_ids)

        with (
            patch.object(crm_nurture_sequence, "PROCESS_BATCH_SIZE", 2),
            patch.object(
                type(self.env["crm.nurture.trace"]), "_process_group", slow_group
            ),
            self.limits(real=3),
            self.progress() as reports,
            # Time goes on (a frozen clock never spends a budget).
            freezegun.freeze_time(self.T0, tick=True),
            patch.object(Cursor, "now", lambda *a, **k: self.T0),
            self.mock_mail_gateway(mail_unlink_sent=False),
        ):
            start = time.monotonic()
            with cron_budget.job_run():
                self.env["crm.nurture.sequence"]._cron_process()
            elapsed = time.monotonic() - start
        self.assertLess(elapsed, 3)
        done, remaining = reports[-1]
        self.assertGreater(done, 0)
        self.assertGreater(remaining, 0)


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestRecurringAndQueueBudget(BudgetCase, NurtureSequenceCommon):
    def test_recurring_run_stops_within_the_budget(self):
        everyone = self.leads | self.make_leads([f"rec{idx}" for idx in range(9)])
        with self.at(self.T0):
            mailing = self.recurring_mailing()
            mailing.action_launch()
        with (
            self.limits(real=6),
            self.fake_clock() as clock,
            self.slow("mailing.mailing", "_run_recurrence_batch", clock),
            self.progress() as reports,
            self.at(self.T0),
        ):
            # 3 s: three batches of 2 per run (the fourth call finds none).
            with cron_budget.job_run():
                self.assertEqual(self.run_due(batch_size=2), 6)
            self.assertEqual(reports[-1], (6, 6))
            with cron_budget.job_run():
                self.assertEqual(self.run_due(batch_size=2), 6)
        self.assertEqual(self.traced(mailing), dict.fromkeys(everyone.ids, 1))

    def test_mail_queue_stops_within_the_budget(self):
        """Odoo's mail queue, run as a scheduled action, stops after the email at
        hand once the budget is spent; the rest stays queued, reported as work
        left, and goes with the next run: each email once."""
        mails = self.env["mail.mail"].create(
            [
                {
                    "email_to": f"queue{idx}@example.com",
                    "subject": "Queued",
                    "body_html": "<p>Hello</p>",
                }
                for idx in range(30)
            ]
        )
        with (
            self.limits(real=30),
            self.fake_clock() as clock,
            # Each email takes half a second at the relay.
            self.slow("mail.mail", "_postprocess_sent_message", clock, seconds=0.5),
            self.progress() as reports,
            self.mock_mail_gateway(mail_unlink_sent=False),
        ):
            with cron_budget.job_run():
                self.env["mail.mail"].process_email_queue()
            # 15 s of budget, emails 20 at a time: one chunk (10 s), then a
            # second would end after the budget.
            first = {mail["email_to"][0] for mail in self._mails}
            self.assertEqual(len(first), 20)
            self.assertEqual(reports[-1], (20, 10))
            mails.invalidate_recordset()
            self.assertEqual(
                Counter(mails.mapped("state")), {"sent": 20, "outgoing": 10}
            )
            with cron_budget.job_run():
                self.env["mail.mail"].process_email_queue()
        sent = Counter(mail["email_to"][0] for mail in self._mails)
        self.assertEqual(len(sent), 30)
        self.assertEqual(set(sent.values()), {1})
        self.assertEqual(reports[-1], (10, 0))

    def traced(self, mailing):
        traces = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id)]
        )
        return dict(Counter(traces.mapped("res_id")))
