# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import models

from ..engagement_signal import HUMAN


class MailingTrace(models.Model):
    """Points of the engagement score where the addon records what a person did
    with an email: their first open (a click or a reply is also the open), each
    click, each reply. Machines' opens and clicks earn nothing."""

    _inherit = "mailing.trace"

    def _record_signal(self, event, kind, count=1):
        if kind != HUMAN or not self:
            return super()._record_signal(event, kind, count=count)
        unopened = self._engagement_unopened()
        res = super()._record_signal(event, kind, count=count)
        self._engagement_score(unopened, event == "click" and self)
        return res

    def set_replied(self, domain=None):
        before = self + (self.search(domain) if domain else self.browse())
        unopened = before._engagement_unopened()
        traces = super().set_replied(domain=domain)
        self._engagement_score(unopened, replied=traces)
        return traces

    def _engagement_unopened(self):
        """These emails, those no person opened yet (their open earns points)."""
        return self.filtered(lambda trace: not trace._nurture_event_happened("open"))

    def _engagement_score(self, opened, clicked=None, replied=None):
        """Points for the leads of these emails, in one update: an open for
        ``opened``, a click for ``clicked``, a reply for ``replied``."""
        Lead = self.env["crm.lead"]
        by_lead = defaultdict(float)
        for traces, event in ((opened, "open"), (clicked, "click"), (replied, "reply")):
            if not traces:
                continue
            points = Lead._engagement_points(event)
            for trace in traces:
                if trace.model == "crm.lead" and trace.res_id:
                    by_lead[trace.res_id] += points
        Lead.sudo()._engagement_add_points(by_lead)
