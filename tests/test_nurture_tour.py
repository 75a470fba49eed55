# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureCockpitTour(HttpCase):
    def test_nurture_cockpit(self):
        """A nurture manager opens the demo restock sequence, reads the picture and
        its numbers, the participants, and walks the clicked branch in test mode."""
        manager = new_test_user(
            self.env,
            login="nurture_tour_manager",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "mass_mailing_crm_nurture.group_nurture_manager",
        )
        sequence = self.env.ref(
            "mass_mailing_crm_nurture.crm_nurture_sequence_restock_demo"
        )
        week1 = self.env.ref(
            "mass_mailing_crm_nurture.crm_nurture_template_restock_week1"
        )
        week1 = sequence.step_ids.filtered(lambda s: s.name == week1.name)
        done_before = week1.done_count
        self.start_tour(
            "/odoo/action-mass_mailing_crm_nurture.crm_nurture_sequence_action",
            "mass_mailing_crm_nurture_nurture_cockpit",
            login=manager.login,
        )
        self.assertFalse(sequence.test_participant_ids, "the test run was ended")
        # Odoo's own test send sent them at once, and logged how it went on each
        # step's email (sent, or here refused: no mail server in a tour).
        logs = self.env["mail.message"].search(
            [
                ("model", "=", "mailing.mailing"),
                ("body", "ilike", "Test mailing"),
                # 19.0 names the address with the tester's name.
                ("body", "ilike", "tester@example.com"),
            ]
        )
        self.assertEqual(
            sorted(
                self.env["mailing.mailing"]
                .browse(logs.mapped("res_id"))
                .mapped("subject")
            ),
            [
                "Good news: it is back in stock",
                "You still have time to add this to your collection",
            ],
        )
        week1.invalidate_recordset()
        self.assertEqual(week1.done_count, done_before, "the test counted nowhere")
