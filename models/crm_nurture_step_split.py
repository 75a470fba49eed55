# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Split test steps: a step that sends nothing, whose next steps are variants.

A participant reaching the split goes down one variant, drawn in proportion to
the variants' percents (the same one when the step is run again, see
``split_test.draw``). Each variant is measured on its own email (its first
step, an email step): its participants count once that email was sent at least
``split_wait_days`` ago, delivered; the goal is a person's open, a person's
click, a reply (of that email) or the sequence's success (reached after it).
The scheduled action decides: when every variant has ``split_min_participants``
counted and the best is better than each other one with 95 % confidence
(``split_test.evaluate``), it becomes the winner and every participant reaching
the split from then on takes it. In manual mode the nurture manager chooses,
with the same numbers.
"""

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_round

from .. import split_test
from ..retry import CONCURRENCY_ERRORS
from .crm_nurture_step_statistics import STEP_METRICS

_logger = logging.getLogger(__name__)

# Context key: the totals of the splits' variants are checked once the whole
# save is done (a one2many saves its lines one by one: a split's percents add up
# only at the end), by whoever set it.
DEFER_KEY = "nurture_split_check_deferred"
# Fields whose change may break a split's variants (their number, their sum).
SPLIT_TREE_FIELDS = {
    "parent_id",
    "split_percent",
    "action",
    "trigger",
    "child_ids",
    "sequence_id",
}
MAX_SPLIT_PARTICIPANTS = 1000000
MAX_SPLIT_WAIT_DAYS = 365
# A participant counts once its variant's email reached it: sent, neither
# bounced nor failed nor cancelled (Odoo's own rates leave those out too).
COUNTED_SQL = SQL(
    "trace.state = 'done' AND mail.sent_datetime IS NOT NULL"
    " AND mail.trace_status NOT IN ('bounce', 'error', 'cancel')"
)
# The goal of a counted participant, per ``split_goal``: a person's open or click
# of the variant's email (the step numbers' conditions, machines left out), a
# reply to it, the sequence's success reached after it.
GOAL_SQL = {
    "opened": STEP_METRICS["opened"][0],
    "clicked": STEP_METRICS["clicked"][0],
    "replied": STEP_METRICS["replied"][0],
    "success": SQL("part.date_succeeded >= trace.date_done"),
}


class CrmNurtureStep(models.Model):
    _inherit = "crm.nurture.step"

    # The split step
    split_goal = fields.Selection(
        selection=[
            ("opened", "Opened"),
            ("clicked", "Clicked"),
            ("replied", "Replied"),
            ("success", "Sequence's success"),
        ],
        string="Goal",
        default="clicked",
        help="What makes a variant better. Opened, clicked, replied: the variant's "
        "email (a person's opens and clicks only, machines left out). Sequence's "
        "success: the sequence's success rule, reached after the variant's email.",
    )
    split_min_participants = fields.Integer(
        string="Minimum Participants",
        default=100,
        help="Counted participants each variant needs before any decision: 1 to "
        "1,000,000.",
    )
    split_wait_days = fields.Integer(
        string="Days Before Counting",
        default=3,
        help="Days after a variant's email before its participant counts (time to "
        "open, click or reply): 0 to 365.",
    )
    split_winner = fields.Selection(
        selection=[("auto", "Automatic"), ("manual", "Chosen by a manager")],
        string="Winner Chosen",
        default="auto",
        help="Automatic: when every variant has its minimum of counted participants "
        "and one is better than each other with 95 % confidence (a one-sided "
        "pooled two-proportion z-test), it wins. Chosen by a manager: the same "
        "numbers are shown, a nurture manager picks the winner.",
    )
    split_winner_id = fields.Many2one(
        comodel_name="crm.nurture.step",
        string="Winning Variant",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="From its decision on, every participant reaching the split takes it.",
    )
    split_decided_on = fields.Datetime(string="Decided On", readonly=True, copy=False)
    split_decided_uid = fields.Many2one(
        comodel_name="res.users",
        string="Chosen By",
        readonly=True,
        copy=False,
        help="Empty: decided by the test itself.",
    )
    split_decision = fields.Json(
        string="Decision Numbers",
        readonly=True,
        copy=False,
        help="The numbers of the decision: per variant, its participants, counted "
        "participants, goal rate and confidence, and the rule.",
    )
    split_decision_summary = fields.Text(
        string="Decision", compute="_compute_split_decision_summary"
    )
    # A variant (a step right after a split)
    parent_action = fields.Selection(related="parent_id.action", string="After Action")
    parent_split_decided_on = fields.Datetime(
        related="parent_id.split_decided_on", string="Split Decided On"
    )
    split_percent = fields.Integer(
        string="Share (%)",
        default=50,
        help="For a variant of a split test: the share of participants it gets, a "
        "whole percent from 1 to 100; the variants of a split add up to 100.",
    )
    split_participant_count = fields.Integer(
        string="Variant Participants",
        compute="_compute_split_numbers",
        help="Participants sent down this variant.",
    )
    split_counted_count = fields.Integer(
        string="Counted",
        compute="_compute_split_numbers",
        help="Participants whose variant email reached them at least the split's "
        "days before counting ago.",
    )
    split_goal_count = fields.Integer(
        string="Goal Reached", compute="_compute_split_numbers"
    )
    split_goal_rate = fields.Float(
        string="Goal Rate (%)",
        compute="_compute_split_numbers",
        help="Counted participants who reached the split's goal.",
    )
    split_confidence = fields.Float(
        string="Confidence (%)",
        compute="_compute_split_numbers",
        help="How sure the best variant is better: against this variant for the "
        "others, against the closest one for the best itself.",
    )
    split_is_best = fields.Boolean(
        string="Best So Far", compute="_compute_split_numbers"
    )
    split_is_winner = fields.Boolean(
        string="Is the Winner", compute="_compute_split_numbers"
    )
    split_edited_after_test = fields.Boolean(
        string="Edited After the Test",
        compute="_compute_split_edited_after_test",
        compute_sudo=True,
        help="The variant's email was changed after the test was decided: its "
        "numbers are those of the email as it was.",
    )

    @api.depends("split_decision", "split_decided_on")
    def _compute_split_decision_summary(self):
        for step in self:
            step.split_decision_summary = step._split_summary_text()

    def _compute_split_numbers(self):
        variants = self.filtered(lambda s: s.parent_id.action == "split")
        (self - variants).update(
            {
                "split_participant_count": 0,
                "split_counted_count": 0,
                "split_goal_count": 0,
                "split_goal_rate": 0.0,
                "split_confidence": 0.0,
                "split_is_best": False,
                "split_is_winner": False,
            }
        )
        for split in variants.parent_id:
            judged = split._split_judge()
            for variant in variants.filtered(lambda v, s=split: v.parent_id == s):
                numbers = judged["variants"].get(variant._origin.id, {})
                variant.update(
                    {
                        "split_participant_count": numbers.get("participants", 0),
                        "split_counted_count": numbers.get("counted", 0),
                        "split_goal_count": numbers.get("goal", 0),
                        "split_goal_rate": float_round(
                            100.0 * numbers.get("rate", 0.0), 2
                        ),
                        "split_confidence": float_round(
                            100.0 * numbers.get("confidence", 0.0), 2
                        ),
                        "split_is_best": judged["best"] == variant._origin.id,
                        "split_is_winner": split.split_winner_id == variant._origin,
                    }
                )

    @api.depends(
        "mailing_id.nurture_content_date",
        "parent_id.split_decided_on",
        "parent_id.action",
    )
    def _compute_split_edited_after_test(self):
        for step in self:
            decided = (
                step.parent_id.action == "split" and step.parent_id.split_decided_on
            )
            edited = step.mailing_id.nurture_content_date
            step.split_edited_after_test = bool(decided and edited and edited > decided)

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    @api.constrains("action", "split_min_participants", "split_wait_days", "split_goal")
    def _check_split_settings(self):
        for step in self.filtered(lambda s: s.action == "split"):
            if not 1 <= step.split_min_participants <= MAX_SPLIT_PARTICIPANTS:
                raise ValidationError(
                    self.env._(
                        "Split test %(step)s waits for %(count)s participants per "
                        "variant: choose from 1 to %(max)s.",
                        step=step.name,
                        count=step.split_min_participants,
                        max=MAX_SPLIT_PARTICIPANTS,
                    )
                )
            if not 0 <= step.split_wait_days <= MAX_SPLIT_WAIT_DAYS:
                raise ValidationError(
                    self.env._(
                        "Split test %(step)s counts participants %(days)s days after "
                        "their email: choose from 0 to %(max)s days.",
                        step=step.name,
                        days=step.split_wait_days,
                        max=MAX_SPLIT_WAIT_DAYS,
                    )
                )
            if not step.split_goal:
                raise ValidationError(
                    self.env._(
                        "Choose the goal of split test %(step)s.", step=step.name
                    )
                )
            if (
                step.split_goal == "success"
                and not step.sequence_id._get_success_checks()
            ):
                raise ValidationError(
                    self.env._(
                        "Split test %(step)s measures the sequence's success, but "
                        "%(sequence)s has no success rule: set one (Exit and Success "
                        "tab) or choose another goal.",
                        step=step.name,
                        sequence=step.sequence_id.name,
                    )
                )

    @api.constrains("parent_id", "trigger", "action", "split_percent")
    def _check_split_variant(self):
        for step in self.filtered(lambda s: s.parent_id.action == "split"):
            if step.trigger != "after_parent":
                raise ValidationError(
                    self.env._(
                        "%(step)s is a variant of split test %(split)s: it runs "
                        '"After the previous step" (the split chooses who takes it).',
                        step=step.name,
                        split=step.parent_id.name,
                    )
                )
            if step.action != "email":
                raise ValidationError(
                    self.env._(
                        "%(step)s is a variant of split test %(split)s: a variant "
                        "starts with the email it is measured on (its later steps "
                        "can do anything).",
                        step=step.name,
                        split=step.parent_id.name,
                    )
                )
            if not 1 <= step.split_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "Variant %(step)s gets %(percent)s %% of split test "
                        "%(split)s: choose a whole percent from 1 to 100.",
                        step=step.name,
                        percent=step.split_percent,
                        split=step.parent_id.name,
                    )
                )

    @api.constrains("split_winner_id")
    def _check_split_winner(self):
        for step in self.filtered("split_winner_id"):
            if step.split_winner_id.parent_id != step:
                raise ValidationError(
                    self.env._(
                        "The winner of split test %(step)s is one of its variants.",
                        step=step.name,
                    )
                )

    def _check_split_variants(self):
        """The split steps among these have at least two variants whose percents
        add up to 100 (a check of the whole save: see ``DEFER_KEY``)."""
        for split in self.exists().filtered(lambda s: s.action == "split"):
            variants = split.child_ids
            if len(variants) < 2:
                raise ValidationError(
                    self.env._(
                        "Split test %(step)s needs at least two variants (the steps "
                        "right after it); it has %(count)s.",
                        step=split.name,
                        count=len(variants),
                    )
                )
            total = sum(variants.mapped("split_percent"))
            if total != 100:
                raise ValidationError(
                    self.env._(
                        "The variants of split test %(step)s add up to %(total)s "
                        "%%: their shares must add up to 100 %% (%(shares)s).",
                        step=split.name,
                        total=total,
                        shares=", ".join(
                            f"{variant.name} {variant.split_percent} %"
                            for variant in split._split_variants()
                        ),
                    )
                )

    # ------------------------------------------------------------------
    # CRUD: the variants' totals checked once per save
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # A variant made inside its split's form: of the split's sequence.
            if not vals.get("sequence_id") and vals.get("parent_id"):
                vals["sequence_id"] = self.browse(vals["parent_id"]).sequence_id.id
        if self.env.context.get(DEFER_KEY):
            return super().create(vals_list)
        steps = super(CrmNurtureStep, self.with_context(**{DEFER_KEY: True})).create(
            vals_list
        )
        steps = steps.with_env(self.env)
        (steps | steps.parent_id)._check_split_variants()
        return steps

    def write(self, vals):
        if self.env.context.get(DEFER_KEY) or not SPLIT_TREE_FIELDS & set(vals):
            return super().write(vals)
        before = self.parent_id
        res = super(CrmNurtureStep, self.with_context(**{DEFER_KEY: True})).write(vals)
        (self | before | self.parent_id)._check_split_variants()
        return res

    def unlink(self):
        splits = self.parent_id.filtered(lambda s: s.action == "split") - self
        res = super().unlink()
        if not self.env.context.get(DEFER_KEY):
            splits._check_split_variants()
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_split_choose_winner(self):
        """A nurture manager makes this variant the winner of its split."""
        self.ensure_one()
        self._split_check_manager()
        split = self.parent_id
        if split.action != "split":
            raise UserError(
                self.env._("%(step)s is not a variant of a split test.", step=self.name)
            )
        if split.split_winner_id:
            raise UserError(
                self.env._(
                    "Split test %(step)s is decided already: %(winner)s won.",
                    step=split.name,
                    winner=split.split_winner_id.name,
                )
            )
        split._split_decide(self, user=self.env.user)
        return True

    def _split_check_manager(self):
        if not (
            self.env.su
            or self.env.user.has_group("mass_mailing_crm_nurture.group_nurture_manager")
        ):
            raise AccessError(
                self.env._("Only nurture managers choose the winner of a split test.")
            )

    # ------------------------------------------------------------------
    # The test
    # ------------------------------------------------------------------

    def _run_split(self, traces, leads):
        """A split sends nothing: the engine sends each participant down one
        variant when it schedules the next steps (``_split_choose``)."""

    def _split_variants(self):
        """The variants of this split, in the order of the draw."""
        self.ensure_one()
        return self.child_ids.sorted(lambda s: (s.sequence, s.id))

    def _split_choose(self, participants):
        """Participant -> the variant it takes: the winner once there is one,
        else the draw (deterministic per participant and split)."""
        self.ensure_one()
        if self.split_winner_id:
            return {participant: self.split_winner_id for participant in participants}
        variants = [(v, v.split_percent) for v in self._split_variants()]
        return {
            participant: split_test.draw(participant.id, self.id, variants)
            for participant in participants
        }

    def _split_read_numbers(self, now=None):
        """Variant id -> ``{"participants", "counted", "goal"}`` of this split,
        real participants only, in one grouped query."""
        self.ensure_one()
        variants = self._split_variants()
        if not self._origin.id or not variants:
            return {}
        self.env["crm.nurture.trace"].flush_model()
        self.env["crm.nurture.participant"].flush_model(["date_succeeded"])
        self.env["mailing.trace"].flush_model()
        now = now or self.env.cr.now()
        counted = SQL(
            "%s AND mail.sent_datetime <= %s",
            COUNTED_SQL,
            now - timedelta(days=self.split_wait_days),
        )
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT trace.step_id,
                       COUNT(*) AS participants,
                       COUNT(*) FILTER (WHERE %(counted)s) AS counted,
                       COUNT(*) FILTER (WHERE %(counted)s AND %(goal)s) AS goal
                  FROM crm_nurture_trace trace
                  JOIN crm_nurture_participant part ON part.id = trace.participant_id
                  LEFT JOIN mailing_trace mail ON mail.id = trace.mailing_trace_id
                 WHERE trace.step_id = ANY(%(variants)s)
                   AND trace.is_test IS NOT TRUE
                 GROUP BY trace.step_id
                """,
                counted=counted,
                goal=GOAL_SQL[self.split_goal or "clicked"],
                variants=[v.id for v in variants._origin],
            )
        )
        return {row.pop("step_id"): row for row in rows}

    def _split_judge(self, now=None):
        """The live numbers of this split's variants, judged by ``split_test``
        (see ``split_test.evaluate``), with each variant's participants."""
        self.ensure_one()
        numbers = self._split_read_numbers(now)
        variants = self._split_variants()._origin
        judged = split_test.evaluate(
            [
                (
                    variant.id,
                    numbers.get(variant.id, {}).get("counted", 0),
                    numbers.get(variant.id, {}).get("goal", 0),
                )
                for variant in variants
            ],
            self.split_min_participants,
        )
        for variant in variants:
            judged["variants"][variant.id]["participants"] = numbers.get(
                variant.id, {}
            ).get("participants", 0)
        return judged

    def _split_decide(self, winner, user=None, judged=None):
        """Make ``winner`` the winner of this split, recording when, by whom
        (none: the test itself) and the numbers it was decided on; said in the
        sequence's chatter."""
        self.ensure_one()
        judged = judged or self._split_judge()
        now = self.env.cr.now()
        decision = {
            "goal": self.split_goal,
            "min_participants": self.split_min_participants,
            "wait_days": self.split_wait_days,
            "required_confidence": judged["required"],
            "best": judged["best"],
            "winner": winner.id,
            "variants": [
                {
                    "id": variant.id,
                    "name": variant.name,
                    "percent": variant.split_percent,
                    **judged["variants"].get(variant.id, {}),
                }
                for variant in self._split_variants()
            ],
        }
        self.sudo().write(
            {
                "split_winner_id": winner.id,
                "split_decided_on": now,
                "split_decided_uid": user.id if user else False,
                "split_decision": decision,
            }
        )
        self.sequence_id.sudo().message_post(
            body=Markup("<p>%s</p>") % self._split_summary_text(),
            subtype_xmlid="mail.mt_note",
        )

    def _split_summary_text(self):
        """The decision of this split in words (empty before it)."""
        self.ensure_one()
        decision = self.split_decision
        if not (self.split_winner_id and decision):
            return False
        goals = dict(self._fields["split_goal"]._description_selection(self.env))
        lines = [
            self.env._(
                "Split test %(step)s: %(winner)s won (%(how)s), on %(goal)s.",
                step=self.name,
                winner=self.split_winner_id.name,
                how=self.split_decided_uid.name
                if self.split_decided_uid
                else self.env._(
                    "automatically, %(confidence)s %% confidence needed",
                    confidence=float_round(
                        100.0 * decision.get("required_confidence", 0.95), 2
                    ),
                ),
                goal=goals.get(decision.get("goal"), ""),
            )
        ]
        for variant in decision.get("variants", []):
            lines.append(
                self.env._(
                    "%(name)s: %(goal)s of %(counted)s counted (%(rate)s %%), "
                    "confidence %(confidence)s %%, %(participants)s participants",
                    name=variant.get("name"),
                    goal=variant.get("goal", 0),
                    counted=variant.get("counted", 0),
                    rate=float_round(100.0 * variant.get("rate", 0.0), 2),
                    confidence=float_round(100.0 * variant.get("confidence", 0.0), 2),
                    participants=variant.get("participants", 0),
                )
            )
        return "\n".join(lines)

    @api.model
    def _decide_splits(self, budget=None):
        """Scheduled action: decide the automatic split tests of running or paused
        sequences that have a winner now; one grouped query per split, as long as
        the run's time budget allows (``budget``, see ``cron_budget``).

        :return: the splits decided
        """
        splits = self.sudo().search(
            [
                ("action", "=", "split"),
                ("split_winner", "=", "auto"),
                ("split_winner_id", "=", False),
                ("sequence_id.state", "in", ("running", "paused")),
            ]
        )
        decided = self.browse()
        for split in splits:
            if budget is not None and not budget.allows():
                break
            if split._split_decide_isolated():
                decided |= split
        return decided

    def _split_decide_isolated(self):
        """Decide this split if its test has a winner now, in a savepoint: another
        run deciding it at the same time (a conflict) leaves it to that run, and
        one split that fails never stops the others. Return whether decided."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                judged = self._split_judge()
                if not judged["winner"]:
                    return False
                self._split_decide(self.browse(judged["winner"]), judged=judged)
                self.flush_recordset()
        except CONCURRENCY_ERRORS as error:
            _logger.info("Split test %s left to another run: %s", self.id, error)
            return False
        except Exception:  # noqa: BLE001 - one split never stops the others
            _logger.exception("Split test %s could not be decided", self.id)
            return False
        return True

    # ------------------------------------------------------------------
    # The flow picture
    # ------------------------------------------------------------------

    def _get_flow_box(self):
        box = super()._get_flow_box()
        box["split"] = self._get_split_flow_info()
        return box

    def _get_split_flow_info(self):
        """What the flow picture shows of a split or a variant (False for other
        steps): the share, the goal rate, the confidence, the winner."""
        self.ensure_one()
        if self.action == "split":
            goals = dict(self._fields["split_goal"]._description_selection(self.env))
            return {
                "is_split": True,
                "label": self.env._(
                    "Goal: %(goal)s", goal=goals.get(self.split_goal, "")
                )
                if not self.split_winner_id
                else self.env._(
                    "Decided: %(winner)s", winner=self.split_winner_id.name
                ),
            }
        if self.parent_id.action != "split":
            return False
        return {
            "is_split": False,
            "percent": self.split_percent,
            "winner": self.split_is_winner,
            "edited": self.split_edited_after_test,
            "label": self.env._(
                "%(rate)s %% of %(counted)s counted · confidence %(confidence)s %%",
                rate=self.split_goal_rate,
                counted=self.split_counted_count,
                confidence=self.split_confidence,
            ),
        }

    def _get_when_label(self):
        self.ensure_one()
        split = self.parent_id
        if split.action != "split":
            return super()._get_when_label()
        if split.split_winner_id:
            if split.split_winner_id == self._origin:
                return self.env._("Winner: every participant")
            return self.env._("Was %(percent)s %%", percent=self.split_percent)
        return self.env._("%(percent)s %% of participants", percent=self.split_percent)
