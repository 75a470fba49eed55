# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from typing import NamedTuple

from odoo import api, models
from odoo.tools import SQL, split_every, str2bool

# Settings of the rule (Email Marketing settings), as system parameters.
PRESSURE_PARAM = "mass_mailing_crm_nurture.contact_pressure_%s"
# Leads whose emails are counted per query.
PRESSURE_BATCH_SIZE = 5000
# Emails that did not reach the lead do not press on it: cancelled by Odoo
# (blacklist, duplicate, no email), failed, bounced.
UNCOUNTED_STATUSES = ("cancel", "error", "bounce")
# Bounds of the settings (checked when saved; a parameter written by hand beyond
# them turns the rule off rather than stopping the engines).
MAX_PRESSURE_LIMIT = 1000
MAX_PRESSURE_DAYS = 3650


class ContactPressureRule(NamedTuple):
    """At most ``limit`` marketing emails per lead over ``days`` days;
    ``lead_mailings``: ordinary lead mailings obey it too."""

    limit: int
    days: int
    lead_mailings: bool

    def since(self, now):
        return now - timedelta(days=self.days)


class CrmLead(models.Model):
    """Contact pressure: how many marketing emails a lead received lately.

    "Marketing emails" are the lead's mailing traces (Email Marketing, recurring
    mailings and nurture steps alike) created within the period, except those
    that never reached it. Counted in SQL, one query per batch of leads, on the
    index of traces by lead and date (see mailing.trace).
    """

    _inherit = "crm.lead"

    @api.model
    def _get_contact_pressure_rule(self):
        """The rule set in Email Marketing settings, or None when it is off."""
        params = self.env["ir.config_parameter"].sudo()
        if not str2bool(params.get_param(PRESSURE_PARAM % "enabled") or "0", False):
            return None
        try:
            limit = int(params.get_param(PRESSURE_PARAM % "limit") or 0)
            days = int(params.get_param(PRESSURE_PARAM % "days") or 0)
        except ValueError:
            return None
        if not (0 < limit <= MAX_PRESSURE_LIMIT and 0 < days <= MAX_PRESSURE_DAYS):
            return None
        lead_mailings = str2bool(
            params.get_param(PRESSURE_PARAM % "lead_mailings") or "0", False
        )
        return ContactPressureRule(limit, days, lead_mailings)

    @api.model
    def _get_contact_pressure_free_slots(self, lead_ids, rule, now=None):
        """Lead id -> when it may get an email again, for the leads of
        ``lead_ids`` that reached the limit of ``rule`` at ``now``.

        The next free slot is when enough counted emails leave the period for the
        lead to be under the limit: the (count - limit + 1)-th oldest one's date
        plus the period (the oldest one's when the lead is exactly at the limit).
        """
        now = now or self.env.cr.now()
        self.env["mailing.trace"].flush_model(["model", "res_id", "trace_status"])
        slots = {}
        for batch in split_every(PRESSURE_BATCH_SIZE, lead_ids, list):
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT trace.res_id,
                           (array_agg(trace.create_date ORDER BY trace.create_date))
                               [COUNT(*) - %(limit)s + 1]
                      FROM mailing_trace trace
                     WHERE %(counted)s AND trace.res_id = ANY(%(ids)s)
                     GROUP BY trace.res_id
                    HAVING COUNT(*) >= %(limit)s
                    """,
                    limit=rule.limit,
                    counted=self._get_contact_pressure_trace_sql(rule, now),
                    ids=batch,
                )
            )
            period = timedelta(days=rule.days)
            slots.update({lead_id: oldest + period for lead_id, oldest in rows})
        return slots

    @api.model
    def _get_contact_pressure_under_limit_sql(self, lead_id, rule, now=None):
        """SQL condition: the lead ``lead_id`` (an SQL column) is under the limit,
        for recipient queries that must leave the others out."""
        now = now or self.env.cr.now()
        self.env["mailing.trace"].flush_model(["model", "res_id", "trace_status"])
        return SQL(
            """(SELECT COUNT(*) FROM mailing_trace trace
                 WHERE %s AND trace.res_id = %s) < %s""",
            self._get_contact_pressure_trace_sql(rule, now),
            lead_id,
            rule.limit,
        )

    @api.model
    def _get_contact_pressure_trace_sql(self, rule, now):
        """The traces (alias ``trace``) that count against the limit at ``now``."""
        return SQL(
            """trace.model = 'crm.lead' AND trace.create_date > %s
               AND trace.trace_status NOT IN %s""",
            rule.since(now),
            UNCOUNTED_STATUSES,
        )
