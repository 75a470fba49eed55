# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestRecurringMailingTour(HttpCase):
    def test_set_up_recurring_mailing(self):
        """A marketing user makes a lead mailing recurring every 2 weeks, with an
        exclusion list, and starts it."""
        marketer = new_test_user(
            self.env,
            login="nurture_tour_recurring",
            groups="sales_team.group_sale_salesman_all_leads,"
            "mass_mailing.group_mass_mailing_user",
        )
        customers = self.env["mailing.list"].create({"name": "Tour customers"})
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Tour recurring",
                "body_html": "<p>Hello</p>",
                "body_arch": "<p>Hello</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": "[('id', '=', 0)]",
                "user_id": marketer.id,
            }
        )
        self.start_tour(
            f"/odoo/action-mass_mailing.mailing_mailing_action_mail/{mailing.id}",
            "mass_mailing_crm_nurture_recurring_mailing",
            login=marketer.login,
        )
        self.assertEqual(mailing.state, "recurring")
        self.assertEqual(
            (mailing.recurrence_interval, mailing.recurrence_unit), (2, "weeks")
        )
        self.assertEqual(mailing.recurrence_exclusion_list_ids, customers)
        self.assertTrue(mailing.recurrence_next_date)
