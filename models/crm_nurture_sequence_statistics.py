# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager

from odoo import fields, models
from odoo.tools import SQL, float_round

from .crm_nurture_step_statistics import count_columns

# Participation numbers of a sequence, as SQL conditions on its participants
# ("part") and their leads ("lead", "stage"), and as domains for the lists behind
# the smart buttons. Opportunities and won deals count when they happened after
# the lead joined: what the sequence may claim.
PARTICIPANT_METRICS = {
    "participant": (SQL("TRUE"), []),
    "running": (SQL("part.state = 'running'"), [("state", "=", "running")]),
    "completed": (SQL("part.state = 'completed'"), [("state", "=", "completed")]),
    "succeeded": (
        SQL("part.date_succeeded IS NOT NULL"),
        [("date_succeeded", "!=", False)],
    ),
    "exited": (SQL("part.state = 'exited'"), [("state", "=", "exited")]),
}
OPPORTUNITY_SQL = SQL(
    """lead.type = 'opportunity' AND lead.active
       AND (lead.date_conversion >= part.date_enrolled
            OR lead.date_reactivated >= part.date_enrolled)"""
)
WON_SQL = SQL("lead.active AND stage.is_won AND lead.date_closed >= part.date_enrolled")


@contextmanager
def _jit_off(cr):
    """PostgreSQL's JIT compiles any plan it estimates costly, and the tiles' one
    query over a million participants is: compiling costs more than it saves on a
    count run once (0.47 s on the tag counts at 10M leads, see README). Off for
    this statement only: the transaction's setting is put back after it (on an
    error, the rollback undoes the ``SET LOCAL`` itself)."""
    cr.execute("SELECT current_setting('jit')")
    previous = cr.fetchone()[0]
    cr.execute("SET LOCAL jit = off")
    yield
    cr.execute("SELECT set_config('jit', %s, TRUE)", [previous])


class CrmNurtureSequence(models.Model):
    """The summary of a sequence: how many joined, run, completed, succeeded or
    left, and the opportunities and revenue its participants brought. Test runs
    are left out."""

    _inherit = "crm.nurture.sequence"

    currency_id = fields.Many2one(related="company_id.currency_id")
    participant_count = fields.Integer(string="Enrolled", compute="_compute_statistics")
    running_count = fields.Integer(string="Running", compute="_compute_statistics")
    completed_count = fields.Integer(string="Completed", compute="_compute_statistics")
    succeeded_count = fields.Integer(
        string="Succeeded",
        compute="_compute_statistics",
        help="Participants who reached one of the sequence's goals.",
    )
    exited_count = fields.Integer(string="Exited", compute="_compute_statistics")
    success_rate = fields.Float(
        string="Success Rate (%)",
        compute="_compute_statistics",
        help="Succeeded participants out of all enrolled ones.",
    )
    opportunity_count = fields.Integer(
        string="Opportunities",
        compute="_compute_statistics",
        help="Participants' leads open or won as opportunities after joining: "
        "converted or reopened since.",
    )
    won_count = fields.Integer(
        string="Won Opportunities", compute="_compute_statistics"
    )
    won_revenue = fields.Monetary(
        compute="_compute_statistics",
        help="Expected revenue of the participants' leads won after joining.",
    )

    def _compute_statistics(self):
        counts = self._read_statistics()
        for sequence in self:
            values = counts.get(sequence._origin.id, {})
            for metric in PARTICIPANT_METRICS:
                sequence[f"{metric}_count"] = values.get(metric, 0)
            sequence.opportunity_count = values.get("opportunity", 0)
            sequence.won_count = values.get("won", 0)
            sequence.won_revenue = values.get("won_revenue") or 0.0
            sequence.success_rate = float_round(
                100.0 * sequence.succeeded_count / (sequence.participant_count or 1), 2
            )

    def _read_statistics(self):
        """Sequence id -> number -> value, over real participants, in one query.
        A lead that joined twice brings its opportunity and revenue once. Only
        the participants whose lead was credited are grouped by lead (a few, not
        the sequence's million)."""
        sequence_ids = [sequence_id for sequence_id in self._origin.ids if sequence_id]
        if not sequence_ids:
            return {}
        self.env["crm.nurture.participant"].flush_model()
        self.env["crm.lead"].flush_model()
        with _jit_off(self.env.cr):
            rows = self._query_statistics(sequence_ids)
        return {row.pop("sequence_id"): row for row in rows}

    def _query_statistics(self, sequence_ids):
        return self.env.execute_query_dict(
            SQL(
                """
                WITH counts AS (
                    SELECT part.sequence_id, %(columns)s
                      FROM crm_nurture_participant part
                     WHERE part.sequence_id = ANY(%(ids)s)
                       AND part.is_test IS NOT TRUE
                     GROUP BY part.sequence_id
                ), credited AS (
                    SELECT part.sequence_id,
                           bool_or(%(opportunity)s) AS is_opportunity,
                           bool_or(COALESCE(%(won)s, FALSE)) AS is_won,
                           max(lead.expected_revenue) AS expected_revenue
                      FROM crm_nurture_participant part
                      JOIN crm_lead lead ON lead.id = part.lead_id
                      LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                     WHERE part.sequence_id = ANY(%(ids)s)
                       AND part.is_test IS NOT TRUE
                       AND (%(opportunity)s OR %(won)s)
                     GROUP BY part.sequence_id, lead.id
                ), credit AS (
                    SELECT sequence_id,
                           COUNT(*) FILTER (WHERE is_opportunity) AS opportunity,
                           COUNT(*) FILTER (WHERE is_won) AS won,
                           SUM(expected_revenue) FILTER (WHERE is_won) AS won_revenue
                      FROM credited GROUP BY sequence_id
                )
                SELECT counts.*, credit.opportunity, credit.won, credit.won_revenue
                  FROM counts LEFT JOIN credit USING (sequence_id)
                """,
                opportunity=OPPORTUNITY_SQL,
                won=WON_SQL,
                ids=sequence_ids,
                columns=count_columns(PARTICIPANT_METRICS),
            )
        )

    def _get_credited_lead_ids(self, won_only=False):
        """Leads of real participants that became opportunities (or were won)
        after joining this sequence."""
        self.ensure_one()
        self.env["crm.nurture.participant"].flush_model()
        self.env["crm.lead"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT lead.id
                  FROM crm_nurture_participant part
                  JOIN crm_lead lead ON lead.id = part.lead_id
                  LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                 WHERE part.sequence_id = %s AND part.is_test IS NOT TRUE AND %s
                """,
                self.id,
                WON_SQL if won_only else OPPORTUNITY_SQL,
            )
        )
        return [row[0] for row in rows]

    # ------------------------------------------------------------------
    # The lists behind the numbers
    # ------------------------------------------------------------------

    def action_view_participants(self):
        """Participants of the sequence; ``nurture_metric`` in the context narrows
        them to one number of the summary."""
        self.ensure_one()
        metric = self.env.context.get("nurture_metric", "participant")
        domain = PARTICIPANT_METRICS[metric][1]
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mass_mailing_crm_nurture.crm_nurture_participant_action"
        )
        action.update(
            {
                "name": self.env._("Participants of %(sequence)s", sequence=self.name),
                "domain": [
                    ("sequence_id", "=", self.id),
                    ("is_test", "=", False),
                    *domain,
                ],
                "context": {
                    "create": False,
                    "search_default_group_by_state": metric == "participant",
                },
            }
        )
        return action

    def action_view_opportunities(self):
        self.ensure_one()
        won_only = self.env.context.get("nurture_metric") == "won"
        # A name of its own: 19.0's message extractor takes the next parenthesis
        # after a translated string, on the same expression, for another one.
        name = self.env._("Won") if won_only else self.env._("Opportunities")
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "crm.lead",
            "view_mode": "list,kanban,form",
            "domain": [("id", "in", self._get_credited_lead_ids(won_only=won_only))],
            "context": {"create": False, "active_test": False},
        }
