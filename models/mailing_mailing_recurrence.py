# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .. import cron_budget
from ..cron_budget import RunBudget
from ..retry import (
    CONFLICT_DELAY,
    MAX_ATTEMPTS,
    auto_commit_enabled,
    error_text,
    is_concurrency_error,
    retry_delay,
)

_logger = logging.getLogger(__name__)

# Context key: the recurrence run a send belongs to (set on the traces it creates,
# and keeps the mailing in its recurring state when Odoo marks it sent).
RECURRENCE_RUN_KEY = "mailing_recurrence_run_id"
# Context key: the only emails whose "already reached" status is needed (those of
# the batch being composed), see _get_seen_list.
SEEN_EMAILS_KEY = "mailing_seen_list_emails"
# Recipients mailed per batch of a run: each batch is committed on its own.
RECURRENCE_BATCH_SIZE = 1000
# Batches a single call of the scheduled action handles before it hands over to
# the next call (Odoo runs it again at once when progress remains).
RECURRENCE_MAX_BATCHES = 10
# First key of the session locks that keep each recurring mailing to one process
# at a time (the second key is the mailing's id).
RECURRENCE_LOCK_KEY = 0x72656375  # "recu"
UNIT_DELTAS = {
    "hours": lambda n: relativedelta(hours=n),
    "days": lambda n: relativedelta(days=n),
    "weeks": lambda n: relativedelta(weeks=n),
    "months": lambda n: relativedelta(months=n),
}
# The longest interval, about ten years in each unit: beyond, the next date may
# leave the calendar (year 9999) and a run would never come anyway.
MAX_INTERVALS = {"hours": 87600, "days": 3650, "weeks": 520, "months": 120}


def _recurring_state_on_uninstall(mailings):
    """Without the "Recurring" state, a mailing that already ran is sent, one that
    never ran is a draft again (it can be sent by hand)."""
    sent = mailings.filtered("sent_date")
    sent.write({"state": "done", "recurrence_next_date": False})
    (mailings - sent).write({"state": "draft", "recurrence_next_date": False})


class MailingMailing(models.Model):
    """Recurring mailings: sent again every N hours, days, weeks or months.

    Before each run the recipients (filter with relative dates, lists, favourite
    filter) are evaluated again and only those this mailing never reached get it;
    all runs share the one mailing record, so its traces, statistics and Odoo's
    duplicate protections span every run. Runs are recorded in
    ``mailing.recurrence.run``.
    """

    _inherit = "mailing.mailing"

    state = fields.Selection(
        selection_add=[("recurring", "Recurring")],
        ondelete={"recurring": _recurring_state_on_uninstall},
    )
    recurrence_enabled = fields.Boolean(
        string="Recurring",
        copy=False,
        help="Send the mailing again periodically, each time to the recipients that "
        "newly match and were never mailed by it.",
    )
    recurrence_interval = fields.Integer(
        string="Every",
        default=1,
        help="Number of hours, days, weeks or months between two runs: at least 1, at "
        "most about ten years (87600 hours, 3650 days, 520 weeks, 120 months).",
    )
    recurrence_unit = fields.Selection(
        selection=[
            ("hours", "Hours"),
            ("days", "Days"),
            ("weeks", "Weeks"),
            ("months", "Months"),
        ],
        string="Unit",
        default="days",
    )
    recurrence_start_date = fields.Datetime(
        string="Starting",
        help="First run; later runs follow at each interval from it. Empty: when the "
        "recurrence is started.",
    )
    recurrence_end_date = fields.Datetime(
        string="Until",
        help="No run after this date; it cannot be before the start. Empty: until "
        "stopped.",
    )
    recurrence_next_date = fields.Datetime(
        string="Next Run",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    recurrence_paused = fields.Boolean(string="Paused", readonly=True, copy=False)
    recurrence_exclusion_list_ids = fields.Many2many(
        comodel_name="mailing.list",
        relation="mailing_mailing_recurrence_exclusion_rel",
        column1="mailing_id",
        column2="list_id",
        string="Never Mail Contacts Of",
        help="The emails of these lists' contacts never receive this mailing (e.g. "
        "existing customers). Evaluated at each run.",
    )
    recurrence_run_ids = fields.One2many(
        comodel_name="mailing.recurrence.run",
        inverse_name="mailing_id",
        string="Runs",
        readonly=True,
    )
    recurrence_run_count = fields.Integer(
        string="Runs Count", compute="_compute_recurrence_run_count"
    )
    recurrence_failure_count = fields.Integer(
        string="Failed Runs",
        readonly=True,
        copy=False,
        help="Runs in a row that failed (e.g. the email does not render, the mail "
        "server refused it). A failed run is tried again later, with a growing "
        "delay; after too many the recurrence is paused.",
    )
    recurrence_last_error = fields.Char(
        string="Last Run Error",
        readonly=True,
        copy=False,
        help="Why the last run failed; cleared by the next run that succeeds.",
    )

    def _compute_recurrence_run_count(self):
        counts = dict(
            self.env["mailing.recurrence.run"]._read_group(
                [("mailing_id", "in", self.ids)], ["mailing_id"], ["__count"]
            )
        )
        for mailing in self:
            mailing.recurrence_run_count = counts.get(mailing, 0)

    @api.constrains("recurrence_enabled", "recurrence_interval", "recurrence_unit")
    def _check_recurrence_interval(self):
        for mailing in self.filtered("recurrence_enabled"):
            maximum = MAX_INTERVALS.get(mailing.recurrence_unit)
            if maximum and not 1 <= mailing.recurrence_interval <= maximum:
                raise ValidationError(
                    self.env._(
                        "Mailing %(mailing)s recurs every %(interval)s %(unit)s: "
                        "choose "
                        "from 1 to %(max)s %(unit)s.",
                        mailing=mailing.subject or mailing.display_name,
                        interval=mailing.recurrence_interval,
                        unit=mailing._get_recurrence_unit_label(),
                        max=maximum,
                    )
                )

    def _get_recurrence_unit_label(self):
        self.ensure_one()
        return dict(
            self._fields["recurrence_unit"]._description_selection(self.env)
        ).get(self.recurrence_unit, "")

    @api.constrains(
        "recurrence_enabled",
        "recurrence_unit",
        "recurrence_start_date",
        "recurrence_end_date",
        "ab_testing_enabled",
        "mailing_type",
    )
    def _check_recurrence(self):
        for mailing in self.filtered("recurrence_enabled"):
            if mailing.mailing_type != "mail":
                raise ValidationError(self.env._("Only email mailings can recur."))
            if not mailing.recurrence_unit:
                raise ValidationError(
                    self.env._("Choose how often the mailing recurs.")
                )
            if mailing.ab_testing_enabled:
                raise ValidationError(
                    self.env._(
                        "A recurring mailing cannot be an A/B test: each run mails "
                        "only new recipients, so the test versions would never reach "
                        "comparable audiences. Use A/B testing on a one-off mailing."
                    )
                )
            if (
                mailing.recurrence_start_date
                and mailing.recurrence_end_date
                and mailing.recurrence_end_date <= mailing.recurrence_start_date
            ):
                raise ValidationError(
                    self.env._("The recurrence must end after it starts.")
                )

    def write(self, vals):
        if self.env.context.get(RECURRENCE_RUN_KEY) and vals.get("state") == "done":
            # Odoo marks a mailing sent after each send: a run leaves it recurring.
            vals = dict(vals, state="recurring")
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_launch(self):
        recurring = self.filtered("recurrence_enabled")
        recurring._start_recurrence()
        return super(MailingMailing, self - recurring).action_launch()

    def action_schedule(self):
        if self.recurrence_enabled:
            self._start_recurrence()
            return True
        return super().action_schedule()

    def action_put_in_queue(self):
        recurring = self.filtered("recurrence_enabled")
        recurring._start_recurrence()
        return super(MailingMailing, self - recurring).action_put_in_queue()

    def action_pause_recurrence(self):
        self.write({"recurrence_paused": True})
        return True

    def action_resume_recurrence(self):
        self._resume_recurrence()
        return True

    def action_stop_recurrence(self):
        self._stop_recurrence()
        return True

    def action_view_recurrence_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mass_mailing_crm_nurture.mailing_recurrence_run_action"
        )
        action["domain"] = [("mailing_id", "=", self.id)]
        action["context"] = {"default_mailing_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------

    def _start_recurrence(self):
        """Put recurring mailings in their recurring state; the first run is due at
        the start date (now when it is past or empty)."""
        for mailing in self:
            if mailing.state not in ("draft", "in_queue"):
                raise UserError(self.env._("Only a draft mailing can start recurring."))
            mailing._check_recurrence()
            mailing._check_recurrence_interval()
            start = mailing.recurrence_start_date or self.env.cr.now()
            if mailing.recurrence_end_date and mailing.recurrence_end_date <= start:
                raise UserError(
                    self.env._(
                        "Mailing %(mailing)s would recur until %(end)s, before it "
                        "starts: change or empty the end date.",
                        mailing=mailing.subject or mailing.display_name,
                        end=mailing.recurrence_end_date,
                    )
                )
            mailing.write(
                {
                    "state": "recurring",
                    "recurrence_start_date": start,
                    "recurrence_next_date": max(start, self.env.cr.now()),
                    "recurrence_paused": False,
                    "schedule_type": "now",
                }
            )
        self._trigger_recurrence_cron()

    def _resume_recurrence(self):
        now = self.env.cr.now()
        for mailing in self:
            mailing.write(
                {
                    "recurrence_paused": False,
                    "recurrence_failure_count": 0,
                    "recurrence_next_date": mailing._get_next_run_date(
                        now, include=True
                    ),
                }
            )
        self._finish_ended_recurrences()
        self._trigger_recurrence_cron()

    def _stop_recurrence(self):
        self.write({"state": "done", "recurrence_next_date": False})

    def _get_next_run_date(self, after, include=False):
        """The first run date of the schedule strictly after ``after`` (or at it,
        with ``include``). Runs missed while paused or down are skipped, not sent
        in a burst."""
        self.ensure_one()
        start = self.recurrence_start_date or after
        if start > after or (include and start == after):
            return start
        delta = UNIT_DELTAS[self.recurrence_unit]
        interval = self.recurrence_interval
        if self.recurrence_unit == "months":
            months = (after.year - start.year) * 12 + after.month - start.month
            steps = max(months // interval - 1, 0)
        else:
            step = start + delta(interval) - start
            steps = max(int((after - start) / step) - 1, 0)
        candidate = start + delta(interval * steps)
        while candidate < after or (candidate == after and not include):
            steps += 1
            candidate = start + delta(interval * steps)
        return candidate

    def _finish_ended_recurrences(self):
        """Recurrences whose next run would fall after their end date are done."""
        ended = self.filtered(
            lambda m: m.recurrence_end_date
            and m.recurrence_next_date
            and m.recurrence_next_date > m.recurrence_end_date
        )
        ended._stop_recurrence()

    def _trigger_recurrence_cron(self):
        dates = [d for d in self.mapped("recurrence_next_date") if d]
        cron = self.env.ref(
            "mass_mailing_crm_nurture.ir_cron_mailing_recurrence",
            raise_if_not_found=False,
        )
        if cron and dates:
            cron._trigger(dates)

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------

    @api.model
    def _cron_process_recurring(self):
        """Scheduled action: run the recurring mailings that are due, within the
        time budget of the scheduled run (see ``cron_budget``)."""
        with cron_budget.job_run():
            budget = RunBudget(self.env)
            if not budget.allows():
                budget.hand_over(self.env)
                return
            self._process_recurring(
                batch_size=RECURRENCE_BATCH_SIZE,
                max_batches=RECURRENCE_MAX_BATCHES,
                budget=budget,
            )

    @api.model
    def _process_recurring(
        self, batch_size=RECURRENCE_BATCH_SIZE, max_batches=None, budget=None
    ):
        """Run due recurring mailings, ``batch_size`` recipients at a time.

        A run is recorded (and committed) before its first batch and closed after
        its last; every batch is committed with its traces. Recipients are
        re-selected from the traces at each batch, so a run cut short by a crash is
        finished by the next call: nobody mailed twice, nobody skipped.

        Each mailing is run by one process at a time (a session lock, gone with a
        crashed process): another process at work on it is left to finish it, and
        goes on with the other mailings. Each mailing is isolated: one that fails
        is tried again later and its responsible told (``_recurrence_failed``),
        the others go on.

        :param max_batches: stop after this many batches (the scheduled action is
            then called again at once, see ``ir.cron._notify_progress``)
        :param budget: the time budget of the run (``cron_budget.RunBudget``):
            no batch starts once it is spent, the work left is reported
        :return: number of recipients handled
        """
        auto_commit = auto_commit_enabled()
        budget = budget or RunBudget(self.env)
        done = batches = 0
        for mailing in self._get_due_recurring_mailings():
            if (max_batches is not None and batches >= max_batches) or (
                not budget.allows()
            ):
                # Hand over: progress left makes Odoo call the action again.
                budget.notify_progress(self.env, remaining=1)
                return done
            if not mailing._lock_recurrence():
                continue  # another process runs it
            try:
                sent, count = mailing._run_recurrence_batches(
                    batch_size,
                    max_batches and max_batches - batches,
                    auto_commit,
                    budget,
                )
            finally:
                mailing._unlock_recurrence()
            done += sent
            batches += count
        return done

    def _run_recurrence_batches(self, batch_size, max_batches, auto_commit, budget):
        """Run this mailing's batches, each isolated: a failure undoes only the
        batch at work (earlier ones are committed, or kept in tests) and is
        recorded on the mailing, whose run stops there.

        :return: (recipients handled, batches run)
        """
        self.ensure_one()
        mailing = self._with_responsible_context()
        if auto_commit:
            # A snapshot taken under the lock: the batches a process that held it
            # just before committed are seen.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        done = batches = 0
        while (not max_batches or batches < max_batches) and budget.allows():
            with budget.batch(engine="recurring"):
                # Fewer recipients when they would not fit the budget.
                size = budget.batch_size("recurring", batch_size)
                try:
                    if auto_commit:
                        sent = mailing._run_recurrence_batch(size, auto_commit)
                    else:
                        with self.env.cr.savepoint():
                            sent = mailing._run_recurrence_batch(size, auto_commit)
                except Exception as error:  # noqa: BLE001 - one mailing never stops the others
                    if auto_commit:
                        self.env.cr.rollback()
                    self._recurrence_failed(error)
                    if auto_commit:
                        self.env.cr.commit()  # pylint: disable=invalid-commit
                    break
                if not sent:
                    break
                done += sent
                batches += 1
                budget.add_done(sent)
                budget.notify_progress(
                    self.env, remaining=mailing._count_recurrence_new_recipients()
                )
                if auto_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        return done, batches

    def _run_recurrence_batch(self, batch_size, auto_commit):
        """Send the next batch of the run; return how many recipients it had (0
        when the run is over, or no longer due)."""
        if not self._lock_recurrence_due():
            return 0
        res_ids = self._get_recurrence_new_recipients(limit=batch_size)
        if not res_ids:
            self._close_recurrence_run()
            return 0
        run = self._get_current_recurrence_run()
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        self.with_context(**{RECURRENCE_RUN_KEY: run.id})._action_send_mail(
            res_ids=res_ids
        )
        return len(res_ids)

    def _lock_recurrence_due(self):
        """Whether the mailing is still due, read under a row lock at the start of
        a batch: another process may have just finished the run, a user paused
        it. A conflict with an edit of the mailing shows here, not halfway."""
        self.ensure_one()
        self.flush_recordset()
        self.env.cr.execute(
            """
            SELECT id FROM mailing_mailing
             WHERE id = %s AND state = 'recurring' AND recurrence_paused IS NOT TRUE
               AND recurrence_next_date <= %s
               FOR NO KEY UPDATE
            """,
            [self.id, self.env.cr.now()],
            log_exceptions=False,  # a conflict is expected, and handled
        )
        due = bool(self.env.cr.fetchone())
        self.invalidate_recordset()
        return due

    def _lock_recurrence(self):
        """Take this mailing's session lock, or say another process holds it. Kept
        across the batches' commits; released by ``_unlock_recurrence`` or when the
        process's connection ends (a crash never keeps it)."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [RECURRENCE_LOCK_KEY, self.id]
        )
        return self.env.cr.fetchone()[0]

    def _unlock_recurrence(self):
        self.ensure_one()
        self.env.cr.execute(
            "SELECT pg_advisory_unlock(%s, %s)", [RECURRENCE_LOCK_KEY, self.id]
        )

    def _recurrence_failed(self, error):
        """A run of this mailing failed (its batch at work undone).

        A conflict with another transaction (an edit of the mailing) is tried
        again shortly. Any other error is tried again later, with a delay that
        doubles at each failure, and told in the mailing's chatter; after
        ``MAX_ATTEMPTS`` failures in a row the recurrence is paused, for its
        responsible to fix the mailing and resume it. Override point."""
        self.ensure_one()
        now = self.env.cr.now()
        if is_concurrency_error(error):
            # Still due: looked at again shortly.
            _logger.info(
                "Recurring mailing %s met another transaction: %s", self.id, error
            )
            cron = self.env.ref(
                "mass_mailing_crm_nurture.ir_cron_mailing_recurrence",
                raise_if_not_found=False,
            )
            if cron:
                cron._trigger(now + CONFLICT_DELAY)
            return
        _logger.warning("Recurring mailing %s failed: %s", self.id, error)
        attempt = self.recurrence_failure_count + 1
        reason = error_text(error)
        values = {"recurrence_failure_count": attempt, "recurrence_last_error": reason}
        if attempt >= MAX_ATTEMPTS:
            values["recurrence_paused"] = True
            body = self.env._(
                "The recurring run failed %(count)s times in a row: the recurrence is "
                "paused. Fix the mailing, then resume it. Last error: %(reason)s",
                count=attempt,
                reason=reason,
            )
        else:
            values["recurrence_next_date"] = now + retry_delay(attempt)
            body = self.env._(
                "The recurring run failed; it is tried again on %(date)s. "
                "Error: %(reason)s",
                date=values["recurrence_next_date"],
                reason=reason,
            )
        self.write(values)
        self.message_post(body=Markup("<p>%s</p>") % body, subtype_xmlid="mail.mt_note")
        self._trigger_recurrence_cron()

    @api.model
    def _get_due_recurring_mailings(self):
        return self.search(
            [
                ("state", "=", "recurring"),
                ("recurrence_paused", "=", False),
                ("recurrence_next_date", "<=", self.env.cr.now()),
            ],
            order="recurrence_next_date, id",
        )

    def _with_responsible_context(self):
        # As Odoo's queue does: recipients and rendering in the responsible's
        # language and timezone.
        user = self.user_id or self.write_uid or self.env.user
        return self.with_context(**self.env["res.users"].with_user(user).context_get())

    def _get_current_recurrence_run(self):
        """The run in progress (one left by a crash included), or a new one."""
        self.ensure_one()
        # Runs are bookkeeping: users read them, the system writes them.
        Run = self.env["mailing.recurrence.run"].sudo()
        run = Run.search(
            [("mailing_id", "=", self.id), ("state", "=", "running")], limit=1
        )
        return run or Run.create(
            {
                "mailing_id": self.id,
                "date_start": self.env.cr.now(),
                "scheduled_date": self.recurrence_next_date,
                "new_recipient_count": self._count_recurrence_new_recipients(),
            }
        )

    def _close_recurrence_run(self):
        """Close the run in progress, if any, and schedule the next one. A run with
        nobody new leaves no record: only the next date moves."""
        self.ensure_one()
        running = (
            self.env["mailing.recurrence.run"]
            .sudo()
            .search([("mailing_id", "=", self.id), ("state", "=", "running")])
        )
        running.write({"state": "done", "date_done": self.env.cr.now()})
        values = {"recurrence_next_date": self._get_next_run_date(self.env.cr.now())}
        if self.recurrence_failure_count or self.recurrence_last_error:
            values.update(recurrence_failure_count=0, recurrence_last_error=False)
        self.write(values)
        self._finish_ended_recurrences()
        self._trigger_recurrence_cron()

    # ------------------------------------------------------------------
    # New recipients
    # ------------------------------------------------------------------

    def _get_seen_list(self):
        emails = self.env.context.get(SEEN_EMAILS_KEY)
        if emails is None or self.ab_testing_enabled:
            return super()._get_seen_list()
        # Duplicate protection for a batch of a recurring mailing: which of these
        # emails did the mailing reach already (index on mailing and email).
        self.env["mailing.trace"].flush_model(["mass_mailing_id", "model", "email"])
        self.env.cr.execute(
            """
            SELECT DISTINCT email FROM mailing_trace
             WHERE mass_mailing_id = %s AND model = %s AND email = ANY(%s)
            """,
            [self.id, self.mailing_model_real, list(emails)],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _get_recurrence_new_recipients(self, limit=None):
        """Ids of the records that match the recipients now and that this mailing
        never reached, excluded lists left out; at most ``limit``, oldest first.

        One query: the recipients' search with anti-joins on this mailing's traces
        and on the exclusion lists' emails, so only new recipients leave the
        database (Odoo's own computation loads every recipient and every trace).
        """
        self.ensure_one()
        query = self._get_recurrence_new_recipients_query()
        query.order = SQL.identifier(query.table, "id")
        query.limit = limit
        return [row[0] for row in self.env.execute_query(query.select())]

    def _count_recurrence_new_recipients(self):
        self.ensure_one()
        query = self._get_recurrence_new_recipients_query()
        return self.env.execute_query(query.select(SQL("COUNT(*)")))[0][0]

    def _get_recurrence_new_recipients_query(self):
        Model = self.env[self.mailing_model_real]
        self.env["mailing.trace"].flush_model(["mass_mailing_id", "model", "res_id"])
        query = Model._search(self._get_recipients_domain())
        record_id = SQL.identifier(query.table, "id")
        query.add_where(
            SQL(
                """NOT EXISTS (
                    SELECT 1 FROM mailing_trace trace
                     WHERE trace.mass_mailing_id = %s
                       AND trace.res_id = %s
                       AND trace.model = %s)""",
                self.id,
                record_id,
                Model._name,
            )
        )
        if self.recurrence_exclusion_list_ids:
            query.add_where(self._get_recurrence_exclusion_sql(Model, query.table))
        return query

    def _get_recurrence_exclusion_sql(self, Model, alias):
        if (
            "email_normalized" not in Model._fields
            or not Model._fields["email_normalized"].store
        ):
            raise UserError(
                self.env._(
                    "Exclusion lists need recipients with an email address; "
                    "%(model)s has none.",
                    model=Model._description,
                )
            )
        self.env["mailing.contact"].flush_model(["email_normalized", "list_ids"])
        self.env["mailing.subscription"].flush_model(["contact_id", "list_id"])
        return SQL(
            """NOT EXISTS (
                SELECT 1 FROM mailing_contact contact
                  JOIN mailing_subscription sub ON sub.contact_id = contact.id
                 WHERE sub.list_id = ANY(%s)
                   AND contact.email_normalized = %s)""",
            self.recurrence_exclusion_list_ids.ids,
            SQL.identifier(alias, "email_normalized"),
        )
