# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools


class CrmNurtureFunnelReport(models.Model):
    """How far participants get: one row per participant and level of the flow it
    reached (0 when it joined, 1 after the first step, 2 after a step that
    follows it...). Grouped by level, the counts make the funnel. Test runs are
    left out."""

    _name = "crm.nurture.funnel.report"
    _description = "Nurture Funnel"
    _auto = False
    _rec_name = "participant_id"
    _order = "sequence_id, level"

    sequence_id = fields.Many2one(
        comodel_name="crm.nurture.sequence", string="Nurture Sequence", readonly=True
    )
    participant_id = fields.Many2one(
        comodel_name="crm.nurture.participant", string="Participant", readonly=True
    )
    lead_id = fields.Many2one(comodel_name="crm.lead", string="Lead", readonly=True)
    level = fields.Integer(
        string="Steps Reached",
        readonly=True,
        aggregator=None,
        help="0: enrolled; 1: went through a first step; 2: through the step after "
        "it...",
    )
    state = fields.Selection(
        selection=lambda self: self.env["crm.nurture.participant"]
        ._fields["state"]
        ._description_selection(self.env),
        readonly=True,
    )
    date_enrolled = fields.Datetime(string="Enrolled On", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # A participant's done steps at the same depth (sibling branches) count once.
        # Row id: participant id x 1,000,000 + level, in bigint. Stable (a drill-down
        # finds its row again), never past int8 nor past the web client's exact
        # integers (2^53): participant ids stop at 2^31, levels stay under a million
        # (a step tree is never that deep). In int4, participant × 1000 overflowed
        # past 2,147,483 participants.
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT part.id::bigint * 1000000 + levels.level AS id,
                       part.sequence_id, part.id AS participant_id, part.lead_id,
                       levels.level, part.state, part.date_enrolled
                  FROM crm_nurture_participant part
                  JOIN LATERAL (
                      SELECT 0 AS level
                      UNION
                      SELECT array_length(
                                 string_to_array(rtrim(step.parent_path, '/'), '/'), 1)
                        FROM crm_nurture_trace trace
                        JOIN crm_nurture_step step ON step.id = trace.step_id
                       WHERE trace.participant_id = part.id AND trace.state = 'done'
                  ) levels ON TRUE
                 WHERE part.is_test IS NOT TRUE
            )
            """
        )
