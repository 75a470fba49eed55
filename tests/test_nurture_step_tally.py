# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import ExitStack
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..engagement_signal import REQUEST_KEY
from ..models import crm_nurture_step_tally
from ..models.crm_nurture_step_statistics import STEP_METRICS
from .common import CommittedCursorsMixin
from .common_nurture import NurtureSequenceCommon

TALLY = crm_nurture_step_tally.TALLY_TABLE
TRACE_LOGGER = "odoo.addons.mass_mailing_crm_nurture.models.crm_nurture_trace"


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureStepTally(CommittedCursorsMixin, NurtureSequenceCommon):
    """The step numbers the database keeps (crm.nurture.step.tally) against the
    live count of the step traces, step by step, after each kind of change:
    the engine's, Odoo's email events, deletions, compaction, rebuild. Each test
    also checks that the change moved the live numbers: a tally that missed it
    would differ."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ann, cls.bob, cls.cid = cls.leads
        cls.dan, cls.eve = cls.make_leads(["dan", "eve"])
        cls.all_leads = cls.leads | cls.dan | cls.eve

    def live(self):
        """Step id -> the numbers of every step of the database, live."""
        steps = self.env["crm.nurture.step"].with_context(active_test=False)
        return self.nonzero(steps.search([])._read_statistics_live())

    @staticmethod
    def nonzero(numbers):
        return {
            step_id: values
            for step_id, values in numbers.items()
            if any(values.values())
        }

    def assertTally(self, msg=None):
        """The tally equals the live count for every step; returns the live one."""
        steps = self.env["crm.nurture.step"].with_context(active_test=False)
        steps = steps.search([])
        live = self.nonzero(steps._read_statistics_live())
        self.assertEqual(self.nonzero(steps._read_statistics()), live, msg)
        return live

    def number(self, step, metric):
        return self.live().get(step.id, {}).get(metric, 0)

    def tally_rows(self, step):
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT COUNT(*) FROM {TALLY} WHERE step_id = %s",  # noqa: S608
            [step.id],
        )
        return self.env.cr.fetchone()[0]

    def week1_traces(self, *leads):
        """The mailing traces of the first email sent to ``leads``."""
        return self.week1.mailing_id.mailing_trace_ids.filtered(
            lambda mail: mail.res_id in [lead.id for lead in leads]
        )

    def send_week1(self):
        self.start_with(self.all_leads)
        self.assertTally("enrolled: first steps scheduled")
        self.assertEqual(self.number(self.week1, "scheduled"), 5)
        self.assertEqual(self.process(self.T0), 5)
        live = self.assertTally("first emails sent")
        self.assertEqual(
            (live[self.week1.id]["done"], live[self.week1.id]["sent"]), (5, 5)
        )

    # ------------------------------------------------------------------
    # Engine and email events
    # ------------------------------------------------------------------

    def test_engine_run_and_gateway_events(self):
        """The restock flow run by the engine, with opens, a click, a reply and a
        bounce coming in through Odoo's mail gateway."""
        self.send_week1()
        week1 = self.week1.mailing_id
        with self.at(self.T0 + self.days(1)):
            self.gateway_mail_trace_open(week1, self.ann)
            self.assertTally("opened")
            self.gateway_mail_trace_click(week1, self.bob, "teapot")
            self.assertTally("clicked")
            self.gateway_mail_trace_reply(week1, self.cid)
            self.assertTally("replied")
            self.gateway_mail_trace_bounce(week1, self.dan)
            self.assertTally("bounced")
        numbers = self.live()[self.week1.id]
        self.assertEqual(
            [numbers[m] for m in ("opened", "clicked", "replied", "bounced")],
            [3, 1, 1, 1],
        )
        self.assertEqual(self.process(self.T0 + self.days(1)), 1)
        self.assertTally("clicked branch run, the other one cancelled")
        self.assertEqual(self.number(self.week2_clicked, "done"), 1)
        self.assertEqual(self.process(self.T0 + self.days(7)), 7)
        self.assertTally("not-clicked branches run, bounced participant left")
        self.assertEqual(self.number(self.week2_ignored, "skipped"), 2)
        self.assertEqual(self.number(self.week3[0], "scheduled"), 3)
        # The numbers the cockpit shows are the tally's.
        flow = self.sequence.with_user(self.user_editor).flow_data
        boxes = {box["id"]: box["stats"] for box in flow["steps"]}
        self.assertEqual(boxes[self.week1.id]["opened"], 3)
        self.assertEqual(boxes[self.week3[0].id]["scheduled"], 3)

    def test_link_paths(self):
        """Steps on a given link (a path per link): the person's click of the
        link runs its path at once and cancels "did not click" it, a scanner's
        does not; at the deadline the others are decided; every number exact."""
        Step = self.env["crm.nurture.step"]
        teapot = "https://www.example.com/teapot"
        clicked, not_clicked = Step.create(
            [
                {
                    "sequence_id": self.sequence.id,
                    "name": f"Teapot {trigger}",
                    "parent_id": self.week1.id,
                    "trigger": trigger,
                    "trigger_url": teapot,
                    "delay": 7,
                    "action": "add_tags",
                    "tag_ids": [(4, self.env["crm.tag"].create({"name": trigger}).id)],
                }
                for trigger in ("clicked_link", "not_clicked_link")
            ]
        )
        self.send_week1()
        week1 = self.week1.mailing_id
        code = self.env["link.tracker.code"].search(
            [("link_id.url", "=", teapot), ("link_id.mass_mailing_id", "=", week1.id)],
            limit=1,
        )
        scanner = {REQUEST_KEY: {"user_agent": "Mimecast", "address": "1.2.3.4"}}
        with self.at(self.T0 + self.days(1)):
            self.env["link.tracker.click"].with_context(**scanner).sudo().add_click(
                code.code, mailing_trace_id=self.week1_traces(self.ann).id
            )
            self.assertTally("scanned: no path")
            self.gateway_mail_trace_click(week1, self.bob, "teapot")
            self.assertTally("clicked the link")
        self.assertEqual(self.number(not_clicked, "skipped"), 1)
        self.assertEqual(self.process(self.T0 + self.days(1)), 2)
        self.assertTally("the link's path run")
        self.assertEqual(self.number(clicked, "done"), 1)
        self.process(self.T0 + self.days(7))
        live = self.assertTally("deadline: the others decided")
        self.assertEqual(
            (live[clicked.id]["done"], live[clicked.id]["skipped"]), (1, 4)
        )
        self.assertEqual(
            (live[not_clicked.id]["done"], live[not_clicked.id]["skipped"]), (4, 1)
        )

    def test_odoo_email_status_methods(self):
        """Odoo's own status changes of mailing traces (mass_mailing's set_*)."""
        self.send_week1()
        mails = self.week1_traces(self.ann, self.bob, self.cid, self.dan, self.eve)
        ann, bob, cid, dan, eve = (self.week1_traces(lead) for lead in self.all_leads)
        self.assertEqual(len(mails), 5)
        steps = [
            ("set_opened", ann, "opened", 1),
            ("set_clicked", bob, "clicked", 1),
            ("set_replied", cid, "replied", 1),
            ("set_bounced", dan, "bounced", 1),
            ("set_failed", eve, "undelivered", 1),
            ("set_canceled", ann, "undelivered", 2),
            # Delivered again, neither opened nor clicked by a person: eve only
            # (ann was opened, bob clicked, before).
            ("set_sent", ann | eve, "ignored", 1),
        ]
        for method, traces, metric, expected in steps:
            getattr(traces, method)()
            self.assertTally(method)
            self.assertEqual(self.number(self.week1, metric), expected, method)

    def test_machine_signals(self):
        """Opens and clicks of machines through the routes (counted apart, in one
        statement of their own) and a burst of clicks withdrawn."""
        self.send_week1()
        ann, bob = self.week1_traces(self.ann), self.week1_traces(self.bob)
        prefetch = {REQUEST_KEY: {"user_agent": "Mozilla/5.0", "address": "17.1.2.3"}}
        ann.with_context(**prefetch).set_opened()
        self.assertTally("prefetched")
        self.assertEqual(self.number(self.week1, "machine_opened"), 1)
        self.assertEqual(self.number(self.week1, "proxy_hidden"), 1)
        self.assertEqual(self.number(self.week1, "opened"), 0)
        code = self.env["link.tracker.code"].search(
            [("link_id.url", "=", "https://www.example.com/teapot")], limit=1
        )
        scanner = {REQUEST_KEY: {"user_agent": "Mimecast", "address": "1.2.3.4"}}
        self.env["link.tracker.click"].with_context(**scanner).sudo().add_click(
            code.code, mailing_trace_id=bob.id
        )
        self.assertTally("scanned")
        self.assertEqual(self.number(self.week1, "machine_clicked"), 1)
        self.assertEqual(self.number(self.week1, "clicked"), 0)
        ann.set_opened()
        self.assertTally("opened by the person after the prefetch")
        self.assertEqual(self.number(self.week1, "proxy_hidden"), 0)

    def test_add_tags_step_and_exits(self):
        """A tag step done for some, participants exited or removed: their
        scheduled steps cancelled."""
        tag = self.env["crm.tag"].create({"name": "Tally tag"})
        self.week1.write({"action": "add_tags", "tag_ids": [tag.id]})
        self.start_with(self.all_leads)
        self.participant(self.dan)._exit("removed")
        self.participant(self.eve).action_remove()
        self.assertTally("exited before their first step")
        self.assertEqual(self.number(self.week1, "skipped"), 2)
        self.process(self.T0)
        self.assertTally("tags added")
        self.assertEqual(self.number(self.week1, "done"), 3)
        self.assertEqual(self.ann.tag_ids, tag)
        self.sequence.with_user(self.user_manager).action_stop()
        self.assertTally("sequence stopped")

    def test_retries_and_failure(self):
        """An email that does not render: attempts (retrying), then failed."""
        self.week1.mailing_id.body_html = '<p><t t-out="object.nonexistent_x"/></p>'
        self.start_with(self.leads)
        with mute_logger(TRACE_LOGGER):
            self.process(self.T0)
            self.assertTally("first attempt failed")
            self.assertEqual(self.number(self.week1, "retrying"), 3)
            for minutes in (5, 15, 35, 75):
                self.process(self.T0 + timedelta(minutes=minutes))
                self.assertTally(f"attempt after {minutes} minutes")
        self.assertEqual(self.number(self.week1, "failed"), 3)
        self.assertEqual(self.number(self.week1, "retrying"), 0)

    def test_test_runs_left_out(self):
        """A test run walks the flow without counting anywhere."""
        before = self.assertTally("nothing yet")
        wizard = self.env["crm.nurture.test.wizard"].create(
            {
                "sequence_id": self.sequence.id,
                "lead_id": self.ann.id,
                "email": "tester@example.com",
            }
        )
        with self.mock_mail_gateway():
            participant = wizard._start_test()
            participant.action_test_run_next_step()
            participant.action_test_simulate_click()
            participant.action_test_run_next_step()
        self.assertTrue(participant.trace_ids.filtered(lambda t: t.state == "done"))
        self.assertEqual(self.assertTally("test run"), before)
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT COUNT(*) FROM {TALLY} WHERE step_id = ANY(%s)",  # noqa: S608
            [self.sequence.step_ids.ids],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "no delta row at all")

    def test_state_and_link_in_one_statement(self):
        """One UPDATE changing both the state of step traces and their email."""
        self.send_week1()
        ann, bob = self.week1_traces(self.ann), self.week1_traces(self.bob)
        ann.set_opened()
        trace = self.participant(self.ann).trace_ids.filtered(
            lambda t: t.step_id == self.week1
        )
        scheduled = self.participant(self.bob).trace_ids.filtered(
            lambda t: t.step_id == self.week2_ignored
        )
        self.env.flush_all()
        # ann's step loses its (opened) email; bob's next step gets bob's email
        # and is done, in the same statement.
        self.env.cr.execute(
            """
            UPDATE crm_nurture_trace
               SET state = CASE id WHEN %(ann)s THEN 'failed' ELSE 'done' END,
                   mailing_trace_id = CASE id WHEN %(ann)s THEN NULL ELSE %(bob)s END
             WHERE id IN (%(ann)s, %(bob_next)s)
            """,
            {"ann": trace.id, "bob": bob.id, "bob_next": scheduled.id},
        )
        self.env.invalidate_all()
        self.assertTally("state and link changed together")
        self.assertEqual(self.number(self.week1, "opened"), 0)
        self.assertEqual(self.number(self.week1, "failed"), 1)
        self.assertEqual(self.number(self.week2_ignored, "sent"), 1)
        self.assertEqual(self.number(self.week2_ignored, "done"), 1)

    # ------------------------------------------------------------------
    # Deletions
    # ------------------------------------------------------------------

    def test_delete_mailing_trace(self):
        """A deleted email leaves its step traces (ON DELETE SET NULL) after it is
        gone: its numbers are taken off before."""
        self.send_week1()
        self.week1_traces(self.ann).set_opened()
        self.week1_traces(self.bob).set_clicked()
        self.week1_traces(self.ann, self.bob).unlink()
        self.assertTally("emails deleted")
        self.assertEqual(self.number(self.week1, "sent"), 3)
        self.assertEqual(self.number(self.week1, "opened"), 0)
        self.assertEqual(self.number(self.week1, "clicked"), 0)
        # Deleted with their mailing, as Odoo's cascade does.
        self.env.cr.execute(
            "DELETE FROM mailing_trace WHERE mass_mailing_id = %s",
            [self.week1.mailing_id.id],
        )
        self.assertTally("all emails of the step deleted")
        self.assertEqual(self.number(self.week1, "sent"), 0)

    def test_delete_participant(self):
        self.send_week1()
        self.week1_traces(self.ann).set_opened()
        self.participant(self.ann).unlink()
        self.assertTally("participant deleted")
        self.assertEqual(self.number(self.week1, "done"), 4)
        self.assertEqual(self.number(self.week1, "opened"), 0)

    def test_delete_step_and_sequence(self):
        """A step deleted takes its traces (cascade): the tally rows of a step
        gone neither break the delete nor stay."""
        self.send_week1()
        self.process(self.T0 + self.days(7))
        week2 = self.week2_ignored.id
        self.assertTrue(self.number(self.week2_ignored, "done"))
        self.sequence.action_stop()  # no one waits on a step deleted
        self.assertTally("sequence stopped")
        self.week3.unlink()
        self.week2_ignored.unlink()
        self.assertTally("steps deleted")
        self.assertEqual(self.tally_rows(self.env["crm.nurture.step"].browse(week2)), 0)
        steps = self.sequence.step_ids
        self.assertTrue(sum(self.tally_rows(step) for step in steps))
        self.sequence.unlink()
        self.assertTally("sequence deleted")
        self.assertEqual(sum(self.tally_rows(step) for step in steps), 0)

    # ------------------------------------------------------------------
    # Compaction, rebuild
    # ------------------------------------------------------------------

    def test_compaction(self):
        """Rows collapse into one per step, the numbers unchanged; a reader
        compacts the steps with many rows; a compaction running elsewhere makes
        another skip, never fail."""
        self.send_week1()
        for mail in self.week1_traces(*self.all_leads):
            mail.set_opened()
            mail.flush_recordset()  # one statement, one delta row each
        self.env.flush_all()
        self.assertGreater(self.tally_rows(self.week1), 5)
        before = self.assertTally("before compaction")
        Tally = self.env["crm.nurture.step.tally"]
        with ExitStack() as stack:
            other = self._cursor_env(stack)
            other.cr.execute(
                "SELECT pg_advisory_xact_lock(%s)",
                [crm_nurture_step_tally.COMPACT_LOCK_KEY],
            )
            self.assertFalse(Tally._compact(), "another compaction runs")
        self.assertGreater(self.tally_rows(self.week1), 5)
        self.assertTrue(Tally._compact())
        self.assertEqual(self.tally_rows(self.week1), 1)
        self.assertEqual(self.assertTally("after compaction"), before)
        # The reader compacts a step past the threshold.
        self.week1_traces(self.ann).set_clicked()
        self.assertEqual(self.tally_rows(self.week1), 2)
        with patch.object(crm_nurture_step_tally, "COMPACT_ABOVE_ROWS", 1):
            self.assertTally("read")
        self.assertEqual(self.tally_rows(self.week1), 1)

    def test_scheduled_action_compacts(self):
        self.send_week1()
        self.week1_traces(self.ann).set_opened()
        self.assertGreater(self.tally_rows(self.week1), 1)
        with self.at(self.T0), self.mock_mail_gateway():
            self.env["crm.nurture.sequence"]._cron_process()
        self.assertEqual(self.tally_rows(self.week1), 1)
        self.assertTally("after the scheduled action")

    def test_rebuild(self):
        """The rebuild refills the tally from the live count; init() (every
        update) replaces the triggers without counting twice or rebuilding."""
        self.send_week1()
        Tally = self.env["crm.nurture.step.tally"]
        self.env.cr.execute(f"DELETE FROM {TALLY}")  # noqa: S608
        self.assertNotEqual(self.nonzero(self.week1._read_statistics()), self.live())
        Tally._rebuild()
        live = self.assertTally("rebuilt")
        self.assertEqual(live[self.week1.id]["sent"], 5)
        with patch.object(type(Tally), "_rebuild") as rebuild:
            Tally.init()
            Tally.init()
        rebuild.assert_not_called()
        self.week1_traces(self.ann).set_opened()
        self.assertTally("triggers replaced, not doubled")
        # What the tally counts changed (an update that changes the metrics'
        # SQL): init() rebuilds it.
        with patch.object(crm_nurture_step_tally, "fingerprint", lambda: "changed"):
            with patch.object(type(Tally), "_rebuild") as rebuild:
                Tally.init()
        rebuild.assert_called_once()

    def test_uninstall_drops_all(self):
        """Nothing of the tally outlives the addon; Odoo's mailing traces are
        written as before."""
        self.send_week1()
        self.env["crm.nurture.step.tally"]._drop()
        self.env.cr.execute(
            """
            SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'crm_nurture_step_tally%%'
            UNION ALL
            SELECT COUNT(*) FROM pg_proc WHERE proname LIKE 'crm_nurture_step_tally%%'
            UNION ALL
            SELECT COUNT(*) FROM pg_class WHERE relname = %s
            """,
            [TALLY],
        )
        self.assertEqual([row[0] for row in self.env.cr.fetchall()], [0, 0, 0])
        mails = self.week1_traces(*self.all_leads)
        mails.set_opened()
        mails.flush_recordset()
        self.week1_traces(self.ann).unlink()
        self.env.flush_all()

    def test_every_metric_is_kept(self):
        """Each metric of STEP_METRICS is a column of the tally."""
        self.env.cr.execute(
            """
            SELECT column_name FROM information_schema.columns
             WHERE table_name = %s AND column_name <> 'step_id'
            """,
            [TALLY],
        )
        self.assertEqual({row[0] for row in self.env.cr.fetchall()}, set(STEP_METRICS))


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureStepTallyConcurrency(CommittedCursorsMixin, TransactionCase):
    """Two engine processes writing the traces of the same step at once, each in
    its own committed transaction: appending delta rows never waits on the other.
    Committed test data is deleted afterwards."""

    T0 = datetime(2026, 5, 4, 8, 0, 0)

    def setUp(self):
        super().setUp()
        self._commit_activity_sequence("Tally at once")

    def test_two_engines_same_step(self):
        with ExitStack() as stack:
            env_a, env_b = self._cursor_env(stack), self._cursor_env(stack)
            env_b.cr.execute("SET LOCAL lock_timeout = '2s'")
            traces = env_a["crm.nurture.trace"].search(
                [("step_id", "=", self.step_id)], order="id"
            )
            self.assertEqual(len(traces), 6)
            # A holds its three done traces (and its delta row) uncommitted...
            traces[:3].write({"state": "done"})
            env_a.flush_all()
            # ...while B writes the three others of the same step: no wait.
            env_b["crm.nurture.trace"].browse(traces[3:].ids).write({"state": "done"})
            env_b.flush_all()
            env_b.cr.commit()
            env_a.cr.commit()
        with self.registry.cursor() as cr:
            step = api.Environment(cr, SUPERUSER_ID, {})["crm.nurture.step"]
            step = step.browse(self.step_id)
            self.assertEqual(step._read_statistics(), step._read_statistics_live())
            self.assertEqual(step._read_statistics()[self.step_id]["done"], 6)
