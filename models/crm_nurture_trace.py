# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import threading
from collections import defaultdict

from odoo import api, fields, models

from .crm_nurture_step import NEGATIVE_TRIGGERS

_logger = logging.getLogger(__name__)


class CrmNurtureTrace(models.Model):
    """A step for a participant: when it is due, and what became of it."""

    _name = "crm.nurture.trace"
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
    sequence_id = fields.Many2one(
        related="participant_id.sequence_id", store=True, index=True
    )
    lead_id = fields.Many2one(related="participant_id.lead_id", store=True, index=True)
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
    mailing_trace_id = fields.Many2one(
        comodel_name="mailing.trace", string="Email", index="btree_not_null"
    )
    is_test = fields.Boolean(related="participant_id.is_test", store=True)
    # A test run's email is a test email without a mailing trace: its events are
    # simulated by the tester.
    test_opened = fields.Boolean(string="Opened (Test)", readonly=True)
    test_clicked = fields.Boolean(string="Clicked (Test)", readonly=True)
    test_replied = fields.Boolean(string="Replied (Test)", readonly=True)
    test_bounced = fields.Boolean(string="Bounced (Test)", readonly=True)

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
        values = []
        for step in steps:
            delay = step._get_delay()
            for participant in participants:
                parent = parents.get(participant.id) if parents else None
                values.append(
                    {
                        "participant_id": participant.id,
                        "step_id": step.id,
                        "scheduled_date": after + delay,
                        "parent_trace_id": parent,
                    }
                )
        return self.create(values)

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------

    @api.model
    def _process_due(self, batch_size=500, max_batches=None):
        """Run the due steps of running sequences, ``batch_size`` at a time.

        Due steps are claimed with row locks that skip rows another run holds, and
        claimed again per step after each commit: two runs at once never run a step
        twice. A step is marked done, its emails queued and its next steps
        scheduled in one transaction, committed per step group outside tests: after
        a crash, what was not committed is still due.

        :return: number of steps handled
        """
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        done = batches = 0
        while max_batches is None or batches < max_batches:
            candidates = self._select_due(batch_size)
            if not candidates:
                break
            batches += 1
            for step, trace_ids in self._group_by_step(candidates).items():
                traces = self._claim(trace_ids)
                done += len(traces)
                traces._execute(step)
                if auto_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
            self.env["ir.cron"]._notify_progress(done=done, remaining=self._count_due())
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    def _select_due(self, limit):
        self.flush_model()
        self.env.cr.execute(
            """
            SELECT trace.id FROM crm_nurture_trace trace
              JOIN crm_nurture_sequence seq ON seq.id = trace.sequence_id
             WHERE trace.state = 'scheduled' AND trace.scheduled_date <= %s
               AND seq.state = 'running' AND trace.is_test IS NOT TRUE
             ORDER BY trace.scheduled_date
             LIMIT %s
               FOR UPDATE OF trace SKIP LOCKED
            """,
            [self.env.cr.now(), limit],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _count_due(self):
        self.env.cr.execute(
            """
            SELECT COUNT(*) FROM crm_nurture_trace trace
              JOIN crm_nurture_sequence seq ON seq.id = trace.sequence_id
             WHERE trace.state = 'scheduled' AND trace.scheduled_date <= %s
               AND seq.state = 'running' AND trace.is_test IS NOT TRUE
            """,
            [self.env.cr.now()],
        )
        return self.env.cr.fetchone()[0]

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
        )
        traces = self.browse([row[0] for row in self.env.cr.fetchall()])
        traces.invalidate_recordset()
        return traces

    def _execute(self, step):
        """Run ``step`` for these traces: re-assess each participant first, then
        act for those still going, then schedule what comes next."""
        if not self:
            return
        self = self.sudo()
        now = self.env.cr.now()
        traces = self._drop_ended_participants()
        traces = traces._apply_exit_and_success(step)
        traces = traces._check_trigger_event(step)
        traces = traces._wait_for_send_window(step, now)
        traces = traces._apply_contact_pressure(step, now)
        if not traces:
            return
        traces.write({"state": "done", "date_done": now})
        traces.participant_id.write({"current_step_id": step.id})
        traces._schedule_children(step, now)
        try:
            with self.env.cr.savepoint():
                step._run_action(traces)
        except Exception as error:  # noqa: BLE001 - any failure is recorded on the step
            _logger.exception("Nurture step %s failed", step.id)
            traces.write({"state": "failed", "message": str(error)[:250]})
        traces.participant_id._complete_finished()

    def _drop_ended_participants(self):
        ended = self.filtered(lambda t: t.participant_id.state != "running")
        ended.write({"state": "cancelled", "message": self.env._("The participation ended.")})
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
        succeeded = running._get_successes(sequence)
        if sequence.success_action == "stop":
            succeeded._succeed()
        else:
            succeeded.filtered(lambda p: not p.date_succeeded).write(
                {"date_succeeded": self.env.cr.now()}
            )
        return self.filtered(lambda t: t.state == "scheduled")

    def _check_trigger_event(self, step):
        """Steps waiting on the previous email: at their deadline, run the "not ..."
        ones only if it did not happen, the others only if it did."""
        event = step._get_trigger_event()
        if not event:
            return self
        negative = step.trigger in NEGATIVE_TRIGGERS
        happened = self.filtered(lambda t: t.parent_trace_id._email_event_happened(event))
        cancel = happened if negative else self - happened
        cancel.write(
            {
                "state": "cancelled",
                "message": self.env._("Branch not taken: %(trigger)s did not apply.",
                                      trigger=step.trigger),
            }
        )
        return self - cancel

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
        self._schedule(self.participant_id, step.child_ids, now, parents=parents)

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
            self.mailing_trace_id and self.mailing_trace_id._nurture_event_happened(event)
        )

    def _link_mailing_traces(self):
        """Point these traces, and their participants' last email, at the mailing
        traces their emails created: one statement for the whole step group."""
        self.env["mailing.trace"].flush_model(["nurture_trace_id"])
        self.flush_recordset(["mailing_trace_id"])
        participants = self.participant_id
        participants.flush_recordset(["last_mailing_trace_id"])
        self.env.cr.execute(
            """
            WITH linked AS (
                UPDATE crm_nurture_trace trace SET mailing_trace_id = mail.id
                  FROM mailing_trace mail
                 WHERE mail.nurture_trace_id = trace.id AND trace.id = ANY(%s)
             RETURNING trace.participant_id, mail.id AS mailing_trace_id
            )
            UPDATE crm_nurture_participant part
               SET last_mailing_trace_id = linked.mailing_trace_id
              FROM linked
             WHERE part.id = linked.participant_id
            """,
            [self.ids],
        )
        self.invalidate_recordset(["mailing_trace_id"])
        participants.invalidate_recordset(["last_mailing_trace_id"])

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
        events = {"open": ("opened", "not_opened"), "click": ("clicked", "not_clicked"),
                  "reply": ("replied", "not_replied"), "bounce": ("bounced", None)}
        positive, negative = events[event]
        # A click is also an open; a reply, too.
        if event in ("click", "reply"):
            waiting_open = waiting.filtered(lambda t: t.step_id.trigger in ("opened", "not_opened"))
            waiting_open._react("opened", "not_opened")
        waiting._react(positive, negative)

    def _react(self, positive, negative):
        now = self.env.cr.now()
        run = self.filtered(lambda t: t.step_id.trigger == positive)
        run.write({"scheduled_date": now})
        cancel = self.filtered(lambda t: negative and t.step_id.trigger == negative)
        cancel.write(
            {"state": "cancelled", "message": self.env._("Branch not taken: it happened.")}
        )
        if run:
            self.env["crm.nurture.sequence"]._trigger_process()
