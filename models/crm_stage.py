# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .crm_nurture_sequence import RUNNING_STATES


class CrmStage(models.Model):
    _inherit = "crm.stage"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_nurture_use(self):
        """A stage a step moves leads to is kept whatever the sequence's state (the
        step would move leads to no stage); one a running sequence aims at as
        success too."""
        Sequence = (
            self.env["crm.nurture.sequence"].sudo().with_context(active_test=False)
        )
        steps = (
            self.env["crm.nurture.step"]
            .sudo()
            .search([("action", "=", "stage"), ("stage_id", "in", self.ids)])
        )
        sequences = Sequence.search(
            [("state", "in", RUNNING_STATES), ("success_stage_id", "in", self.ids)]
        )
        Sequence._raise_if_in_use(self, steps, sequences)
