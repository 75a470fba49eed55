# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import SQL, create_index

from ..engagement_score import (
    DAY_SECONDS,
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_POINTS,
    MAX_HALF_LIFE_DAYS,
    MAX_POINTS,
    MIN_EXPONENT,
    MIN_SCORE,
    SCORE_PARAM,
    anchor_of,
    rescaled_offset,
    score_at,
)
from ..engagement_signal import HUMAN

EPOCH = datetime(1970, 1, 1)
# Every lead, no lead (the same on Odoo 19).
TRUE_DOMAIN = []
FALSE_DOMAIN = [("id", "in", [])]
# "score = X": within half a hundredth of X.
EQUAL_TOLERANCE = 0.005
SCORE_OPERATORS = ("=", "!=", ">", ">=", "<", "<=")
# Paths of the requests that create leads for a visitor (website_crm's form).
INBOUND_FORM_PATHS = ("/website/form/",)
# The live chat's source (crm_livechat: the /lead command, the chatbot's step).
LIVECHAT_SOURCE_XMLID = "crm_livechat.utm_source_livechat"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # The score in a form that needs no update as time goes by (see
    # engagement_score): written by one SQL statement per batch of events only.
    engagement_anchor = fields.Float(
        string="Engagement Score Anchor",
        readonly=True,
        copy=False,
        help="Technical: the engagement score as log2(points) + time / half-life; "
        "filter and sort on Engagement Score instead.",
    )
    engagement_score = fields.Float(
        compute="_compute_engagement_score",
        search="_search_engagement_score",
        readonly=True,
        help="Points for what the lead's person did (opens, clicks and replies of "
        "a person, not of machines; website forms and live chats), each fading "
        "by half over the half-life set in Email Marketing settings.",
    )

    def init(self):
        res = super().init()
        # Ranges ("score >= 40") and the warmest first (DESC NULLS LAST: no score
        # last) read the same index, forwards; the coldest first, backwards.
        create_index(
            self.env.cr,
            "crm_lead_engagement_anchor_index",
            self._table,
            ["engagement_anchor DESC NULLS LAST"],
        )
        return res

    def _compute_engagement_score(self):
        now_h = self._engagement_clock()[2]
        for lead in self:
            lead.engagement_score = score_at(lead.engagement_anchor, now_h)

    def _search_engagement_score(self, operator, value):
        """Scores compared through their anchors (an indexed column): ``score >=
        X`` is ``anchor >= log2(X) + now / half-life``; no score is no anchor."""
        if operator in ("in", "not in") and isinstance(value, list | tuple):
            # Odoo 19 hands "=" over as "in".
            domains = [self._search_engagement_score("=", item) for item in value]
            domain = (
                ["|"] * (len(domains) - 1) + [t for d in domains for t in d]
                if domains
                else list(FALSE_DOMAIN)
            )
            return ["!", *domain] if operator == "not in" else domain
        if operator not in SCORE_OPERATORS:
            raise UserError(
                self.env._(
                    "The engagement score is compared with =, !=, <, <=, > or >=."
                )
            )
        try:
            value = float(value or 0.0)
        except (TypeError, ValueError) as error:
            raise UserError(
                self.env._("The engagement score is compared with a number.")
            ) from error
        if operator == "!=":
            return ["!", *self._search_engagement_score("=", value)]
        none = [("engagement_anchor", "=", False)]
        if value <= 0:
            # Scores are 0 (no anchor) or positive.
            matches_zero = {
                "=": value == 0,
                ">": value < 0,
                ">=": True,
                "<": False,
                "<=": value == 0,
            }[operator]
            if operator in (">", ">=") and not matches_zero:
                return ["!", *none]
            if operator in (">", ">="):
                return list(TRUE_DOMAIN)
            return none if matches_zero else list(FALSE_DOMAIN)
        now_h = self._engagement_clock()[2]
        bound = anchor_of(value, now_h)
        if operator in (">", ">="):
            return [("engagement_anchor", operator, bound)]
        if operator == "=":
            # A computed float is never exactly a typed number: equal to two
            # decimals, as shown (0 is exactly no score, above).
            low, high = value - EQUAL_TOLERANCE, value + EQUAL_TOLERANCE
            upper = ("engagement_anchor", "<", anchor_of(high, now_h))
            if low <= 0:
                return ["&", "!", *none, upper]
            return ["&", ("engagement_anchor", ">", anchor_of(low, now_h)), upper]
        return ["|", ("engagement_anchor", operator, bound), *none]

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        # Sortable like a stored field: the scores' order is their anchors'; no
        # score is the lowest.
        if field_name != "engagement_score":
            return super()._order_field_to_sql(
                alias, field_name, direction, nulls, query
            )
        anchor = self._field_to_sql(alias, "engagement_anchor", query)
        if not nulls.code:
            nulls = SQL("NULLS LAST" if direction.code == "DESC" else "NULLS FIRST")
        return SQL("%s %s %s", anchor, direction, nulls)

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        res = super().fields_get(allfields=allfields, attributes=attributes)
        # Filters offer the score, not its anchor (the server still searches it).
        anchor = res.get("engagement_anchor")
        if anchor:
            for attribute in ("searchable", "sortable"):
                if attribute in anchor:
                    anchor[attribute] = False
        return res

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.pop("engagement_anchor", None)
        leads = super().create(vals_list)
        inbound = leads._engagement_inbound()
        if inbound:
            inbound._engagement_add_points(
                dict.fromkeys(inbound.ids, self._engagement_points("inbound"))
            )
        return leads

    def write(self, vals):
        if "engagement_anchor" in vals and not self.env.su:
            raise UserError(
                self.env._(
                    "The engagement score is computed from what the lead does; it "
                    "cannot be written."
                )
            )
        return super().write(vals)

    def _merge_dependences(self, opportunities):
        # The merged leads' scores add up on the lead that remains (one update).
        res = super()._merge_dependences(opportunities)
        merged = sum(opportunities.mapped("engagement_score"))
        if merged:
            self._engagement_add_points({self.id: merged})
        return res

    # ------------------------------------------------------------------
    # Settings and clock
    # ------------------------------------------------------------------

    @api.model
    def _engagement_half_life_days(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(SCORE_PARAM % "half_life_days", DEFAULT_HALF_LIFE_DAYS)
        )
        try:
            days = int(value)
        except (TypeError, ValueError):
            return DEFAULT_HALF_LIFE_DAYS
        return days if 1 <= days <= MAX_HALF_LIFE_DAYS else DEFAULT_HALF_LIFE_DAYS

    @api.model
    def _engagement_points(self, event):
        """Points of ``event`` (``open``, ``click``, ``reply``, ``inbound``), as
        set in Email Marketing settings."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(SCORE_PARAM % f"points_{event}", DEFAULT_POINTS[event])
        )
        try:
            points = float(value)
        except (TypeError, ValueError):
            return float(DEFAULT_POINTS[event])
        return points if 0 <= points <= MAX_POINTS else float(DEFAULT_POINTS[event])

    @api.model
    def _engagement_clock(self):
        """(now in epoch seconds, half-life in seconds, the time in half-lives
        ``now / half-life - offset``: see engagement_score): Python's clock, the
        same for reading, searching and adding points (tests move it)."""
        now = (fields.Datetime.now() - EPOCH).total_seconds()  # naive UTC
        half_life = self._engagement_half_life_days() * DAY_SECONDS
        return now, half_life, now / half_life - self._engagement_offset()

    @api.model
    def _engagement_offset(self):
        value = self.env["ir.config_parameter"].sudo().get_param(SCORE_PARAM % "offset")
        try:
            return float(value or 0.0)
        except (TypeError, ValueError):
            return 0.0

    # ------------------------------------------------------------------
    # Points
    # ------------------------------------------------------------------

    @api.model
    def _engagement_add_points(self, points_by_lead):
        """Add points to leads (``{lead id: points}``, negative to withdraw):
        one UPDATE of the leads' rows for the whole batch, no other row
        touched; then the nurture steps waiting on a score the leads reached are
        due (see crm.nurture.trace). Override point.

        :return: the ids of the leads updated
        """
        points_by_lead = {
            lead_id: points
            for lead_id, points in points_by_lead.items()
            if lead_id and points
        }
        if not points_by_lead:
            return []
        now_h = self._engagement_clock()[2]
        self.flush_model(["engagement_anchor"])
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE crm_lead AS lead
                   SET engagement_anchor = (
                       SELECT CASE WHEN total > %(min_score)s
                                   THEN ln(total) / ln(2.0) + %(now_h)s END
                         FROM (SELECT COALESCE(CASE
                                  WHEN lead.engagement_anchor <> 0
                                   AND lead.engagement_anchor - %(now_h)s
                                       > %(min_exponent)s
                                  THEN power(2.0::float8,
                                             lead.engagement_anchor - %(now_h)s)
                                  END, 0) + pts.points AS total) AS score)
                  FROM unnest(%(ids)s::int[], %(points)s::float8[]) AS pts(id, points)
                 WHERE lead.id = pts.id
             RETURNING lead.id
                """,
                min_score=MIN_SCORE,
                now_h=now_h,
                min_exponent=MIN_EXPONENT,
                ids=list(points_by_lead),
                points=[float(points) for points in points_by_lead.values()],
            )
        )
        lead_ids = [row[0] for row in rows]
        self.browse(lead_ids).invalidate_recordset(
            ["engagement_anchor", "engagement_score"]
        )
        if lead_ids and any(points > 0 for points in points_by_lead.values()):
            self.env["crm.nurture.trace"]._score_mark_reached(lead_ids=lead_ids)
        return lead_ids

    @api.model
    def _engagement_add_trace_points(self, mailing_traces, event, count=1):
        """Points of ``event`` for the leads of these mailing traces (emails to
        leads), ``count`` times each (negative to withdraw), in one update."""
        points = self._engagement_points(event) * count
        if not points:
            return []
        by_lead = defaultdict(float)
        for trace in mailing_traces:
            if trace.model == self._name and trace.res_id:
                by_lead[trace.res_id] += points
        return self._engagement_add_points(by_lead)

    @api.model
    def _engagement_rescale(self, old_days, new_days):
        """The half-life changed from ``old_days`` to ``new_days`` (already
        set): every score stays what it is now and fades at the new pace from
        now on. No lead is rewritten: the one offset of the time in half-lives
        moves (see engagement_score)."""
        if not old_days or not new_days or old_days == new_days:
            return
        now = self._engagement_clock()[0]
        offset = rescaled_offset(
            self._engagement_offset(),
            now,
            old_days * DAY_SECONDS,
            new_days * DAY_SECONDS,
        )
        self.env["ir.config_parameter"].sudo().set_param(
            SCORE_PARAM % "offset", repr(offset)
        )
        self.invalidate_model(["engagement_score"])

    @api.model
    def _engagement_backfill(self):
        """Scores of the leads without one from what their emails recorded
        before (install, upgrade): a person's first open of each email (or its
        first click, or its reply), each click of a person, each reply, with
        the points and half-life set now, decayed from when they happened; one
        statement. Leads that have a score keep it."""
        now, half_life, now_h = self._engagement_clock()
        for model in ("crm.lead", "mailing.trace", "link.tracker.click"):
            self.env[model].flush_model()
        self.env.cr.execute(
            SQL(
                """
                WITH trace AS (
                    SELECT res_id,
                           LEAST(human_open_datetime, human_click_datetime,
                                 CASE WHEN trace_status = 'reply'
                                      THEN COALESCE(reply_datetime, sent_datetime,
                                                    create_date) END) AS opened,
                           CASE WHEN trace_status = 'reply'
                                THEN COALESCE(reply_datetime, sent_datetime,
                                              create_date) END AS replied
                      FROM mailing_trace
                     WHERE model = 'crm.lead' AND res_id IS NOT NULL
                ), events AS (
                    SELECT res_id AS lead_id, opened AS at, %(open)s AS points
                      FROM trace WHERE opened IS NOT NULL
                    UNION ALL
                    SELECT res_id, replied, %(reply)s FROM trace
                     WHERE replied IS NOT NULL
                    UNION ALL
                    SELECT mt.res_id, click.create_date, %(click)s
                      FROM link_tracker_click click
                      JOIN mailing_trace mt ON mt.id = click.mailing_trace_id
                     WHERE mt.model = 'crm.lead' AND mt.res_id IS NOT NULL
                       AND click.signal_kind = %(human)s
                ), totals AS (
                    SELECT lead_id,
                           SUM(points * power(2.0::float8, GREATEST(
                               (EXTRACT(EPOCH FROM at)::float8 - %(now)s) / %(h)s,
                               %(min_exponent)s))) AS total
                      FROM events WHERE points > 0
                     GROUP BY lead_id
                )
                UPDATE crm_lead AS lead
                   SET engagement_anchor = ln(totals.total) / ln(2.0) + %(now_h)s
                  FROM totals
                 WHERE lead.id = totals.lead_id AND totals.total > %(min_score)s
                   AND (lead.engagement_anchor IS NULL OR lead.engagement_anchor = 0)
                """,
                open=self._engagement_points("open"),
                reply=self._engagement_points("reply"),
                click=self._engagement_points("click"),
                human=HUMAN,
                now=now,
                h=half_life,
                now_h=now_h,
                min_exponent=MIN_EXPONENT,
                min_score=MIN_SCORE,
            )
        )
        self.invalidate_model(["engagement_anchor", "engagement_score"])
        return self.env.cr.rowcount

    def _engagement_inbound(self):
        """The leads among these that a visitor just created: through a website
        form (website_crm, recognised by the form route's path) or a live chat
        (crm_livechat, by its source). Override point for other channels."""
        if request and request.httprequest.path.startswith(INBOUND_FORM_PATHS):
            return self
        livechat = self._engagement_livechat_source()
        if livechat:
            return self.filtered(lambda lead: lead.source_id == livechat)
        return self.browse()

    @api.model
    def _engagement_livechat_source(self):
        """CRM Live Chat's source of leads, when that app is installed (asked of
        the registry first: a missing xml id costs a query at every create)."""
        if "crm_livechat" not in self.env.registry._init_modules:
            return self.env["utm.source"]
        return (
            self.env.ref(LIVECHAT_SOURCE_XMLID, raise_if_not_found=False)
            or (self.env["utm.source"])
        )
