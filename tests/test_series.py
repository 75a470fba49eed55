# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the seams of compat.py give on the series the tests run on (18.0 or 19.0):
the database, the groups and the actions are the same on both."""

import threading
from unittest.mock import patch

import psycopg2

from odoo import Command
from odoo.modules import module as odoo_module
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .. import compat
from .common_nurture import NurtureSequenceCommon

ADDON = "mass_mailing_crm_nurture"


@tagged("post_install", "-at_install", ADDON)
class TestSeries(TransactionCase):
    def constraint_definitions(self, table):
        self.env.cr.execute(
            """
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid = %s::regclass ORDER BY conname
            """,
            [table],
        )
        return dict(self.env.cr.fetchall())

    def test_constraints_exist_on_every_series(self):
        """19.0 ignores ``_sql_constraints``: the counters' ON CONFLICT and the
        exactly-once step of a participant rest on these."""
        self.assertEqual(
            {
                name: definition
                for name, definition in self.constraint_definitions(
                    "crm_lead_tag_count"
                ).items()
                if not name.endswith(("_fkey", "_pkey"))
            },
            {
                "crm_lead_tag_count_add_count_positive": "CHECK ((add_count > 0))",
                "crm_lead_tag_count_lead_tag_uniq": "UNIQUE (lead_id, tag_id)",
            },
        )
        self.assertEqual(
            self.constraint_definitions("crm_nurture_trace")[
                "crm_nurture_trace_participant_step_uniq"
            ],
            "UNIQUE (participant_id, step_id)",
        )

    def test_a_step_cannot_run_twice_for_a_participant(self):
        trace = self.env["crm.nurture.trace"].search([], limit=1)
        self.assertTrue(trace, "the demo data has nurture step traces")
        self.env.flush_all()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                """
                INSERT INTO crm_nurture_trace (participant_id, step_id, state,
                                               scheduled_date)
                SELECT participant_id, step_id, state, scheduled_date
                  FROM crm_nurture_trace WHERE id = %s
                """,
                [trace.id],
            )

    def test_groups_and_actions_placed_as_the_series_names_them(self):
        placement_field, placement_ref = compat.GROUP_FIELDS["placement"]
        placement = self.env.ref(placement_ref)
        editor = self.env.ref(f"{ADDON}.group_nurture_user")
        manager = self.env.ref(f"{ADDON}.group_nurture_manager")
        for group in (editor, manager):
            self.assertEqual(group[placement_field], placement)
        users_field = compat.GROUP_FIELDS["users"]
        self.assertIn(self.env.ref("base.user_admin"), manager[users_field])
        self.assertIn(
            self.env.ref("mass_mailing.group_mass_mailing_user"),
            editor.implied_ids,
        )
        action = self.env.ref(f"{ADDON}.crm_lead_reactivation_wizard_action_selected")
        self.assertEqual(
            action[compat.GROUP_FIELDS["action_groups"]],
            self.env.ref("mass_mailing.group_mass_mailing_user"),
        )
        # Applied again (a module update): nothing changes, nothing doubles.
        manager.write(
            {users_field: [Command.unlink(self.env.ref("base.user_admin").id)]}
        )
        self.env["res.groups"]._nurture_apply_series_values()
        self.assertIn(self.env.ref("base.user_admin"), manager[users_field])
        self.assertEqual(len(action[compat.GROUP_FIELDS["action_groups"]]), 1)

    def test_tests_are_seen_as_tests(self):
        """Engines must not commit under Odoo's test runner, on either series:
        18.0's marks the thread, 19.0's sets ``current_test`` only."""
        self.assertTrue(compat.testing())
        thread = threading.current_thread()
        for marked, current_test, expected in (
            (True, False, True),
            (False, True, True),
            (False, False, False),
        ):
            with (
                self.subTest(thread=marked, current_test=current_test),
                patch.object(thread, "testing", marked, create=True),
                patch.object(odoo_module, "current_test", current_test, create=True),
            ):
                self.assertEqual(compat.testing(), expected)

    def test_series_prefixes_the_short_version(self):
        module = self.env["ir.module.module"].search([("name", "=", ADDON)])
        self.assertTrue(module.latest_version.startswith(f"{compat.SERIES}.0."))


@tagged("post_install", "-at_install", ADDON)
class TestSeriesNotifications(NurtureSequenceCommon):
    def test_step_mailings_notify_nobody(self):
        """A sequence's email steps each have a mailing whose responsible is the
        sequence's: 19.0 emails a mailing's new responsible, which nobody wants
        once per step (nor per copied template)."""
        Mail = self.env["mail.mail"].sudo()
        before = Mail.search([])
        sequence = (
            self.env["crm.nurture.sequence"]
            .with_user(self.user_manager)
            .create({"name": "Quiet sequence", "user_id": self.user_manager.id})
        )
        self.env["crm.nurture.step"].with_user(self.user_manager).create(
            [
                {"sequence_id": sequence.id, "name": f"Quiet {idx}", "action": "email"}
                for idx in range(3)
            ]
        )
        template = self.env.ref(f"{ADDON}.crm_nurture_template_restock")
        template.with_user(self.user_manager).action_use_template()
        self.env.flush_all()
        self.assertFalse(
            (Mail.search([]) - before).mapped("subject"),
            "no email about the step mailings",
        )
