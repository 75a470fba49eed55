# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestTagHistoryTour(HttpCase):
    def test_lead_form_tag_history(self):
        """A salesman sees a lead's tag history in its form, and a tag added there is
        counted."""
        salesman = new_test_user(
            self.env,
            login="nurture_tour_salesman",
            groups="sales_team.group_sale_salesman",
        )
        tag_known, tag_new = self.env["crm.tag"].create(
            [{"name": "TourKnownTag"}, {"name": "TourNewTag"}]
        )
        lead = self.env["crm.lead"].create(
            {"name": "Tour lead", "type": "opportunity", "user_id": salesman.id}
        )
        for _ in range(2):
            lead.write({"tag_ids": [Command.link(tag_known.id)]})
            lead.write({"tag_ids": [Command.unlink(tag_known.id)]})
        self.start_tour(
            f"/odoo/action-crm.crm_lead_all_leads/{lead.id}",
            "mass_mailing_crm_nurture_tag_history",
            login=salesman.login,
        )
        stat = lead.tag_stat_ids.filtered(lambda s: s.tag_id == tag_new)
        self.assertEqual(stat.add_count, 1)
        self.assertTrue(stat.is_present)
