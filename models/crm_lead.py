# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models

from .crm_lead_tag_stat import SKIP_TAG_COUNT


class CrmLead(models.Model):
    _inherit = "crm.lead"

    tag_stat_ids = fields.One2many(
        comodel_name="crm.lead.tag.stat",
        inverse_name="lead_id",
        string="Tag History",
        readonly=True,
        help="Every tag ever put on the lead: how many times, first and last time, "
        "whether it is on the lead now and when it expires. Use it in filters, "
        "e.g. Tag History > Times Added >= 3.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        # Tags may come from the values, defaults or computes: look at the result.
        self.env["crm.lead.tag.stat"]._sync_leads(leads, removals=False)
        return leads

    def write(self, vals):
        res = super().write(vals)
        if "tag_ids" in vals:
            adds, removes = self._get_tag_command_effects(vals["tag_ids"])
            self.env["crm.lead.tag.stat"]._sync_leads(
                self, additions=adds, removals=removes
            )
        return res

    @api.model
    def _get_tag_command_effects(self, commands):
        """Whether many2many ``commands`` may add tags, and whether they may remove
        some: a write that only links tags needs no look for removed ones."""
        adds = removes = False
        for command in commands if isinstance(commands, list | tuple) else [None]:
            if not isinstance(command, list | tuple) or not command:
                # Plain ids (or anything unexpected) replace the tags: look both ways.
                return True, True
            if command[0] in (Command.CREATE, Command.LINK):
                adds = True
            elif command[0] in (Command.DELETE, Command.UNLINK, Command.CLEAR):
                removes = True
            elif command[0] == Command.SET:
                adds = removes = True
        return adds, removes

    def _merge_dependences(self, opportunities):
        res = super()._merge_dependences(opportunities)
        self.env["crm.lead.tag.stat"]._merge_into(self, opportunities)
        return res

    def _merge_opportunity(self, user_id=False, team_id=False, auto_unlink=True, max_length=5):
        # The combined counters already hold the merged leads' tags: the write of the
        # tag union onto the head lead must not count them once more.
        return super(
            CrmLead, self.with_context(**{SKIP_TAG_COUNT: True})
        )._merge_opportunity(
            user_id=user_id, team_id=team_id, auto_unlink=auto_unlink, max_length=max_length
        )
