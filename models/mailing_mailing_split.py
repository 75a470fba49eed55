# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

# What the reader gets: a change of these is a change of the email (a send, which
# writes the mailing's state and dates, is not).
CONTENT_FIELDS = {"subject", "preview", "body_html", "body_arch", "attachment_ids"}


class MailingMailing(models.Model):
    """When a step's email last changed: a split test's variant edited after its
    test was decided is shown as such."""

    _inherit = "mailing.mailing"

    nurture_content_date = fields.Datetime(
        string="Content Changed On",
        readonly=True,
        copy=False,
        help="When the subject, preview, body or attachments last changed.",
    )

    def write(self, vals):
        if CONTENT_FIELDS & set(vals):
            vals = dict(vals, nurture_content_date=self.env.cr.now())
        return super().write(vals)
