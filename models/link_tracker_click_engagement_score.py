# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from ..engagement_signal import HUMAN


class LinkTrackerClick(models.Model):
    _inherit = "link.tracker.click"

    def _reclassify_burst(self, click_ids):
        # Clicks taken for a person's were a scanner's: their points go, and the
        # open they stood for when nothing else opened the email.
        earlier = self.browse(click_ids).filtered(lambda c: c.signal_kind == HUMAN)
        trace = self.mailing_trace_id
        was_opened = bool(earlier) and trace._nurture_event_happened("open")
        res = super()._reclassify_burst(click_ids)
        if earlier and trace.model == "crm.lead" and trace.res_id:
            Lead = self.env["crm.lead"]
            points = Lead._engagement_points("click") * len(earlier)
            if was_opened and not trace._nurture_event_happened("open"):
                points += Lead._engagement_points("open")
            Lead.sudo()._engagement_add_points({trace.res_id: -points})
        return res
