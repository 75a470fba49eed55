# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CrmNurtureStep(models.Model):
    """How often the contact pressure rule held this step's email back."""

    _inherit = "crm.nurture.step"

    pressure_delayed_count = fields.Integer(
        string="Delayed by Pressure",
        compute="_compute_pressure_counts",
        help="Participants whose email waited for a free slot under the contact "
        "pressure rule.",
    )
    pressure_skipped_count = fields.Integer(
        string="Skipped for Pressure",
        compute="_compute_pressure_counts",
        help="Participants whose email was not sent under the contact pressure rule.",
    )

    def _compute_pressure_counts(self):
        counts = self.env["crm.nurture.trace"]._read_pressure_counts(
            "step_id", self._origin.ids
        )
        for step in self:
            values = counts.get(step._origin.id, {})
            step.pressure_delayed_count = values.get("delayed", 0)
            step.pressure_skipped_count = values.get("skipped", 0)
