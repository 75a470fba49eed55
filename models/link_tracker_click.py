# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..engagement_signal import (
    ALL_LINKS,
    ALL_LINKS_SECONDS,
    DEFAULT_TOO_SOON_SECONDS,
    HUMAN,
    REQUEST_KEY,
    SIGNAL_KINDS,
    TOO_SOON_PARAM,
    classify,
)
from .mailing_trace import CLICK_RECORDING_KEY

_logger = logging.getLogger(__name__)


class LinkTrackerClick(models.Model):
    _inherit = "link.tracker.click"

    # Clicks recorded before (or by code, with no request) are a person's.
    signal_kind = fields.Selection(
        selection=SIGNAL_KINDS,
        string="Clicked By",
        default=HUMAN,
        readonly=True,
        help="A person, or the machine that clicked and why: a privacy proxy, a "
        "security scanner, a robot, a click too soon after delivery, every link "
        "of the email clicked at once, or a request without user agent.",
    )
    user_agent = fields.Char(readonly=True)

    @api.model
    def add_click(self, code, **route_values):
        signal = self.env.context.get(REQUEST_KEY)
        if signal is None:
            # Code, with no request: a person's click, as Odoo records it.
            click = super().add_click(code, **route_values)
            if click and click.mailing_trace_id:
                click._apply_click_tag_rules()
            return click
        # Odoo's own setters record the trace's open and click; our signal is
        # recorded after, once the click and its link are known.
        recording = self.with_context(**{CLICK_RECORDING_KEY: True})
        click = super(LinkTrackerClick, recording).add_click(code, **route_values)
        if click and click.mailing_trace_id:
            click = click.with_context(**{CLICK_RECORDING_KEY: False})
            click._record_signal(signal)
        return click

    def _record_signal(self, signal):
        """Classify this click of a tracked email from the route's ``signal``
        (user agent and address): a person's click is the trace's click and open
        and runs the link rules; a machine's is counted apart. Several links of
        the email clicked at once are a scanner's, the earlier clicks of the burst
        included."""
        self.ensure_one()
        trace = self.mailing_trace_id
        kind = self._classify_click(signal)
        burst = self._get_burst_clicks()
        if burst and kind == HUMAN:
            kind = ALL_LINKS
        self.write(
            {"signal_kind": kind, "user_agent": (signal.get("user_agent") or "")[:256]}
        )
        if burst:
            self._reclassify_burst(burst)
        if kind == HUMAN:
            # Also the reader's open (see mailing.trace._nurture_event_happened).
            trace._record_signal("click", HUMAN)
            self._apply_click_tag_rules()
        else:
            trace._record_signal("click", kind)

    def _classify_click(self, signal):
        trace = self.mailing_trace_id
        since = None
        if trace.sent_datetime:
            since = (fields.Datetime.now() - trace.sent_datetime).total_seconds()
        return classify(
            "click",
            signal.get("user_agent"),
            signal.get("address"),
            robots=tuple(getattr(type(self.env["ir.http"]), "bots", ())),
            seconds_since_delivery=since,
            too_soon_seconds=self._get_too_soon_seconds(),
        )

    @api.model
    def _get_too_soon_seconds(self):
        """Seconds after delivery within which a click is a scanner's (setting)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(TOO_SOON_PARAM, DEFAULT_TOO_SOON_SECONDS)
        )
        try:
            return max(int(value), 0)
        except (TypeError, ValueError):
            return DEFAULT_TOO_SOON_SECONDS

    def _get_burst_clicks(self):
        """Ids of the other clicks of this email made within ``ALL_LINKS_SECONDS``
        of this one, when one of them is on another link (one probe of the
        clicks' trace index)."""
        self.ensure_one()
        self.flush_recordset()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id, link_id FROM link_tracker_click
                 WHERE mailing_trace_id = %s AND id <> %s
                   AND create_date >= %s
                """,
                self.mailing_trace_id.id,
                self.id,
                self.create_date - timedelta(seconds=ALL_LINKS_SECONDS),
            )
        )
        if not any(link_id != self.link_id.id for _id, link_id in rows):
            return []
        return [click_id for click_id, _link_id in rows]

    def _reclassify_burst(self, click_ids):
        """The clicks ``click_ids`` counted as a person's were a scanner's opening
        every link: they become machine clicks, and what they set off on the
        email (its person's click, the nurture steps it moved) is withdrawn. Link
        rules they ran stay (their tags were put on the lead)."""
        earlier = self.browse(click_ids).filtered(lambda c: c.signal_kind == HUMAN)
        if not earlier:
            return
        earlier.write({"signal_kind": ALL_LINKS})
        trace = self.mailing_trace_id
        trace._record_signal("click", ALL_LINKS, count=len(earlier))
        self.flush_model(["signal_kind"])
        first_human = self.env.execute_query(
            SQL(
                """
                SELECT MIN(create_date) FROM link_tracker_click
                 WHERE mailing_trace_id = %s AND signal_kind = %s
                """,
                trace.id,
                HUMAN,
            )
        )[0][0]
        trace.human_click_datetime = first_human
        # Even when a person's click still stands: the steps on the links of the
        # burst wait again (each step is looked at again, on what still stands).
        self.env["crm.nurture.trace"]._on_mailing_event_withdrawn(
            trace, since=self.create_date - timedelta(seconds=ALL_LINKS_SECONDS)
        )

    def _apply_click_tag_rules(self):
        """Run the mailing's link rules that match the clicked URL (a person's
        click). A failing rule is logged and undone: the visitor is redirected
        all the same."""
        self.ensure_one()
        rules = self.mass_mailing_id.click_tag_rule_ids.filtered(
            lambda rule: rule._matches(self.link_id.url)
        )
        if not rules:
            return
        try:
            with self.env.cr.savepoint():
                rules._apply_to_trace(self.mailing_trace_id)
        except Exception:
            _logger.exception(
                "Link rules of mailing %s failed for trace %s",
                self.mass_mailing_id.id,
                self.mailing_trace_id.id,
            )
