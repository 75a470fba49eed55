# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import datetime, time, timedelta

import pytz
from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.base.models.res_partner import _tz_get

from .. import cron_budget
from ..cron_budget import RunBudget
from ..relative_domain import DomainEvaluationError, check_domain, eval_domain
from ..retry import CONCURRENCY_ERRORS, auto_commit_enabled

_logger = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Due steps handled per batch of the scheduled action; each batch is committed.
PROCESS_BATCH_SIZE = 500
# Leads enrolled per batch of the scheduled action (about half a second each), and
# the share of the run's time budget that enrollment may take: the due steps of
# the leads already enrolled go on while a large filter is being enrolled.
ENROLL_BATCH_SIZE = 1000
ENROLL_BUDGET_SHARE = 0.5
# Ten years: a longer wait before re-enrolling is "never".
MAX_REENROLL_DAYS = 3650
# Sequences whose rules and steps act on leads, now or when resumed.
RUNNING_STATES = ("running", "paused")


class CrmNurtureSequence(models.Model):
    """A nurture sequence: who enters (enrollment), the tree of steps they go
    through, when emails may leave (send window), and when they leave (exit and
    success rules). The scheduled action moves participants step by step."""

    _name = "crm.nurture.sequence"
    _description = "Nurture Sequence"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
    )
    # Empty on templates only: a template is shared by every company, and its copy
    # belongs to the company of whoever makes it.
    company_id = fields.Many2one(
        comodel_name="res.company",
        default=lambda self: self.env.company,
        help="Only leads of this company take part.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("running", "Running"),
            ("paused", "Paused"),
            ("stopped", "Stopped"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    # Enrollment
    domain = fields.Char(
        string="Leads",
        default="[]",
        help="Which leads may take part. Relative dates are evaluated at each run. At "
        "most 2,000 conditions (10 on related records such as tags) and 500,000 "
        "characters; no loops.",
    )
    enrollment_mode = fields.Selection(
        selection=[
            ("continuous", "Continuously"),
            ("once", "Once, at start"),
            ("none", "Only on events or by hand"),
        ],
        string="Enroll Matching Leads",
        default="continuous",
        required=True,
        help="Continuously: leads that start matching join as the sequence runs. "
        "Once: the leads matching when the sequence starts.",
    )
    enroll_lost_reason_ids = fields.Many2many(
        comodel_name="crm.lost.reason",
        string="When Lost For",
        help="A lead lost for one of these reasons joins (if it matches the leads "
        "filter).",
    )
    enroll_tag_ids = fields.Many2many(
        comodel_name="crm.tag",
        string="When Tagged",
        help="A lead given one of these tags joins (if it matches the leads filter).",
    )
    reenroll = fields.Selection(
        selection=[
            ("never", "Never"),
            ("after_finish", "After finishing"),
            ("after_days", "Some days after finishing"),
        ],
        string="Re-enrollment",
        default="never",
        required=True,
    )
    reenroll_days = fields.Integer(
        string="Days Before Re-enrollment",
        default=30,
        help="Days after finishing before a lead may join again: 0 to 3650.",
    )
    # Send window
    send_mon = fields.Boolean(string="Monday", default=True)
    send_tue = fields.Boolean(string="Tuesday", default=True)
    send_wed = fields.Boolean(string="Wednesday", default=True)
    send_thu = fields.Boolean(string="Thursday", default=True)
    send_fri = fields.Boolean(string="Friday", default=True)
    send_sat = fields.Boolean(string="Saturday", default=True)
    send_sun = fields.Boolean(string="Sunday", default=True)
    send_hour_from = fields.Float(
        string="From", default=0.0, help="Hour emails may leave from: 0 to 24."
    )
    send_hour_to = fields.Float(
        string="To",
        default=24.0,
        help="Hour emails stop leaving: after From, up to 24.",
    )
    # The zones users have (all of pytz's); checked by _check_send_tz, which says
    # what is wrong instead of the ORM's "wrong value" error.
    send_tz = fields.Selection(
        selection=_tz_get,
        string="Timezone",
        default=lambda self: self.env.user.tz or "UTC",
        required=True,
        validate=False,
        help="The timezone of the send window's days and hours.",
    )
    # Exit and success
    exit_on_mismatch = fields.Boolean(
        string="Exit When No Longer Matching",
        help="A participant whose lead no longer matches the leads filter leaves.",
    )
    success_won = fields.Boolean(string="Won")
    success_reopened = fields.Boolean(string="Reopened")
    success_converted = fields.Boolean(string="Converted to Opportunity")
    success_replied = fields.Boolean(string="Replied")
    success_clicked = fields.Boolean(string="Clicked")
    success_tag_ids = fields.Many2many(
        comodel_name="crm.tag",
        relation="crm_nurture_sequence_success_tag_rel",
        string="Tag Added",
    )
    success_stage_id = fields.Many2one(
        comodel_name="crm.stage", string="Stage Reached", ondelete="set null"
    )
    success_action = fields.Selection(
        selection=[("stop", "Leaves the sequence"), ("continue", "Goes on")],
        string="On Success",
        default="stop",
        required=True,
    )
    step_ids = fields.One2many(
        comodel_name="crm.nurture.step", inverse_name="sequence_id", string="Steps"
    )
    participant_ids = fields.One2many(
        comodel_name="crm.nurture.participant",
        inverse_name="sequence_id",
        string="Participants",
        domain=[("is_test", "=", False)],
    )
    test_participant_ids = fields.One2many(
        comodel_name="crm.nurture.participant",
        inverse_name="sequence_id",
        string="Test Runs",
        domain=[("is_test", "=", True)],
    )

    @api.constrains("domain")
    def _check_domain(self):
        for sequence in self:
            try:
                check_domain(self.sudo().env, "crm.lead", sequence.domain)
            except DomainEvaluationError as error:
                raise ValidationError(
                    self.env._(
                        "The leads filter of %(name)s cannot be used: %(error)s",
                        name=sequence.name,
                        error=error,
                    )
                ) from error

    @api.constrains("company_id", "is_template")
    def _check_company_set(self):
        if self.filtered(
            lambda sequence: not sequence.company_id and not sequence.is_template
        ):
            raise ValidationError(
                self.env._("A sequence needs a company: only its leads take part.")
            )

    @api.constrains("send_hour_from", "send_hour_to", *[f"send_{d}" for d in WEEKDAYS])
    def _check_send_window(self):
        for sequence in self:
            if not 0 <= sequence.send_hour_from < sequence.send_hour_to <= 24:
                raise ValidationError(
                    self.env._(
                        "The send window of %(name)s goes from %(start)s to %(end)s: "
                        "it "
                        "must start before it ends, between hours 0 and 24.",
                        name=sequence.name,
                        start=sequence.send_hour_from,
                        end=sequence.send_hour_to,
                    )
                )
            if not any(sequence[f"send_{day}"] for day in WEEKDAYS):
                raise ValidationError(
                    self.env._(
                        "Emails of %(name)s need at least one day to leave.",
                        name=sequence.name,
                    )
                )

    @api.constrains("send_tz")
    def _check_send_tz(self):
        for sequence in self:
            if sequence.send_tz not in pytz.all_timezones_set:
                raise ValidationError(
                    self.env._(
                        "%(tz)s is not a known timezone (use a name such as "
                        "Europe/Brussels or UTC).",
                        tz=sequence.send_tz,
                    )
                )

    @api.constrains("reenroll_days")
    def _check_reenroll_days(self):
        for sequence in self:
            if not 0 <= sequence.reenroll_days <= MAX_REENROLL_DAYS:
                raise ValidationError(
                    self.env._(
                        "%(name)s waits %(days)s days before re-enrolling a lead: "
                        "choose from 0 to %(max)s days.",
                        name=sequence.name,
                        days=sequence.reenroll_days,
                        max=MAX_REENROLL_DAYS,
                    )
                )

    # ------------------------------------------------------------------
    # Records in use (stages, tags, lost reasons, emails)
    # ------------------------------------------------------------------

    @api.model
    def _raise_if_in_use(self, records, steps, sequences):
        """Refuse to delete ``records`` when ``steps`` or ``sequences`` (their rules)
        use them: the flow would change under the leads without a word. The
        message names each use, so the user knows what to change first."""
        if not (steps or sequences):
            return
        uses = [
            self.env._(
                "%(sequence)s, step %(step)s",
                sequence=step.sequence_id.name,
                step=step.name,
            )
            for step in steps
        ] + [
            self.env._("%(sequence)s, its rules", sequence=sequence.name)
            for sequence in sequences
        ]
        raise UserError(
            self.env._(
                "%(records)s cannot be deleted: nurture sequences use it (%(uses)s). "
                "Change those steps or rules, or stop the sequences, first.",
                records=", ".join(records.mapped("display_name")),
                uses="; ".join(uses),
            )
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_start(self):
        self._start()
        return True

    def action_pause(self):
        self.filtered(lambda s: s.state == "running").write({"state": "paused"})
        return True

    def action_resume(self):
        self.filtered(lambda s: s.state == "paused").write({"state": "running"})
        self._trigger_process()
        return True

    def action_stop(self):
        self._stop()
        return True

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------

    def _start(self):
        for sequence in self:
            if sequence.state != "draft":
                raise UserError(self.env._("Only a draft sequence can start."))
            if not sequence.step_ids.filtered(lambda s: not s.parent_id):
                raise UserError(
                    self.env._(
                        "Add a first step before starting %(name)s.", name=sequence.name
                    )
                )
        # A draft's steps may have lost their tags since saved (deleted tags).
        self.step_ids._check_action()
        self.write({"state": "running"})
        self.filtered(lambda s: s.enrollment_mode == "once")._enroll_matching()
        self._trigger_process()

    def _stop(self):
        """Stopped sequences send nothing more: running participants end."""
        self.write({"state": "stopped"})
        running = self.participant_ids.filtered(lambda p: p.state == "running")
        running._exit("stopped")

    def _trigger_process(self, at=None):
        """Wake the scheduled action that runs the engine, and its copies (a
        deployment duplicates it to run the engine in several cron workers, see
        the README): each copy takes its share of the work at once."""
        crons = (
            self.env["ir.cron"]
            .sudo()
            .search(
                [
                    ("model_id.model", "=", self._name),
                    ("code", "=like", "%model._cron_process()%"),
                ]
            )
        )
        for cron in crons:
            cron._trigger(at)

    @api.model
    def _cron_process(self):
        """Scheduled action: enroll matching leads, then run due steps, within the
        time budget of the scheduled run (see ``cron_budget``): a backlog is
        worked through over several calls, each one reporting what is left."""
        with cron_budget.job_run():
            budget = RunBudget(self.env)
            if not budget.allows():
                budget.hand_over(self.env)
                return
            enrolled = self.search(
                [
                    ("state", "in", ("running", "paused")),
                    ("enrollment_mode", "=", "continuous"),
                ]
            )._enroll_matching_isolated(budget)
            enrolled &= self._cron_enroll_on_dates(budget)
            # Goals reached since the last run end those participations first: no
            # email leaves after the goal.
            self.env["crm.nurture.participant"]._check_successes()
            # Split tests decided before the due steps run: participants reaching
            # a split decided now take its winner (see crm_nurture_step_split).
            self.env["crm.nurture.step"]._decide_splits(budget)
            traces = self.env["crm.nurture.trace"]
            traces._process_due(batch_size=PROCESS_BATCH_SIZE, budget=budget)
            if budget.allows():
                self.env["crm.nurture.step.tally"]._compact()
            # Enrollment left unfinished counts as work left: the next call goes on.
            budget.notify_progress(
                self.env, remaining=traces._count_due() + (0 if enrolled else 1)
            )

    def _enroll_matching_isolated(self, budget=None):
        """``_enroll_matching``, batch by batch within ``budget`` (the first half
        of it: due steps get the rest), each batch in a savepoint and committed
        outside tests: another run enrolling the same leads at once (a conflict,
        or the one-running-participation index) leaves them to it, and a sequence
        whose enrollment fails (say, its filter no longer evaluates) never stops
        the others.

        :return: whether every sequence enrolled all its matching leads (``False``
            when the budget ran out first)
        """
        budget = budget or RunBudget(self.env)
        auto_commit = auto_commit_enabled()
        for sequence in self:
            # Leads in id order, each batch after the last one's: no batch walks
            # again over the leads enrolled before it.
            after_id = 0
            while after_id is not None:
                if not budget.allows(ENROLL_BUDGET_SHARE):
                    return False
                with budget.batch():
                    enrolled, after_id = sequence._enroll_matching_batch(after_id)
                    if auto_commit:
                        self.env.cr.commit()  # pylint: disable=invalid-commit
                budget.add_done(enrolled)
        return True

    def _enroll_matching_batch(self, after_id):
        """One batch of ``_enroll_matching`` for this sequence (leads after
        ``after_id``), in a savepoint; return how many leads it enrolled and the
        last lead it looked at (``None`` when there are no more: the last batch,
        or a failure, or work left to another run)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                participants = self._enroll_matching(
                    limit=ENROLL_BATCH_SIZE, after_id=after_id
                )
        except (*CONCURRENCY_ERRORS, errors.UniqueViolation) as error:
            _logger.info(
                "Enrollment of sequence %s left to another run: %s", self.id, error
            )
        except Exception:  # noqa: BLE001 - one sequence never stops the others
            _logger.exception("Enrollment of nurture sequence %s failed", self.id)
        else:
            if len(participants) == ENROLL_BATCH_SIZE:
                return len(participants), max(participants.lead_id.ids)
            return len(participants), None
        return 0, None

    def _lock_running(self):
        """Whether this sequence is running, read under a share lock held until the
        caller's transaction ends: a pause or a stop waits for the step being run,
        and one made since the transaction started shows as a conflict (the step
        is then looked at again later)."""
        self.ensure_one()
        self.flush_recordset(["state"])
        self.env.cr.execute(
            "SELECT state FROM crm_nurture_sequence WHERE id = %s FOR SHARE",
            [self.id],
            log_exceptions=False,  # a conflict is expected, and handled
        )
        row = self.env.cr.fetchone()
        return bool(row) and row[0] == "running"

    # ------------------------------------------------------------------
    # Enrollment
    # ------------------------------------------------------------------

    def _enroll_matching(self, limit=None, after_id=0):
        """Enroll the leads matching each sequence's filter that may join now (at
        most ``limit`` per sequence, in id order after ``after_id``); return the
        new participants."""
        participants = self.env["crm.nurture.participant"]
        for sequence in self:
            domain = sequence._get_lead_domain()
            if after_id:
                domain = [*domain, ("id", ">", after_id)]
            query = self.env["crm.lead"]._search(domain, order="id", limit=limit)
            query.add_where(
                sequence._get_enrollable_sql(SQL.identifier(query.table, "id"))
            )
            lead_ids = [row[0] for row in self.env.execute_query(query.select())]
            participants |= sequence._enroll(self.env["crm.lead"].browse(lead_ids))
        return participants

    def _enroll_leads(self, leads):
        """Enroll ``leads`` (by hand or on an event) where they match and may join."""
        for sequence in self:
            domain = sequence._get_lead_domain() + [("id", "in", leads.ids)]
            query = self.env["crm.lead"]._search(domain)
            query.add_where(
                sequence._get_enrollable_sql(SQL.identifier(query.table, "id"))
            )
            lead_ids = [row[0] for row in self.env.execute_query(query.select())]
            sequence._enroll(self.env["crm.lead"].browse(lead_ids))

    def _get_lead_domain(self):
        self.ensure_one()
        domain = eval_domain(self.with_context(tz=self.send_tz).env, self.domain)
        return domain + [("company_id", "in", [self.company_id.id, False])]

    def _get_enrollable_sql(self, lead_id):
        """Leads that may join this sequence now: never a second running
        participation, and past participations as the re-enrollment rule says."""
        self.ensure_one()
        self.env["crm.nurture.participant"].flush_model()
        if self.reenroll == "never":
            past = SQL("TRUE")
        elif self.reenroll == "after_finish":
            past = SQL("part.state = 'running'")
        else:
            past = SQL(
                "(part.state = 'running' OR part.date_done > %s)",
                self.env.cr.now() - timedelta(days=self.reenroll_days),
            )
        return SQL(
            """NOT EXISTS (
                SELECT 1 FROM crm_nurture_participant part
                 WHERE part.sequence_id = %s AND part.lead_id = %s
                   AND part.is_test IS NOT TRUE AND %s)""",
            self.id,
            lead_id,
            past,
        )

    def _enroll(self, leads, is_test=False):
        """Create participants for ``leads`` and schedule the first steps."""
        self.ensure_one()
        if not leads:
            return self.env["crm.nurture.participant"]
        now = self.env.cr.now()
        # Set-based: one insert for the participants, one for their first steps.
        participants = (
            self.env["crm.nurture.participant"]
            .sudo()
            ._create_rows(
                [
                    {
                        "sequence_id": self.id,
                        "lead_id": lead_id,
                        "date_enrolled": now,
                        "is_test": is_test,
                    }
                    for lead_id in leads.ids
                ]
            )
        )
        roots = self.step_ids.filtered(lambda step: not step.parent_id)
        self.env["crm.nurture.trace"].sudo()._schedule(participants, roots, now)
        if self.state == "running":
            self._trigger_process()
        return participants

    # ------------------------------------------------------------------
    # Success
    # ------------------------------------------------------------------

    def _get_success_checks(self):
        """Tests on a participant, one per success criterion set on the sequence."""
        self.ensure_one()
        checks = []
        if self.success_won:
            checks.append(lambda p: p.lead_id.active and p.lead_id.stage_id.is_won)
        if self.success_reopened:
            checks.append(
                lambda p: p.lead_id.date_reactivated
                and p.lead_id.date_reactivated >= p.date_enrolled
            )
        if self.success_converted:
            checks.append(
                lambda p: p.lead_id.type == "opportunity"
                and p.lead_id.date_conversion
                and p.lead_id.date_conversion >= p.date_enrolled
            )
        if self.success_replied:
            checks.append(lambda p: p._has_email_event("reply"))
        if self.success_clicked:
            checks.append(lambda p: p._has_email_event("click"))
        if self.success_tag_ids:
            checks.append(lambda p: bool(p.lead_id.tag_ids & self.success_tag_ids))
        if self.success_stage_id:
            goal = self.success_stage_id.sequence
            checks.append(
                lambda p: p.lead_id.stage_id and p.lead_id.stage_id.sequence >= goal
            )
        return checks

    # ------------------------------------------------------------------
    # Send window
    # ------------------------------------------------------------------

    def _get_window_start(self, when):
        """``when`` if it lies in the send window, else the window's next opening
        (UTC, naive)."""
        self.ensure_one()
        tz = pytz.timezone(self.send_tz or "UTC")
        local = pytz.utc.localize(when).astimezone(tz)
        start_hour, end_hour = self.send_hour_from, self.send_hour_to
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if not self[f"send_{WEEKDAYS[day.weekday()]}"]:
                continue
            opening = tz.localize(
                datetime.combine(day, time()) + timedelta(hours=start_hour)
            )
            closing = tz.localize(
                datetime.combine(day, time()) + timedelta(hours=end_hour)
            )
            if offset == 0 and opening <= local < closing:
                return when
            if local < opening:
                return opening.astimezone(pytz.utc).replace(tzinfo=None)
        return when  # no open day: refused by the constraint
