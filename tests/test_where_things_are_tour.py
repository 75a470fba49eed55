# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestWhereThingsAreTour(HttpCase):
    """The addon's things are where users look for them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="nurture_where_manager",
            groups="base.group_user,mass_mailing_crm_nurture.group_nurture_manager,"
            "sales_team.group_sale_salesman_all_leads",
        )
        cls.sequence = cls.env["crm.nurture.sequence"].create(
            {
                "name": "Where Tour Sequence",
                "enrollment_mode": "none",
                "send_tz": "UTC",
                "user_id": cls.manager.id,
            }
        )
        step = cls.env["crm.nurture.step"].create(
            {"sequence_id": cls.sequence.id, "name": "Hello", "trigger": "start"}
        )
        step.mailing_id.write(
            {"subject": "Where Tour Step Email", "user_id": cls.manager.id}
        )
        Mailing = cls.env["mailing.mailing"]
        lead_model = cls.env["ir.model"]._get_id("crm.lead")
        cls.campaign = Mailing.create(
            {
                "subject": "Where Tour Campaign",
                "mailing_model_id": lead_model,
                "user_id": cls.manager.id,
            }
        )
        cls.recurring = Mailing.create(
            {
                "subject": "Where Tour Recurring",
                "mailing_model_id": lead_model,
                "user_id": cls.manager.id,
                "recurrence_enabled": True,
                "recurrence_interval": 1,
                "recurrence_unit": "weeks",
            }
        )
        cls.lead = cls.env["crm.lead"].create(
            {"name": "Where Tour Lead", "email_from": "where@example.com"}
        )
        cls.sequence.action_start()
        cls.sequence._enroll_leads(cls.lead)

    def test_lead_form_lists_its_sequences(self):
        self.assertEqual(self.lead.nurture_participant_count, 1)
        self.start_tour(
            f"/odoo/action-crm.crm_lead_all_leads/{self.lead.id}",
            "mass_mailing_crm_nurture_lead_sequences",
            login=self.manager.login,
        )

    def test_step_emails_apart_from_campaigns(self):
        self.start_tour(
            "/odoo/action-mass_mailing.mailing_mailing_action_mail",
            "mass_mailing_crm_nurture_mailing_list",
            login=self.manager.login,
        )

    def test_status_bar_says_recurring_for_recurring_mailings_only(self):
        action = "/odoo/action-mass_mailing.mailing_mailing_action_mail"
        self.start_tour(
            f"{action}/{self.campaign.id}",
            "mass_mailing_crm_nurture_one_off_statusbar",
            login=self.manager.login,
        )
        self.start_tour(
            f"{action}/{self.recurring.id}",
            "mass_mailing_crm_nurture_recurring_statusbar",
            login=self.manager.login,
        )
