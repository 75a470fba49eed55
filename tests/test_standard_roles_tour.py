# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestStandardRolesTour(HttpCase):
    """The standard forms the addon changes, in the browser, as each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        make = new_test_user
        cls.user_mm = make(
            cls.env,
            login="nurture_tour_mm",
            groups="base.group_user,mass_mailing.group_mass_mailing_user",
        )
        cls.user_mm_sales = make(
            cls.env,
            login="nurture_tour_mm_sales",
            groups="base.group_user,mass_mailing.group_mass_mailing_user,"
            "sales_team.group_sale_salesman",
        )
        cls.user_salesman = make(
            cls.env,
            login="nurture_tour_salesman",
            groups="sales_team.group_sale_salesman",
        )
        cls.user_sales_manager = make(
            cls.env,
            login="nurture_tour_sales_manager",
            groups="sales_team.group_sale_manager",
        )
        cls.tag = cls.env["crm.tag"].create(
            {"name": "RoleTourTag", "lifetime_days": 30}
        )
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "subject": "Lead mailing with link rules",
                "body_html": "<p>Hi <a href='https://www.example.com/shop'>shop</a></p>",
                "mailing_model_id": cls.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": "[('active', 'in', [True, False])]",
                "click_tag_rule_ids": [
                    (0, 0, {"url_match": "any", "tag_ids": [(6, 0, cls.tag.ids)]})
                ],
            }
        )
        cls.sequence = cls.env["crm.nurture.sequence"].create(
            {"name": "Three-week restock", "enrollment_mode": "none", "send_tz": "UTC"}
        )
        cls.step = cls.env["crm.nurture.step"].create(
            {
                "sequence_id": cls.sequence.id,
                "name": "Back in stock",
                "trigger": "start",
            }
        )

    def test_mailing_form_as_marketing_users(self):
        for user in (self.user_mm, self.user_mm_sales):
            with self.subTest(user=user.login):
                self.start_tour(
                    f"/odoo/action-mass_mailing.mailing_mailing_action_mail/{self.mailing.id}",
                    "mass_mailing_crm_nurture_role_mailing_form",
                    login=user.login,
                )
                self.assertEqual(self.mailing.subject, "Renamed in the browser")
                self.mailing.subject = "Lead mailing with link rules"
        self.assertEqual(len(self.mailing.click_tag_rule_ids), 1)

    def test_step_email_as_marketing_user_without_nurture_rights(self):
        self.start_tour(
            f"/odoo/action-mass_mailing.mailing_mailing_action_mail/{self.step.mailing_id.id}",
            "mass_mailing_crm_nurture_role_step_email",
            login=self.user_mm.login,
        )

    def test_lead_form_as_sales_roles(self):
        for user in (self.user_salesman, self.user_sales_manager, self.user_mm_sales):
            with self.subTest(user=user.login):
                lead = self.env["crm.lead"].create(
                    {"name": f"Role tour lead {user.login}", "user_id": user.id}
                )
                self.start_tour(
                    f"/odoo/action-crm.crm_lead_all_leads/{lead.id}",
                    "mass_mailing_crm_nurture_role_lead_form",
                    login=user.login,
                )
                self.assertTrue(lead.active)
                self.assertEqual(lead.tag_stat_ids.tag_id, self.tag)
                self.assertTrue(lead.date_reactivated)
