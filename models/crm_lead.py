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
    # Whether the lead may have tag counters, so that a lead merge costs no query
    # for leads that never had any (most of those Odoo's lead assignment merges):
    # a column of the lead, read with its other columns. Set with the values of a
    # create or write that sets tags (in the lead's own INSERT or UPDATE: no row
    # written twice), else by the statements that make counters
    # (``crm.lead.tag.stat``); never cleared: a lead flagged without counters
    # (its tags only removed, or gone with their tag) costs a merge its statement.
    tag_counted = fields.Boolean(
        string="Has Tag History",
        readonly=True,
        copy=False,
        help="Whether a tag was ever counted on the lead (see Tag History).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get(SKIP_TAG_COUNT):
            vals_list = [
                {**vals, "tag_counted": True} if vals.get("tag_ids") else vals
                for vals in vals_list
            ]
        leads = super().create(vals_list)
        # Tags may come from the values, defaults or computes: look at the result.
        if not self.env.context.get(SKIP_TAG_COUNT):
            self.env["crm.lead.tag.stat"]._record_tag_changes(
                leads._get_tag_pairs(), set()
            )
        return leads

    def write(self, vals):
        if "tag_ids" not in vals or self.env.context.get(SKIP_TAG_COUNT):
            return super().write(vals)
        # The ORM reads the current tags to apply the commands anyway: reading them
        # first only fills its cache, and the tags after the write are in it too.
        before = self._get_tag_pairs()
        res = super().write({**vals, "tag_counted": True})
        after = self._get_tag_pairs()
        self.env["crm.lead.tag.stat"]._record_tag_changes(
            after - before, before - after, leads_flagged=True
        )
        return res

    def unlink(self):
        # Only leads that ever had a counter have counters to delete: none of them,
        # no statement.
        self.env["crm.lead.tag.count"]._delete_for(leads=self.filtered("tag_counted"))
        return super().unlink()

    def _get_tag_pairs(self):
        """(lead id, tag id) of these leads' tags, from the ORM's cache (one query
        for those not in it): going through the field lead by lead costs more
        than the counting itself."""
        self.fetch(["tag_ids"])
        values = list(self.env.cache.get_values(self, self._fields["tag_ids"]))
        if len(values) != len(self):  # some value not cached after all: one by one
            values = [lead.tag_ids._ids for lead in self]
        return {
            (lead_id, tag_id)
            for lead_id, tag_ids in zip(self._ids, values, strict=True)
            for tag_id in tag_ids
        }

    def _merge_dependences(self, opportunities):
        res = super()._merge_dependences(opportunities)
        self.env["crm.lead.tag.stat"]._merge_into(self, opportunities)
        return res

    def _merge_opportunity(
        self, user_id=False, team_id=False, auto_unlink=True, max_length=5
    ):
        # The combined counters already hold the merged leads' tags: the write of the
        # tag union onto the head lead must not count them once more.
        return super(
            CrmLead, self.with_context(**{SKIP_TAG_COUNT: True})
        )._merge_opportunity(
            user_id=user_id,
            team_id=team_id,
            auto_unlink=auto_unlink,
            max_length=max_length,
        )
