# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import NurtureTagCommon, patch_cr_now


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestTagSegments(NurtureTagCommon):
    """The segments of the README: domains on ``tag_stat_ids`` in searches and
    mailings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # At T0: hot added 3 times on the lead and twice on the lost lead (present
        # on both), once on lead_2 (removed); restock put on lead_3.
        # At T0 + 20 days: hot added a 4th time on the lead.
        # At T0 + 11 days: restock expired on lead_3.
        with patch_cr_now(cls.env, cls.T0):
            for lead, times in ((cls.lead, 3), (cls.lead_lost, 2), (cls.lead_2, 1)):
                for _ in range(times):
                    lead.write({"tag_ids": [Command.link(cls.tag_hot.id)]})
                    lead.write({"tag_ids": [Command.unlink(cls.tag_hot.id)]})
            cls.lead_lost.write({"tag_ids": [Command.link(cls.tag_hot.id)]})
            cls.lead_3.write({"tag_ids": [Command.link(cls.tag_restock.id)]})
        with patch_cr_now(cls.env, cls.T0 + timedelta(days=11)):
            cls.env["crm.lead.tag.stat"]._expire_tags()
        with patch_cr_now(cls.env, cls.T0 + timedelta(days=20)):
            cls.lead.write({"tag_ids": [Command.link(cls.tag_hot.id)]})

    def search_leads(self, stat_domain, archived=True):
        domain = [("tag_stat_ids", "any", stat_domain)]
        if archived:
            domain.append(("active", "in", [True, False]))
        return self.env["crm.lead"].search(domain) & self.leads

    def test_added_at_least_n_times(self):
        """'Tag X added at least N times', archived leads included when asked."""
        stat_domain = [("tag_id", "=", self.tag_hot.id), ("add_count", ">=", 2)]
        self.assertEqual(self.search_leads(stat_domain), self.lead | self.lead_lost)
        self.assertEqual(self.search_leads(stat_domain, archived=False), self.lead)
        stat_domain = [("tag_id", "=", self.tag_hot.id), ("add_count", ">=", 4)]
        self.assertEqual(self.search_leads(stat_domain), self.lead)
        self.assertEqual(
            self.search_leads(
                [("tag_id", "=", self.tag_hot.id), ("add_count", ">=", 5)]
            ),
            self.env["crm.lead"],
        )

    def test_last_added_after(self):
        """'Tag X last added after a date'."""
        stat_domain = [
            ("tag_id", "=", self.tag_hot.id),
            ("last_added", ">", self.T0 + timedelta(days=10)),
        ]
        self.assertEqual(self.search_leads(stat_domain), self.lead)

    def test_expired(self):
        """'Tag X expired' finds leads whose tag was removed by its lifetime, not by
        hand."""
        self.assertEqual(
            self.search_leads(
                [("tag_id", "=", self.tag_restock.id), ("date_expired", "!=", False)]
            ),
            self.lead_3,
        )
        self.assertEqual(
            self.search_leads(
                [("tag_id", "=", self.tag_hot.id), ("date_expired", "!=", False)]
            ),
            self.env["crm.lead"],
        )

    def test_mailing_domain_uses_counters(self):
        """A lead mailing whose recipients are 'tag added at least twice' reaches those
        leads."""
        domain = [
            (
                "tag_stat_ids",
                "any",
                [("tag_id", "=", self.tag_hot.id), ("add_count", ">=", 2)],
            ),
            ("active", "in", [True, False]),
        ]
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "Hot again",
                "subject": "Still interested?",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": repr(domain),
            }
        )
        self.assertEqual(
            set(mailing._get_recipients()), set((self.lead | self.lead_lost).ids)
        )
        self.assertEqual(mailing.total, 2)

    def test_search_view_filters(self):
        """The CRM search fields for tag history find leads by tag name."""
        self.assertEqual(
            self.search_leads(
                [("tag_id", "ilike", "Nurture Hot"), ("add_count", ">", 1)]
            ),
            self.lead | self.lead_lost,
        )
