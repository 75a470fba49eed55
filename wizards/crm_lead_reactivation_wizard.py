# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import LazyTranslate

from ..relative_domain import DomainEvaluationError, eval_domain

_lt = LazyTranslate(__name__)

# Subjects suggested for the standard lost reasons (crm's xml ids).
SUBJECT_BY_REASON = {
    "crm.lost_reason_1": _lt("Good news: a better price for you"),
    "crm.lost_reason_2": _lt("We are ready for your project now"),
    "crm.lost_reason_3": _lt("Back in stock!"),
}


class CrmLeadReactivationWizard(models.TransientModel):
    """Reactivate lost leads: choose which lost leads, see how many match, then
    draft a mailing to them or save the criteria as a favourite filter."""

    _name = "crm.lead.reactivation.wizard"
    _description = "Reactivate Lost Leads"

    lead_ids = fields.Many2many(
        comodel_name="crm.lead",
        string="Selected Leads",
        # Lost leads are archived: keep them among the selected ones.
        context={"active_test": False},
        help="When set, only these leads are considered.",
    )
    period_type = fields.Selection(
        selection=[("last", "In the last days"), ("between", "Between two dates")],
        string="Period",
        default="last",
        required=True,
    )
    period_days = fields.Integer(
        string="Days",
        default=90,
        help="Lost in the last N days, up to yesterday, counted back from the day "
        "the mailing is sent: the recipients are computed again at each send.",
    )
    date_from = fields.Date(string="From")
    date_to = fields.Date(string="To")
    date_field = fields.Selection(
        selection=[("date_closed", "Lost on"), ("create_date", "Created on")],
        string="Date",
        default="date_closed",
        required=True,
        help="Lost on: when the lead was lost (its closing date). Created on: when "
        "the lead was created.",
    )
    lost_reason_ids = fields.Many2many(
        comodel_name="crm.lost.reason",
        string="Lost Reasons",
        help="Leave empty for all lost leads, whatever the reason.",
    )
    excluded_stage_ids = fields.Many2many(
        comodel_name="crm.stage",
        string="Excluded Stages",
        default=lambda self: self.env["crm.lead"]._get_reactivation_default_stages(),
        help="Leads lost while in these stages are left out. Won leads are always "
        "left out.",
    )
    include_archived = fields.Boolean(
        default=True,
        help="Lost leads are archived: without this, almost none match.",
    )
    exclude_blacklisted = fields.Boolean(default=True)
    min_engagement_score = fields.Float(
        string="Engagement Score at Least",
        digits=(16, 1),
        help="Only lost leads whose engagement score (what their person did "
        "lately: opens, clicks, replies) is at least this; 0 for all. Evaluated "
        "again at each send.",
    )
    order_by_score = fields.Boolean(
        string="Warmest First",
        default=True,
        help="The matching leads open with the highest engagement score first.",
    )
    mailing_domain = fields.Char(
        string="Recipients Filter",
        compute="_compute_mailing_domain",
    )
    lead_count = fields.Integer(
        string="Matching Leads",
        compute="_compute_lead_count",
    )
    stage_excluded_count = fields.Integer(
        string="Left Out by Stage",
        compute="_compute_lead_count",
        help="Lost leads that match everything else but were lost while in one of "
        "the excluded stages.",
    )
    subject = fields.Char(
        compute="_compute_subject",
        store=True,
        readonly=False,
    )
    filter_name = fields.Char(
        string="Favorite Filter Name",
        compute="_compute_filter_name",
        store=True,
        readonly=False,
    )

    @api.depends(
        "lead_ids",
        "period_type",
        "period_days",
        "date_from",
        "date_to",
        "date_field",
        "lost_reason_ids",
        "excluded_stage_ids",
        "include_archived",
        "exclude_blacklisted",
        "min_engagement_score",
    )
    def _compute_mailing_domain(self):
        for wizard in self:
            wizard.mailing_domain = wizard._get_mailing_domain_text()

    @api.depends("mailing_domain")
    def _compute_lead_count(self):
        for wizard in self:
            wizard.lead_count = wizard._count_leads()
            wizard.stage_excluded_count = wizard._count_stage_excluded_leads()

    @api.depends("lost_reason_ids")
    def _compute_subject(self):
        for wizard in self:
            wizard.subject = wizard._suggest_subject()

    @api.depends(
        "lost_reason_ids", "period_type", "period_days", "date_from", "date_to"
    )
    def _compute_filter_name(self):
        for wizard in self:
            wizard.filter_name = wizard._suggest_filter_name()

    @api.constrains("min_engagement_score")
    def _check_min_engagement_score(self):
        for wizard in self:
            if wizard.min_engagement_score < 0:
                raise ValidationError(
                    self.env._("The engagement score at least is 0 or more.")
                )

    @api.constrains("period_type", "period_days", "date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            error = wizard._get_period_error()
            if error:
                raise ValidationError(error)

    @api.model
    def default_get(self, fields_list):
        self._check_lead_access()
        res = super().default_get(fields_list)
        if (
            "lead_ids" in fields_list
            and self.env.context.get("active_model") == "crm.lead"
            and self.env.context.get("active_ids")
        ):
            # Only the selected leads the user may read: the others (another
            # company's, in a context made by hand) are no selection of theirs.
            leads = self.env["crm.lead"].browse(self.env.context["active_ids"])
            res["lead_ids"] = [fields.Command.set(leads._filtered_access("read").ids)]
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_leads(self):
        self.ensure_one()
        return self._action_open_leads()

    def action_create_mailing(self):
        self.ensure_one()
        mailing = self._create_mailing()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": mailing.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_save_filter(self):
        self.ensure_one()
        mailing_filter = self._save_filter()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Favorite filter %(name)s saved: choose it in the recipients of "
                    "any lead mailing.",
                    name=mailing_filter.name,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _check_lead_access(self):
        if not self.env["crm.lead"].has_access("read"):
            raise UserError(
                self.env._(
                    "Reactivating lost leads needs access to the CRM leads. Ask an "
                    "administrator to give you Sales access."
                )
            )

    def _get_period_error(self):
        self.ensure_one()
        if self.period_type == "last" and self.period_days <= 0:
            return self.env._("The number of days must be positive.")
        if self.period_type == "between":
            if not (self.date_from or self.date_to):
                return self.env._("Give at least one of the two dates.")
            if self.date_from and self.date_to and self.date_from > self.date_to:
                return self.env._("The start date must be before the end date.")
        return False

    def _get_mailing_domain_text(self):
        """The recipients filter for these criteria (see
        ``crm.lead._get_reactivation_domain_text``)."""
        self.ensure_one()
        last = self.period_type == "last"
        return self.env["crm.lead"]._get_reactivation_domain_text(
            reasons=self.lost_reason_ids,
            days=self.period_days if last and self.period_days > 0 else 0,
            date_from=False if last else self.date_from,
            date_to=False if last else self.date_to,
            date_field=self.date_field,
            excluded_stages=self.env["crm.stage"]
            if self.env.context.get("reactivation_keep_stages")
            else self.excluded_stage_ids,
            include_archived=self.include_archived,
            exclude_blacklisted=self.exclude_blacklisted,
            leads=self.lead_ids,
            min_score=max(self.min_engagement_score, 0.0),
        )

    def _count_leads(self):
        self.ensure_one()
        if self._get_period_error():
            return 0
        return self.env["crm.lead"].search_count(self._get_domain())

    def _count_stage_excluded_leads(self):
        """How many more leads would match without the excluded stages: the
        wizard says so beside the count, so that nobody wonders where they went."""
        self.ensure_one()
        if self._get_period_error() or not self.excluded_stage_ids:
            return 0
        without_stages = self.with_context(reactivation_keep_stages=True)
        text = without_stages._get_mailing_domain_text()
        return (
            self.env["crm.lead"].search_count(eval_domain(self.env, text))
            - self.lead_count
        )

    def _get_domain(self):
        try:
            return eval_domain(self.env, self.mailing_domain)
        except DomainEvaluationError as error:
            # E.g. too many leads selected for one filter.
            raise UserError(
                self.env._("These criteria cannot be used: %(error)s", error=error)
            ) from error

    def _suggest_subject(self):
        self.ensure_one()
        # In the form, the chosen reasons are new records standing for real ones.
        reasons = self.lost_reason_ids._origin
        for xmlid, subject in SUBJECT_BY_REASON.items():
            reason = self.env.ref(xmlid, raise_if_not_found=False)
            if reason and reason in reasons:
                return str(subject)
        return self.env._("We would love to hear from you again")

    def _suggest_filter_name(self):
        self.ensure_one()
        reasons = (
            ", ".join(self.lost_reason_ids.mapped("name"))
            if self.lost_reason_ids
            else self.env._("all reasons")
        )
        if self.period_type == "last":
            period = self.env._("last %(days)s days", days=self.period_days)
        else:
            period = " - ".join(
                fields.Date.to_string(day)
                for day in (self.date_from, self.date_to)
                if day
            )
        return self.env._(
            "Lost leads - %(reasons)s (%(period)s)", reasons=reasons, period=period
        )

    def _action_open_leads(self):
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Lost Leads to Reactivate"),
            "res_model": "crm.lead",
            "view_mode": "list,kanban,form",
            "domain": self._get_domain(),
            "context": {"active_test": False, "create": False},
            "target": "current",
        }
        if self.order_by_score:
            # The leads list, warmest first (its header still sorts otherwise).
            list_view = self.env.ref(
                "mass_mailing_crm_nurture.crm_lead_view_list_reactivation_by_score"
            )
            action["views"] = [
                (list_view.id, "list"),
                (False, "kanban"),
                (False, "form"),
            ]
        return action

    def _get_leads_by_score(self, limit=None):
        """The matching leads, highest engagement score first (ties: newest)."""
        self.ensure_one()
        return self.env["crm.lead"].search(
            self._get_domain(), order="engagement_score desc, id desc", limit=limit
        )

    def _prepare_mailing_values(self):
        """Values of the draft mailing: subject and recipients, the body is left
        to the user."""
        self.ensure_one()
        return {
            "subject": self.subject or self._suggest_subject(),
            "mailing_type": "mail",
            "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
            "mailing_domain": self.mailing_domain,
        }

    def _create_mailing(self):
        self._check_lead_access()
        error = self._get_period_error()
        if error:
            raise UserError(error)
        mailing = self.env["mailing.mailing"].create(self._prepare_mailing_values())
        # The domain compute runs on create (model set): put the criteria back.
        if mailing.mailing_domain != self.mailing_domain:
            mailing.mailing_domain = self.mailing_domain
        return mailing

    def _save_filter(self):
        self._check_lead_access()
        error = self._get_period_error()
        if error:
            raise UserError(error)
        return self.env["mailing.filter"].create(
            {
                "name": self.filter_name or self._suggest_filter_name(),
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": self.mailing_domain,
            }
        )
