# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import ExitStack
from datetime import datetime
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import CommittedCursorsMixin


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestRecurringConcurrency(CommittedCursorsMixin, TransactionCase):
    """Two processes running the recurring mailings at once, each in its own
    committed transaction, as cron workers would be: nobody mailed twice, no
    process fails. Committed test data is deleted afterwards."""

    T0 = datetime(2026, 5, 4, 8, 0, 0)

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr, patch.object(cr, "now", lambda: self.T0):
            env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
            leads = env["crm.lead"].create(
                [
                    {"name": f"Reccon {i}", "email_from": f"reccon{i}@example.com"}
                    for i in range(6)
                ]
            )
            mailing = env["mailing.mailing"].create(
                {
                    "subject": "Concurrent recurring",
                    "body_html": "<p>Hello</p>",
                    "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": repr([("name", "=like", "Reccon %")]),
                    "recurrence_enabled": True,
                    "recurrence_interval": 1,
                    "recurrence_unit": "days",
                    "user_id": SUPERUSER_ID,
                }
            )
            mailing.action_launch()
            self.mailing_id, self.lead_ids = mailing.id, leads.ids
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["mail.mail"].search([("mailing_id", "=", self.mailing_id)]).unlink()
            env["mailing.mailing"].browse(self.mailing_id).unlink()
            env["crm.lead"].browse(self.lead_ids).unlink()

    def assert_each_lead_once(self):
        with self.registry.cursor() as cr:
            self.assertEqual(
                self._emails_per_lead(cr, self.mailing_id),
                dict.fromkeys(self.lead_ids, 1),
            )
            cr.execute(
                "SELECT COUNT(*) FROM mailing_recurrence_run WHERE mailing_id = %s",
                [self.mailing_id],
            )
            self.assertEqual(cr.fetchone()[0], 1)

    def test_second_process_leaves_a_batch_in_progress(self):
        """While run A has a batch in progress (not committed), run B neither
        waits, nor mails the same leads, nor fails; then the runs finish the
        mailing: each lead once, one run."""
        with ExitStack() as stack:
            env_a, env_b = self._cursor_env(stack), self._cursor_env(stack)
            env_b.cr.execute("SET LOCAL lock_timeout = '2s'")
            mailings_a = env_a["mailing.mailing"]
            self.assertEqual(
                mailings_a._process_recurring(batch_size=2, max_batches=1), 2
            )
            with mute_logger("odoo.sql_db"):
                self.assertEqual(
                    env_b["mailing.mailing"]._process_recurring(batch_size=2), 0
                )
            env_b.cr.commit()
            env_a.cr.commit()
            self.assertEqual(mailings_a._process_recurring(batch_size=2), 4)
            env_a.cr.commit()
        self.assert_each_lead_once()

    def test_run_on_a_stale_snapshot(self):
        """Run B began its transaction before run A mailed everybody and
        committed: B mails nobody again and does not fail."""
        with ExitStack() as stack:
            env_a, env_b = self._cursor_env(stack), self._cursor_env(stack)
            env_b.cr.execute(
                "SELECT id FROM mailing_mailing WHERE id = %s", [self.mailing_id]
            )
            self.assertEqual(
                env_a["mailing.mailing"]._process_recurring(batch_size=4), 6
            )
            env_a.cr.commit()
            with mute_logger("odoo.sql_db"):
                self.assertEqual(
                    env_b["mailing.mailing"]._process_recurring(batch_size=4), 0
                )
            env_b.cr.commit()
        self.assert_each_lead_once()
