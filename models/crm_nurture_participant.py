# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CrmNurtureParticipant(models.Model):
    """A lead going through a nurture sequence."""

    _name = "crm.nurture.participant"
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
    last_mailing_trace_id = fields.Many2one(
        comodel_name="mailing.trace", string="Last Email", ondelete="set null"
    )
    last_email_status = fields.Selection(
        related="last_mailing_trace_id.trace_status", string="Last Email Status"
    )
    last_email_date = fields.Datetime(
        related="last_mailing_trace_id.sent_datetime", string="Last Email On"
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
        self.env["crm.nurture.trace"].search(
            [("participant_id", "in", self.ids), ("state", "=", "scheduled")]
        ).write({"state": "cancelled", "message": self.env._("The participation ended.")})

    # ------------------------------------------------------------------
    # Re-assessment before each step
    # ------------------------------------------------------------------

    def _get_exits(self, sequence, step):
        """Reason -> participants that must leave before ``step`` runs."""
        leads = self.lead_id.with_context(active_test=False)
        blacklisted = leads.search([("id", "in", leads.ids), ("is_blacklisted", "=", True)])
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
        """The participants whose lead reached one of the sequence's goals."""
        checks = sequence._get_success_checks()
        if not checks:
            return self.browse()
        return self.filtered(lambda p: any(check(p) for check in checks))

    def _last_email_bounced(self):
        self.ensure_one()
        if self.is_test:
            emails = self.trace_ids.filtered(lambda t: t.state == "done" and t.step_id.action == "email")
            last = emails.sorted(lambda t: (t.date_done, t.id))[-1:]
            return bool(last.test_bounced)
        return self.last_mailing_trace_id.trace_status == "bounce"

    def _has_email_event(self, event):
        """Whether one of the emails of this participation was opened, clicked,
        replied to or bounced (simulated, for a test run)."""
        self.ensure_one()
        return any(trace._email_event_happened(event) for trace in self.trace_ids)

    def _complete_finished(self):
        """Running participants with nothing scheduled any more have completed."""
        self.flush_model()
        self.env["crm.nurture.trace"].flush_model(["participant_id", "state"])
        self.env.cr.execute(
            """
            SELECT part.id FROM crm_nurture_participant part
             WHERE part.id = ANY(%s) AND part.state = 'running'
               AND NOT EXISTS (
                   SELECT 1 FROM crm_nurture_trace trace
                    WHERE trace.participant_id = part.id AND trace.state = 'scheduled')
            """,
            [self.ids],
        )
        finished = self.browse([row[0] for row in self.env.cr.fetchall()])
        finished.write({"state": "completed", "date_done": self.env.cr.now()})
