# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import ExitStack
from datetime import datetime
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from .common import CommittedCursorsMixin


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureConcurrency(CommittedCursorsMixin, TransactionCase):
    """Two runs of the engine at once, and a run that crashes, each in its own
    committed transaction as cron workers would be. The step schedules an activity,
    so a step done twice would show as two activities. Committed test data is
    deleted afterwards."""

    T0 = datetime(2026, 5, 4, 8, 0, 0)

    def setUp(self):
        super().setUp()
        self._commit_activity_sequence("Concurrent nurture")

    def assert_each_step_once(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT COUNT(*) FILTER (WHERE trace.state = 'done'), COUNT(*)
                  FROM crm_nurture_trace trace
                  JOIN crm_nurture_participant part ON part.id = trace.participant_id
                 WHERE part.sequence_id = %s
                """,
                [self.sequence_id],
            )
            self.assertEqual(cr.fetchone(), (6, 6))
            cr.execute(
                """
                SELECT res_id, COUNT(*) FROM mail_activity
                 WHERE res_model = 'crm.lead' AND res_id = ANY(%s) GROUP BY res_id
                """,
                [self.lead_ids],
            )
            self.assertEqual(dict(cr.fetchall()), dict.fromkeys(self.lead_ids, 1))

    def test_two_runs_at_once(self):
        """While run A holds three due steps, run B does the other three without
        waiting; then A finishes its own: each step once."""
        with ExitStack() as stack:
            env_a, env_b = self._cursor_env(stack), self._cursor_env(stack)
            env_b.cr.execute("SET LOCAL lock_timeout = '5s'")
            traces_a = env_a["crm.nurture.trace"]
            held = traces_a._select_due(3)
            self.assertEqual(len(held), 3)
            self.assertEqual(env_b["crm.nurture.trace"]._process_due(batch_size=2), 3)
            env_b.cr.commit()
            for step, trace_ids in traces_a._group_by_step(held).items():
                traces_a._claim(trace_ids)._execute(step)
            env_a.cr.commit()
        self.assert_each_step_once()

    def test_crash_mid_batch(self):
        """A run that dies before committing leaves its steps due; the next run
        does them, once."""
        with ExitStack() as stack:
            env_a = self._cursor_env(stack)
            self.assertEqual(env_a["crm.nurture.trace"]._process_due(batch_size=4), 6)
            env_a.cr.rollback()  # the worker died
        with ExitStack() as stack:
            env_b = self._cursor_env(stack)
            self.assertEqual(env_b["crm.nurture.trace"]._process_due(batch_size=4), 6)
            env_b.cr.commit()
        self.assert_each_step_once()


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureEmailConcurrency(CommittedCursorsMixin, TransactionCase):
    """Two runs at once on an email step, each in its own committed transaction:
    both send through the one mailing of the step, whose state must not make
    either fail. Its next step (an activity) must follow every email once.
    Committed test data is deleted afterwards."""

    T0 = datetime(2026, 5, 4, 8, 0, 0)

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr, patch.object(cr, "now", lambda: self.T0):
            env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
            sequence = env["crm.nurture.sequence"].create(
                {
                    "name": "Concurrent emails",
                    "enrollment_mode": "none",
                    "send_tz": "UTC",
                }
            )
            email = env["crm.nurture.step"].create(
                {"sequence_id": sequence.id, "name": "Hello", "trigger": "start"}
            )
            email.mailing_id.body_html = "<p>Hello</p>"
            env["crm.nurture.step"].create(
                {
                    "sequence_id": sequence.id,
                    "name": "Call them",
                    "parent_id": email.id,
                    "trigger": "after_parent",
                    "action": "activity",
                }
            )
            leads = env["crm.lead"].create(
                [
                    {
                        "name": f"Concurrent email {i}",
                        "email_from": f"ce{i}@example.com",
                    }
                    for i in range(6)
                ]
            )
            sequence.state = "running"
            sequence._enroll(leads)
            self.sequence_id, self.lead_ids = sequence.id, leads.ids
            self.mailing_id = email.mailing_id.id
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sequence = env["crm.nurture.sequence"].browse(self.sequence_id)
            sequence.state = "stopped"
            sequence.unlink()
            mailing = env["mailing.mailing"].browse(self.mailing_id)
            env["mail.mail"].search([("mailing_id", "=", mailing.id)]).unlink()
            mailing.unlink()
            env["crm.lead"].browse(self.lead_ids).unlink()

    def assert_each_email_and_follow_up_once(self):
        with self.registry.cursor() as cr:
            self.assertEqual(
                self._emails_per_lead(cr, self.mailing_id),
                dict.fromkeys(self.lead_ids, 1),
            )
            cr.execute(
                """
                SELECT res_id, COUNT(*) FROM mail_activity
                 WHERE res_model = 'crm.lead' AND res_id = ANY(%s) GROUP BY res_id
                """,
                [self.lead_ids],
            )
            self.assertEqual(dict(cr.fetchall()), dict.fromkeys(self.lead_ids, 1))
            cr.execute(
                """
                SELECT COUNT(*) FILTER (WHERE trace.state = 'done'), COUNT(*)
                  FROM crm_nurture_trace trace WHERE trace.sequence_id = %s
                """,
                [self.sequence_id],
            )
            self.assertEqual(cr.fetchone(), (12, 12))
            cr.execute(
                "SELECT state FROM mailing_mailing WHERE id = %s", [self.mailing_id]
            )
            self.assertEqual(cr.fetchone()[0], "done")

    def test_two_runs_send_through_one_mailing(self):
        """While run A has sent its half (the step's mailing marked sent, not yet
        committed), run B sends the other half without waiting on the mailing nor
        failing; after both commit, each lead got the email once and its next
        step once."""
        with ExitStack() as stack:
            env_a, env_b = self._cursor_env(stack), self._cursor_env(stack)
            env_b.cr.execute("SET LOCAL lock_timeout = '2s'")
            traces_a = env_a["crm.nurture.trace"]
            held = traces_a._select_due(3)
            for step, trace_ids in traces_a._group_by_step(held).items():
                traces_a._claim(trace_ids)._execute(step)
            self.assertEqual(env_b["crm.nurture.trace"]._process_due(batch_size=2), 6)
            env_b.cr.commit()
            env_a.cr.commit()
            # A's follow-ups, due at once, are left for the next run.
            self.assertEqual(env_a["crm.nurture.trace"]._process_due(), 3)
            env_a.cr.commit()
        self.assert_each_email_and_follow_up_once()

    def test_run_on_a_stale_snapshot(self):
        """Run B started its transaction before run A sent and committed the whole
        step: B neither fails nor sends anything twice."""
        with ExitStack() as stack:
            env_a, env_b = self._cursor_env(stack), self._cursor_env(stack)
            env_b.cr.execute(
                "SELECT 1 FROM mailing_mailing WHERE id = %s", [self.mailing_id]
            )
            self.assertEqual(env_a["crm.nurture.trace"]._process_due(), 12)
            env_a.cr.commit()
            env_b["crm.nurture.trace"]._process_due()
            env_b.cr.commit()
        self.assert_each_email_and_follow_up_once()
