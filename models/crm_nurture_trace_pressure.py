# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import fields, models


class CrmNurtureTrace(models.Model):
    """Email steps obey the contact pressure rule: a lead that got its share of
    marketing emails lately waits for the next free slot, or the step is skipped,
    as its sequence says. The step's trace always says why."""

    _inherit = "crm.nurture.trace"

    pressure_status = fields.Selection(
        selection=[
            ("delayed", "Delayed by contact pressure"),
            ("skipped", "Skipped for contact pressure"),
        ],
        string="Contact Pressure",
        readonly=True,
        index="btree_not_null",
        help="Delayed: the lead had reached the limit of marketing emails, the "
        "email waited for a free slot (it may have left since). Skipped: the email "
        "was not sent; the next steps ran as after an email that was ignored.",
    )

    def _apply_contact_pressure(self, step, now):
        """Of these traces due for ``step``, those whose email may leave now; the
        others wait or are skipped (their trace says why). Called by the engine
        right before an email step runs; test runs are left alone."""
        if step.action != "email":
            return self
        rule = self.env["crm.lead"]._get_contact_pressure_rule()
        real = self.filtered(lambda t: not t.is_test)
        if not rule or not real:
            return self
        slots = self.env["crm.lead"]._get_contact_pressure_free_slots(
            real.lead_id.ids, rule, now
        )
        over = real.filtered(lambda t: t.lead_id.id in slots)
        if not over:
            return self
        if step.sequence_id.pressure_policy == "skip":
            over._skip_for_pressure(step, rule, now)
        else:
            over._delay_for_pressure(step, rule, slots)
        return self - over

    def _delay_for_pressure(self, step, rule, slots):
        """Reschedule each trace to its lead's next free slot."""
        by_slot = defaultdict(list)
        for trace in self:
            by_slot[slots[trace.lead_id.id]].append(trace.id)
        for slot, trace_ids in by_slot.items():
            self.browse(trace_ids).write(
                {
                    "scheduled_date": slot,
                    "pressure_status": "delayed",
                    "message": self.env._(
                        "Delayed by the contact pressure rule: the lead got %(limit)s "
                        "marketing emails in %(days)s days; the email waits until "
                        "%(date)s (UTC).",
                        limit=rule.limit,
                        days=rule.days,
                        date=fields.Datetime.to_string(slot),
                    ),
                }
            )
        step.sequence_id._trigger_process(min(by_slot))

    def _skip_for_pressure(self, step, rule, now):
        """The step is passed without its email: the next steps are scheduled as
        after a sent email that nobody opened, clicked or replied to ("not ..."
        branches run at their deadline, the others are not taken)."""
        self.write(
            {
                "state": "skipped",
                "date_done": now,
                "pressure_status": "skipped",
                "message": self.env._(
                    "Skipped by the contact pressure rule: the lead got %(limit)s "
                    "marketing emails in %(days)s days; no email was sent.",
                    limit=rule.limit,
                    days=rule.days,
                ),
            }
        )
        self.participant_id.write({"current_step_id": step.id})
        self._schedule_children(step, now)
        self.participant_id._complete_finished()

    def _read_pressure_counts(self, group_field, ids):
        """``group_field`` value (a step or a sequence id) -> pressure status ->
        number of real traces, in one grouped read."""
        ids = [record_id for record_id in ids if record_id]
        if not ids:
            return {}
        groups = self.sudo()._read_group(
            [
                (group_field, "in", ids),
                ("pressure_status", "!=", False),
                ("is_test", "=", False),
            ],
            groupby=[group_field, "pressure_status"],
            aggregates=["__count"],
        )
        counts = defaultdict(dict)
        for record, status, count in groups:
            counts[record.id][status] = count
        return counts
