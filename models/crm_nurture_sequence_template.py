# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmNurtureSequence(models.Model):
    """Templates: ready-made sequences that are copied, never run. A copy of a
    sequence has the same tree of steps, each with its own copy of the email."""

    _inherit = "crm.nurture.sequence"

    is_template = fields.Boolean(
        string="Template",
        copy=False,
        help="A ready-made sequence: use it to make your own; it never runs.",
    )
    description = fields.Text(
        translate=True, help="What the sequence does and how to use it."
    )

    def action_use_template(self):
        self.ensure_one()
        # The one who makes it is responsible for it (templates belong to nobody).
        sequence = self.copy({"name": self.name, "user_id": self.env.user.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.nurture.sequence",
            "res_id": sequence.id,
            "view_mode": "form",
            "target": "current",
        }

    def _start(self):
        if any(self.mapped("is_template")):
            raise UserError(
                self.env._(
                    "A template never runs: use it to make a sequence, then start that "
                    "one."
                )
            )
        return super()._start()

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for sequence, vals in zip(self, vals_list, strict=False):
            # Templates are shared by all companies: a copy is the current company's.
            if not vals.get("company_id"):
                vals["company_id"] = sequence.company_id.id or self.env.company.id
        if not (default or {}).get("name"):
            for sequence, vals in zip(self, vals_list, strict=False):
                vals["name"] = self.env._("%(name)s (copy)", name=sequence.name)
        return vals_list

    def copy(self, default=None):
        copies = super().copy(default=default)
        for sequence, sequence_copy in zip(self, copies, strict=False):
            sequence._copy_steps_to(sequence_copy)
        return copies

    def _copy_steps_to(self, target):
        """Copy the tree of steps into ``target``: parents first, so that each copy
        follows the copy of its parent; each email step gets its own email."""
        self.ensure_one()
        copied = {}
        for step in self.step_ids.sorted(lambda s: (s.parent_path or "", s.sequence)):
            mailing = step.mailing_id
            copied[step] = step.copy(
                {
                    "sequence_id": target.id,
                    "parent_id": copied[step.parent_id].id if step.parent_id else False,
                    # Not told by email of each step's mailing (see _create_mailings).
                    "mailing_id": mailing.with_context(
                        mail_auto_subscribe_no_notify=True
                    )
                    .copy(
                        {
                            "subject": mailing.subject,
                            "active": True,
                            "user_id": target.user_id.id,
                        }
                    )
                    .id
                    if mailing
                    else False,
                }
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_running(self):
        if any(sequence.state in ("running", "paused") for sequence in self):
            raise UserError(
                self.env._("Stop a running or paused sequence before deleting it.")
            )
