# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..retry import CONCURRENCY_ERRORS

NURTURE_KEY = "nurture_trace_by_lead"
# Context keys: asking Odoo's send for its composer; the lead a test renders for.
CAPTURE_COMPOSER_KEY = "nurture_capture_composer"
TEST_RECORD_KEY = "nurture_test_record_id"


class ComposerCaptured(Exception):
    """Stops Odoo's send as it creates its composer, carrying what it would use."""

    def __init__(self, context, values):
        super().__init__()
        self.context = context
        self.values = values


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

        The composer of Odoo's own send (blacklist, opt-out, invalid emails,
        traces, link tracking), without its commits: the nurture engine marks the
        step done, queues the emails and schedules the next steps in one
        transaction, so that a crash never sends a step twice nor loses one.
        """
        self.ensure_one()
        context, values = self._get_nurture_composer_values(res_ids)
        composer = (
            self.env["mail.compose.message"]
            .with_context(**context)
            .create(
                dict(
                    values,
                    # Queued, never sent from inside the step's transaction: an
                    # email sent by SMTP cannot be taken back if that transaction
                    # is rolled back.
                    force_send=False,
                )
            )
        )
        composer._action_send_mail(auto_commit=False)
        self._mark_nurture_sent()
        # Out in a moment, once the caller commits, without waiting for the
        # hourly mail queue.
        self.env.ref("mail.ir_cron_mail_scheduler_action")._trigger()

    def _get_nurture_composer_values(self, res_ids):
        """The context and values of the composer that Odoo's own send
        (``_action_send_mail``) makes for this mailing and ``res_ids``.

        Asked of Odoo's method rather than repeated here, so that its fixes (and
        other addons' extensions) apply; it is stopped as it creates the composer
        (see ``mail.compose.message.create``), before it sends, marks the mailing
        sent or commits, which a step's batch must not do.
        """
        try:
            self.with_context(**{CAPTURE_COMPOSER_KEY: True})._action_send_mail(res_ids)
        except ComposerCaptured as captured:
            context = dict(captured.context)
            context.pop(CAPTURE_COMPOSER_KEY)
            return context, captured.values
        raise UserError(  # an extension of the send that made no composer
            self.env._(
                "The email %(mailing)s could not be composed.", mailing=self.subject
            )
        )

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
        ``email_to`` only, with Odoo's own test send: no mailing trace, so the
        mailing's statistics stay those of real participants; the outcome is
        logged on the mailing. Odoo renders a test for the first record it finds;
        here, for the test's lead (see ``_render_field``)."""
        self.ensure_one()
        wizard = self.env["mailing.mailing.test"].create(
            {"mass_mailing_id": self.id, "email_to": email_to}
        )
        wizard.with_context(**{TEST_RECORD_KEY: lead.id}).send_mail_test()

    def _render_field(self, field, res_ids, *args, **kwargs):
        # A nurture test renders for its lead whatever record Odoo's test send
        # picked, under that record's id, where Odoo reads the result.
        test_id = self.env.context.get(TEST_RECORD_KEY)
        if not test_id or len(res_ids) != 1 or res_ids[0] == test_id:
            return super()._render_field(field, res_ids, *args, **kwargs)
        rendered = super()._render_field(field, [test_id], *args, **kwargs)
        return {res_ids[0]: rendered[test_id]}

    def _get_seen_list(self):
        # A lead that takes a sequence again gets its emails again.
        if self.env.context.get(NURTURE_KEY):
            return set()
        return super()._get_seen_list()
