# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from .crm_nurture_step import STEP_LEVEL_SQL


class CrmNurtureParticipant(models.Model):
    """A lead going through a nurture sequence."""

    _name = "crm.nurture.participant"
    _inherit = ["crm.nurture.set.write.mixin"]
    _description = "Nurture Participant"
    _order = "date_enrolled desc, id desc"
    _rec_name = "lead_id"

    sequence_id = fields.Many2one(
        comodel_name="crm.nurture.sequence",
        string="Nurture Sequence",
        required=True,
        index=True,
        ondelete="cascade",
    )
    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        string="Lead",
        required=True,
        index=True,
        ondelete="cascade",
    )
    state = fields.Selection(
        selection=[
            ("running", "Running"),
            ("completed", "Completed"),
            ("succeeded", "Succeeded"),
            ("exited", "Exited"),
        ],
        default="running",
        required=True,
        index=True,
    )
    exit_reason = fields.Selection(
        selection=[
            ("optout", "Opted out or blacklisted"),
            ("bounced", "Email bounced"),
            ("mismatch", "No longer matching"),
            ("stopped", "Sequence stopped"),
            ("removed", "Removed by hand"),
            ("merged", "Lead merged into another"),
            ("failed", "A step failed"),
        ],
        help="A step failed: its action failed at every attempt (see the step's "
        "last error); its next steps never ran.",
    )
    date_enrolled = fields.Datetime(string="Enrolled On", required=True)
    date_done = fields.Datetime(string="Ended On")
    date_succeeded = fields.Datetime(
        string="Succeeded On",
        help="When the lead reached the sequence's goal (also when the sequence lets "
        "successful participants go on).",
    )
    current_step_id = fields.Many2one(
        comodel_name="crm.nurture.step",
        string="Current Step",
        help="The last step done.",
        ondelete="set null",
    )
    trace_ids = fields.One2many(
        comodel_name="crm.nurture.trace", inverse_name="participant_id", string="Steps"
    )
    level_reached = fields.Integer(
        string="Steps Reached",
        readonly=True,
        default=0,
        aggregator=None,
        help="0: enrolled; 1: went through a first step; 2: through the step after "
        "it...",
    )
    last_mailing_trace_id = fields.Many2one(
        comodel_name="mailing.trace", string="Last Email", ondelete="set null"
    )
    last_email_status = fields.Selection(
        related="last_mailing_trace_id.trace_status", string="Last Email Status"
    )
    last_email_date = fields.Datetime(
        related="last_mailing_trace_id.sent_datetime", string="Last Email On"
    )
    last_email_failure_type = fields.Selection(
        related="last_mailing_trace_id.failure_type", string="Last Email Failure"
    )
    last_email_failure_reason = fields.Text(
        compute="_compute_last_email_failure_reason",
        compute_sudo=True,
        help="Why the last email did not leave: the mail server's answer, or the "
        "reason it was cancelled.",
    )
    email_from = fields.Char(related="lead_id.email_from", string="Email")
    partner_name = fields.Char(related="lead_id.partner_name", string="Company")
    is_test = fields.Boolean(
        string="Test",
        readonly=True,
        index=True,
        help="A test run: moved by hand, emails go to the test address, left out of "
        "every statistic.",
    )

    def init(self):
        # One running participation per lead and sequence, whatever runs at once.
        # Test runs are apart: testing on a lead never keeps it out of the real run
        # (the first version's index, which counted them, goes).
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS crm_nurture_participant_running_uniq;
            CREATE UNIQUE INDEX IF NOT EXISTS crm_nurture_participant_running_real_uniq
                ON crm_nurture_participant (sequence_id, lead_id)
             WHERE state = 'running' AND is_test IS NOT TRUE
            """
        )

    def action_remove(self):
        self.filtered(lambda p: p.state == "running")._exit("removed")
        return True

    def _compute_last_email_failure_reason(self):
        # Odoo keeps a send failure's text on the email itself (mail.mail), which
        # only administrators read: the reason, harmless, is read as superuser.
        for participant in self:
            trace = participant.last_mailing_trace_id
            participant.last_email_failure_reason = (
                trace.failure_reason or trace.mail_mail_id.failure_reason or False
            )

    def _exit(self, reason):
        self._end("exited", exit_reason=reason)

    def _succeed(self):
        self.filtered(lambda p: not p.date_succeeded).write(
            {"date_succeeded": self.env.cr.now()}
        )
        self._end("succeeded")

    def _end(self, state, exit_reason=False):
        """End these participations: their scheduled steps are cancelled."""
        if not self:
            return
        self.write(
            {
                "state": state,
                "exit_reason": exit_reason,
                "date_done": self.env.cr.now(),
            }
        )
        # Step traces are the engine's, written by no user: ending a participation
        # (a manager's Remove) cancels its scheduled steps as superuser.
        self.env["crm.nurture.trace"].sudo().search(
            [("participant_id", "in", self.ids), ("state", "=", "scheduled")]
        ).write(
            {"state": "cancelled", "message": self.env._("The participation ended.")}
        )

    # ------------------------------------------------------------------
    # Re-assessment before each step
    # ------------------------------------------------------------------

    def _get_exits(self, sequence, step):
        """Reason -> participants that must leave before ``step`` runs."""
        leads = self.lead_id.with_context(active_test=False)
        blacklisted = leads.search(
            [("id", "in", leads.ids), ("is_blacklisted", "=", True)]
        )
        exits = {"optout": self.filtered(lambda p: p.lead_id in blacklisted)}
        remaining = self - exits["optout"]
        if step.trigger != "bounced":
            exits["bounced"] = remaining.filtered(lambda p: p._last_email_bounced())
            remaining -= exits["bounced"]
        # A test runs on the lead its tester chose, matching or not.
        remaining = remaining.filtered(lambda p: not p.is_test)
        if sequence.exit_on_mismatch and remaining:
            matching = leads.search(
                sequence._get_lead_domain() + [("id", "in", remaining.lead_id.ids)]
            )
            exits["mismatch"] = remaining.filtered(lambda p: p.lead_id not in matching)
        return exits

    def _get_successes(self, sequence):
        """The participants whose lead reached one of the sequence's goals.

        Real participants are checked in one query; test runs, whose email events
        are simulated, one by one."""
        checks = sequence._get_success_checks()
        if not checks:
            return self.browse()
        tests = self.filtered("is_test")
        found = tests.filtered(lambda p: any(check(p) for check in checks))
        real = self - tests
        if real:
            found |= self.browse(real._query_successes(sequence))
        return found

    def _query_successes(self, sequence, among=None):
        """Ids of participants of ``sequence`` whose lead reached one of its goals,
        in one statement: won, reopened or converted since it joined, a stage
        reached, a tag put on it, one of its emails clicked or replied to.

        :param among: an SQL condition on ``part`` choosing the participants
            (default: these)"""
        self.env.flush_all()

        def emails_with(condition):
            return SQL(
                """EXISTS (
                    SELECT 1 FROM crm_nurture_trace step_trace
                      JOIN mailing_trace email ON email.id = step_trace.mailing_trace_id
                     WHERE step_trace.participant_id = part.id AND %s)""",
                condition,
            )

        goals = []
        if sequence.success_won:
            goals.append(SQL("(lead.active AND stage.is_won)"))
        if sequence.success_reopened:
            goals.append(SQL("lead.date_reactivated >= part.date_enrolled"))
        if sequence.success_converted:
            goals.append(
                SQL(
                    "(lead.type = 'opportunity' AND lead.date_conversion >= "
                    "part.date_enrolled)"
                )
            )
        if sequence.success_replied:
            goals.append(emails_with(SQL("email.trace_status = 'reply'")))
        if sequence.success_clicked:
            # A person's click: a scanner's or a robot's is no goal.
            goals.append(emails_with(SQL("email.human_click_datetime IS NOT NULL")))
        if sequence.success_tag_ids:
            goals.append(
                SQL(
                    """EXISTS (SELECT 1 FROM crm_tag_rel rel
                                WHERE rel.lead_id = lead.id
                                  AND rel.tag_id = ANY(%s))""",
                    sequence.success_tag_ids.ids,
                )
            )
        if sequence.success_stage_id:
            goals.append(
                SQL("stage.sequence >= %s", sequence.success_stage_id.sequence)
            )
        if not goals:
            return []
        rows = self.env.execute_query(
            SQL(
                """
                SELECT part.id
                  FROM crm_nurture_participant part
                  JOIN crm_lead lead ON lead.id = part.lead_id
                  LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                 WHERE %s AND (%s)
                """,
                among or SQL("part.id = ANY(%s)", self.ids),
                SQL(" OR ").join(goals),
            )
        )
        return [row[0] for row in rows]

    def _apply_successes(self, sequence):
        """Those of these running participants who reached the sequence's goal
        succeed: they leave, or are marked and go on (the sequence says which)."""
        succeeded = self._get_successes(sequence)
        if sequence.success_action == "stop":
            succeeded._succeed()
        else:
            succeeded.filtered(lambda p: not p.date_succeeded).write(
                {"date_succeeded": self.env.cr.now()}
            )
        return succeeded

    @api.model
    def _check_successes(self, domain=None):
        """Success noticed as soon as it is true, not when the next step is due.

        With ``domain`` (a lead changed, an email clicked or replied to): the
        running participants matching it. Without (each scheduled run, a safety
        net for goals set on a running sequence): all running participants of
        running or paused sequences with goals, one query per sequence that
        returns only those who succeeded."""
        sequence_domain = [("state", "in", ("running", "paused"))]
        if domain is not None:
            participants = self.sudo().search(
                [("state", "=", "running"), ("is_test", "=", False), *domain]
            )
            for sequence, members in participants.grouped("sequence_id").items():
                if sequence.state in ("running", "paused"):
                    members._apply_new_successes(sequence)
            return
        for sequence in self.env["crm.nurture.sequence"].sudo().search(sequence_domain):
            if not sequence._get_success_checks():
                continue
            among = SQL(
                "part.sequence_id = %s AND part.state = 'running' AND part.is_test IS "
                "NOT TRUE",
                sequence.id,
            )
            found = self.sudo().browse(self._query_successes(sequence, among=among))
            found._apply_new_successes(sequence)

    def _apply_new_successes(self, sequence):
        if sequence.success_action == "continue":
            # Marked once: those who go on are not counted again.
            self = self.filtered(lambda p: not p.date_succeeded)
        if self:
            self._apply_successes(sequence)

    def _last_email_bounced(self):
        self.ensure_one()
        if self.is_test:
            emails = self.trace_ids.filtered(
                lambda t: t.state == "done" and t.step_id.action == "email"
            )
            last = emails.sorted(lambda t: (t.date_done, t.id))[-1:]
            return bool(last.test_bounced)
        return self.last_mailing_trace_id.trace_status == "bounce"

    def _has_email_event(self, event):
        """Whether one of the emails of this participation was opened, clicked,
        replied to or bounced (simulated, for a test run)."""
        self.ensure_one()
        return any(trace._email_event_happened(event) for trace in self.trace_ids)

    @api.model_create_multi
    def create(self, vals_list):
        participants = super().create(vals_list)
        self.env["crm.lead"]._mark_nurture_enrolled(participants.lead_id.ids)
        return participants

    def _create_rows(self, vals_list):
        # The engine's enrollment: one statement more per batch, for the leads'
        # flag that spares their later writes a participant query.
        participants = super()._create_rows(vals_list)
        self.env["crm.lead"]._mark_nurture_enrolled(
            [vals["lead_id"] for vals in vals_list]
        )
        return participants

    @api.model
    def _recompute_level_reached(self, participant_ids=None):
        """Level reached of participants (all when ``participant_ids`` is None)
        from their done steps, in one statement: for data written without the
        engine (demo, upgrade)."""
        self.env["crm.nurture.trace"].flush_model()
        self.flush_model(["level_reached"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_nurture_participant part
                   SET level_reached = reached.level
                  FROM (
                      SELECT trace.participant_id, MAX(%(level)s) AS level
                        FROM crm_nurture_trace trace
                        JOIN crm_nurture_step step ON step.id = trace.step_id
                       WHERE trace.state = 'done' AND %(among)s
                       GROUP BY trace.participant_id
                  ) reached
                 WHERE part.id = reached.participant_id
                   AND part.level_reached IS DISTINCT FROM reached.level
                """,
                level=STEP_LEVEL_SQL,
                among=SQL("TRUE")
                if participant_ids is None
                else SQL("trace.participant_id = ANY(%s)", list(participant_ids)),
            )
        )
        self.invalidate_model(["level_reached"])

    def _complete_finished(self):
        """Running participants with nothing scheduled any more have completed.

        Every running participant given is written (those not finished only
        their log columns), not only the finished ones: a step of a participant
        ended here (a branch not taken) while another process does its sibling
        step (the branch taken) sees that sibling still scheduled, and the other
        process, on its snapshot, this step still scheduled; neither would
        complete the participant (the soak's participants left running for
        ever). Both processes writing the participant's row, the second one
        fails on the first one's write (a serialization failure), and its step
        is run again later, on a snapshot that sees the first one's."""
        running = self.filtered(lambda p: p.state == "running")
        finished = running._find_finished()
        running._update_rows(
            {
                "state": dict.fromkeys(finished.ids, "completed"),
                "date_done": dict.fromkeys(finished.ids, self.env.cr.now()),
            }
        )

    def _find_finished(self):
        """These participants still running with nothing scheduled any more.

        One probe of the step traces' participant index for these participants,
        the difference taken here: a shape whose plan does not depend on the
        statistics of rows just written (an anti-join over them, planned on stale
        statistics, once took seconds for a few thousand participants)."""
        running = self.filtered(lambda p: p.state == "running")
        if not running:
            return running
        self.env["crm.nurture.trace"].flush_model(["participant_id", "state"])
        self.env.cr.execute(
            """
            SELECT DISTINCT participant_id FROM crm_nurture_trace
             WHERE participant_id = ANY(%s) AND state = 'scheduled'
            """,
            [running.ids],
        )
        waiting = {row[0] for row in self.env.cr.fetchall()}
        return running.filtered(lambda p: p.id not in waiting)
