# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import file_open

from ..retry import CONCURRENCY_ERRORS

NURTURE_KEY = "nurture_trace_by_lead"


class MailingMailing(models.Model):
    """Nurture steps send their emails through Odoo's mass-mailing composer."""

    _inherit = "mailing.mailing"

    nurture_step_ids = fields.One2many(
        comodel_name="crm.nurture.step",
        inverse_name="mailing_id",
        string="Nurture Steps",
        groups="mass_mailing_crm_nurture.group_nurture_user",
    )
    # Stored, hence computed as superuser: every Email Marketing user opens mailing
    # forms and puts mailings in the queue, most without rights on nurture steps;
    # they see the sequence's name only (Odoo reads a many2one's name as superuser).
    nurture_sequence_id = fields.Many2one(
        comodel_name="crm.nurture.sequence",
        string="Nurture Sequence",
        compute="_compute_nurture_sequence_id",
        store=True,
        index="btree_not_null",
        help="The sequence whose step sends this email, to its participants only.",
    )

    @api.depends("nurture_step_ids.sequence_id")
    def _compute_nurture_sequence_id(self):
        for mailing in self:
            mailing.nurture_sequence_id = mailing.nurture_step_ids[:1].sequence_id

    @api.ondelete(at_uninstall=False)
    def _unlink_except_nurture_step(self):
        """A step's email (of a running sequence, a draft or a template) is kept
        while its step exists: deleted alone, the step would have nothing to send."""
        steps = self.sudo().nurture_step_ids
        self.env["crm.nurture.sequence"]._raise_if_in_use(
            self, steps, self.env["crm.nurture.sequence"]
        )

    # A step's email leaves as participants reach the step: sending or scheduling
    # it as a campaign would reach nobody and mark it sent.
    def action_put_in_queue(self):
        self._check_not_nurture_step()
        return super().action_put_in_queue()

    def action_schedule(self):
        self._check_not_nurture_step()
        return super().action_schedule()

    def _check_not_nurture_step(self):
        mailing = self.filtered("nurture_sequence_id")[:1]
        if mailing:
            raise UserError(
                self.env._(
                    "%(mailing)s is the email of a step of the nurture sequence "
                    "%(sequence)s: it leaves as participants reach the step.",
                    mailing=mailing.subject,
                    sequence=mailing.nurture_sequence_id.sudo().name,
                )
            )

    def _nurture_send(self, res_ids):
        """Send this step's email to the leads ``res_ids``, inside the caller's
        transaction.

        The same composer as ``_action_send_mail`` (blacklist, opt-out, invalid
        emails, traces, link tracking), without its commits: the nurture engine
        marks the step done, queues the emails and schedules the next steps in one
        transaction, so that a crash never sends a step twice nor loses one.
        """
        self.ensure_one()
        mailing = self._with_responsible_context()
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                active_ids=res_ids,
                default_composition_mode="mass_mail",
                **mailing._get_mass_mailing_context(),
            )
            .create(mailing._prepare_nurture_composer_values())
        )
        composer._action_send_mail(auto_commit=False)
        self._mark_nurture_sent()
        # Out in a moment, once the caller commits, without waiting for the
        # hourly mail queue.
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    def _mark_nurture_sent(self):
        """Show the step's email as sent, from its first send on.

        The mailing is shared by every batch of the step, run by any number of
        processes at once: only a batch that finds it not sent yet and not being
        marked by another one writes it, and a conflict means another batch did
        it (a write on the shared row at each batch would make concurrent batches
        fail)."""
        if self.state == "done":
            return
        self.flush_recordset(["state", "sent_date"])
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """
                    UPDATE mailing_mailing SET state = 'done', sent_date = %s
                     WHERE id IN (SELECT id FROM mailing_mailing
                                   WHERE id = %s AND state != 'done'
                                     FOR NO KEY UPDATE SKIP LOCKED)
                    """,
                    [self.env.cr.now(), self.id],
                    log_exceptions=False,  # a conflict is expected, and handled
                )
        except CONCURRENCY_ERRORS:
            return  # another batch marked it since this one started
        self.invalidate_recordset(["state", "sent_date"])

    def _nurture_send_test(self, lead, email_to):
        """Send this step's email, rendered for ``lead``, to the test address
        ``email_to`` only: no mailing trace, so the mailing's statistics stay
        those of real participants (as Odoo's own "Test" of a mailing)."""
        self.ensure_one()
        body = self._render_field("body_html", lead.ids, compute_lang=False)[lead.id]
        preview = self._render_field("preview", lead.ids, compute_lang=False)[lead.id]
        subject = self._render_field("subject", lead.ids, compute_lang=False)[lead.id]
        full_body = self.env["mail.render.mixin"]._replace_local_links(
            self._prepend_preview(Markup(body), preview)
        )
        with file_open(
            "mass_mailing/static/src/scss/mass_mailing_mail.scss", "r"
        ) as fd:
            styles = fd.read()
        self.env["mail.mail"].sudo().create(
            {
                "email_from": self.email_from,
                "reply_to": self.reply_to,
                "email_to": email_to,
                "subject": self.env._("[TEST] %(subject)s", subject=subject),
                "body_html": self.env["ir.qweb"]._render(
                    "mass_mailing.mass_mailing_mail_layout",
                    {
                        "body": full_body,
                        "mailing_style": Markup(f"<style>{styles}</style>"),
                    },
                    minimal_qcontext=True,
                ),
                "is_notification": True,
                "mailing_id": self.id,
                "attachment_ids": [
                    (4, attachment.id) for attachment in self.attachment_ids
                ],
                "mail_server_id": self.mail_server_id.id,
                "auto_delete": True,
            }
        )
        # Out in a moment, without waiting for the hourly mail queue.
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    def _prepare_nurture_composer_values(self):
        # As mailing.mailing._action_send_mail.
        values = {
            "auto_delete": not self.keep_archives,
            "auto_delete_keep_log": self.reply_to_mode == "update",
            "author_id": self.env.user.partner_id.id,
            "attachment_ids": [
                (4, attachment.id) for attachment in self.attachment_ids
            ],
            "body": self._prepend_preview(self.body_html or "", self.preview),
            "composition_mode": "mass_mail",
            "email_from": self.email_from,
            # Queued, never sent from inside the step's transaction: an email sent
            # by SMTP cannot be taken back if that transaction is rolled back.
            "force_send": False,
            "mail_server_id": self.mail_server_id.id,
            "mass_mailing_id": self.id,
            "model": self.mailing_model_real,
            "record_name": False,
            "reply_to_force_new": self.reply_to_mode == "new",
            "subject": self.subject,
            "template_id": False,
        }
        if self.reply_to_mode == "new":
            values["reply_to"] = self.reply_to
        return values

    def _get_seen_list(self):
        # A lead that takes a sequence again gets its emails again.
        if self.env.context.get(NURTURE_KEY):
            return set()
        return super()._get_seen_list()
