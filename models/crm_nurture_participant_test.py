# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .crm_nurture_step import LINK_TRIGGERS

# Simulated email events and the flags they set on the email's step: as for real
# emails, a click or a reply is also an open.
SIMULATED_FLAGS = {
    "open": {"test_opened": True},
    "click": {"test_opened": True, "test_clicked": True},
    "reply": {"test_opened": True, "test_replied": True},
    "bounce": {"test_bounced": True},
}
REACTIONS = {
    "open": ("opened", "not_opened"),
    "click": ("clicked", "not_clicked"),
    "reply": ("replied", "not_replied"),
    "bounce": ("bounced", None),
}


class CrmNurtureParticipant(models.Model):
    """Test runs: a participation moved by hand, step by step, with simulated
    opens, clicks and replies, whose emails go to a test address. The scheduled
    action never touches it and statistics leave it out."""

    _inherit = "crm.nurture.participant"

    test_email = fields.Char(
        string="Test Address", readonly=True, help="Where the test run's emails go."
    )
    test_lead_created = fields.Boolean(
        readonly=True, help="The lead was made for the test and goes with it."
    )

    # ------------------------------------------------------------------
    # Actions of the test form
    # ------------------------------------------------------------------

    def action_open_test_run(self):
        """The test run in its own form, with its buttons."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Test Run"),
            "res_model": "crm.nurture.participant",
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (
                    self.env.ref(
                        "mass_mailing_crm_nurture.crm_nurture_participant_view_form_test"
                    ).id,
                    "form",
                )
            ],
            "target": "current",
        }

    def action_test_run_next_step(self):
        self._check_test_access()
        self.sudo()._test_run_next_step()
        return True

    def action_test_simulate_open(self):
        self._check_test_access()
        self.sudo()._test_simulate("open")
        return True

    def action_test_simulate_click(self):
        self._check_test_access()
        self.sudo()._test_simulate("click")
        return True

    def action_test_simulate_reply(self):
        self._check_test_access()
        self.sudo()._test_simulate("reply")
        return True

    def action_test_simulate_bounce(self):
        self._check_test_access()
        self.sudo()._test_simulate("bounce")
        return True

    def action_test_end(self):
        self._check_test_access()
        sequence = self.sequence_id
        self.sudo()._test_end()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.nurture.sequence",
            "res_id": sequence.id,
            "view_mode": "form",
            "target": "main",
        }

    # ------------------------------------------------------------------
    # Test runs
    # ------------------------------------------------------------------

    def _check_test_access(self):
        """Test runs are for the people who write the sequence's content."""
        if not self.env.user.has_group("mass_mailing_crm_nurture.group_nurture_user"):
            raise AccessError(
                self.env._("Only nurture content editors and managers run tests.")
            )
        if not all(self.mapped("is_test")):
            raise UserError(self.env._("Only a test run can be moved by hand."))

    def _test_run_next_step(self):
        """Run now what comes next, as if its time had come: the earliest scheduled
        steps (a branch and its opposite share their deadline: the event decides)."""
        for participant in self:
            scheduled = participant.trace_ids.filtered(lambda t: t.state == "scheduled")
            if not scheduled:
                raise UserError(
                    self.env._(
                        "Nothing more to run: this test run has gone to its end."
                    )
                )
            first = min(scheduled.mapped("scheduled_date"))
            participant._test_execute(
                scheduled.filtered(lambda t, first=first: t.scheduled_date == first)
            )

    def _test_simulate(self, event):
        """As if the last email of the run had been opened, clicked, replied to or
        bounced: the branch waiting for it runs now, its opposite is cancelled (a
        bounced participant leaves at its next step, as a real one)."""
        for participant in self:
            email = participant._get_last_test_email()
            email.write(SIMULATED_FLAGS[event])
            waiting = participant.trace_ids.filtered(
                lambda t, email=email: t.parent_trace_id == email
                and t.state == "scheduled"
            )
            if event in ("click", "reply"):
                waiting.filtered(
                    lambda t: t.step_id.trigger in REACTIONS["open"]
                )._react(*REACTIONS["open"])
            if event == "click":
                waiting.filtered(
                    lambda t: t.step_id.trigger in LINK_TRIGGERS
                )._react_to_link_clicks()
            waiting._react(*REACTIONS[event])
            now = self.env.cr.now()
            participant._test_execute(
                participant.trace_ids.filtered(
                    lambda t, now=now: t.state == "scheduled"
                    and t.scheduled_date <= now
                )
            )

    @api.model
    def _test_filter_lead_access(self, traces):
        """``traces`` without the test runs' whose tester could not change the lead
        by hand; those are skipped, with the reason on the run.

        A test acts on the lead made for its test address, and on a chosen lead only
        when the user running the test may edit it: a content editor (who reads
        leads) never tags, moves or reopens a colleague's lead through a test. The
        tester is the environment's user (test actions run as superuser for them).
        """
        tests = traces.filtered(
            lambda t: t.is_test and not t.participant_id.test_lead_created
        )
        if not tests:
            return traces
        writable = tests.lead_id.with_user(self.env.user)._filtered_access("write")
        refused = tests.filtered(lambda t: t.lead_id not in writable)
        refused.write(
            {
                "state": "skipped",
                "message": self.env._(
                    "Not applied in this test: you cannot edit this lead. Test on a "
                    "test address, or on a lead you may edit, to see this step act."
                ),
            }
        )
        return traces - refused

    def _get_last_test_email(self):
        self.ensure_one()
        emails = self.trace_ids.filtered(
            lambda t: t.state == "done" and t.step_id.action == "email"
        )
        if not emails:
            raise UserError(
                self.env._("No email was sent yet: run the next step first.")
            )
        return emails.sorted(lambda t: (t.date_done, t.id))[-1]

    def _test_execute(self, traces):
        by_step = defaultdict(lambda: self.env["crm.nurture.trace"])
        for trace in traces:
            by_step[trace.step_id] |= trace
        for step, step_traces in by_step.items():
            step_traces._execute(step)

    def _test_end(self):
        """A test leaves nothing behind: its participation goes, and so does the
        lead made for it."""
        leads = self.filtered("test_lead_created").lead_id
        self.unlink()
        leads.with_context(active_test=False).unlink()
