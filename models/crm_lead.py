# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

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
        leads._count_tag_changes(set())
        return leads

    def write(self, vals):
        if "tag_ids" not in vals or self.env.context.get(SKIP_TAG_COUNT):
            return super().write(vals)
        before = self._get_tag_pairs()
        res = super().write(vals)
        self._count_tag_changes(before)
        return res

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

    def _get_tag_pairs(self):
        """Return the (lead id, tag id) pairs of ``self`` as stored, in one query."""
        if not self.ids:
            return set()
        self.flush_recordset(["tag_ids"])
        self.env.cr.execute(
            "SELECT lead_id, tag_id FROM crm_tag_rel WHERE lead_id = ANY(%s)",
            [self.ids],
        )
        return set(self.env.cr.fetchall())

    def _count_tag_changes(self, before):
        """Record the tags added to and removed from ``self`` since ``before``."""
        if self.env.context.get(SKIP_TAG_COUNT):
            return
        after = self._get_tag_pairs()
        self.env["crm.lead.tag.stat"]._record_tag_changes(after - before, before - after)
