# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_nurture_sequence import RUNNING_STATES

# Ten years: expiry dates stay readable dates (a lifetime of millions of days would
# date them past the year 9999, or overflow the database's dates).
MAX_LIFETIME_DAYS = 3650


class CrmTag(models.Model):
    _inherit = "crm.tag"

    lifetime_days = fields.Integer(
        string="Lifetime (days)",
        default=0,
        help="Days after which the tag is removed from a lead it was put on, at most "
        "3650 (ten years); 0 means it never expires. The lead's counter for the tag is "
        "kept, so "
        "putting the tag back later counts one more.",
    )
    lead_present_count = fields.Integer(
        string="Leads Now",
        compute="_compute_lead_counts",
        groups="sales_team.group_sale_salesman",
        help="Leads, archived ones included, that carry the tag now.",
    )
    lead_ever_count = fields.Integer(
        string="Leads Ever",
        compute="_compute_lead_counts",
        groups="sales_team.group_sale_salesman",
        help="Leads, archived ones included, that ever carried the tag.",
    )

    def _compute_lead_counts(self):
        groups = self.env["crm.lead.tag.stat"]._read_group(
            [("tag_id", "in", self.ids)],
            ["tag_id", "is_present"],
            ["__count"],
        )
        present, ever = {}, {}
        for tag, is_present, count in groups:
            ever[tag.id] = ever.get(tag.id, 0) + count
            if is_present:
                present[tag.id] = count
        for tag in self:
            tag.lead_present_count = present.get(tag.id, 0)
            tag.lead_ever_count = ever.get(tag.id, 0)

    @api.constrains("lifetime_days")
    def _check_lifetime_days(self):
        for tag in self:
            if tag.lifetime_days < 0:
                raise ValidationError(
                    self.env._(
                        "The lifetime of tag %(tag)s cannot be negative: use 0 for a "
                        "tag that never expires, or a number of days.",
                        tag=tag.name,
                    )
                )
            if tag.lifetime_days > MAX_LIFETIME_DAYS:
                raise ValidationError(
                    self.env._(
                        "The lifetime of tag %(tag)s is %(days)s days: use 0 for a tag "
                        "that never expires, or at most %(max)s days (ten years).",
                        tag=tag.name,
                        days=tag.lifetime_days,
                        max=MAX_LIFETIME_DAYS,
                    )
                )

    def write(self, vals):
        res = super().write(vals)
        if "lifetime_days" in vals:
            self._apply_lifetime_change()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_nurture_use(self):
        """Tags a running or paused sequence adds, removes, enrolls or succeeds on
        stay: without them its steps and rules would silently do nothing. A draft
        is checked again when it starts."""
        Sequence = (
            self.env["crm.nurture.sequence"].sudo().with_context(active_test=False)
        )
        steps = (
            self.env["crm.nurture.step"]
            .sudo()
            .search(
                [
                    ("action", "in", ("add_tags", "remove_tags")),
                    ("tag_ids", "in", self.ids),
                    ("sequence_id.state", "in", RUNNING_STATES),
                ]
            )
        )
        sequences = Sequence.search(
            [
                ("state", "in", RUNNING_STATES),
                "|",
                ("enroll_tag_ids", "in", self.ids),
                ("success_tag_ids", "in", self.ids),
            ]
        )
        Sequence._raise_if_in_use(self, steps, sequences)

    def unlink(self):
        self.env["crm.lead.tag.count"]._delete_for(tags=self)
        return super().unlink()

    def _apply_lifetime_change(self):
        """Re-date the expiry of the leads carrying these tags, and wake the expiry
        job in case some expiry moved into the past."""
        self.env["crm.lead.tag.stat"]._update_expiry_dates(self)
        cron = self.env.ref(
            "mass_mailing_crm_nurture.ir_cron_expire_lead_tags",
            raise_if_not_found=False,
        )
        if cron:
            cron._trigger()

    def action_view_tag_stats(self):
        """Open the lead counters of this tag."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mass_mailing_crm_nurture.crm_lead_tag_stat_action"
        )
        action["domain"] = [("tag_id", "=", self.id)]
        action["context"] = {"search_default_filter_present": 1}
        return action
