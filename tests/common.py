# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import freeze_time, new_test_user

from odoo.addons.base.tests.common import BaseCommon


def process_mailing_queue(mailings):
    """Run Odoo's mailing queue on ``mailings`` as its scheduled action does.

    19.0's queue reports its progress with ``ir.cron._commit_progress``, which
    commits even outside a scheduled run (tests forbid it): nothing is committed
    here. 18.0's reports without committing."""
    cron = type(mailings.env["ir.cron"])
    if not hasattr(cron, "_commit_progress"):
        return mailings._process_mass_mailing_queue()
    with patch.object(cron, "_commit_progress", lambda *_args, **_kwargs: 1e9):
        return mailings._process_mass_mailing_queue()


@contextmanager
def statements_on(env, table):
    """The SQL statements run in the block (flushed at its end) that name
    ``table``: for "costs no query" checks on one table, whatever else the ORM
    and Odoo run."""
    cursor_class = type(env.cr)
    execute = cursor_class.execute
    found = []

    def spy(cr, query, params=None, log_exceptions=True):
        code = getattr(query, "code", query)
        if table in str(code):
            found.append(str(code))
        return execute(cr, query, params, log_exceptions)

    with patch.object(cursor_class, "execute", spy):
        yield found
        env.flush_all()


def patch_cr_now(env, when):
    """Patch the transaction time (``cr.now()``), which freezegun does not reach."""
    return patch.object(env.cr, "now", lambda: when)


class NurtureTagCommon(BaseCommon):
    """Tags, leads (one archived) and the users who work with them."""

    T0 = datetime(2026, 3, 2, 9, 0, 0)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_salesman = new_test_user(
            cls.env,
            login="nurture_salesman",
            name="Sally Salesman",
            groups="sales_team.group_sale_salesman",
        )
        cls.user_salesman_other = new_test_user(
            cls.env,
            login="nurture_salesman_other",
            name="Oscar Other",
            groups="sales_team.group_sale_salesman",
        )
        cls.user_sales_manager = new_test_user(
            cls.env,
            login="nurture_sales_manager",
            name="Mona Manager",
            groups="sales_team.group_sale_manager",
        )
        cls.user_marketing = new_test_user(
            cls.env,
            login="nurture_marketing",
            name="Mark Marketing",
            groups="mass_mailing.group_mass_mailing_user,"
            "sales_team.group_sale_salesman_all_leads",
        )
        cls.tag_hot, cls.tag_pricing, cls.tag_restock = cls.env["crm.tag"].create(
            [
                {"name": "Nurture Hot"},
                {"name": "Nurture Pricing", "lifetime_days": 30},
                {"name": "Nurture Restock", "lifetime_days": 10},
            ]
        )
        cls.leads = cls.env["crm.lead"].create(
            [
                {
                    "name": f"Nurture lead {idx}",
                    "email_from": f"nurture.lead{idx}@example.com",
                    "user_id": cls.user_salesman.id,
                }
                for idx in range(4)
            ]
        )
        cls.lead, cls.lead_2, cls.lead_3, cls.lead_lost = cls.leads
        cls.lead_lost.action_set_lost()

    @contextmanager
    def mock_now(self, when):
        """Freeze Python time and the transaction time (``cr.now()``) at ``when``:
        counters are stamped with the latter, like create_date."""
        with freeze_time(when), patch_cr_now(self.env, when):
            yield

    def stat(self, lead, tag):
        """The counter of ``tag`` on ``lead``, read fresh from the database."""
        return self.env["crm.lead.tag.stat"].search(
            [("lead_id", "=", lead.id), ("tag_id", "=", tag.id)]
        )

    def assertStat(self, lead, tag, **expected):
        stat = self.stat(lead, tag)
        self.assertEqual(len(stat), 1, f"one counter for {tag.name} on {lead.name}")
        for fname, value in expected.items():
            self.assertEqual(
                stat[fname], value, f"{fname} of {tag.name} on {lead.name}"
            )
        return stat


class CommittedCursorsMixin:
    """For tests that run engines as separate processes do: each on its own
    cursor, committing, at the test's moment ``T0``."""

    def _cursor_env(self, stack):
        cr = stack.enter_context(self.registry.cursor())
        stack.enter_context(patch.object(cr, "now", lambda: self.T0))
        return api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})

    def _commit_activity_sequence(self, name, count=6):
        """A running sequence whose first step schedules an activity (a step done
        twice shows as two activities), ``count`` leads enrolled, committed at
        ``T0`` and deleted after the test. Sets ``sequence_id``, ``step_id`` and
        ``lead_ids``."""
        with self.registry.cursor() as cr, patch.object(cr, "now", lambda: self.T0):
            env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
            sequence = env["crm.nurture.sequence"].create(
                {"name": name, "enrollment_mode": "none", "send_tz": "UTC"}
            )
            step = env["crm.nurture.step"].create(
                {
                    "sequence_id": sequence.id,
                    "name": "Call them",
                    "trigger": "start",
                    "action": "activity",
                }
            )
            leads = env["crm.lead"].create(
                [{"name": f"{name} {i}"} for i in range(count)]
            )
            sequence.state = "running"
            sequence._enroll(leads)
            self.sequence_id, self.step_id = sequence.id, step.id
            self.lead_ids = leads.ids
        self.addCleanup(self._delete_committed_sequence)

    def _delete_committed_sequence(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sequence = env["crm.nurture.sequence"].browse(self.sequence_id)
            sequence.state = "stopped"  # a running sequence cannot be deleted
            sequence.unlink()
            env["crm.lead"].browse(self.lead_ids).unlink()

    def _emails_per_lead(self, cr, mailing_id):
        """How many emails (mailing traces) of the mailing each lead got."""
        cr.execute(
            """
            SELECT res_id, COUNT(*) FROM mailing_trace
             WHERE mass_mailing_id = %s GROUP BY res_id
            """,
            [mailing_id],
        )
        return dict(cr.fetchall())
