# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..link_url import short_url
from .crm_nurture_step import EVENT_TRIGGERS, LINK_TRIGGERS, NEGATIVE_TRIGGERS

# The numbers each box of the picture shows, in this order ("failed": the action
# failed at every attempt; "undelivered": its email did not reach the participant;
# so that its responsible sees them where they look).
FLOW_METRICS = (
    "scheduled",
    "done",
    "failed",
    "sent",
    "undelivered",
    "opened",
    "clicked",
    "replied",
)


class CrmNurtureSequence(models.Model):
    """The read-only picture of the flow on the sequence form: one box per step
    with its live numbers, below the step it follows, under a label saying when
    it runs (trigger and delay)."""

    _inherit = "crm.nurture.sequence"

    flow_data = fields.Json(string="Flow", compute="_compute_flow_data")

    @api.depends(
        "step_ids.name",
        "step_ids.parent_id",
        "step_ids.sequence",
        "step_ids.trigger",
        "step_ids.delay",
        "step_ids.delay_unit",
        "step_ids.action",
        "step_ids.trigger_url",
        "step_ids.trigger_url_missing",
        "step_ids.split_percent",
        "step_ids.split_goal",
        "step_ids.split_winner_id",
        "step_ids.trigger_score",
    )
    def _compute_flow_data(self):
        steps = self.step_ids
        steps.mapped("done_count")  # one query for the numbers of all the boxes
        for sequence in self:
            sequence.flow_data = {
                "steps": [step._get_flow_box() for step in sequence.step_ids],
                "metrics": [
                    {
                        "name": metric,
                        "label": steps._fields[f"{metric}_count"]._description_string(
                            self.env
                        ),
                    }
                    for metric in FLOW_METRICS
                ],
            }


class CrmNurtureStep(models.Model):
    _inherit = "crm.nurture.step"

    def _get_flow_box(self):
        """What the picture shows of this step."""
        self.ensure_one()
        actions = dict(self._fields["action"]._description_selection(self.env))
        return {
            # Steps not saved yet have no id: the picture then shows no numbers.
            "id": self._origin.id or False,
            "key": str(self.id),
            "parent_key": str(self.parent_id.id) if self.parent_id else False,
            "name": self.name or "",
            "action": self.action,
            "action_label": actions.get(self.action, ""),
            "when": self._get_when_label(),
            "branch": self._get_branch_kind(),
            "link": self.trigger_url if self.trigger in LINK_TRIGGERS else False,
            "link_missing": self.trigger_url_missing,
            "stats": {metric: self[f"{metric}_count"] for metric in FLOW_METRICS},
        }

    def _get_branch_kind(self):
        """positive / negative / plain: how the picture colours the branch."""
        if self.trigger in NEGATIVE_TRIGGERS:
            return "negative"
        if self.trigger in EVENT_TRIGGERS:
            return "positive"
        return "plain"

    def _get_when_label(self):
        """The label of the branch leading to this step: its trigger and delay."""
        self.ensure_one()
        triggers = dict(self._fields["trigger"]._description_selection(self.env))
        units = dict(self._fields["delay_unit"]._description_selection(self.env))
        trigger = triggers.get(self.trigger, "")
        if self.trigger in LINK_TRIGGERS:
            return self._get_link_when_label(units)
        if not self.delay:
            return (
                self.env._("Right after") if self.trigger == "after_parent" else trigger
            )
        delay = f"{self.delay} {units.get(self.delay_unit, '').lower()}"
        if self.trigger == "start":
            return self.env._("%(delay)s after start", delay=delay)
        if self.trigger == "after_parent":
            return self.env._("%(delay)s later", delay=delay)
        if self.trigger in EVENT_TRIGGERS and self.trigger not in NEGATIVE_TRIGGERS:
            return self.env._(
                "%(trigger)s, within %(delay)s", trigger=trigger, delay=delay
            )
        return self.env._("%(trigger)s, after %(delay)s", trigger=trigger, delay=delay)

    def _get_link_when_label(self, units):
        """The label of a branch on a given link: 'Clicked “example.com/a”, within
        3 days', 'Did not click “example.com/a”, after 3 days'."""
        link = short_url(self.trigger_url)
        delay = f"{self.delay} {units.get(self.delay_unit, '').lower()}"
        if self.trigger == "clicked_link":
            if not self.delay:
                return self.env._("Clicked “%(link)s”", link=link)
            return self.env._(
                "Clicked “%(link)s”, within %(delay)s", link=link, delay=delay
            )
        if not self.delay:
            return self.env._("Did not click “%(link)s”", link=link)
        return self.env._(
            "Did not click “%(link)s”, after %(delay)s", link=link, delay=delay
        )
