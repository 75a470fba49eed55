# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# Lead fields whose change may reach a sequence's goal (won, reopened, converted,
# tag, stage).
NURTURE_GOAL_FIELDS = {
    "stage_id",
    "active",
    "type",
    "tag_ids",
    "date_conversion",
    "date_reactivated",
}


class CrmLead(models.Model):
    """Nurture on the lead: its participations, and enrollment on events (lost for
    a reason, given a tag)."""

    _inherit = "crm.lead"

    nurture_participant_ids = fields.One2many(
        comodel_name="crm.nurture.participant",
        inverse_name="lead_id",
        string="Nurture Sequences",
        readonly=True,
    )
    nurture_participant_count = fields.Integer(
        string="Sequences", compute="_compute_nurture_participant_count"
    )
    # Whether the lead ever took part in a sequence (a test run too). Odoo writes
    # leads one at a time (its lead assignment converts every lead, merges every
    # group of duplicates): a lead that never did costs those writes no
    # participant query, since the flag is a column of the lead, read with its
    # other columns. Set when participations are made or moved to the lead (see
    # ``_mark_nurture_enrolled``), never cleared: a lead flagged whose
    # participations ended only costs the query the check needs.
    nurture_enrolled = fields.Boolean(
        string="Enrolled in Nurture",
        readonly=True,
        copy=False,
        help="Whether the lead ever took part in a nurture sequence.",
    )

    def _compute_nurture_participant_count(self):
        counts = dict(
            self.env["crm.nurture.participant"]
            .sudo()
            ._read_group(
                [("lead_id", "in", self.ids), ("is_test", "=", False)],
                ["lead_id"],
                ["__count"],
            )
        )
        for lead in self:
            lead.nurture_participant_count = counts.get(lead, 0)

    def write(self, vals):
        res = super().write(vals)
        if vals.get("lost_reason_id") or "tag_ids" in vals:
            self._enroll_on_nurture_events(
                lost="lost_reason_id" in vals, tagged="tag_ids" in vals
            )
        if NURTURE_GOAL_FIELDS.intersection(vals):
            self._check_nurture_successes()
        return res

    def _check_nurture_successes(self):
        """A lead won, reopened, converted, tagged or moved on: its running
        participations that reached their sequence's goal succeed now, not when
        their next step is due. Only leads that ever took part in a sequence can
        have one: the others cost no query."""
        enrolled = self.filtered("nurture_enrolled")
        if enrolled:
            self.env["crm.nurture.participant"]._check_successes(
                [("lead_id", "in", enrolled.ids)]
            )

    @api.model
    def _mark_nurture_enrolled(self, lead_ids):
        """Flag the leads ``lead_ids`` as having taken part in a sequence: one
        statement, which rewrites only the leads not flagged yet."""
        lead_ids = list(set(lead_ids))
        if not lead_ids:
            return
        self.env.cr.execute(
            """
            UPDATE crm_lead SET nurture_enrolled = TRUE
             WHERE id = ANY(%s) AND nurture_enrolled IS NOT TRUE
            """,
            [lead_ids],
        )
        self.browse(lead_ids).invalidate_recordset(["nurture_enrolled"])

    def _enroll_on_nurture_events(self, lost=False, tagged=False):
        """Enroll these leads in the sequences waiting for them: lost for one of
        the sequence's reasons, or carrying one of its tags.

        Reads the leads as written, never the raw values: Odoo accepts a record,
        an id or commands there. Sequences are read as superuser: whoever loses
        or tags a lead (a salesperson) starts its nurture without nurture rights.
        """
        Sequence = self.env["crm.nurture.sequence"].sudo()
        domain = [("state", "in", ("running", "paused"))]
        if lost:
            lost_leads = self.filtered(
                lambda lead: not lead.active and lead.lost_reason_id
            )
            if lost_leads:
                for sequence in Sequence.search(
                    domain
                    + [("enroll_lost_reason_ids", "in", lost_leads.lost_reason_id.ids)]
                ):
                    sequence._enroll_leads(
                        lost_leads.filtered(
                            lambda lead, seq=sequence: lead.lost_reason_id
                            in seq.enroll_lost_reason_ids
                        )
                    )
        if tagged:
            tags = self.tag_ids
            if tags:
                for sequence in Sequence.search(
                    domain + [("enroll_tag_ids", "in", tags.ids)]
                ):
                    sequence._enroll_leads(
                        self.filtered(
                            lambda lead, seq=sequence: lead.tag_ids & seq.enroll_tag_ids
                        )
                    )

    def _merge_dependences(self, opportunities):
        res = super()._merge_dependences(opportunities)
        # Merged leads that never took part in a sequence have nothing to move:
        # no query (Odoo merges one group of duplicates at a time).
        if opportunities.filtered("nurture_enrolled"):
            self._merge_nurture_participations(opportunities)
        return res

    def _merge_nurture_participations(self, opportunities):
        """Participations of merged leads move to this (head) lead, so that their
        history and the statistics survive the merge, which deletes those leads.
        A lead runs a sequence once at a time: where the head (or an earlier
        merged lead) already runs it, the other run ends, as "Lead merged"."""
        self.ensure_one()
        Participant = self.env["crm.nurture.participant"].sudo()
        moving = Participant.search([("lead_id", "in", opportunities.ids)])
        if not moving:
            return
        running = set(
            Participant.search(
                [
                    ("lead_id", "=", self.id),
                    ("state", "=", "running"),
                    ("is_test", "=", False),
                ]
            ).sequence_id.ids
        )
        duplicates = Participant
        for participant in moving.filtered(
            lambda p: p.state == "running" and not p.is_test
        ).sorted("date_enrolled"):
            if participant.sequence_id.id in running:
                duplicates |= participant
            running.add(participant.sequence_id.id)
        duplicates._exit("merged")
        moving.write({"lead_id": self.id})
        self._mark_nurture_enrolled(self.ids)

    def action_view_nurture_participations(self):
        self.ensure_one()
        # A name of its own: 19.0's message extractor takes the next parenthesis
        # after a translated string, on the same expression, for another one.
        name = self.env._("Nurture Sequences")
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "crm.nurture.participant",
            "view_mode": "list,form",
            "domain": [("lead_id", "=", self.id), ("is_test", "=", False)],
            "context": {"create": False},
        }
