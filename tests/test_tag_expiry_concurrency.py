# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import ExitStack
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged


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
                tag = env["crm.tag"].create({"name": "Nurture Concurrent", "lifetime_days": 1})
                leads = env["crm.lead"].create(
                    [
                        {"name": f"Concurrent {i}", "tag_ids": [Command.link(tag.id)]}
                        for i in range(6)
                    ]
                )
            self.tag_id, self.lead_ids = tag.id, leads.ids
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.lead"].browse(self.lead_ids).unlink()
            env["crm.tag"].browse(self.tag_id).unlink()

    def test_two_runs_share_the_work(self):
        """While one run holds a batch, a second one expires the rest without waiting,
        and every tag expires exactly once."""
        now = self.T0 + timedelta(days=2)
        with ExitStack() as stack:
            cr_a = stack.enter_context(self.registry.cursor())
            cr_b = stack.enter_context(self.registry.cursor())
            for cr in (cr_a, cr_b):
                stack.enter_context(patch.object(cr, "now", lambda: now))
            # The second run must never wait for the first one's locks.
            cr_b.execute("SET LOCAL lock_timeout = '5s'")
            stats_a = api.Environment(cr_a, SUPERUSER_ID, {})["crm.lead.tag.stat"]
            stats_b = api.Environment(cr_b, SUPERUSER_ID, {})["crm.lead.tag.stat"]

            # Run A holds a batch of three: the rows _lock_expired_batch locks.
            cr_a.execute(
                """
                SELECT stat.id, stat.lead_id, stat.tag_id
                  FROM crm_lead_tag_stat stat
                  JOIN crm_lead lead ON lead.id = stat.lead_id
                 WHERE stat.tag_id = %s
                 ORDER BY stat.id LIMIT 3
                   FOR NO KEY UPDATE OF stat, lead
                """,
                [self.tag_id],
            )
            batch_a = cr_a.fetchall()
            done_b = stats_b._expire_tags(batch_size=2)
            self.assertEqual(done_b, 3, "run B expired the three rows run A does not hold")
            cr_b.commit()
            stats_a._remove_expired_tags(batch_a, now)
            cr_a.commit()

        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT COUNT(*), SUM(add_count), BOOL_OR(is_present), COUNT(date_expired)
                  FROM crm_lead_tag_stat WHERE tag_id = %s
                """,
                [self.tag_id],
            )
            self.assertEqual(cr.fetchone(), (6, 6, False, 6))
            cr.execute("SELECT COUNT(*) FROM crm_tag_rel WHERE tag_id = %s", [self.tag_id])
            self.assertEqual(cr.fetchone()[0], 0)
