# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import SQL


class MailingMailing(models.Model):
    """Lead mailings obey the contact pressure rule: a recurring run leaves out
    the leads at the limit (no trace, so a later run mails them once they are
    under it again), and so does an ordinary lead mailing when the settings say
    so (those leads do not get that mailing)."""

    _inherit = "mailing.mailing"

    def _get_recurrence_new_recipients_query(self):
        query = super()._get_recurrence_new_recipients_query()
        rule = self._get_contact_pressure_rule()
        if rule:
            query.add_where(
                self.env["crm.lead"]._get_contact_pressure_under_limit_sql(
                    SQL.identifier(query.table, "id"), rule
                )
            )
        return query

    def _get_remaining_recipients(self):
        res_ids = super()._get_remaining_recipients()
        rule = self._get_contact_pressure_rule()
        if not rule or not rule.lead_mailings or self.recurrence_enabled or not res_ids:
            return res_ids
        over = self.env["crm.lead"]._get_contact_pressure_free_slots(res_ids, rule)
        return [res_id for res_id in res_ids if res_id not in over]

    def _get_contact_pressure_rule(self):
        """The contact pressure rule, when it applies to this mailing's
        recipients (leads), else None."""
        self.ensure_one()
        if self.mailing_model_real != "crm.lead":
            return None
        return self.env["crm.lead"]._get_contact_pressure_rule()
