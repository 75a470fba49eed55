# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import ExitStack
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestTagExpiryConcurrency(TransactionCase):
    """Two expiry runs at once, each in its own committed transaction, as two cron
    workers would be. The test data is committed, and deleted afterwards."""

    T0 = datetime(2026, 3, 2, 9, 0, 0)

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            with patch.object(cr, "now", lambda: self.T0):
                tag = env["crm.tag"].create(
                    {"name": "Nurture Concurrent", "lifetime_days": 1}
                )
                leads = env["crm.lead"].create(
                    [
                        {"name": f"Concurrent {i}", "tag_ids": [Command.link(tag.id)]}
                        for i in range(6)
                    ]
                )
            self.tag_id, self.lead_ids = tag.id, leads.ids
            cr.execute("SELECT expired_until, last_id FROM crm_lead_tag_expiry_mark")
            self.mark = cr.fetchone()
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # The expiry mark is shared by the whole database: put it back.
            cr.execute(
                "UPDATE crm_lead_tag_expiry_mark SET expired_until = %s, last_id = %s",
                self.mark,
            )
            env["crm.lead"].browse(self.lead_ids).unlink()
            env["crm.tag"].browse(self.tag_id).unlink()

    def test_second_run_leaves_at_once(self):
        """While one run works, a second one leaves at once without waiting nor
        failing; the first expires every tag, exactly once."""
        now = self.T0 + timedelta(days=2)
        with ExitStack() as stack:
            cr_a = stack.enter_context(self.registry.cursor())
            cr_b = stack.enter_context(self.registry.cursor())
            for cr in (cr_a, cr_b):
                stack.enter_context(patch.object(cr, "now", lambda: now))
            # Run B must never wait for run A.
            cr_b.execute("SET LOCAL lock_timeout = '5s'")
            stats_a = api.Environment(cr_a, SUPERUSER_ID, {})["crm.lead.tag.stat"]
            stats_b = api.Environment(cr_b, SUPERUSER_ID, {})["crm.lead.tag.stat"]

            # Run A is in the middle of its first batch of three, not committed yet.
            self.assertTrue(stats_a._lock_expiry())
            looked_at, lead_ids_a = stats_a._expire_batch(now, 3)
            self.assertEqual((looked_at, len(lead_ids_a)), (3, 3))
            # Run B leaves at once, and the rows A works on are untouched.
            self.assertEqual(stats_b._expire_tags(batch_size=2), 0)
            cr_b.commit()
            # Run A goes on and finishes.
            stats_a._notify_leads_untagged(lead_ids_a)
            self.assertEqual(stats_a._expire_tags(batch_size=2), 3)
            cr_a.commit()

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            with patch.object(cr, "now", lambda: now):
                self.assertEqual(env["crm.lead.tag.stat"]._expire_tags(), 0)
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT COUNT(*), SUM(add_count), BOOL_OR(is_present),
                       COUNT(date_expired)
                  FROM crm_lead_tag_stat WHERE tag_id = %s
                """,
                [self.tag_id],
            )
            self.assertEqual(cr.fetchone(), (6, 6, False, 6))
            cr.execute(
                "SELECT COUNT(*) FROM crm_tag_rel WHERE tag_id = %s", [self.tag_id]
            )
            self.assertEqual(cr.fetchone()[0], 0)

    def test_run_on_a_stale_snapshot(self):
        """Run B began its transaction before run A expired every tag and
        committed: B takes the lock A released, meets A's changes, and leaves
        without failing; every tag expired, once."""
        now = self.T0 + timedelta(days=2)
        with ExitStack() as stack:
            cr_a = stack.enter_context(self.registry.cursor())
            cr_b = stack.enter_context(self.registry.cursor())
            for cr in (cr_a, cr_b):
                stack.enter_context(patch.object(cr, "now", lambda: now))
            stats_a = api.Environment(cr_a, SUPERUSER_ID, {})["crm.lead.tag.stat"]
            stats_b = api.Environment(cr_b, SUPERUSER_ID, {})["crm.lead.tag.stat"]
            # B's snapshot is taken before A's work.
            cr_b.execute("SELECT expired_until FROM crm_lead_tag_expiry_mark")
            self.assertEqual(stats_a._expire_tags(batch_size=2), 6)
            cr_a.commit()
            with mute_logger("odoo.sql_db"):
                self.assertEqual(stats_b._expire_tags(batch_size=2), 0)
            cr_b.commit()
        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT COUNT(*), BOOL_OR(is_present), COUNT(date_expired)
                  FROM crm_lead_tag_stat WHERE tag_id = %s
                """,
                [self.tag_id],
            )
            self.assertEqual(cr.fetchone(), (6, False, 6))
