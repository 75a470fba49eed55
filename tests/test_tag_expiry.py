# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
from datetime import timedelta
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mass_mailing_crm_nurture import compat
from odoo.addons.mass_mailing_crm_nurture.models.crm_lead_tag_stat import CrmLeadTagStat

from .common import NurtureTagCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestTagExpiry(NurtureTagCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Stat = cls.env["crm.lead.tag.stat"]

    def _expire_at(self, when, **kwargs):
        with self.mock_now(when):
            return self.Stat._expire_tags(**kwargs)

    def test_expiry_date_from_lifetime(self):
        """A tag with a lifetime expires that many days after it was last added."""
        with self.mock_now(self.T0):
            self.lead.write(
                {
                    "tag_ids": [
                        Command.link(self.tag_restock.id),
                        Command.link(self.tag_hot.id),
                    ]
                }
            )
        self.assertStat(
            self.lead, self.tag_restock, expiry_date=self.T0 + timedelta(days=10)
        )
        self.assertStat(self.lead, self.tag_hot, expiry_date=False)

    def test_cron_removes_expired_tag_keeps_counter(self):
        """After its lifetime the tag leaves the lead; the counter stays and shows when
        it expired."""
        with self.mock_now(self.T0):
            self.lead.write(
                {
                    "tag_ids": [
                        Command.link(self.tag_restock.id),
                        Command.link(self.tag_hot.id),
                    ]
                }
            )
        self.assertEqual(self._expire_at(self.T0 + timedelta(days=9, hours=23)), 0)
        self.assertIn(self.tag_restock, self.lead.tag_ids)

        self.assertEqual(self._expire_at(self.T0 + timedelta(days=10, hours=1)), 1)
        self.assertEqual(self.lead.tag_ids, self.tag_hot)
        # It expired when its lifetime ended.
        self.assertStat(
            self.lead,
            self.tag_restock,
            add_count=1,
            is_present=False,
            expiry_date=False,
            date_expired=self.T0 + timedelta(days=10),
        )
        # Renewed interest later shows as +1 and a fresh lifetime.
        t2 = self.T0 + timedelta(days=40)
        with self.mock_now(t2):
            self.lead.write({"tag_ids": [Command.link(self.tag_restock.id)]})
        self.assertStat(
            self.lead,
            self.tag_restock,
            add_count=2,
            is_present=True,
            date_expired=False,
            expiry_date=t2 + timedelta(days=10),
        )

    def test_cron_entry_point(self):
        """The scheduled action runs the expiry and exists under its public xml id."""
        cron = self.env.ref("mass_mailing_crm_nurture.ir_cron_expire_lead_tags")
        self.assertEqual(cron.code.strip(), "model._cron_expire_tags()")
        with self.mock_now(self.T0):
            self.lead.write({"tag_ids": [Command.link(self.tag_restock.id)]})
        with self.mock_now(self.T0 + timedelta(days=11)):
            self.Stat._cron_expire_tags()
        self.assertFalse(self.lead.tag_ids)

    def test_archived_lead_expires(self):
        """Tags expire on lost (archived) leads too."""
        with self.mock_now(self.T0):
            self.lead_lost.write({"tag_ids": [Command.link(self.tag_restock.id)]})
        self._expire_at(self.T0 + timedelta(days=11))
        self.assertFalse(self.lead_lost.tag_ids)
        self.assertStat(self.lead_lost, self.tag_restock, is_present=False)
        self.assertFalse(self.lead_lost.active)

    def test_batches_and_progress(self):
        """Expiry runs in bounded batches and reports progress after each one."""
        with self.mock_now(self.T0):
            self.leads.write(
                {
                    "tag_ids": [
                        Command.link(self.tag_restock.id),
                        Command.link(self.tag_pricing.id),
                    ]
                }
            )
        progress = []
        with patch.object(
            compat,
            "notify_progress",
            lambda _cron, done, remaining: progress.append((done, remaining)),
        ):
            done = self._expire_at(self.T0 + timedelta(days=31), batch_size=3)
        self.assertEqual(done, 8)
        self.assertEqual(progress, [(3, 5), (6, 2), (8, 0)])
        self.assertFalse(
            self.Stat.search(
                [("lead_id", "in", self.leads.ids), ("is_present", "=", True)]
            )
        )
        self.assertFalse(self.leads.with_context(active_test=False).tag_ids)

    def test_rerun_after_crash_finishes_once(self):
        """A run that dies after a batch is finished by the next run, nothing done
        twice."""
        with self.mock_now(self.T0):
            self.leads.write({"tag_ids": [Command.link(self.tag_restock.id)]})
        original = CrmLeadTagStat._expire_batch
        calls = []

        # The second batch dies: its transaction is rolled back as a whole, as if
        # it never started; the first batch was committed.
        def crash_on_second_batch(stat_self, now, batch_size):
            calls.append(batch_size)
            if len(calls) == 2:
                raise RuntimeError("worker killed")
            return original(stat_self, now, batch_size)

        when = self.T0 + timedelta(days=12)
        # Not assertRaises: it would roll back the first batch, which the real run
        # has committed.
        with patch.object(CrmLeadTagStat, "_expire_batch", crash_on_second_batch):
            with contextlib.suppress(RuntimeError):
                self._expire_at(when, batch_size=2)
        self.assertEqual(calls, [2, 2])
        self.assertEqual(
            len(self.leads.with_context(active_test=False).filtered("tag_ids")), 2
        )
        self.assertEqual(self._expire_at(when + timedelta(hours=1), batch_size=2), 2)
        self.assertEqual(self._expire_at(when + timedelta(hours=2), batch_size=2), 0)
        stats = self.Stat.search([("tag_id", "=", self.tag_restock.id)])
        self.assertEqual(stats.mapped("add_count"), [1, 1, 1, 1])
        self.assertFalse(stats.filtered("is_present"))
        self.assertEqual(
            set(stats.mapped("date_expired")), {self.T0 + timedelta(days=10)}
        )

    def test_counter_without_tag_is_settled(self):
        """A due counter whose tag is already gone from the lead is settled, not retried
        forever."""
        with self.mock_now(self.T0):
            self.lead.write({"tag_ids": [Command.link(self.tag_restock.id)]})
        self.env.cr.execute(
            "DELETE FROM crm_tag_rel WHERE lead_id = %s", [self.lead.id]
        )
        self.lead.invalidate_recordset(["tag_ids"])
        # Nothing left to remove; the job goes past it.
        self.assertEqual(self._expire_at(self.T0 + timedelta(days=11)), 0)
        self.assertStat(self.lead, self.tag_restock, is_present=False)
        self.assertEqual(self._expire_at(self.T0 + timedelta(days=12)), 0)

    def test_lifetime_change_redates_expiry(self):
        """Changing a tag's lifetime re-dates the expiry of the leads carrying it."""
        with self.mock_now(self.T0):
            (self.lead | self.lead_lost).write(
                {"tag_ids": [Command.link(self.tag_hot.id)]}
            )
        self.lead_2.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.lead_2.write({"tag_ids": [Command.unlink(self.tag_hot.id)]})
        self.tag_hot.lifetime_days = 5
        self.assertStat(
            self.lead, self.tag_hot, expiry_date=self.T0 + timedelta(days=5)
        )
        self.assertStat(
            self.lead_lost, self.tag_hot, expiry_date=self.T0 + timedelta(days=5)
        )
        self.assertStat(self.lead_2, self.tag_hot, expiry_date=False)
        self.tag_hot.lifetime_days = 0
        self.assertStat(self.lead, self.tag_hot, expiry_date=False)

    def test_shortened_lifetime_behind_the_job_still_expires(self):
        """The job has gone past a date; a lifetime shortened to before that date
        brings it back, and what expired before keeps its date."""
        with self.mock_now(self.T0):
            self.lead.write({"tag_ids": [Command.link(self.tag_restock.id)]})  # 10 days
            self.lead_2.write(
                {"tag_ids": [Command.link(self.tag_pricing.id)]}
            )  # 30 days
        self.assertEqual(self._expire_at(self.T0 + timedelta(days=11)), 1)
        self.tag_pricing.lifetime_days = 5  # due on day 5: behind the job
        self.assertStat(
            self.lead_2, self.tag_pricing, expiry_date=self.T0 + timedelta(days=5)
        )
        self.assertEqual(self._expire_at(self.T0 + timedelta(days=12)), 1)
        self.assertFalse(self.lead_2.tag_ids)
        self.assertStat(
            self.lead_2, self.tag_pricing, date_expired=self.T0 + timedelta(days=5)
        )
        self.assertStat(
            self.lead, self.tag_restock, date_expired=self.T0 + timedelta(days=10)
        )

    def test_removed_by_hand_is_not_expired(self):
        """A tag removed by hand before its lifetime ended never shows as expired."""
        with self.mock_now(self.T0):
            self.lead.write({"tag_ids": [Command.link(self.tag_restock.id)]})
        with self.mock_now(self.T0 + timedelta(days=2)):
            self.lead.write({"tag_ids": [Command.unlink(self.tag_restock.id)]})
        self.assertEqual(self._expire_at(self.T0 + timedelta(days=20)), 0)
        self.assertStat(
            self.lead,
            self.tag_restock,
            is_present=False,
            expiry_date=False,
            date_expired=False,
        )

    def test_lifetime_change_triggers_cron(self):
        """Shortening a lifetime wakes the expiry job."""
        cron = self.env.ref("mass_mailing_crm_nurture.ir_cron_expire_lead_tags")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.tag_hot.lifetime_days = 1
        new = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]) - triggers
        self.assertEqual(len(new), 1)

    @mute_logger("odoo.models")
    def test_negative_lifetime_refused(self):
        """A negative lifetime is refused with a clear message and nothing changes."""
        # Odoo's assertRaises rolls back to a savepoint, as the request would.
        with self.assertRaises(ValidationError) as refused:
            self.tag_restock.lifetime_days = -3
        self.assertIn("cannot be negative", str(refused.exception))
        self.assertEqual(self.tag_restock.lifetime_days, 10)
        with self.assertRaises(ValidationError):
            self.env["crm.tag"].create(
                {"name": "Nurture Negative", "lifetime_days": -1}
            )
