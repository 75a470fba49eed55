# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureMultiCompany(NurtureSequenceCommon):
    """Sequences, their steps, participants and step traces belong to a company:
    a nurture manager of another company neither reads nor changes them. The
    shipped templates belong to every company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Nurture Company B"})
        cls.manager_b = new_test_user(
            cls.env,
            login="nurture_manager_b",
            tz="UTC",
            groups="base.group_user,mass_mailing_crm_nurture.group_nurture_manager,"
            "sales_team.group_sale_salesman_all_leads",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.template = cls.env.ref(
            "mass_mailing_crm_nurture.crm_nurture_template_restock"
        )

    def test_other_company_sees_nothing_of_a_sequence(self):
        self.start_with(self.leads)
        self.process(self.T0)
        participants = self.sequence.participant_ids
        traces = participants.trace_ids
        self.assertTrue(participants and traces)
        as_b = self.env(user=self.manager_b)
        for model, records in (
            ("crm.nurture.sequence", self.sequence),
            ("crm.nurture.step", self.sequence.step_ids),
            ("crm.nurture.participant", participants),
            ("crm.nurture.trace", traces),
        ):
            self.assertFalse(
                as_b[model].search([("id", "in", records.ids)]), f"{model} hidden"
            )
            with self.assertRaises(AccessError, msg=f"{model} unreadable"):
                as_b[model].browse(records.ids).read(["display_name"])
        with self.assertRaises(AccessError):
            as_b["crm.nurture.step"].browse(self.week2_ignored.id).write({"delay": 1})
        with self.assertRaises(AccessError):
            as_b["crm.nurture.step"].create(
                {
                    "sequence_id": self.sequence.id,
                    "name": "Intruder",
                    "trigger": "start",
                }
            )
        # Its own company's user still sees all of it.
        as_a = self.env(user=self.user_manager)
        self.assertEqual(
            as_a["crm.nurture.trace"].search([("id", "in", traces.ids)]), traces
        )

    def test_templates_belong_to_every_company(self):
        self.assertFalse(self.template.company_id)
        for user in (self.user_manager, self.manager_b):
            template = self.template.with_user(user)
            self.assertTrue(
                template.step_ids, f"{user.login} reads the template's steps"
            )
            action = template.action_use_template()
            copy = (
                self.env["crm.nurture.sequence"]
                .with_user(user)
                .browse(action["res_id"])
            )
            self.assertEqual(copy.company_id, user.company_id)
            self.assertEqual(len(copy.step_ids), len(self.template.step_ids))
            copy.action_start()
            self.assertEqual(copy.state, "running")
