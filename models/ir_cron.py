# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .. import compat, cron_budget


class IrCron(models.Model):
    _inherit = "ir.cron"

    @classmethod
    def _run_job(cls, job):
        """One run of a scheduled action (Odoo calls it again and again while it
        reports work left): the engines' time budgets count from its start, for
        all those calls together, as the worker's time limit does."""
        with cron_budget.job_run():
            return super()._run_job(job)

    @classmethod
    def _process_job(cls, *args):
        """One action of a cron poll (all the poll's actions run one after the
        other, timed together by Odoo's watchdog): the engines' budgets count
        from the start of the poll."""
        cron_budget.poll_job(compat.cron_poll_cursor(args))
        return super()._process_job(*args)
