# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.misc import file_path

ADDON = "mass_mailing_crm_nurture"


@tagged("post_install", "-at_install", ADDON)
class TestPersianRtlTour(HttpCase):
    def test_persian_right_to_left(self):
        """With Persian, written right to left, the cockpit's tiles, its flow
        picture and the reactivation wizard are mirrored, inside their containers
        and the screen, nothing on top of anything else; with the addon's Persian
        translation, its labels show in Persian."""
        self.env["res.lang"]._activate_lang("fa_IR")
        try:
            file_path(f"{ADDON}/i18n/fa.po")
            translated = True
        except FileNotFoundError:
            translated = False
        tour = f"{ADDON}_persian_rtl"
        if translated:
            self.env["ir.module.module"]._load_module_terms(
                [ADDON], ["fa_IR"], overwrite=True
            )
            menu = self.env.ref(f"{ADDON}.crm_lead_reactivation_menu_mailing")
            self.assertNotEqual(
                menu.with_context(lang="fa_IR").name, "Reactivate Lost Leads"
            )
            tour += "_translated"
        user = new_test_user(
            self.env,
            login="nurture_tour_persian",
            lang="fa_IR",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "mass_mailing.group_mass_mailing_user,"
            f"{ADDON}.group_nurture_manager",
        )
        sequence = self.env.ref(f"{ADDON}.crm_nurture_sequence_restock_demo")
        self.start_tour(
            f"/odoo/action-{ADDON}.crm_nurture_sequence_action/{sequence.id}",
            tour,
            login=user.login,
        )
