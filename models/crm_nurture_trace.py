# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from .. import compat
from ..cron_budget import RunBudget
from ..link_url import normalize_url, short_url
from ..retry import (
    CONCURRENCY_ERRORS,
    CONFLICT_DELAY,
    MAX_ATTEMPTS,
    auto_commit_enabled,
    error_text,
    is_concurrency_error,
    retry_delay,
)
from .crm_nurture_step import LINK_TRIGGERS, NEGATIVE_TRIGGERS

_logger = logging.getLogger(__name__)


class CrmNurtureTrace(models.Model):
    """A step for a participant: when it is due, and what became of it."""

    _name = "crm.nurture.trace"
    _inherit = ["crm.nurture.set.write.mixin"]
    _description = "Nurture Step Trace"
    _order = "scheduled_date desc, id desc"
    _rec_name = "step_id"

    participant_id = fields.Many2one(
        comodel_name="crm.nurture.participant",
        required=True,
        index=True,
        ondelete="cascade",
    )
    step_id = fields.Many2one(
        comodel_name="crm.nurture.step",
        string="Step",
        required=True,
        index=True,
        ondelete="cascade",
    )
    # Precomputed: inserted with the row, not written by a second statement.
    sequence_id = fields.Many2one(
        related="participant_id.sequence_id", store=True, index=True, precompute=True
    )
    lead_id = fields.Many2one(
        related="participant_id.lead_id", store=True, index=True, precompute=True
    )
    parent_trace_id = fields.Many2one(
        comodel_name="crm.nurture.trace",
        string="After",
        index="btree_not_null",
        ondelete="cascade",
    )
    scheduled_date = fields.Datetime(string="Scheduled For", required=True)
    date_done = fields.Datetime(string="Done On")
    state = fields.Selection(
        selection=[
            ("scheduled", "Scheduled"),
            ("done", "Done"),
            ("skipped", "Skipped"),
            ("cancelled", "Cancelled"),
            ("failed", "Failed"),
        ],
        default="scheduled",
        required=True,
    )
    message = fields.Char()
    attempt_count = fields.Integer(
        string="Failed Attempts",
        readonly=True,
        help="How many times the step's action failed for this participant. It is "
        "tried again later, with a growing delay, until it succeeds or runs out of "
        "attempts; then the step is failed and its next steps never run.",
    )
    date_next_try = fields.Datetime(
        string="Next Try",
        readonly=True,
        help="When the step is tried again after a failed attempt, or after it met "
        "another run working on the same records.",
    )
    last_error = fields.Char(readonly=True, help="Why the last attempt failed.")
    mailing_trace_id = fields.Many2one(
        comodel_name="mailing.trace", string="Email", index="btree_not_null"
    )
    is_test = fields.Boolean(
        related="participant_id.is_test", store=True, precompute=True
    )
    # A test run's email is a test email without a mailing trace: its events are
    # simulated by the tester.
    test_opened = fields.Boolean(string="Opened (Test)", readonly=True)
    test_clicked = fields.Boolean(string="Clicked (Test)", readonly=True)
    test_replied = fields.Boolean(string="Replied (Test)", readonly=True)
    test_bounced = fields.Boolean(string="Bounced (Test)", readonly=True)

    # What makes a step run once per participant, whatever runs it (declared the
    # way the running series creates it: see compat).
    if compat.ORM_CONSTRAINTS:
        _participant_step_uniq = models.Constraint(
            "UNIQUE (participant_id, step_id)", "A step runs once per participant."
        )
    else:
        _sql_constraints = [
            (
                "participant_step_uniq",
                "UNIQUE (participant_id, step_id)",
                "A step runs once per participant.",
            ),
        ]

    def init(self):
        # The scheduled action's scan: due steps only.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS crm_nurture_trace_due_index
                ON crm_nurture_trace (scheduled_date) WHERE state = 'scheduled'
            """
        )

    # ------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------

    @api.model
    def _schedule(self, participants, steps, after, parents=None):
        """Schedule ``steps`` for ``participants`` at ``after`` + each step's delay.

        :param parents: participant id -> the trace of the parent step (for steps
            that wait on the parent's email)
        """
        return self._schedule_pairs(
            [(participant, step) for step in steps for participant in participants],
            after,
            parents=parents,
        )

    @api.model
    def _schedule_pairs(self, pairs, after, parents=None):
        """Schedule each step for its participant (``pairs``: ``[(participant,
        step)]``) at ``after`` + the step's delay, in one insert per batch (a
        split test step sends each participant down one of its next steps).

        :param parents: participant id -> the trace of the parent step
        """
        participants = self.env["crm.nurture.participant"].union(
            *(participant for participant, _step in pairs)
        )
        # The participants' sequence, lead and test flag, read once: the step
        # traces carry them (precomputed related fields), inserted set-based.
        participants.fetch(["sequence_id", "lead_id", "is_test"])
        delays = {}
        values = []
        for participant, step in pairs:
            if step not in delays:
                delays[step] = step._get_delay()
            parent = parents.get(participant.id) if parents else None
            values.append(
                {
                    "participant_id": participant.id,
                    "step_id": step.id,
                    "scheduled_date": after + delays[step],
                    "parent_trace_id": parent or False,
                    "sequence_id": participant.sequence_id.id,
                    "lead_id": participant.lead_id.id,
                    "is_test": participant.is_test,
                }
            )
        return self._create_rows(values)

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------

    @api.model
    def _process_due(self, batch_size=500, max_batches=None, budget=None):
        """Run the due steps of running sequences, ``batch_size`` at a time (or
        fewer, to fit the run's time budget: ``RunBudget.batch_size``).

        Due steps are claimed with row locks that skip rows another run holds, and
        claimed again per step after each commit: two runs at once never run a step
        twice. Each step group runs in its own savepoint: its action first, then,
        only if the action succeeded, the step is marked done and its next steps
        scheduled; a failed action is tried again later (see ``_action_failed``),
        a conflict with another run is left to a later pass. So one bad step never
        stops the others, and nothing that did not happen is recorded as done.
        Committed per step group outside tests: after a crash, what was not
        committed is still due. A new batch starts only within the time budget
        of the scheduled run (``budget``, see ``cron_budget``): what is left is
        reported, and done by the next call.

        :return: number of steps handled (done or not, as claimed)
        """
        auto_commit = auto_commit_enabled()
        budget = budget or RunBudget(self.env)
        done = batches = 0
        while (max_batches is None or batches < max_batches) and budget.allows():
            with budget.batch(engine="nurture.steps"):
                candidates = self._select_due_fresh(
                    budget.batch_size("nurture.steps", batch_size), auto_commit
                )
                if not candidates:
                    break
                batches += 1
                for step, trace_ids in self._group_by_step(candidates).items():
                    handled = self._process_group(step, trace_ids)
                    done += handled
                    budget.add_done(handled)
                    if auto_commit:
                        self.env.cr.commit()  # pylint: disable=invalid-commit
                budget.notify_progress(self.env, remaining=self._count_due())
                if auto_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    def _process_group(self, step, trace_ids):
        """Claim and run ``step`` for the traces ``trace_ids``, isolated from the
        other groups; return how many traces were claimed.

        Override point: the unit of work of the scheduled action."""
        traces = self.browse()
        try:
            with self.env.cr.savepoint():
                traces = self._claim(trace_ids)
                traces._execute(step)
        except Exception as error:  # noqa: BLE001 - one group never stops the others
            if traces and isinstance(error, CONCURRENCY_ERRORS):
                # Another run wrote these participants meanwhile (say, it ended
                # a sibling branch: see ``_complete_finished``): nothing of the
                # group is kept, its steps are still due, for a later pass on a
                # snapshot that sees that run's work. Not a failure of the step.
                _logger.info(
                    "Nurture step %s: met another run, left for later (%s)",
                    step.id,
                    error,
                )
                return 0
            if not traces:
                # The claim itself met another run (rows it changed): its rows.
                _logger.info(
                    "Nurture step %s: left to another run (%s)", step.id, error
                )
                return 0
            # Re-assessing the participants failed (not the action): same as a
            # failed action, in a savepoint of its own.
            try:
                with self.env.cr.savepoint():
                    traces = self._claim(traces.ids)
                    traces.sudo()._action_failed(step, error)
            except Exception:  # noqa: BLE001 - still due: the next pass tries again
                _logger.exception(
                    "Nurture step %s: the failure could not be recorded", step.id
                )
                return 0
        return len(traces)

    def _select_due_fresh(self, limit, auto_commit):
        """``_select_due``, on a snapshot that sees the other runs' commits: due
        steps another run did since this transaction began cannot be locked (a
        conflict); outside tests, the transaction is then committed and the
        selection made again, in tests they are left to the other run."""
        for _attempt in range(3):
            try:
                with self.env.cr.savepoint(flush=False):
                    return self._select_due(limit)
            except CONCURRENCY_ERRORS:
                if not auto_commit:
                    break
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return []

    def _select_due(self, limit):
        # The sequence's state may have just been changed in this transaction.
        self.env["crm.nurture.sequence"].flush_model(["state"])
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT trace.id FROM crm_nurture_trace trace
                  JOIN crm_nurture_sequence seq ON seq.id = trace.sequence_id
                 WHERE %s
                 ORDER BY trace.scheduled_date
                 LIMIT %s
                   FOR UPDATE OF trace SKIP LOCKED
                """,
                self._get_due_sql(self.env.cr.now()),
                limit,
            ),
            log_exceptions=False,  # a conflict with another run is expected
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _count_due(self):
        self.env["crm.nurture.sequence"].flush_model(["state"])
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(*) FROM crm_nurture_trace trace
                  JOIN crm_nurture_sequence seq ON seq.id = trace.sequence_id
                 WHERE %s
                """,
                self._get_due_sql(self.env.cr.now()),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _get_due_sql(self, now):
        """SQL condition of a step due at ``now`` (aliases ``trace`` and ``seq``):
        scheduled, its date and its next try passed, its sequence running, not a
        test."""
        return SQL(
            """trace.state = 'scheduled' AND trace.scheduled_date <= %s
               AND (trace.date_next_try IS NULL OR trace.date_next_try <= %s)
               AND seq.state = 'running' AND trace.is_test IS NOT TRUE""",
            now,
            now,
        )

    def _group_by_step(self, trace_ids):
        groups = defaultdict(list)
        for trace in self.browse(trace_ids):
            groups[trace.step_id].append(trace.id)
        return groups

    def _claim(self, trace_ids):
        """The traces among ``trace_ids`` still scheduled, locked for this run."""
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT id FROM crm_nurture_trace
             WHERE id = ANY(%s) AND state = 'scheduled'
               FOR UPDATE SKIP LOCKED
            """,
            [trace_ids],
            log_exceptions=False,  # a conflict with another run is expected
        )
        traces = self.browse([row[0] for row in self.env.cr.fetchall()])
        traces.invalidate_recordset()
        return traces

    def _execute(self, step):
        """Run ``step`` for these traces: re-assess each participant first, then
        act for those still going; only once the action succeeded, mark the step
        done and schedule what comes next."""
        if not self:
            return
        self = self.sudo()
        # A tester moves a test run by hand, whatever the sequence's state.
        if not all(self.mapped("is_test")) and not step.sequence_id._lock_running():
            return  # paused or stopped meanwhile: the steps wait, still scheduled
        now = self.env.cr.now()
        traces = self._drop_ended_participants()
        traces = traces._apply_exit_and_success(step)
        checked = traces._check_trigger_event(step)
        # A branch not taken may be the participant's last step scheduled (both
        # branches of an email that never left, a branch without a sibling).
        (traces - checked).participant_id._complete_finished()
        traces = checked._wait_for_send_window(step, now)
        traces = traces._apply_contact_pressure(step, now)
        if not traces:
            return
        traces = traces._run_action_isolated(step)
        if not traces:
            return
        traces._record_done(step, now)

    def _record_done(self, step, now):
        """The action of ``step`` succeeded for these traces: record it, in one
        update of the step traces and one of their participants per batch (each
        update of fresh rows costs PostgreSQL its work, and the step tally's
        triggers a pass over the rows it changed).

        The step traces first: done, each linked to the email it sent (see
        ``_get_sent_emails``), in the same statement: a step is never done
        without its email. A test run's step its tester may not apply to the
        lead stays skipped (with the reason); the walk goes on past it all the
        same. Then their next steps are scheduled, and only then their
        participants updated: the step they are at, the level they reached,
        their last email, and completed for those with nothing scheduled left
        (which needs the steps done and their next steps in the table)."""
        skipped = self.filtered(lambda t: t.state == "skipped")
        done = self - skipped
        emails = self._get_sent_emails() if step.action == "email" else {}
        self._update_rows(
            {
                "state": dict.fromkeys(done.ids, "done"),
                "date_done": now,
                "date_next_try": dict.fromkeys(done.ids),
                "mailing_trace_id": emails,
            }
        )
        self._schedule_children(step, now)
        participants = self.participant_id
        level = step._get_level()
        finished = participants._find_finished()
        participants._update_rows(
            {
                "current_step_id": step.id,
                # Stored so that the funnel counts participants per level
                # reached, not their step traces (a flow's levels are reached
                # in order: a step runs once the step it follows is done).
                "level_reached": {
                    part.id: level
                    for part in done.participant_id
                    if part.level_reached < level
                },
                "last_mailing_trace_id": {
                    trace.participant_id.id: emails[trace.id]
                    for trace in self
                    if trace.id in emails
                },
                "state": dict.fromkeys(finished.ids, "completed"),
                "date_done": dict.fromkeys(finished.ids, now),
            }
        )

    def _run_action_isolated(self, step):
        """Run the action of ``step`` for these traces in a savepoint; return the
        traces it succeeded for. When it fails for the group, each participant
        is tried alone, so that one whose data breaks the action (say, its email
        does not render for that lead) does not hold back the others; a conflict
        with another run holds back the whole group, for a short while."""
        try:
            with self.env.cr.savepoint():
                step._run_action(self)
            return self
        except Exception as error:  # noqa: BLE001 - recorded on the traces, retried
            if len(self) == 1 or is_concurrency_error(error):
                self._action_failed(step, error)
                return self.browse()
        succeeded = self.browse()
        failed = defaultdict(
            lambda: [self.browse(), None]
        )  # error text -> traces, error
        for trace in self:
            try:
                with self.env.cr.savepoint():
                    step._run_action(trace)
                succeeded |= trace
            except Exception as error:  # noqa: BLE001 - recorded on the trace, retried
                failed[error_text(error)][0] |= trace
                failed[error_text(error)][1] = error
        for traces, error in failed.values():
            traces._action_failed(step, error)
        return succeeded

    def _action_failed(self, step, error):
        """The action of ``step`` failed for these traces (its changes undone).

        A conflict with another run is looked at again shortly, without counting
        an attempt. Any other error is tried again later, with a delay that
        doubles at each attempt; after ``MAX_ATTEMPTS`` the step is failed for these
        participants, who leave the sequence (their next steps never run), and
        the sequence's responsible is told in its chatter. Override point."""
        now = self.env.cr.now()
        if is_concurrency_error(error):
            _logger.info(
                "Nurture step %s met another run, tried again: %s", step.id, error
            )
            self.write({"date_next_try": now + CONFLICT_DELAY})
            return
        _logger.warning(
            "Nurture step %s failed for %s participants: %s", step.id, len(self), error
        )
        reason = error_text(error)
        by_attempt = defaultdict(lambda: self.browse())
        for trace in self:
            by_attempt[trace.attempt_count + 1] |= trace
        failed = self.browse()
        for attempt, traces in by_attempt.items():
            if attempt >= MAX_ATTEMPTS:
                failed |= traces
                traces.write(
                    {
                        "attempt_count": attempt,
                        "last_error": reason,
                        "state": "failed",
                        "message": reason,
                        "date_next_try": False,
                    }
                )
            else:
                traces.write(
                    {
                        "attempt_count": attempt,
                        "last_error": reason,
                        "date_next_try": now + retry_delay(attempt),
                    }
                )
        if failed:
            failed.participant_id._exit("failed")
            failed._notify_failure(step, reason)

    def _notify_failure(self, step, reason):
        """Tell the sequence's responsible, in its chatter, that ``step`` failed
        for good for these participants."""
        step.sequence_id.message_post(
            body=Markup("<p>%s</p>")
            % self.env._(
                "Step %(step)s failed for %(count)s participants after %(attempts)s "
                "attempts; they left the sequence. Last error: %(reason)s",
                step=step.name,
                count=len(self),
                attempts=MAX_ATTEMPTS,
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _drop_ended_participants(self):
        ended = self.filtered(lambda t: t.participant_id.state != "running")
        ended.write(
            {"state": "cancelled", "message": self.env._("The participation ended.")}
        )
        return self - ended

    def _apply_exit_and_success(self, step):
        """Participants who must leave (opted out, bounced, no longer matching)
        leave; those who reached the goal succeed (and leave, or go on)."""
        sequence = step.sequence_id
        participants = self.participant_id
        exits = participants._get_exits(sequence, step)
        for reason, leaving in exits.items():
            leaving._exit(reason)
        running = participants.filtered(lambda p: p.state == "running")
        running._apply_successes(sequence)
        return self.filtered(lambda t: t.state == "scheduled")

    def _check_trigger_event(self, step):
        """Steps waiting on the previous email: at their deadline, run the "not ..."
        ones only if it did not happen, the others only if it did."""
        event = step._get_trigger_event()
        if not event:
            return self
        # An email that never reached the participant (an exception when sending,
        # or cancelled) was neither opened nor ignored: no branch of it is taken.
        undelivered = self.filtered(lambda t: t.parent_trace_id._email_undelivered())
        undelivered.write(
            {
                "state": "cancelled",
                "message": self.env._(
                    "Branch not taken: the previous email was not delivered (see the "
                    "participant's last email)."
                ),
            }
        )
        traces = self - undelivered
        negative = step.trigger in NEGATIVE_TRIGGERS
        if step.trigger in LINK_TRIGGERS:
            happened = traces._filter_link_clicked(step)
        else:
            happened = traces.filtered(
                lambda t: t.parent_trace_id._email_event_happened(event)
            )
        cancel = happened if negative else traces - happened
        trigger = dict(step._fields["trigger"]._description_selection(self.env))[
            step.trigger
        ]
        cancel.write(
            {
                "state": "cancelled",
                "message": self.env._(
                    'Branch not taken: "%(trigger)s" did not apply.', trigger=trigger
                ),
            }
        )
        traces -= cancel
        if step.trigger in LINK_TRIGGERS and step.trigger_url_missing:
            (traces | cancel)._note_missing_link(step, taken=traces)
        return traces

    def _filter_link_clicked(self, step):
        """These traces (of ``step``, which waits on a link) whose previous
        email's person clicked the step's link, whatever parameters Odoo added to
        it; in a test run, a simulated click is a click on every link."""
        wanted = normalize_url(step.trigger_url)
        clicked = self.parent_trace_id.mailing_trace_id._nurture_clicked_urls()
        return self.filtered(
            lambda t: t.parent_trace_id.test_clicked
            if t.is_test
            else bool(wanted)
            and wanted in clicked.get(t.parent_trace_id.mailing_trace_id.id, ())
        )

    def _note_missing_link(self, step, taken):
        """``step`` waits on a link that is no longer in the previous email: say
        so on these traces and in the log, never silently. Its emails sent
        before the link was removed still have it (their clicks count); those
        sent after cannot be clicked there: "did not click" runs for them
        (``taken``), "clicked" never does. The step form and the flow picture
        show the step in error."""
        _logger.warning(
            "Nurture step %s waits on the link %s, no longer in the previous "
            "email: %s participants taken as not having clicked it",
            step.id,
            step.trigger_url,
            len(self),
        )
        link = short_url(step.trigger_url)
        taken.write(
            {
                "message": self.env._(
                    "The link “%(link)s” is no longer in the previous email: taken "
                    "as not clicked.",
                    link=link,
                )
            }
        )
        (self - taken).write(
            {
                "message": self.env._(
                    "Branch not taken: the link “%(link)s” is no longer in the "
                    "previous email.",
                    link=link,
                )
            }
        )

    def _wait_for_send_window(self, step, now):
        # A tester runs the next step when they want it.
        if step.action != "email" or all(self.mapped("is_test")):
            return self
        opening = step.sequence_id._get_window_start(now)
        if opening == now:
            return self
        self.write({"scheduled_date": opening})
        step.sequence_id._trigger_process(opening)
        return self.browse()

    def _schedule_children(self, step, now):
        if not step.child_ids:
            return
        parents = {trace.participant_id.id: trace.id for trace in self}
        if step.action == "split":
            # One variant each (see crm_nurture_trace_split.py).
            self._schedule_variants(step, now, parents)
            return
        self._schedule(self.participant_id, step.child_ids, now, parents=parents)

    def _email_undelivered(self):
        """Whether the email of this step failed to leave or was cancelled (never
        for a test run, whose email goes to the tester)."""
        self.ensure_one()
        return not self.is_test and self.mailing_trace_id.trace_status in (
            "error",
            "cancel",
        )

    def _email_event_happened(self, event):
        """Whether the email of this step was opened, clicked, replied to or
        bounced; a test run's events are the simulated ones."""
        self.ensure_one()
        if self.is_test:
            # As for real emails: a click or a reply is also an open.
            return {
                "open": self.test_opened or self.test_clicked or self.test_replied,
                "click": self.test_clicked,
                "reply": self.test_replied,
                "bounce": self.test_bounced,
            }.get(event, False)
        return bool(
            self.mailing_trace_id
            and self.mailing_trace_id._nurture_event_happened(event)
        )

    def _get_sent_emails(self):
        """Trace id -> the mailing trace of the email these traces' step just
        sent (recorded on them by ``_record_done``, with the step done): one
        probe of the mailing traces' index. No join: on the rows just written, a
        join planned on stale statistics once scanned every mailing trace per
        step trace (13 s per 1,000 emails at 20,000 fresh participants)."""
        self.env["mailing.trace"].flush_model(["nurture_trace_id"])
        self.env.cr.execute(
            """
            SELECT nurture_trace_id, id FROM mailing_trace
             WHERE nurture_trace_id = ANY(%s)
            """,
            [self.ids],
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------------------
    # Email events
    # ------------------------------------------------------------------

    @api.model
    def _on_mailing_event(self, mailing_traces, event):
        """An email of a sequence was opened, clicked, replied to or bounced: the
        steps waiting for it run now, the steps waiting for it not to happen are
        cancelled."""
        done = self.sudo().search(
            [("mailing_trace_id", "in", mailing_traces.ids), ("state", "=", "done")]
        )
        if not done:
            return
        waiting = self.sudo().search(
            [("parent_trace_id", "in", done.ids), ("state", "=", "scheduled")]
        )
        events = {
            "open": ("opened", "not_opened"),
            "click": ("clicked", "not_clicked"),
            "reply": ("replied", "not_replied"),
            "bounce": ("bounced", None),
        }
        positive, negative = events[event]
        # A click is also an open; a reply, too.
        if event in ("click", "reply"):
            waiting_open = waiting.filtered(
                lambda t: t.step_id.trigger in ("opened", "not_opened")
            )
            waiting_open._react("opened", "not_opened")
        if event == "click":
            waiting.filtered(
                lambda t: t.step_id.trigger in LINK_TRIGGERS
            )._react_to_link_clicks()
        waiting._react(positive, negative)

    @api.model
    def _on_mailing_event_withdrawn(self, mailing_traces, since):
        """Clicks of these emails taken for a person's turned out a machine's
        (every link clicked at once, noticed at the next click): the steps they
        moved wait again for their deadline, the "not ..." steps they cancelled
        since ``since`` are scheduled again, unless a person's open or click
        still stands. A step already run stays run."""
        done = self.sudo().search(
            [("mailing_trace_id", "in", mailing_traces.ids), ("state", "=", "done")]
        )
        if not done:
            return
        waiting = self.sudo().search(
            [
                ("parent_trace_id", "in", done.ids),
                (
                    "step_id.trigger",
                    "in",
                    ("opened", "not_opened", "clicked", "not_clicked", *LINK_TRIGGERS),
                ),
                ("state", "in", ("scheduled", "cancelled")),
            ]
        )
        for trace in waiting:
            step = trace.step_id
            if step.trigger in LINK_TRIGGERS:
                if trace._filter_link_clicked(step):
                    continue
            elif trace.parent_trace_id._email_event_happened(step._get_trigger_event()):
                continue
            deadline = trace.parent_trace_id.date_done + step._get_delay()
            if trace.state == "scheduled" and step.trigger not in NEGATIVE_TRIGGERS:
                if trace.scheduled_date < deadline:
                    trace.scheduled_date = deadline
            elif (
                trace.state == "cancelled"
                and step.trigger in NEGATIVE_TRIGGERS
                and not trace.date_done
                and trace.write_date >= since
            ):
                trace.write(
                    {"state": "scheduled", "message": False, "scheduled_date": deadline}
                )

    def _react(self, positive, negative):
        now = self.env.cr.now()
        run = self.filtered(lambda t: t.step_id.trigger == positive)
        run.write({"scheduled_date": now})
        cancel = self.filtered(lambda t: negative and t.step_id.trigger == negative)
        cancel.write(
            {
                "state": "cancelled",
                "message": self.env._("Branch not taken: it happened."),
            }
        )
        # A "not ..." step without a sibling was all that was left to do.
        cancel.participant_id._complete_finished()
        if run:
            self.env["crm.nurture.sequence"]._trigger_process()

    def _react_to_link_clicks(self):
        """A person clicked a link of the previous email of these traces (steps
        on a given link): the "clicked" ones on a clicked link run now, the "did
        not click" ones on it are cancelled; the others keep waiting."""
        run = cancel = self.browse()
        for step in self.step_id:
            traces = self.filtered(lambda t, step=step: t.step_id == step)
            clicked = traces._filter_link_clicked(step)
            if step.trigger == "clicked_link":
                run |= clicked
            else:
                cancel |= clicked
        # Due already (the link clicked before): left as it is.
        now = self.env.cr.now()
        run = run.filtered(lambda t: t.scheduled_date > now)
        run.write({"scheduled_date": now})
        cancel.write(
            {
                "state": "cancelled",
                "message": self.env._("Branch not taken: it happened."),
            }
        )
        if run:
            self.env["crm.nurture.sequence"]._trigger_process()
