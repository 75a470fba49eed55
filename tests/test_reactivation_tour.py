# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestReactivationWizardTour(HttpCase):
    def test_wizard_to_draft_mailing(self):
        """A marketing user picks a lost reason in the wizard, sees the matching
        leads and gets a draft mailing whose recipients are those leads."""
        marketer = new_test_user(
            self.env,
            login="nurture_tour_marketer",
            groups="sales_team.group_sale_salesman_all_leads,"
            "mass_mailing.group_mass_mailing_user",
        )
        # Only the tour's leads may match: the demo data has lost leads too.
        self.env["crm.lead"].with_context(active_test=False).search(
            [("lost_reason_id", "!=", False)]
        ).write({"lost_reason_id": False, "probability": 10})
        self.env["crm.lead"].with_context(active_test=False).search(
            [("active", "=", False)]
        ).write({"probability": 10})
        stock, price = self.env["crm.lost.reason"].create(
            [{"name": "Tour out of stock"}, {"name": "Tour too dear"}]
        )
        stage = self.env.ref("crm.stage_lead3")
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Tour lost {i}",
                    "email_from": f"tour{i}@example.com",
                    "stage_id": stage.id,
                }
                for i in range(4)
            ]
        )
        for lead, reason in zip(leads, [stock, stock, price], strict=False):
            lead.action_set_lost(lost_reason_id=reason.id)
            # "In the last N days" ends at midnight today: lost two days ago.
            lead.date_closed = lead.date_closed - timedelta(days=2)
        # The fourth one was lost long ago: out of the period.
        leads[3].action_set_lost(lost_reason_id=stock.id)
        leads[3].date_closed = leads[3].date_closed - timedelta(days=200)
        self.start_tour(
            "/odoo/action-mass_mailing.mailing_mailing_action_mail",
            "mass_mailing_crm_nurture_reactivation_wizard",
            login=marketer.login,
        )
        mailing = self.env["mailing.mailing"].search([("subject", "=", "Tour restock")])
        self.assertEqual(mailing.state, "draft")
        self.assertEqual(mailing.mailing_model_name, "crm.lead")
        self.assertEqual(
            set(mailing.with_user(marketer)._get_recipients()), set(leads[:2].ids)
        )
