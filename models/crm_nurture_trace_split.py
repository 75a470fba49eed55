# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class CrmNurtureTrace(models.Model):
    """The engine at a split test step: each participant goes down one variant."""

    _inherit = "crm.nurture.trace"

    def _schedule_variants(self, split, now, parents):
        """Schedule, for the participants of these traces (done at ``split``),
        the one variant each takes (the winner, or the draw): one insert per
        batch for all the variants, as for any step's next steps."""
        chosen = split._split_choose(self.participant_id)
        return self._schedule_pairs(
            [(participant, variant) for participant, variant in chosen.items()],
            now,
            parents=parents,
        )
