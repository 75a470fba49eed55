# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize


class CrmNurtureTestWizard(models.TransientModel):
    """Start a test run of a sequence, for a chosen lead or a test address."""

    _name = "crm.nurture.test.wizard"
    _description = "Test a Nurture Sequence"

    sequence_id = fields.Many2one(
        comodel_name="crm.nurture.sequence",
        string="Nurture Sequence",
        required=True,
        ondelete="cascade",
    )
    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        string="Lead",
        context={"active_test": False},
        help="The lead whose data fills the emails, and on which tags, stages, "
        "activities and reopening apply for real when you may edit it (otherwise "
        "those steps are skipped, with the reason). Empty: a test lead is made for "
        "the test address, on which every step acts, and deleted when the test ends.",
    )
    email = fields.Char(
        string="Send Emails To",
        required=True,
        default=lambda self: self.env.user.email,
        help="The test run's emails go to this address only, never to the lead.",
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "crm.nurture.sequence":
            res.setdefault("sequence_id", self.env.context.get("active_id"))
        return res

    def action_start_test(self):
        self.ensure_one()
        return self._start_test().with_env(self.env).action_open_test_run()

    def _start_test(self):
        self.env["crm.nurture.participant"]._check_test_access()
        email = email_normalize(self.email)
        if not email:
            raise UserError(
                self.env._("%(email)s is not an email address.", email=self.email)
            )
        sequence = self.sequence_id.sudo()
        if not sequence.step_ids.filtered(lambda step: not step.parent_id):
            raise UserError(self.env._("Add a first step before testing the sequence."))
        lead = self.lead_id
        if lead:
            lead.check_access("read")
        else:
            lead = self._create_test_lead(email)
        participant = sequence._enroll(lead.sudo(), is_test=True)
        participant.write({"test_email": email, "test_lead_created": not self.lead_id})
        return participant

    def _create_test_lead(self, email):
        return (
            self.env["crm.lead"]
            .sudo()
            .create(
                {
                    "name": self.env._(
                        "Test of %(sequence)s", sequence=self.sequence_id.name
                    ),
                    "type": "lead",
                    "email_from": email,
                    "contact_name": self.env.user.name,
                    "user_id": self.env.uid,
                    "company_id": self.sequence_id.company_id.id,
                }
            )
        )
