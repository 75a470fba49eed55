# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime

from odoo import api, models
from odoo.tools import split_every

from .. import compat, cron_budget
from ..cron_budget import RunBudget

# Context key: the time budget of the mail queue's run (see process_email_queue).
QUEUE_BUDGET_KEY = "mass_mailing_crm_nurture_queue_budget"
# Emails sent between two looks at the budget: one SMTP round trip and one commit
# each, so a few seconds at most even through a slow relay.
QUEUE_CHUNK_SIZE = 20


class MailMail(models.Model):
    _inherit = "mail.mail"

    @api.model
    def process_email_queue(self, *args, **kwargs):
        """Odoo's mail queue (its scheduled action), within the time budget of the
        scheduled run like the addon's engines (see ``cron_budget``).

        The queue sends up to ``mail.mail.queue.batch.size`` emails per call and
        commits after each one; through a slow relay a call can outlast the cron
        worker's time limit, and the worker killed between the relay's acceptance
        of an email and the commit sends it again on the next run. Stopping in
        time, with the emails left still queued and reported as work left (Odoo
        calls the action again at once), closes that window for the timeouts;
        a crash or a kill -9 in that window is Odoo's and SMTP's (an email cannot
        be taken back). Emails given by id (sent at once by code) are Odoo's."""
        if compat.queue_email_ids(args, kwargs):
            return super().process_email_queue(*args, **kwargs)
        with cron_budget.job_run():
            budget = RunBudget(self.env)
            if not budget.allows():
                budget.hand_over(self.env)
                return None
            result = super(
                MailMail, self.with_context(**{QUEUE_BUDGET_KEY: budget})
            ).process_email_queue(*args, **kwargs)
            # Odoo's own report counts every email of its batch as done once the
            # first is sent: what is really left is what is still queued.
            budget.notify_progress(self.env, remaining=self._count_queued())
            return result

    def _count_queued(self):
        """Emails Odoo's queue would send now (its own selection)."""
        domain = [
            ("state", "=", "outgoing"),
            "|",
            ("scheduled_date", "=", False),
            ("scheduled_date", "<=", datetime.datetime.utcnow()),
        ]
        if "filters" in self.env.context:
            domain.extend(self.env.context["filters"])
        return self.sudo().search_count(domain)

    def _send(self, auto_commit=False, raise_exception=False, **kwargs):
        """Odoo's send, a few emails at a time while the queue's run has budget
        left: an email is never cut mid-way, and the ones not reached stay
        queued for the next call."""
        budget = self.env.context.get(QUEUE_BUDGET_KEY)
        if not budget:
            return super()._send(
                auto_commit=auto_commit, raise_exception=raise_exception, **kwargs
            )
        for chunk in split_every(QUEUE_CHUNK_SIZE, self.ids, self.browse):
            if not budget.allows():
                break
            with budget.batch():
                super(MailMail, chunk)._send(
                    auto_commit=auto_commit, raise_exception=raise_exception, **kwargs
                )
            budget.add_done(len(chunk))
        return True
