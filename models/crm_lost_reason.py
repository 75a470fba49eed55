# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .crm_nurture_sequence import RUNNING_STATES


class CrmLostReason(models.Model):
    _inherit = "crm.lost.reason"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_nurture_use(self):
        """A running or paused sequence enrolling the leads lost for a reason keeps
        it: without it, the rule would silently change who joins."""
        Sequence = (
            self.env["crm.nurture.sequence"].sudo().with_context(active_test=False)
        )
        sequences = Sequence.search(
            [
                ("state", "in", RUNNING_STATES),
                ("enroll_lost_reason_ids", "in", self.ids),
            ]
        )
        Sequence._raise_if_in_use(self, self.env["crm.nurture.step"], sequences)
