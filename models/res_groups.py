# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, models

from .. import compat

# The addon's groups, in the order Email Marketing's user form shows them.
NURTURE_GROUPS = (
    "mass_mailing_crm_nurture.group_nurture_user",
    "mass_mailing_crm_nurture.group_nurture_manager",
)
# Who is a nurture manager from the start: Odoo's own administrators.
MANAGERS = ("base.user_root", "base.user_admin")
# Window actions shown to marketing users only.
MARKETING_ACTIONS = (
    "mass_mailing_crm_nurture.crm_lead_reactivation_wizard_action_selected",
)


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model
    def _nurture_apply_series_values(self):
        """Place the addon's groups among Email Marketing's, make the
        administrators nurture managers and show the lead list's reactivation
        action to marketing users, with the field names of the running series
        (``data/series_data.xml``; see compat.GROUP_FIELDS)."""
        placement_field, placement_ref = compat.GROUP_FIELDS["placement"]
        placement = self.env.ref(placement_ref)
        for sequence, xmlid in enumerate(NURTURE_GROUPS, start=2):
            values = {placement_field: placement.id}
            if "sequence" in self._fields:
                # 19.0 orders a privilege's groups by it (Email Marketing's
                # own group is 10).
                values["sequence"] = sequence * 10
            self.env.ref(xmlid).write(values)
        managers = [self.env.ref(xmlid, raise_if_not_found=False) for xmlid in MANAGERS]
        self.env.ref(NURTURE_GROUPS[-1]).write(
            {
                compat.GROUP_FIELDS["users"]: [
                    Command.link(user.id) for user in managers if user
                ]
            }
        )
        marketing_user = self.env.ref("mass_mailing.group_mass_mailing_user")
        for xmlid in MARKETING_ACTIONS:
            self.env.ref(xmlid).write(
                {
                    compat.GROUP_FIELDS["action_groups"]: [
                        Command.link(marketing_user.id)
                    ]
                }
            )
