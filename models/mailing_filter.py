# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import ValidationError

from ..relative_domain import DomainEvaluationError, check_domain
from .crm_lead_reactivation import STANDARD_LOST_REASONS


class MailingFilter(models.Model):
    _inherit = "mailing.filter"

    @api.constrains("mailing_domain", "mailing_model_id")
    def _check_mailing_domain(self):
        """Replaces Odoo's check, which refuses relative dates (literal domains only)
        and counts every matching record to validate a domain."""
        for mailing_filter in self:
            try:
                check_domain(
                    self.sudo().env,
                    mailing_filter.mailing_model_id.model,
                    mailing_filter.mailing_domain,
                )
            except DomainEvaluationError as error:
                raise ValidationError(
                    self.env._(
                        "The filter %(name)s cannot be used for these recipients: "
                        "%(error)s",
                        name=mailing_filter.name,
                        error=error,
                    )
                ) from error

    @api.model
    def _create_reactivation_presets(self):
        """Favourite filters for lost-lead reactivation (install): lost leads of the
        last 90 days, for all reasons and for each standard lost reason that still
        exists. Dates are relative, evaluated when recipients are computed.

        Reasons and stages are resolved here, by xml id, and skipped when deleted:
        installing never fails on them, and renaming them changes nothing.
        """
        Lead = self.env["crm.lead"]
        stages = Lead._get_reactivation_default_stages()
        presets = [("all_reasons", self.env["crm.lost.reason"])]
        for xmlid, suffix in STANDARD_LOST_REASONS.items():
            reason = self.env.ref(xmlid, raise_if_not_found=False)
            if reason:
                presets.append((suffix, reason))
        data_list = []
        for name, reason in presets:
            if self.env.ref(
                f"mass_mailing_crm_nurture.mailing_filter_lost_leads_{name}", False
            ):
                continue
            data_list.append(
                {
                    "xml_id": "mass_mailing_crm_nurture."
                    f"mailing_filter_lost_leads_{name}",
                    "noupdate": True,
                    "values": {
                        "name": self.env._(
                            "Lost leads - %(reason)s (last 90 days)",
                            reason=reason.name or self.env._("all reasons"),
                        ),
                        "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                        "mailing_domain": Lead._get_reactivation_domain_text(
                            reasons=reason, days=90, excluded_stages=stages
                        ),
                    },
                }
            )
        return self._load_records(data_list)
