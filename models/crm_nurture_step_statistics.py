# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL, float_round

# Each number of a step, as a condition on its traces (SQL, for the counts) and as
# a domain on the same traces (for the list of participants behind the number).
# Email numbers follow Odoo's mailing statistics: "opened" counts opened and
# replied emails (a click marks the email opened), "sent" the emails that left.
STEP_METRICS = {
    "scheduled": (
        SQL("trace.state = 'scheduled'"),
        [("state", "=", "scheduled")],
    ),
    "retrying": (
        SQL("trace.state = 'scheduled' AND trace.attempt_count > 0"),
        [("state", "=", "scheduled"), ("attempt_count", ">", 0)],
    ),
    "done": (
        SQL("trace.state = 'done'"),
        [("state", "=", "done")],
    ),
    "skipped": (
        SQL("trace.state IN ('skipped', 'cancelled')"),
        [("state", "in", ("skipped", "cancelled"))],
    ),
    "failed": (
        SQL("trace.state = 'failed'"),
        [("state", "=", "failed")],
    ),
    "sent": (
        SQL("mail.sent_datetime IS NOT NULL"),
        [("mailing_trace_id.sent_datetime", "!=", False)],
    ),
    # Emails that never reached the recipient: an exception (no mail server, refused
    # by it) or cancelled (blacklisted, invalid address); the reason is on each
    # participant's last email.
    "undelivered": (
        SQL("mail.trace_status IN ('error', 'cancel')"),
        [("mailing_trace_id.trace_status", "in", ("error", "cancel"))],
    ),
    # Opens and clicks of a person (see engagement_signal): a click or a reply is
    # also an open; machines' are counted apart, below.
    "opened": (
        SQL(
            "(mail.human_open_datetime IS NOT NULL"
            " OR mail.human_click_datetime IS NOT NULL"
            " OR mail.trace_status = 'reply')"
        ),
        [
            "|",
            "|",
            ("mailing_trace_id.human_open_datetime", "!=", False),
            ("mailing_trace_id.human_click_datetime", "!=", False),
            ("mailing_trace_id.trace_status", "=", "reply"),
        ],
    ),
    "ignored": (
        SQL(
            "mail.trace_status IN ('sent', 'open')"
            " AND mail.human_open_datetime IS NULL"
            " AND mail.human_click_datetime IS NULL"
        ),
        [
            ("mailing_trace_id.trace_status", "in", ("sent", "open")),
            ("mailing_trace_id.human_open_datetime", "=", False),
            ("mailing_trace_id.human_click_datetime", "=", False),
        ],
    ),
    "clicked": (
        SQL("mail.human_click_datetime IS NOT NULL"),
        [("mailing_trace_id.human_click_datetime", "!=", False)],
    ),
    "replied": (
        SQL("mail.trace_status = 'reply'"),
        [("mailing_trace_id.trace_status", "=", "reply")],
    ),
    "bounced": (
        SQL("mail.trace_status = 'bounce'"),
        [("mailing_trace_id.trace_status", "=", "bounce")],
    ),
    "machine_opened": (
        SQL("mail.machine_open_count > 0"),
        [("mailing_trace_id.machine_open_count", ">", 0)],
    ),
    "machine_clicked": (
        SQL("mail.machine_click_count > 0"),
        [("mailing_trace_id.machine_click_count", ">", 0)],
    ),
    # Recipients whose only opens were a privacy proxy's prefetch: whether they
    # open cannot be seen (their clicks can).
    "proxy_hidden": (
        SQL(
            "mail.proxy_open_datetime IS NOT NULL"
            " AND mail.human_open_datetime IS NULL"
            " AND mail.human_click_datetime IS NULL"
            " AND mail.trace_status <> 'reply'"
        ),
        [
            ("mailing_trace_id.proxy_open_datetime", "!=", False),
            ("mailing_trace_id.human_open_datetime", "=", False),
            ("mailing_trace_id.human_click_datetime", "=", False),
            ("mailing_trace_id.trace_status", "!=", "reply"),
        ],
    ),
}


def count_columns(metrics):
    """One ``COUNT(*) FILTER (WHERE condition) AS metric`` per metric of
    ``metrics`` (metric -> (SQL condition, domain)): all numbers in one pass."""
    return SQL(", ").join(
        SQL("COUNT(*) FILTER (WHERE %s) AS %s", condition, SQL.identifier(metric))
        for metric, (condition, _domain) in metrics.items()
    )


class CrmNurtureStep(models.Model):
    """Live numbers of a step, test runs left out, each one click away from the
    participants behind it."""

    _inherit = "crm.nurture.step"

    scheduled_count = fields.Integer(
        string="Scheduled",
        compute="_compute_statistics",
        help="Participants waiting for it.",
    )
    done_count = fields.Integer(string="Done", compute="_compute_statistics")
    skipped_count = fields.Integer(
        string="Skipped",
        compute="_compute_statistics",
        help="Branch not taken, or the participation ended before the step.",
    )
    retrying_count = fields.Integer(
        string="Retrying",
        compute="_compute_statistics",
        help="Participants for whom the step failed and will be tried again later.",
    )
    failed_count = fields.Integer(
        string="Failed",
        compute="_compute_statistics",
        help="Participants for whom the step failed at every attempt: they left the "
        "sequence and its next steps never ran.",
    )
    sent_count = fields.Integer(string="Sent", compute="_compute_statistics")
    undelivered_count = fields.Integer(
        string="Not Delivered",
        compute="_compute_statistics",
        help="Emails that did not reach the participant: an exception when sending "
        "(no mail server, refused by it) or cancelled (blacklisted, invalid or "
        "missing address). The reason is on the participant's last email.",
    )
    opened_count = fields.Integer(
        string="Opened",
        compute="_compute_statistics",
        help="Opened by the person: privacy proxies' prefetches, scanners and "
        "robots left out (counted apart). A click or a reply is also an open.",
    )
    ignored_count = fields.Integer(
        string="Ignored",
        compute="_compute_statistics",
        help="Delivered, neither opened nor clicked by the person.",
    )
    clicked_count = fields.Integer(
        string="Clicked",
        compute="_compute_statistics",
        help="Clicked by the person: link scanners and robots left out (counted "
        "apart).",
    )
    machine_opened_count = fields.Integer(
        string="Opened by Machines",
        compute="_compute_statistics",
        help="Emails whose images a machine fetched: a privacy proxy's prefetch "
        "(Apple Mail), a scanner, a robot. Not counted as opened.",
    )
    machine_clicked_count = fields.Integer(
        string="Clicked by Machines",
        compute="_compute_statistics",
        help="Emails whose links a machine opened: a security scanner, a robot, a "
        "click seconds after delivery, every link at once. Not counted as clicked.",
    )
    proxy_hidden_count = fields.Integer(
        string="Opens Hidden by a Privacy Proxy",
        compute="_compute_statistics",
        help="Recipients whose only opens were a privacy proxy's prefetch (Apple "
        "Mail's privacy protection): whether they open cannot be seen, their "
        "clicks can. Branch on clicks rather than opens for them.",
    )
    replied_count = fields.Integer(string="Replied", compute="_compute_statistics")
    bounced_count = fields.Integer(string="Bounced", compute="_compute_statistics")
    open_branch_hidden_count = fields.Integer(
        string="Opens Hidden Before This Branch",
        compute="_compute_open_branch_hidden_count",
        help="For a step branching on the previous email being opened or not: the "
        "recipients of that email whose opens a privacy proxy hides.",
    )
    opened_ratio = fields.Float(string="Opened (%)", compute="_compute_statistics")
    clicked_ratio = fields.Float(string="Clicked (%)", compute="_compute_statistics")
    ignored_ratio = fields.Float(string="Ignored (%)", compute="_compute_statistics")

    def _compute_statistics(self):
        counts = self._read_statistics()
        for step in self:
            values = counts.get(step._origin.id, {})
            values = {metric: values.get(metric, 0) for metric in STEP_METRICS}
            step.update({f"{metric}_count": count for metric, count in values.items()})
            sent = values["sent"] or 1
            step.opened_ratio = float_round(100.0 * values["opened"] / sent, 2)
            step.clicked_ratio = float_round(100.0 * values["clicked"] / sent, 2)
            step.ignored_ratio = float_round(100.0 * values["ignored"] / sent, 2)

    @api.depends("trigger", "parent_id")
    def _compute_open_branch_hidden_count(self):
        on_opens = self.filtered(lambda s: s.trigger in ("opened", "not_opened"))
        (self - on_opens).open_branch_hidden_count = 0
        for step in on_opens:
            step.open_branch_hidden_count = step.parent_id.proxy_hidden_count

    def _read_statistics(self):
        """Step id -> metric -> number of real participants, in one query of the
        tally the database keeps (see crm.nurture.step.tally)."""
        step_ids = [step_id for step_id in self._origin.ids if step_id]
        if not step_ids:
            return {}
        return self.env["crm.nurture.step.tally"]._read(step_ids)

    def _read_statistics_live(self):
        """``_read_statistics`` counted from the step traces themselves: what the
        tally must always equal (a pass over all the steps' traces)."""
        step_ids = [step_id for step_id in self._origin.ids if step_id]
        if not step_ids:
            return {}
        self.env["crm.nurture.trace"].flush_model()
        self.env["mailing.trace"].flush_model()
        columns = count_columns(STEP_METRICS)
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT trace.step_id, %s
                  FROM crm_nurture_trace trace
                  LEFT JOIN mailing_trace mail ON mail.id = trace.mailing_trace_id
                 WHERE trace.step_id = ANY(%s) AND trace.is_test IS NOT TRUE
                 GROUP BY trace.step_id
                """,
                columns,
                step_ids,
            )
        )
        return {row.pop("step_id"): row for row in rows}

    def _get_participant_domain(self, metric):
        """The real participants counted in ``metric`` of this step."""
        self.ensure_one()
        trace_domain = [("step_id", "=", self.id), *STEP_METRICS[metric][1]]
        return [("is_test", "=", False), ("trace_ids", "any", trace_domain)]

    def action_view_participants(self, metric=None):
        """The participants behind one number of the step (``metric``, or the
        ``nurture_metric`` of the context for buttons)."""
        self.ensure_one()
        metric = metric or self.env.context.get("nurture_metric", "done")
        if metric not in STEP_METRICS:
            raise ValueError(f"Unknown step metric {metric!r}")
        label = self._fields[f"{metric}_count"]._description_string(self.env)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("%(step)s: %(metric)s", step=self.name, metric=label),
            "res_model": "crm.nurture.participant",
            "view_mode": "list,kanban,form",
            # Called from the flow picture too, where no server cleans the action.
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": self._get_participant_domain(metric),
            "context": {"create": False},
        }
