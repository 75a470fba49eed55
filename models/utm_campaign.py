# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class UtmCampaign(models.Model):
    _inherit = "utm.campaign"

    # A/B tests of reactivation mailings: the version that brought back the most
    # lost leads wins (mailing.mailing.reactivated_lead_count).
    ab_testing_winner_selection = fields.Selection(
        selection_add=[("reactivated_lead_count", "Reactivated Leads")],
        ondelete={"reactivated_lead_count": "set default"},
    )
