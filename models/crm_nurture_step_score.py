# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engagement_score import MAX_POINTS

SCORE_TRIGGER = "score_reached"
# The highest threshold: far above what a person's opens and clicks give.
MAX_TRIGGER_SCORE = 100 * MAX_POINTS


class CrmNurtureStep(models.Model):
    """A step that waits for the lead's engagement score to reach a threshold
    within its delay (from the previous step, or the enrollment for a first
    step), then acts: an activity for the salesperson, a stage, an email..."""

    _inherit = "crm.nurture.step"

    trigger = fields.Selection(
        selection_add=[(SCORE_TRIGGER, "Engagement score reached")],
        ondelete={SCORE_TRIGGER: "cascade"},
    )
    trigger_score = fields.Float(
        string="Score Threshold",
        default=40.0,
        help="The step runs as soon as the lead's engagement score reaches this "
        "within the delay (at once if it already has), once; when the delay is "
        "over without it, the step is not taken.",
    )

    @api.constrains("trigger", "trigger_score")
    def _check_trigger_score(self):
        for step in self.filtered(lambda s: s.trigger == SCORE_TRIGGER):
            if not 0 < step.trigger_score <= MAX_TRIGGER_SCORE:
                raise ValidationError(
                    self.env._(
                        "The score threshold of step %(step)s must be above 0 and at "
                        "most %(max)s.",
                        step=step.name,
                        max=MAX_TRIGGER_SCORE,
                    )
                )

    def _get_branch_kind(self):
        if self.trigger == SCORE_TRIGGER:
            return "positive"
        return super()._get_branch_kind()

    def _get_when_label(self):
        self.ensure_one()
        if self.trigger != SCORE_TRIGGER:
            return super()._get_when_label()
        score = f"{self.trigger_score:g}"
        if not self.delay:
            return self.env._("Score reaches %(score)s", score=score)
        units = dict(self._fields["delay_unit"]._description_selection(self.env))
        delay = f"{self.delay} {units.get(self.delay_unit, '').lower()}"
        return self.env._(
            "Score reaches %(score)s, within %(delay)s", score=score, delay=delay
        )
