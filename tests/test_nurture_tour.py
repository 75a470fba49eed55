# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

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
        # Odoo's own test send sends each step's email at once (what it does with
        # it under tests differs by series: 18.0 tries the SMTP server and logs
        # the refusal on the mailing, 19.0 sends nothing and logs nothing).
        TestSend = type(self.env["mailing.mailing.test"])
        original = TestSend.send_mail_test
        test_sent = []

        def send_mail_test(wizard):
            test_sent.append((wizard.mass_mailing_id.subject, wizard.email_to))
            return original(wizard)

        with patch.object(TestSend, "send_mail_test", send_mail_test):
            self.start_tour(
                "/odoo/action-mass_mailing_crm_nurture.crm_nurture_sequence_action",
                "mass_mailing_crm_nurture_nurture_cockpit",
                login=manager.login,
            )
        self.assertFalse(sequence.test_participant_ids, "the test run was ended")
        self.assertEqual(
            {email for _subject, email in test_sent}, {"tester@example.com"}
        )
        self.assertEqual(
            sorted(subject for subject, _email in test_sent),
            [
                "Good news: it is back in stock",
                "You still have time to add this to your collection",
            ],
        )
        week1.invalidate_recordset()
        self.assertEqual(week1.done_count, done_before, "the test counted nowhere")
