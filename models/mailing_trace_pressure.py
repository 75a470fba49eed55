# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import create_index


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    def init(self):
        res = super().init()
        # Contact pressure counts a batch of leads' recent emails: by lead, then
        # date, leads only (crm.lead.contact_pressure).
        create_index(
            self.env.cr,
            "mailing_trace_lead_pressure_index",
            self._table,
            ["res_id", "create_date"],
            where="model = 'crm.lead'",
        )
        return res
