# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    click_tag_rule_ids = fields.One2many(
        comodel_name="mailing.click.tag.rule",
        inverse_name="mailing_id",
        string="Link Rules",
        copy=True,
        help="What a click on the mailing's links does: add tags to the lead, put "
        "the email on a list.",
    )
