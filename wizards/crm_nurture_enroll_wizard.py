# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class CrmNurtureEnrollWizard(models.TransientModel):
    """Enroll selected leads in a nurture sequence by hand."""

    _name = "crm.nurture.enroll.wizard"
    _description = "Enroll Leads in a Nurture Sequence"

    sequence_id = fields.Many2one(
        comodel_name="crm.nurture.sequence",
        string="Nurture Sequence",
        required=True,
        domain="[('state', 'in', ('draft', 'running', 'paused'))]",
    )
    lead_ids = fields.Many2many(
        comodel_name="crm.lead",
        string="Leads",
        context={"active_test": False},
    )
    lead_count = fields.Integer(compute="_compute_lead_count")

    @api.depends("lead_ids")
    def _compute_lead_count(self):
        for wizard in self:
            wizard.lead_count = len(wizard.lead_ids)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if (
            self.env.context.get("active_model") == "crm.lead"
            and "lead_ids" in fields_list
        ):
            res["lead_ids"] = [
                fields.Command.set(self.env.context.get("active_ids", []))
            ]
        return res

    def action_enroll(self):
        self.ensure_one()
        participants = self._enroll()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s lead(s) enrolled in %(sequence)s; leads already in it, "
                    "or not matching its filter, were left as they were.",
                    count=len(participants),
                    sequence=self.sequence_id.name,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _enroll(self):
        # Salespeople enroll their leads; the participation is the system's record.
        self.lead_ids.check_access("read")
        before = self.sequence_id.sudo().participant_ids
        self.sequence_id.sudo()._enroll_leads(self.lead_ids)
        return self.sequence_id.sudo().participant_ids - before
