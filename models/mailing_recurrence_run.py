# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# The run's statistics, summed per group from the computed values.
STATISTICS_SUMS = {
    f"{fname}:sum"
    for fname in (
        "sent_count",
        "canceled_count",
        "failed_count",
        "opened_count",
        "clicked_count",
        "replied_count",
    )
}


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
        string="Sent", compute="_compute_statistics", aggregator="sum"
    )
    canceled_count = fields.Integer(
        string="Cancelled", compute="_compute_statistics", aggregator="sum"
    )
    failed_count = fields.Integer(
        string="Failed", compute="_compute_statistics", aggregator="sum"
    )
    opened_count = fields.Integer(
        string="Opened", compute="_compute_statistics", aggregator="sum"
    )
    clicked_count = fields.Integer(
        string="Clicked", compute="_compute_statistics", aggregator="sum"
    )
    replied_count = fields.Integer(
        string="Replied", compute="_compute_statistics", aggregator="sum"
    )

    # Counted from the traces when read, as the mailing's statistics are (same
    # meanings: mailing.mailing._compute_statistics), never stored: stored, every
    # email the queue sent and every open or click over HTTP rewrote the run's
    # row, one row that the mail queue and the tracking requests of a run update
    # at once (a serialization failure aborted the queue's call after the relay
    # had accepted an email, sent again by the next call), and each email counted
    # all the run's traces again. Sums (list, graph, pivot): _read_group_select.
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

    def _read_group_select(self, aggregate_spec, query):
        # The statistics are not stored: the runs of each group, then their sum.
        if aggregate_spec in STATISTICS_SUMS:
            return super()._read_group_select("id:recordset", query)
        return super()._read_group_select(aggregate_spec, query)

    def _read_group_postprocess_aggregate(self, aggregate_spec, raw_values):
        if aggregate_spec in STATISTICS_SUMS:
            fname = aggregate_spec.split(":")[0]
            column = list(
                super()._read_group_postprocess_aggregate("id:recordset", raw_values)
            )
            # One computation for the runs of all the groups.
            run_ids = sorted({run.id for runs in column for run in runs})
            self.browse(run_ids).mapped(fname)
            return (sum(runs.mapped(fname)) for runs in column)
        return super()._read_group_postprocess_aggregate(aggregate_spec, raw_values)
