# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..models.mailing_mailing_nurture import CAPTURE_COMPOSER_KEY, ComposerCaptured
from ..models.mailing_mailing_recurrence import SEEN_EMAILS_KEY


class MailComposeMessage(models.TransientModel):
    _inherit = "mail.compose.message"

    @api.model_create_multi
    def create(self, vals_list):
        # A nurture step asks Odoo's send for the composer it would make, then
        # sends it its own way (mailing.mailing._get_nurture_composer_values).
        if self.env.context.get(CAPTURE_COMPOSER_KEY):
            raise ComposerCaptured(self.env.context, vals_list[0])
        return super().create(vals_list)

    def _get_done_emails(self, mail_values_dict):
        # Odoo loads every email a mailing ever reached for each batch of 50 mails
        # it composes; a recurring mailing reaches more at every run. Ask only
        # about this batch's emails: same duplicates found, at a batch's cost.
        if self.mass_mailing_id.recurrence_enabled:
            emails = {
                email
                for info in self._get_recipients_data(mail_values_dict).values()
                for email in info["mail_to_normalized"]
                if email
            }
            self = self.with_context(**{SEEN_EMAILS_KEY: sorted(emails)})
        return super()._get_done_emails(mail_values_dict)
