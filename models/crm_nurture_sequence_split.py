# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .crm_nurture_step_split import DEFER_KEY


class CrmNurtureSequence(models.Model):
    """Split tests in a sequence: the variants' shares are checked once the
    sequence's whole save is done (its steps' lines are saved one by one)."""

    _inherit = "crm.nurture.sequence"

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get(DEFER_KEY):
            return super().create(vals_list)
        sequences = super(
            CrmNurtureSequence, self.with_context(**{DEFER_KEY: True})
        ).create(vals_list)
        sequences = sequences.with_env(self.env)
        sequences.step_ids._check_split_variants()
        return sequences

    def write(self, vals):
        if self.env.context.get(DEFER_KEY) or "step_ids" not in vals:
            return super().write(vals)
        res = super(CrmNurtureSequence, self.with_context(**{DEFER_KEY: True})).write(
            vals
        )
        self.step_ids._check_split_variants()
        return res

    def _copy_steps_to(self, target):
        # Copied one by one, parents first: a split's variants add up at the end.
        res = super(
            CrmNurtureSequence, self.with_context(**{DEFER_KEY: True})
        )._copy_steps_to(target)
        target.step_ids._check_split_variants()
        return res

    def _start(self):
        self.step_ids._check_split_variants()
        self.step_ids._check_split_settings()
        return super()._start()
