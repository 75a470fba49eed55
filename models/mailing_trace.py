# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    # Odoo has no index to find the traces of a document: reactivation credits the
    # mailings a lead received, and large trace tables would be scanned per lead.
    res_id = fields.Many2oneReference(index=True)
