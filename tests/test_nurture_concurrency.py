# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import ExitStack
from datetime import datetime
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureConcurrency(TransactionCase):
    """Two runs of the engine at once, and a run that crashes, each in its own
    committed transaction as cron workers would be. The step schedules an activity,
    so a step done twice would show as two activities. Committed test data is
    deleted afterwards."""

    T0 = datetime(2026, 5, 4, 8, 0, 0)

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr, patch.object(cr, "now", lambda: self.T0):
            env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
            sequence = env["crm.nurture.sequence"].create(
                {"name": "Concurrent", "enrollment_mode": "none", "send_tz": "UTC"}
            )
            env["crm.nurture.step"].create(
                {
                    "sequence_id": sequence.id,
                    "name": "Call them",
                    "trigger": "start",
                    "action": "activity",
                }
            )
            leads = env["crm.lead"].create(
                [{"name": f"Concurrent nurture {i}"} for i in range(6)]
            )
            sequence.state = "running"
            sequence._enroll(leads)
            self.sequence_id, self.lead_ids = sequence.id, leads.ids
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sequence = env["crm.nurture.sequence"].browse(self.sequence_id)
            sequence.state = "stopped"  # a running sequence cannot be deleted
            sequence.unlink()
            env["crm.lead"].browse(self.lead_ids).unlink()

    def _cursor_env(self, stack):
        cr = stack.enter_context(self.registry.cursor())
        stack.enter_context(patch.object(cr, "now", lambda: self.T0))
        return api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})

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
