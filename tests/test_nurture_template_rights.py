# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common_nurture import NurtureSequenceCommon

TEMPLATES = ("restock", "welcome", "welcome_links", "event", "anniversary")


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureTemplateRights(NurtureSequenceCommon):
    """What the addon ships works for the roles it is meant for under Odoo's default
    settings, where only administrators are Mail Template Editors: the shipped emails
    use only the placeholders Odoo allows everyone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's default, which Odoo's mail test helpers turn off.
        cls.env["ir.config_parameter"].set_param(
            "mail.restrict.template.rendering", True
        )

    def assertNotTemplateEditor(self, user):
        self.assertFalse(user.has_group("mail.group_mail_template_editor"))

    def test_manager_uses_every_template(self):
        self.assertNotTemplateEditor(self.user_manager)
        for key in TEMPLATES:
            with self.subTest(template=key):
                template = self.env.ref(
                    f"mass_mailing_crm_nurture.crm_nurture_template_{key}"
                ).with_user(self.user_manager)
                action = template.action_use_template()
                copy = self.env["crm.nurture.sequence"].browse(action["res_id"])
                mailings = copy.step_ids.mailing_id
                self.assertTrue(mailings)
                lead = self.make_leads(["tplrights"], contact_name="Ada Lovelace")
                bodies = mailings[:1]._render_field("body_html", lead.ids)
                self.assertIn("Ada Lovelace", str(bodies[lead.id]))

    def test_content_editor_writes_a_step_email(self):
        self.assertNotTemplateEditor(self.user_editor)
        template = self.env.ref("mass_mailing_crm_nurture.crm_nurture_template_restock")
        action = template.with_user(self.user_manager).action_use_template()
        copy = self.env["crm.nurture.sequence"].browse(action["res_id"])
        mailing = copy.step_ids.mailing_id[:1].with_user(self.user_editor)
        mailing.write(
            {
                "subject": "Back in stock, just for you",
                "body_html": mailing.body_html.replace("Hello", "Hi"),
            }
        )
        self.assertEqual(mailing.subject, "Back in stock, just for you")

    def test_marketing_user_edits_and_duplicates_the_demo_mailing(self):
        self.assertNotTemplateEditor(self.user_marketer)
        demo = self.env.ref(
            "mass_mailing_crm_nurture.mailing_restock_demo", raise_if_not_found=False
        )
        if not demo:
            self.skipTest("demo data not installed")
        demo = demo.with_user(self.user_marketer)
        demo.write({"subject": "Restock: a new subject"})
        duplicate = demo.copy()
        self.assertEqual(duplicate.body_html, demo.body_html)
