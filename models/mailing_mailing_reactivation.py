# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailingMailing(models.Model):
    """Results of lost-lead reactivation mailings: the leads that came back after
    the mailing reached them while they were lost, and those of them now won."""

    _inherit = "mailing.mailing"

    reactivated_lead_count = fields.Integer(
        string="Reactivated",
        compute="_compute_reactivation_results",
        help="Recipients restored after this mailing reached them while they were "
        "lost.",
    )
    reactivated_revenue = fields.Monetary(
        compute="_compute_reactivation_results",
        currency_field="reactivation_currency_id",
        help="Expected revenue of the reactivated leads.",
    )
    reactivated_won_count = fields.Integer(
        string="Won after Reactivation",
        compute="_compute_reactivation_results",
        help="Reactivated leads that are won now.",
    )
    reactivated_won_revenue = fields.Monetary(
        string="Won Revenue",
        compute="_compute_reactivation_results",
        currency_field="reactivation_currency_id",
        help="Expected revenue of the reactivated leads that are won now.",
    )
    reactivation_currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_reactivation_results",
    )

    def _compute_reactivation_results(self):
        # Counts for anyone who sees the mailing, as Odoo's lead count does; the
        # leads themselves open with the viewer's own rights.
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        results = {
            won: {
                mailing.id: (count, revenue)
                for mailing, count, revenue in Lead._read_group(
                    self._get_reactivated_leads_domain(won),
                    ["reactivation_mailing_id"],
                    ["__count", "expected_revenue:sum"],
                )
            }
            for won in (False, True)
        }
        for mailing in self:
            count, revenue = results[False].get(mailing.id, (0, 0.0))
            won_count, won_revenue = results[True].get(mailing.id, (0, 0.0))
            mailing.reactivated_lead_count = count
            mailing.reactivated_revenue = revenue
            mailing.reactivated_won_count = won_count
            mailing.reactivated_won_revenue = won_revenue
            mailing.reactivation_currency_id = self.env.company.currency_id

    def _get_reactivated_leads_domain(self, won=False):
        domain = [("reactivation_mailing_id", "in", self.ids)]
        if won:
            # CRM's "Won" filter.
            domain += [("active", "=", True), ("stage_id.is_won", "=", True)]
        return domain

    def action_view_reactivated_leads(self):
        return self._action_view_reactivated_leads(won=False)

    def action_view_reactivated_won_leads(self):
        return self._action_view_reactivated_leads(won=True)

    def _action_view_reactivated_leads(self, won):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Won after Reactivation")
            if won
            else self.env._("Reactivated Leads"),
            "res_model": "crm.lead",
            "view_mode": "list,kanban,form,pivot,graph",
            "domain": self._get_reactivated_leads_domain(won),
            "context": {"active_test": False, "create": False},
        }
