# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestManagerDayTour(HttpCase):
    """A marketing manager's day in the browser, under Odoo's default settings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's default: only administrators are Mail Template Editors.
        cls.env["ir.config_parameter"].set_param(
            "mail.restrict.template.rendering", True
        )
        cls.manager = new_test_user(
            cls.env,
            login="nurture_day_manager",
            groups="base.group_user,mass_mailing_crm_nurture.group_nurture_manager,"
            "sales_team.group_sale_salesman_all_leads",
        )
        cls.action = "/odoo/action-mass_mailing_crm_nurture.crm_nurture_sequence_action"

    def make_sequence(self, name, **values):
        sequence = self.env["crm.nurture.sequence"].create(
            {
                "name": name,
                "enrollment_mode": "none",
                "send_tz": "UTC",
                "user_id": self.manager.id,
                **values,
            }
        )
        step = self.env["crm.nurture.step"].create(
            {
                "sequence_id": sequence.id,
                "name": f"{name.split()[0]} hello",
                "trigger": "start",
            }
        )
        step.mailing_id.body_html = "<p>Hello</p>"
        sequence.action_start()
        return sequence, step

    def test_use_template_without_template_editor_rights(self):
        self.assertFalse(self.manager.has_group("mail.group_mail_template_editor"))
        template = self.env.ref("mass_mailing_crm_nurture.crm_nurture_template_restock")
        count = self.env["crm.nurture.sequence"].search_count(
            [("is_template", "=", False)]
        )
        self.start_tour(
            f"{self.action}/{template.id}",
            "mass_mailing_crm_nurture_use_template",
            login=self.manager.login,
        )
        copies = self.env["crm.nurture.sequence"].search(
            [("is_template", "=", False), ("name", "=", template.name)]
        )
        self.assertEqual(
            self.env["crm.nurture.sequence"].search_count(
                [("is_template", "=", False)]
            ),
            count + 1,
        )
        self.assertEqual(copies.user_id, self.manager)
        self.assertTrue(copies.step_ids.mailing_id)

    def test_failed_sends_in_the_flow(self):
        sequence, step = self.make_sequence("Failing Tour Sequence")
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Failing {i}", "email_from": f"failing{i}@example.com"}
                for i in range(2)
            ]
        )
        sequence._enroll_leads(leads)
        self.env["crm.nurture.trace"]._process_due()
        # No mail server: the queue could not send them.
        traces = step.mailing_id.mailing_trace_ids
        self.assertEqual(len(traces), 2)
        traces.set_failed(failure_type="mail_smtp")
        traces.mail_mail_id.write(
            {"state": "exception", "failure_reason": "Connection refused"}
        )
        self.start_tour(
            f"{self.action}/{sequence.id}",
            "mass_mailing_crm_nurture_failures_in_flow",
            login=self.manager.login,
        )

    def test_success_noticed_when_the_deal_is_won(self):
        sequence, _step = self.make_sequence("Day Tour Sequence", success_won=True)
        lead = self.env["crm.lead"].create(
            {
                "name": "Day tour deal",
                "email_from": "deal@example.com",
                "type": "opportunity",
                "user_id": self.manager.id,
            }
        )
        sequence._enroll_leads(lead)
        self.start_tour(
            f"/odoo/action-crm.crm_lead_all_leads/{lead.id}",
            "mass_mailing_crm_nurture_success_at_once",
            login=self.manager.login,
        )
        self.assertEqual(sequence.participant_ids.state, "succeeded")
