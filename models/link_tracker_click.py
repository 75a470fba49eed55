# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, models
from odoo.http import request

_logger = logging.getLogger(__name__)

# Link scanners of mail gateways and scripts, on top of Odoo's list of bots
# (ir.http.bots): they open every link of an email before the reader does.
LINK_SCANNERS = (
    "safelinks",
    "proofpoint",
    "mimecast",
    "barracuda",
    "scanner",
    "python-requests",
    "go-http-client",
    "okhttp",
    "headlesschrome",
)


class LinkTrackerClick(models.Model):
    _inherit = "link.tracker.click"

    @api.model
    def add_click(self, code, **route_values):
        click = super().add_click(code, **route_values)
        if click and click.mailing_trace_id and not self._is_click_from_robot():
            click._apply_click_tag_rules()
        return click

    @api.model
    def _is_click_from_robot(self):
        """Whether the current request comes from a bot or a link scanner."""
        if not request or not getattr(request, "httprequest", None):
            return False
        agent = (request.httprequest.user_agent.string or "").lower()
        if not agent:
            return True
        robots = tuple(self.env["ir.http"].bots) + LINK_SCANNERS
        return any(robot in agent for robot in robots)

    def _apply_click_tag_rules(self):
        """Run the mailing's link rules that match the clicked URL. A failing rule
        is logged and undone: the visitor is redirected all the same."""
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
