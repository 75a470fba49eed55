# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class MailingRecurrenceRun(models.Model):
    """One run of a recurring mailing: when, how many new recipients, and what
    became of the emails it sent (from the traces it created)."""

    _name = "mailing.recurrence.run"
    _description = "Recurring Mailing Run"
    _order = "date_start desc, id desc"
    _rec_name = "date_start"

    mailing_id = fields.Many2one(
        comodel_name="mailing.mailing",
        string="Mailing",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    state = fields.Selection(
        selection=[("running", "Running"), ("done", "Done")],
        default="running",
        required=True,
        readonly=True,
    )
    scheduled_date = fields.Datetime(string="Scheduled For", readonly=True)
    date_start = fields.Datetime(string="Run On", required=True, readonly=True)
    date_done = fields.Datetime(string="Finished On", readonly=True)
    new_recipient_count = fields.Integer(
        string="New Recipients",
        readonly=True,
        aggregator="sum",
        help="Recipients matching at the start of the run that the mailing had never "
        "reached.",
    )
    trace_ids = fields.One2many(
        comodel_name="mailing.trace",
        inverse_name="recurrence_run_id",
        string="Traces",
        readonly=True,
    )
    sent_count = fields.Integer(
        string="Sent", compute="_compute_statistics", store=True, aggregator="sum"
    )
    canceled_count = fields.Integer(
        string="Cancelled", compute="_compute_statistics", store=True, aggregator="sum"
    )
    failed_count = fields.Integer(
        string="Failed", compute="_compute_statistics", store=True, aggregator="sum"
    )
    opened_count = fields.Integer(
        string="Opened", compute="_compute_statistics", store=True, aggregator="sum"
    )
    clicked_count = fields.Integer(
        string="Clicked", compute="_compute_statistics", store=True, aggregator="sum"
    )
    replied_count = fields.Integer(
        string="Replied", compute="_compute_statistics", store=True, aggregator="sum"
    )

    # Stored, so that the graph and pivot of runs can sum them; opens, clicks and
    # replies come long after a run and recompute them. Same meanings as the
    # mailing's statistics (mailing.mailing._compute_statistics).
    @api.depends(
        "trace_ids.trace_status",
        "trace_ids.sent_datetime",
        "trace_ids.links_click_datetime",
    )
    def _compute_statistics(self):
        Trace = self.env["mailing.trace"]
        runs = [("recurrence_run_id", "in", self.ids)]
        by_status = {
            (run.id, status): count
            for run, status, count in Trace._read_group(
                runs, ["recurrence_run_id", "trace_status"], ["__count"]
            )
        }
        sent = dict(
            Trace._read_group(
                runs + [("sent_datetime", "!=", False)],
                ["recurrence_run_id"],
                ["__count"],
            )
        )
        clicked = dict(
            Trace._read_group(
                runs + [("links_click_datetime", "!=", False)],
                ["recurrence_run_id"],
                ["__count"],
            )
        )
        for run in self:
            count = {
                status: by_status.get((run.id, status), 0)
                for status in ("open", "reply", "bounce", "error", "cancel")
            }
            run.sent_count = sent.get(run, 0)
            run.opened_count = count["open"] + count["reply"]
            run.replied_count = count["reply"]
            run.canceled_count = count["cancel"]
            run.failed_count = count["error"] + count["bounce"]
            run.clicked_count = clicked.get(run, 0)
