# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from odoo.sql_db import Cursor
from odoo.tests import freeze_time, new_test_user

from odoo.addons.mass_mailing.tests.common import MassMailCommon


class NurtureRecurringCommon(MassMailCommon):
    """Leads to mail, and a marketing user who runs recurring lead mailings."""

    T0 = datetime(2026, 5, 4, 8, 0, 0)  # a Monday

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tz="UTC"))
        # The tests run Odoo's mail queue and count what it sends: from an empty
        # queue (19.0's demo data leaves notifications in it).
        cls.env["mail.mail"].sudo().search([("state", "=", "outgoing")]).unlink()
        cls.user_marketer = new_test_user(
            cls.env,
            login="nurture_recurring_marketer",
            name="Rita Recurring",
            tz="UTC",
            groups="base.group_user,mass_mailing.group_mass_mailing_user,"
            "sales_team.group_sale_salesman_all_leads",
        )
        cls.leads = cls.make_leads(["ann", "bob", "cid"])

    @classmethod
    def make_leads(cls, names, **values):
        return cls.env["crm.lead"].create(
            [
                {
                    "name": f"Nurtrec {name}",
                    "email_from": f"{name}@recurring.example.com",
                    **values,
                }
                for name in names
            ]
        )

    def recurring_mailing(self, domain=None, **values):
        if "mailing_model_id" not in values:
            values["mailing_domain"] = domain or repr(
                [("name", "=like", "Nurtrec %"), ("active", "in", [True, False])]
            )
        return (
            self.env["mailing.mailing"]
            .with_user(self.user_marketer)
            .create(
                {
                    "subject": "Every day",
                    "body_html": "<p>Hi "
                    '<a href="https://www.example.com/shop">shop</a> '
                    '<a href="https://www.example.com/sale/teapot">teapot</a></p>',
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "recurrence_enabled": True,
                    "recurrence_interval": 1,
                    "recurrence_unit": "days",
                    "user_id": self.user_marketer.id,
                    **values,
                }
            )
        )

    @contextmanager
    def at(self, when):
        """Python time and transaction time (``cr.now()``) at ``when``."""
        with freeze_time(when), patch.object(Cursor, "now", lambda *a, **k: when):
            yield

    def run_due(self, **kwargs):
        # The scheduled action runs in a transaction of its own: nothing cached.
        self.env.flush_all()
        self.env.invalidate_all()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            return self.env["mailing.mailing"]._process_recurring(**kwargs)

    def traced(self, mailing):
        """Records the mailing has a trace for, with how many traces each."""
        traces = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id)]
        )
        counts = {}
        for trace in traces:
            counts[trace.res_id] = counts.get(trace.res_id, 0) + 1
        return counts
