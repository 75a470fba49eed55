# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from ..hooks import post_init_hook
from .common import NurtureTagCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestTagBackfill(NurtureTagCommon):
    def test_install_counted_existing_tags(self):
        """Leads tagged before the install (CRM's demo leads) got a counter of 1 at
        their creation."""
        self.env.cr.execute(
            """
            SELECT COUNT(*) FROM crm_tag_rel rel
             WHERE NOT EXISTS (SELECT 1 FROM crm_lead_tag_stat s
                                WHERE s.lead_id = rel.lead_id AND s.tag_id = rel.tag_id)
            """
        )
        self.assertEqual(
            self.env.cr.fetchone()[0], 0, "every tag on a lead has a counter"
        )
        # The first tagged lead comes from CRM's demo data, loaded before this addon.
        lead = self.env["crm.lead"].search(
            [("tag_ids", "!=", False)], order="id", limit=1
        )
        self.assertTrue(lead.tag_ids, "the demo database has tagged leads")
        for stat in lead.tag_stat_ids:
            self.assertEqual(stat.add_count, 1)
            self.assertEqual(stat.first_added, lead.create_date)
            self.assertTrue(stat.is_present)

    def test_backfill_hook(self):
        """The install hook starts missing counters at the lead's creation and leaves
        others alone."""
        self.lead.write({"tag_ids": [Command.link(self.tag_hot.id)]})
        self.lead.write({"tag_ids": [Command.unlink(self.tag_hot.id)]})
        self.lead.write(
            {
                "tag_ids": [
                    Command.link(self.tag_hot.id),
                    Command.link(self.tag_pricing.id),
                ]
            }
        )
        # A tag put on without counting, as before the addon was installed.
        self.env.cr.execute(
            "DELETE FROM crm_lead_tag_count WHERE lead_id = %s AND tag_id = %s",
            [self.lead.id, self.tag_pricing.id],
        )
        self.env["crm.lead.tag.stat"].invalidate_model()
        post_init_hook(self.env)
        self.assertStat(self.lead, self.tag_hot, add_count=2)
        self.assertStat(
            self.lead,
            self.tag_pricing,
            add_count=1,
            first_added=self.lead.create_date,
            last_added=self.lead.create_date,
            is_present=True,
            expiry_date=self.lead.create_date + timedelta(days=30),
        )
