# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL, create_index

from ..engagement_signal import (
    HUMAN,
    MACHINE_KINDS,
    PRIVACY_PROXY,
    REQUEST_KEY,
    classify,
)
from ..link_url import normalize_url
from .mailing_mailing_recurrence import RECURRENCE_RUN_KEY

# Context key of a click being recorded: Odoo's open and click setters leave the
# signal to the click, which knows its link and its time.
CLICK_RECORDING_KEY = "engagement_signal_click"


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

    # What a person did, apart from machines (see engagement_signal); Odoo's own
    # fields and status stay as Odoo sets them.
    human_open_datetime = fields.Datetime(
        string="Opened by a Person",
        readonly=True,
        copy=False,
        help="First open of the email by its reader (tracking image fetched by a "
        "person's mail app, or through Gmail's or Yahoo's image proxy, which fetch "
        "when the reader opens). Machine fetches are counted apart.",
    )
    human_click_datetime = fields.Datetime(
        string="Clicked by a Person",
        readonly=True,
        copy=False,
        help="First click on a link of the email by its reader. Clicks of link "
        "scanners and robots are counted apart.",
    )
    proxy_open_datetime = fields.Datetime(
        string="Prefetched by a Privacy Proxy",
        readonly=True,
        copy=False,
        help="When a privacy proxy (Apple Mail's privacy protection) first fetched "
        "the email's images. Opens of the reader through it are not seen.",
    )
    machine_open_count = fields.Integer(
        string="Machine Opens", readonly=True, copy=False
    )
    machine_click_count = fields.Integer(
        string="Machine Clicks", readonly=True, copy=False
    )
    machine_signal = fields.Selection(
        selection=MACHINE_KINDS,
        string="Last Machine Signal",
        readonly=True,
        copy=False,
        help="Why the last open or click that a machine made was not a person's.",
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

    # Email events move nurture participants waiting on them without delay: a
    # person's opens and clicks only, machines' are counted apart.
    def set_opened(self, domain=None):
        traces = super().set_opened(domain=domain)
        if not self.env.context.get(CLICK_RECORDING_KEY):
            traces._record_signal("open", self._get_request_signal("open"))
        return traces

    def set_clicked(self, domain=None):
        traces = super().set_clicked(domain=domain)
        if not self.env.context.get(CLICK_RECORDING_KEY):
            # Without a click record (code, an import): a person's, as a click
            # route's request is classified by the click (link.tracker.click).
            traces._record_signal("click", HUMAN)
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

    @api.model
    def _get_request_signal(self, event):
        """The kind of signal of ``event`` coming from the tracking route's request
        (``HUMAN`` without one: code, an import, a test)."""
        signal = self.env.context.get(REQUEST_KEY)
        if signal is None:
            return HUMAN
        return classify(
            event,
            signal.get("user_agent"),
            signal.get("address"),
            robots=tuple(getattr(type(self.env["ir.http"]), "bots", ())),
        )

    def _record_signal(self, event, kind, count=1):
        """Record an ``event`` (``"open"`` or ``"click"``) of ``kind`` on these
        traces: a person's is dated (its first time) and moves the nurture
        participants waiting on it; a machine's is counted (``count`` times), with
        its reason, in one statement. Override point."""
        if not self:
            return
        if kind == HUMAN:
            fname = f"human_{event}_datetime"
            self.filtered(lambda trace: not trace[fname]).write(
                {fname: fields.Datetime.now()}
            )
            self._notify_nurture(self, event)
            return
        column = f"machine_{event}_count"
        self.flush_recordset([column, "machine_signal", "proxy_open_datetime"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE mailing_trace
                   SET %(column)s = COALESCE(%(column)s, 0) + %(count)s,
                       machine_signal = %(kind)s,
                       proxy_open_datetime = CASE
                           WHEN %(proxy)s THEN COALESCE(proxy_open_datetime, %(now)s)
                           ELSE proxy_open_datetime END
                 WHERE id = ANY(%(ids)s)
                """,
                column=SQL.identifier(column),
                count=count,
                kind=kind,
                proxy=kind == PRIVACY_PROXY,
                now=fields.Datetime.now(),
                ids=self.ids,
            )
        )
        self.invalidate_recordset([column, "machine_signal", "proxy_open_datetime"])

    def _nurture_event_happened(self, event):
        """Whether this email was opened, clicked, replied to or bounced (opens and
        clicks: by a person; a person's click or reply is also their open)."""
        self.ensure_one()
        if event == "open":
            return bool(
                self.human_open_datetime
                or self.human_click_datetime
                or self.trace_status == "reply"
            )
        if event == "click":
            return bool(self.human_click_datetime)
        if event == "reply":
            return self.trace_status == "reply"
        return self.trace_status == "bounce"

    def _nurture_clicked_urls(self):
        """Mailing trace id -> the links of the email its person clicked
        (normalised, see ``link_url.normalize_url``): one query for all these
        emails; machines' clicks left out."""
        if not self:
            return {}
        self.env["link.tracker.click"].flush_model(
            ["mailing_trace_id", "link_id", "signal_kind"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT click.mailing_trace_id, link.url
                  FROM link_tracker_click click
                  JOIN link_tracker link ON link.id = click.link_id
                 WHERE click.mailing_trace_id = ANY(%s) AND click.signal_kind = %s
                """,
                self.ids,
                HUMAN,
            )
        )
        clicked = {trace_id: set() for trace_id in self.ids}
        for trace_id, url in rows:
            clicked[trace_id].add(normalize_url(url))
        return clicked
