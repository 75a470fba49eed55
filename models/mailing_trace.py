# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import create_index

from .mailing_mailing_recurrence import RECURRENCE_RUN_KEY


class MailingTrace(models.Model):
    _inherit = "mailing.trace"

    # Odoo has no index to find the traces of a document: reactivation credits the
    # mailings a lead received, and large trace tables would be scanned per lead.
    res_id = fields.Many2oneReference(index=True)
    recurrence_run_id = fields.Many2one(
        comodel_name="mailing.recurrence.run",
        string="Recurring Run",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    def init(self):
        res = super().init()
        # Duplicate-email protection of recurring mailings asks, per batch, which
        # emails a mailing already reached (mailing.mailing._get_seen_list).
        create_index(
            self.env.cr,
            "mailing_trace_mass_mailing_id_email_index",
            self._table,
            ["mass_mailing_id", "email"],
            where="email IS NOT NULL",
        )
        return res

    nurture_trace_id = fields.Many2one(
        comodel_name="crm.nurture.trace",
        string="Nurture Step",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # Traces created while a recurring mailing runs belong to that run; those
        # of a nurture step's email, to the participant's step.
        run_id = self.env.context.get(RECURRENCE_RUN_KEY)
        nurture = self.env.context.get("nurture_trace_by_lead") or {}
        for vals in vals_list:
            if run_id:
                vals.setdefault("recurrence_run_id", run_id)
            if nurture and vals.get("model") == "crm.lead":
                vals.setdefault("nurture_trace_id", nurture.get(vals.get("res_id")))
        return super().create(vals_list)

    # Email events move nurture participants waiting on them without delay.
    def set_opened(self, domain=None):
        traces = super().set_opened(domain=domain)
        self._notify_nurture(traces, "open")
        return traces

    def set_clicked(self, domain=None):
        traces = super().set_clicked(domain=domain)
        self._notify_nurture(traces, "click")
        return traces

    def set_replied(self, domain=None):
        traces = super().set_replied(domain=domain)
        self._notify_nurture(traces, "reply")
        return traces

    def set_bounced(self, domain=None, bounce_message=False):
        traces = super().set_bounced(domain=domain, bounce_message=bounce_message)
        self._notify_nurture(traces, "bounce")
        return traces

    def _notify_nurture(self, traces, event):
        nurtured = traces.filtered("nurture_trace_id")
        if nurtured:
            self.env["crm.nurture.trace"]._on_mailing_event(nurtured, event)
            if event in ("click", "reply"):
                # "Clicked" and "replied" may be the sequence's goal: noticed now.
                self.env["crm.nurture.participant"]._check_successes(
                    [("trace_ids.mailing_trace_id", "in", nurtured.ids)]
                )

    def _nurture_event_happened(self, event):
        """Whether this email was opened, clicked, replied to or bounced."""
        self.ensure_one()
        if event == "open":
            return bool(
                self.open_datetime
                or self.links_click_datetime
                or self.trace_status in ("open", "reply")
            )
        if event == "click":
            return bool(self.links_click_datetime)
        if event == "reply":
            return self.trace_status == "reply"
        return self.trace_status == "bounce"
