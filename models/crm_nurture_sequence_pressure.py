# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import SQL

from .. import compat
from .crm_nurture_sequence import RUNNING_STATES


class CrmNurtureSequence(models.Model):
    """Two flows, one lead: what a sequence does when its lead already got its
    share of marketing emails (contact pressure rule of the Email Marketing
    settings), whether it waits for a lead busy in another sequence, and a warning
    when it starts over the leads of a running one."""

    _inherit = "crm.nurture.sequence"

    pressure_policy = fields.Selection(
        selection=[
            ("wait", "Wait for the next free slot"),
            ("skip", "Skip the email"),
        ],
        string="When Contact Pressure Is Reached",
        default="wait",
        required=True,
        help="When an email step is due for a lead that got the most marketing "
        "emails allowed over the period (Email Marketing settings). Wait: the step "
        "runs when the oldest counted email leaves the period. Skip: the email is "
        "not sent and the next steps run as after an email nobody opened.",
    )
    one_at_a_time = fields.Boolean(
        string="One Sequence at a Time",
        help="A lead running in another sequence does not join this one; it may "
        "join once that participation ended (continuous enrollment), an event or "
        "a hand enrollment while it runs elsewhere is ignored.",
    )
    pressure_delayed_count = fields.Integer(
        string="Delayed by Pressure",
        compute="_compute_pressure_counts",
        help="Emails that waited for a free slot under the contact pressure rule.",
    )
    pressure_skipped_count = fields.Integer(
        string="Skipped for Pressure",
        compute="_compute_pressure_counts",
        help="Emails not sent under the contact pressure rule.",
    )

    def _compute_pressure_counts(self):
        counts = self.env["crm.nurture.trace"]._read_pressure_counts(
            "sequence_id", self._origin.ids
        )
        for sequence in self:
            values = counts.get(sequence._origin.id, {})
            sequence.pressure_delayed_count = values.get("delayed", 0)
            sequence.pressure_skipped_count = values.get("skipped", 0)

    # ------------------------------------------------------------------
    # One sequence at a time
    # ------------------------------------------------------------------

    def _get_enrollable_sql(self, lead_id):
        condition = super()._get_enrollable_sql(lead_id)
        if not self.one_at_a_time:
            return condition
        # Running elsewhere: not now. Continuous enrollment tries again at each
        # run, so the lead joins once it is free.
        return SQL(
            """%s AND NOT EXISTS (
                SELECT 1 FROM crm_nurture_participant other
                 WHERE other.lead_id = %s AND other.sequence_id != %s
                   AND other.state = 'running' AND other.is_test IS NOT TRUE)""",
            condition,
            lead_id,
            self.id,
        )

    # ------------------------------------------------------------------
    # Overlap warning on start
    # ------------------------------------------------------------------

    def action_start(self):
        overlaps = self._get_enrollment_overlaps()
        result = super().action_start()
        if not overlaps:
            return result
        return self._get_overlap_notification(overlaps)

    def _get_enrollment_overlaps(self):
        """Overlaps of these sequences with the other running (or paused) ones:
        a list of (sequence, other, shared lost reasons, shared tags, number of
        leads both filters match). Leads are counted with one search per pair,
        as superuser: the warning is about the flows, whatever the user sees."""
        overlaps = []
        Lead = self.env["crm.lead"].sudo()
        for sequence in self.filtered(lambda s: s.state == "draft"):
            others = self.sudo().search(
                [
                    ("state", "in", RUNNING_STATES),
                    ("id", "not in", self.ids),
                    ("company_id", "in", [sequence.company_id.id, False]),
                ]
            )
            if not others:
                continue
            domain = sequence.sudo()._get_lead_domain()
            for other in others:
                reasons = sequence.enroll_lost_reason_ids & other.enroll_lost_reason_ids
                tags = sequence.enroll_tag_ids & other.enroll_tag_ids
                shared = Lead.search_count(
                    compat.domain_and([domain, other._get_lead_domain()])
                )
                if reasons or tags or shared:
                    overlaps.append((sequence, other, reasons, tags, shared))
        return overlaps

    def _get_overlap_notification(self, overlaps):
        """A sticky warning naming each overlapping sequence and what is shared;
        the form reloads behind it (the sequence did start)."""
        lines = []
        for sequence, other, reasons, tags, shared in overlaps:
            shared_rules = []
            if reasons:
                shared_rules.append(
                    self.env._(
                        "lost reasons %(names)s",
                        names=", ".join(reasons.mapped("name")),
                    )
                )
            if tags:
                shared_rules.append(
                    self.env._("tags %(names)s", names=", ".join(tags.mapped("name")))
                )
            lines.append(
                self.env._(
                    "%(sequence)s overlaps %(other)s: %(shared)s leads in "
                    "common%(rules)s.",
                    sequence=sequence.name,
                    other=other.name,
                    shared=shared,
                    rules="".join(f", {rule}" for rule in shared_rules),
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Started, over leads of running sequences"),
                "message": self.env._(
                    "%(lines)s A lead in both gets the emails of both: set a contact "
                    'pressure limit (Email Marketing settings) or "One Sequence at a '
                    'Time", or pause one of them.',
                    lines=" ".join(lines),
                ),
                "type": "warning",
                "sticky": True,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
