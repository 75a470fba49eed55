# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from .crm_nurture_step_score import SCORE_TRIGGER


class CrmNurtureTrace(models.Model):
    """Steps waiting on the lead's engagement score: due as soon as the score
    reaches the step's threshold. A score only rises when points are added (and
    when the step starts waiting, it may already be there): both moments mark
    the waiting steps whose threshold is reached, set-based, once (the mark is
    never set twice and the engine runs a step once)."""

    _inherit = "crm.nurture.trace"

    score_reached_date = fields.Datetime(
        string="Score Reached On",
        readonly=True,
        copy=False,
        help="When the lead's engagement score reached the threshold of this step.",
    )

    @api.model
    def _schedule(self, participants, steps, after, parents=None):
        traces = super()._schedule(participants, steps, after, parents=parents)
        if traces and any(step.trigger == SCORE_TRIGGER for step in steps):
            self._score_mark_reached(trace_ids=traces.ids)
        return traces

    @api.model
    def _score_mark_reached(self, lead_ids=None, trace_ids=None):
        """Make due the scheduled steps on a score that their lead now has, among
        the steps of ``lead_ids`` or the traces ``trace_ids``: one UPDATE (an
        index probe per lead). Return the traces made due."""
        if not lead_ids and not trace_ids:
            return self.browse()
        Lead = self.env["crm.lead"]
        now_h = Lead._engagement_clock()[2]
        self.flush_model(["state", "scheduled_date", "score_reached_date"])
        self.env["crm.nurture.step"].flush_model(["trigger", "trigger_score"])
        Lead.flush_model(["engagement_anchor"])
        which = (
            SQL("trace.lead_id = ANY(%s)", list(lead_ids))
            if lead_ids
            else SQL("trace.id = ANY(%s)", list(trace_ids))
        )
        when = self.env.cr.now()
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE crm_nurture_trace AS trace
                   SET scheduled_date = LEAST(trace.scheduled_date, %(when)s),
                       score_reached_date = %(when)s
                  FROM crm_nurture_step step, crm_lead lead
                 WHERE %(which)s
                   AND trace.state = 'scheduled'
                   AND trace.score_reached_date IS NULL
                   AND step.id = trace.step_id AND step.trigger = %(trigger)s
                   AND step.trigger_score > 0
                   AND lead.id = trace.lead_id
                   AND lead.engagement_anchor <> 0
                   AND lead.engagement_anchor
                       >= ln(step.trigger_score) / ln(2.0) + %(now_h)s
             RETURNING trace.id
                """,
                when=when,
                which=which,
                trigger=SCORE_TRIGGER,
                now_h=now_h,
            )
        )
        traces = self.browse([row[0] for row in rows])
        if traces:
            traces.invalidate_recordset(["scheduled_date", "score_reached_date"])
            self.env["crm.nurture.sequence"]._trigger_process()
        return traces

    def _check_trigger_event(self, step):
        if step.trigger != SCORE_TRIGGER:
            return super()._check_trigger_event(step)
        # A test run has no points of its own: the lead's score now counts.
        reached = self.filtered(
            lambda t: t.score_reached_date
            or (t.is_test and t.lead_id.engagement_score >= step.trigger_score)
        )
        # Formatted apart: Odoo's message extractor cannot read an f-string
        # among a translated message's arguments.
        threshold = f"{step.trigger_score:g}"
        (self - reached).write(
            {
                "state": "cancelled",
                "message": self.env._(
                    "Branch not taken: the engagement score did not reach %(score)s "
                    "in time.",
                    score=threshold,
                ),
            }
        )
        return reached
