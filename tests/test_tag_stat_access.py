# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged, users
from odoo.tools import mute_logger

from .common import NurtureTagCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestTagStatAccess(NurtureTagCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead_other = cls.env["crm.lead"].create(
            {"name": "Oscar's lead", "user_id": cls.user_salesman_other.id}
        )
        (cls.lead | cls.lead_other).write({"tag_ids": [Command.link(cls.tag_hot.id)]})

    @users("nurture_salesman")
    def test_salesman_reads_own_counters_only(self):
        """A salesman reads the counters of the leads they see, and of those only."""
        stats = self.env["crm.lead.tag.stat"].search([("tag_id", "=", self.tag_hot.id)])
        self.assertEqual(stats.lead_id, self.lead)
        self.assertEqual(stats.add_count, 1)
        self.assertEqual(self.lead.with_env(self.env).tag_stat_ids.tag_id, self.tag_hot)
        other = (
            self.env["crm.lead.tag.stat"]
            .sudo()
            .search([("lead_id", "=", self.lead_other.id)])
        )
        with (
            mute_logger("odoo.addons.base.models.ir_rule"),
            self.assertRaises(AccessError),
        ):
            other.with_env(self.env).read(["add_count"])

    @users("nurture_salesman", "nurture_marketing", "nurture_sales_manager")
    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_counters_are_read_only(self):
        """Nobody changes counters by hand: not salesmen, managers or marketing."""
        stat = self.env["crm.lead.tag.stat"].search([("lead_id", "=", self.lead.id)])
        self.assertEqual(len(stat), 1)
        with self.assertRaises(AccessError):
            stat.write({"add_count": 10})
        with self.assertRaises(AccessError):
            stat.unlink()
        with self.assertRaises(AccessError):
            self.env["crm.lead.tag.stat"].create(
                {"lead_id": self.lead.id, "tag_id": self.tag_pricing.id, "add_count": 3}
            )

    @users("nurture_marketing")
    def test_marketing_user_segments(self):
        """A marketing user reads every counter and segments leads on them."""
        stats = self.env["crm.lead.tag.stat"].search([("tag_id", "=", self.tag_hot.id)])
        self.assertEqual(stats.lead_id, self.lead | self.lead_other)
        leads = self.env["crm.lead"].search(
            [
                (
                    "tag_stat_ids",
                    "any",
                    [("tag_id", "=", self.tag_hot.id), ("add_count", ">=", 1)],
                )
            ]
        )
        self.assertEqual(leads, self.lead | self.lead_other)

    @users("nurture_sales_manager")
    def test_manager_sets_lifetime(self):
        """A sales manager sets a tag's lifetime; the counters follow."""
        tag = self.tag_hot.with_env(self.env)
        tag.lifetime_days = 7
        stat = self.env["crm.lead.tag.stat"].search([("lead_id", "=", self.lead.id)])
        self.assertEqual(stat.expiry_date, stat.last_added + timedelta(days=7))
        self.assertEqual(tag.lead_present_count, 2)

    def test_multi_company(self):
        """Counters of another company's leads stay out of reach."""
        company_b = self.env["res.company"].create({"name": "Nurture Company B"})
        user_b_only = new_test_user(
            self.env,
            login="nurture_salesman_a_only",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        lead_b = self.env["crm.lead"].create(
            {
                "name": "Company B lead",
                "company_id": company_b.id,
                "tag_ids": [Command.link(self.tag_hot.id)],
            }
        )
        Stat = self.env["crm.lead.tag.stat"].with_user(user_b_only)
        visible = Stat.search([("tag_id", "=", self.tag_hot.id)])
        self.assertNotIn(lead_b, visible.lead_id)
        self.assertIn(self.lead, visible.lead_id)
