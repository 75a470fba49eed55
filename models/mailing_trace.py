# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import create_index

from .mailing_mailing_recurrence import RECURRENCE_RUN_KEY


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    # Odoo has no index to find the traces of a document: reactivation credits the
    # mailings a lead received, and large trace tables would be scanned per lead.
    res_id = fields.Many2oneReference(index=True)
    recurrence_run_id = fields.Many2one(
        comodel_name="mailing.recurrence.run",
        string="Recurring Run",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    def init(self):
        super().init()
        # Duplicate-email protection of recurring mailings asks, per batch, which
        # emails a mailing already reached (mailing.mailing._get_seen_list).
        create_index(
            self.env.cr,
            "mailing_trace_mass_mailing_id_email_index",
            self._table,
            ["mass_mailing_id", "email"],
            where="email IS NOT NULL",
        )

    @api.model_create_multi
    def create(self, vals_list):
        # Traces created while a recurring mailing runs belong to that run.
        run_id = self.env.context.get(RECURRENCE_RUN_KEY)
        if run_id:
            for vals in vals_list:
                vals.setdefault("recurrence_run_id", run_id)
        return super().create(vals_list)
