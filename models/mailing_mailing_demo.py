# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import models

# What became of each email of a demo run, in turn: (status, opened, clicked).
DEMO_OUTCOMES = [
    ("open", True, True),
    ("sent", False, False),
    ("open", True, False),
    ("reply", True, False),
    ("sent", False, False),
    ("open", True, True),
    ("bounce", False, False),
]


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    def _demo_create_recurring_runs(self, runs=4):
        """Demo data: a recurring mailing that already ran ``runs`` times at its
        interval from its start date, each run reaching the leads new since the
        one before, with opens, clicks, replies and a bounce; built as the engine
        leaves it (runs and email traces), without sending anything. The next run
        is the one after the last."""
        self.ensure_one()
        leads = self.env["crm.lead"].search(self._parse_mailing_domain(), order="id")
        size = max(len(leads) // runs, 1)
        Trace = self.env["mailing.trace"]
        date = self.recurrence_start_date
        for index in range(runs):
            if index:
                date = self._get_next_run_date(date)
            chunk = leads[index * size : (index + 1) * size]
            run = self.env["mailing.recurrence.run"].create(
                {
                    "mailing_id": self.id,
                    "scheduled_date": date,
                    "date_start": date,
                    "date_done": date + timedelta(minutes=3),
                    "state": "done",
                    "new_recipient_count": len(chunk),
                }
            )
            values = []
            for position, lead in enumerate(chunk):
                status, opened, clicked = DEMO_OUTCOMES[
                    (position + index) % len(DEMO_OUTCOMES)
                ]
                values.append(
                    {
                        "trace_type": "mail",
                        "model": "crm.lead",
                        "res_id": lead.id,
                        "mass_mailing_id": self.id,
                        "recurrence_run_id": run.id,
                        "email": lead.email_from,
                        "trace_status": status,
                        "sent_datetime": date if status != "bounce" else False,
                        "open_datetime": opened and date + timedelta(hours=5),
                        "links_click_datetime": clicked and date + timedelta(hours=6),
                        "human_open_datetime": opened and date + timedelta(hours=5),
                        "human_click_datetime": clicked and date + timedelta(hours=6),
                    }
                )
            Trace.create(values)
        self.write(
            {
                "state": "recurring",
                "sent_date": date,
                "recurrence_next_date": self._get_next_run_date(date),
            }
        )
