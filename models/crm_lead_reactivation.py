# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from .. import compat

# Lost reasons and first pipeline stages shipped by crm, by xml id: names can be
# renamed or translated, and any of these records may have been deleted.
# Standard lost reasons and the suffix of the presets made for them.
STANDARD_LOST_REASONS = {
    "crm.lost_reason_1": "too_expensive",
    "crm.lost_reason_2": "no_skills",
    "crm.lost_reason_3": "no_stock",
}
FIRST_STAGES = ("crm.stage_lead1", "crm.stage_lead2")
# "Lost in the last N days": from midnight N days ago to midnight today, in the
# user's timezone (a lead lost today waits for tomorrow's sends), evaluated
# whenever recipients are computed, in the form the series' filter editor reads
# back as a rule.
if compat.SMART_DATES:
    # 19.0 evaluates relative dates itself (in the user's timezone, like the
    # expression below): its own words, so nothing is evaluated twice.
    LAST_DAYS_TERMS = "('{field}', '>=', 'today -{days}d'), ('{field}', '<=', 'today')"
else:
    # 18.0 reads a mailing's domain as a literal: the expression its editor writes
    # for "is within the last N days" on a datetime field, which the addon
    # evaluates (relative_domain.py).
    LAST_DAYS_TERMS = (
        "('{field}', '>=', datetime.datetime.combine(context_today() + "
        "relativedelta(days=-{days}), datetime.time(0, 0, 0)).to_utc().strftime("
        "'%Y-%m-%d %H:%M:%S')), "
        "('{field}', '<=', datetime.datetime.combine(context_today(), "
        "datetime.time(0, 0, 0)).to_utc().strftime('%Y-%m-%d %H:%M:%S'))"
    )


class CrmLead(models.Model):
    """Lost-lead reactivation: which lost leads to target, and which came back."""

    _inherit = "crm.lead"

    date_reactivated = fields.Datetime(
        string="Reactivated On",
        readonly=True,
        copy=False,
        help="When the lead was last restored after it had been lost.",
    )
    # Lost-lead filters pick "lost in a period": crm has no index on the closing
    # date, and without one the period (the selective part: 90 days of years of
    # lost leads) is a scan of every lead. Only won and lost leads have one.
    date_closed = fields.Datetime(index="btree_not_null")
    reactivation_mailing_id = fields.Many2one(
        comodel_name="mailing.mailing",
        string="Reactivated by Mailing",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The last mailing the lead received while it was lost, when it was "
        "restored afterwards.",
    )

    def write(self, vals):
        lost = self._get_leads_maybe_reopened_by(vals)
        lost_since = {lead.id: lead.date_closed for lead in lost}
        res = super().write(vals)
        reopened = lost.filtered("active")
        if reopened:
            reopened._record_reactivation(lost_since)
        return res

    # ------------------------------------------------------------------
    # Results
    # ------------------------------------------------------------------

    def _get_leads_maybe_reopened_by(self, vals):
        """The lost (archived) leads of ``self`` that writing ``vals`` may
        restore: by their active flag, or by their stage (19.0's CRM restores a
        lead moved to a won stage; 18.0's leaves it archived). Those active after
        the write were restored."""
        if not (vals.get("active") or vals.get("stage_id")):
            return self.browse()
        return self.filtered(lambda lead: not lead.active)

    def _record_reactivation(self, lost_since):
        """Date the reactivation of ``self`` and credit the last mailing each lead
        received while it was lost (from ``lost_since``: lead id -> lost date).

        One query for the mailings, one write per crediting mailing.
        """
        # As crm dates closing (date_closed): the clock, not the transaction.
        now = fields.Datetime.now()
        mailing_by_lead = self._get_mailings_received_while_lost(lost_since)
        leads_by_mailing = defaultdict(list)
        for lead in self:
            leads_by_mailing[mailing_by_lead.get(lead.id, False)].append(lead.id)
        for mailing_id, lead_ids in leads_by_mailing.items():
            self.browse(lead_ids).write(
                {"date_reactivated": now, "reactivation_mailing_id": mailing_id}
            )

    def _get_mailings_received_while_lost(self, lost_since):
        """Lead id -> the last mailing delivered to it since it was lost."""
        self.env["mailing.trace"].flush_model(
            ["model", "res_id", "mass_mailing_id", "sent_datetime", "trace_status"]
        )
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (trace.res_id) trace.res_id, trace.mass_mailing_id
              FROM mailing_trace trace
              JOIN unnest(%(lead_ids)s::int[], %(lost_dates)s::timestamp[])
                   AS lost(lead_id, lost_date) ON lost.lead_id = trace.res_id
             WHERE trace.model = 'crm.lead'
               AND trace.mass_mailing_id IS NOT NULL
               -- Delivered: sent, then maybe opened or replied to.
               AND trace.trace_status IN ('sent', 'open', 'reply')
               AND (lost.lost_date IS NULL
                    OR COALESCE(trace.sent_datetime, trace.create_date)
                       >= lost.lost_date)
             ORDER BY trace.res_id,
                      COALESCE(trace.sent_datetime, trace.create_date) DESC,
                      trace.id DESC
            """,
            {
                "lead_ids": list(lost_since),
                # A lead may have lost its closing date since (a stage change).
                "lost_dates": [date or None for date in lost_since.values()],
            },
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------------------
    # Targeting lost leads
    # ------------------------------------------------------------------

    @api.model
    def _get_reactivation_default_stages(self):
        """The first pipeline stages (New, Qualified), when they still exist."""
        stages = self.env["crm.stage"]
        for xmlid in FIRST_STAGES:
            stages |= self.env.ref(xmlid, raise_if_not_found=False) or stages
        return stages.exists()

    @api.model
    def _get_reactivation_domain_text(
        self,
        reasons=None,
        days=90,
        date_from=None,
        date_to=None,
        date_field="date_closed",
        excluded_stages=None,
        include_archived=True,
        exclude_blacklisted=True,
        leads=None,
        min_score=0,
    ):
        """The recipients filter of a lost-lead reactivation, as domain text.

        Lost leads are those carrying a lost reason (``reasons`` when given) or
        archived with a zero probability, as CRM's "Lost" filter. Won leads (any
        stage marked won) are always out. With ``days``, the period is relative
        ("lost in the last N days") and evaluated whenever recipients are computed;
        with ``date_from``/``date_to`` (dates, inclusive, in the user's timezone) it
        is fixed. ``date_field`` is ``date_closed`` (when the lead was lost) or
        ``create_date``.

        Text, not a list, because a relative period is an expression: the result
        goes into ``mailing.mailing.mailing_domain`` or ``mailing.filter``.
        """
        terms = []
        if include_archived:
            # Lost leads are archived: the ORM skips them unless the domain names
            # ``active`` itself, which this does.
            terms.append(repr(("active", "in", [True, False])))
        if reasons:
            terms.append(repr(("lost_reason_id", "in", reasons.ids)))
        else:
            terms += [
                "'|'",
                repr(("lost_reason_id", "!=", False)),
                "'&'",
                repr(("active", "=", False)),
                repr(("probability", "=", 0)),
            ]
        terms += self._get_reactivation_period_terms(
            days, date_from, date_to, date_field
        )
        terms += [
            "'|'",
            repr(("stage_id", "=", False)),
            repr(("stage_id.is_won", "=", False)),
        ]
        if excluded_stages:
            terms.append(repr(("stage_id", "not in", excluded_stages.ids)))
        if exclude_blacklisted:
            terms.append(repr(("is_blacklisted", "=", False)))
        if leads:
            terms.append(repr(("id", "in", leads.ids)))
        if min_score:
            # Evaluated when recipients are computed: the score then.
            terms.append(repr(("engagement_score", ">=", float(min_score))))
        return "[" + ", ".join(terms) + "]"

    @api.model
    def _get_reactivation_period_terms(self, days, date_from, date_to, date_field):
        if date_from or date_to:
            terms = []
            if date_from:
                terms.append(repr((date_field, ">=", self._local_day_start(date_from))))
            if date_to:
                day_after = date_to + timedelta(days=1)
                terms.append(repr((date_field, "<", self._local_day_start(day_after))))
            return terms
        if days:
            return [LAST_DAYS_TERMS.format(field=date_field, days=int(days))]
        return []

    @api.model
    def _local_day_start(self, day):
        """Midnight of ``day`` in the user's timezone, as a UTC datetime string."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        start = tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc)
        return fields.Datetime.to_string(start.replace(tzinfo=None))
