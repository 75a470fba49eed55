# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError


class MailingClickTagRule(models.Model):
    """What a click on a mailing's link does to the recipient: tags added to the
    lead that clicked (through the lead's normal write, so tag counters and
    lifetimes apply), and optionally the clicker's email put on a mailing list."""

    _name = "mailing.click.tag.rule"
    _description = "Mailing Link Click Rule"
    _order = "mailing_id, sequence, id"

    sequence = fields.Integer(default=10)
    mailing_id = fields.Many2one(
        comodel_name="mailing.mailing",
        string="Mailing",
        required=True,
        index=True,
        ondelete="cascade",
    )
    url_match = fields.Selection(
        selection=[
            ("any", "Any link"),
            ("contains", "URL contains"),
            ("exact", "Exact URL"),
        ],
        string="Links",
        default="any",
        required=True,
    )
    url_pattern = fields.Char(
        string="URL",
        help="Text the clicked URL contains, or the whole URL, as written in the "
        "mailing (before tracking parameters are added).",
    )
    tag_ids = fields.Many2many(
        comodel_name="crm.tag",
        relation="mailing_click_tag_rule_crm_tag_rel",
        column1="rule_id",
        column2="tag_id",
        string="Add Tags",
        help="Added to the lead that clicked, archived (lost) leads included.",
    )
    mailing_list_id = fields.Many2one(
        comodel_name="mailing.list",
        string="Add to List",
        ondelete="set null",
        help="The clicker's email is put on this list, unless it unsubscribed from it.",
    )

    @api.constrains("url_match", "url_pattern", "tag_ids", "mailing_list_id")
    def _check_rule(self):
        for rule in self:
            if rule.url_match != "any" and not (rule.url_pattern or "").strip():
                raise ValidationError(
                    self.env._("Say which URL the link rule looks for.")
                )
            if not rule.tag_ids and not rule.mailing_list_id:
                raise ValidationError(
                    self.env._("A link rule adds tags, puts on a list, or both.")
                )

    def _matches(self, url):
        self.ensure_one()
        url = (url or "").strip()
        pattern = (self.url_pattern or "").strip()
        if self.url_match == "contains":
            return pattern.lower() in url.lower()
        if self.url_match == "exact":
            return url.rstrip("/") == pattern.rstrip("/")
        return True

    def _apply_to_trace(self, trace):
        """Apply these rules to the document ``trace`` points to (deleted documents
        are skipped)."""
        tags = self.tag_ids
        if tags and trace.model == "crm.lead":
            lead = self.env["crm.lead"].browse(trace.res_id).exists()
            if lead:
                lead.write({"tag_ids": [Command.link(tag.id) for tag in tags]})
        lists = self.mailing_list_id
        email = trace.email
        if lists and email:
            self._subscribe_email(email, lists)

    def _subscribe_email(self, email, lists):
        Contact = self.env["mailing.contact"]
        contact = Contact.search([("email_normalized", "=", email)], limit=1)
        if not contact:
            Contact.create(
                {
                    "email": email,
                    "subscription_ids": [
                        Command.create({"list_id": mailing_list.id})
                        for mailing_list in lists
                    ],
                }
            )
            return
        known = contact.subscription_ids.list_id
        # An existing subscription is left as it is: an opt-out stays an opt-out.
        contact.write(
            {
                "subscription_ids": [
                    Command.create({"list_id": mailing_list.id})
                    for mailing_list in lists - known
                ]
            }
        )
