# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from ast import literal_eval

from odoo import api, models
from odoo.exceptions import UserError, ValidationError

from .. import compat
from ..relative_domain import DomainEvaluationError, check_domain, eval_domain


class MailingMailing(models.Model):
    """Recipient domains with relative dates, evaluated when recipients are computed.

    Odoo reads ``mailing_domain`` as a literal and silently sends to nobody when it
    holds an expression (what the filter editor writes for "is within the last N
    days"). Here the text is evaluated like the web client does, in the timezone of
    the user computing the recipients (the mailing's responsible when the queue
    sends it), and a domain that cannot be evaluated is refused when saved.
    """

    _inherit = "mailing.mailing"

    @api.constrains("mailing_domain", "mailing_model_id")
    def _check_mailing_domain_evaluable(self):
        for mailing in self.filtered(
            lambda m: m.mailing_model_real and m.mailing_domain
        ):
            if not mailing._must_check_mailing_domain():
                continue
            try:
                # Compiled as superuser: this checks fields and operators, not rights.
                check_domain(
                    self.sudo().env,
                    mailing.mailing_model_real,
                    mailing.mailing_domain,
                )
            except DomainEvaluationError as error:
                raise ValidationError(
                    self.env._(
                        "The recipients filter of mailing %(mailing)s cannot be used: "
                        "%(error)s",
                        mailing=mailing.subject or mailing.display_name,
                        error=error,
                    )
                ) from error

    def _must_check_mailing_domain(self):
        """Expressions (relative dates) mean something only with this addon: they are
        always checked. A literal domain is taken as Odoo takes it, unchecked, except
        on leads, the records this addon mails: there a filter on a field that does
        not exist is refused when saved rather than failing at the send."""
        self.ensure_one()
        if self.mailing_model_real == "crm.lead":
            return True
        try:
            literal_eval(self.mailing_domain)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return True
        return False

    def _compute_total(self):
        # The form must open even when a domain stopped being valid (a field was
        # removed since it was saved); sending it still fails with the reason.
        for mailing in self:
            try:
                super(MailingMailing, mailing)._compute_total()
            except UserError:
                mailing.total = 0
        return None

    def _parse_mailing_domain(self):
        self.ensure_one()
        if not (self.mailing_domain or "").strip():
            # As Odoo: no filter text, nobody (never "everybody").
            return [("id", "in", [])]
        try:
            return eval_domain(self.env, self.mailing_domain)
        except DomainEvaluationError as error:
            raise UserError(
                self.env._(
                    "The recipients filter of mailing %(mailing)s cannot be evaluated, "
                    "so it is not sent: %(error)s",
                    mailing=self.subject or self.display_name,
                    error=error,
                )
            ) from error

    def _get_recipients_domain(self):
        domain = super()._get_recipients_domain()
        company_domain = self._get_recipients_company_domain()
        if company_domain:
            domain = compat.domain_and([domain, company_domain])
        return domain

    def _get_recipients_company_domain(self):
        """Leads of companies the mailing's responsible cannot see are never mailed.

        The queue sends as superuser, which ignores company rules: restrict the
        recipients to the responsible's companies, as their own search would.
        """
        if self.mailing_model_real != "crm.lead" or not self.user_id:
            return []
        return [("company_id", "in", self.user_id.company_ids.ids + [False])]
