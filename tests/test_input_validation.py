# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged, users
from odoo.tools import mute_logger

from .. import relative_domain
from ..relative_domain import (
    MAX_DOMAIN_CONDITIONS,
    MAX_DOMAIN_LENGTH,
    MAX_DOMAIN_SUBQUERIES,
)
from .common import NurtureTagCommon
from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestRecurrenceValidation(NurtureSequenceCommon):
    """Recurrence settings, recipient filters and uninstalling, as a marketing user."""

    @users("nurture_recurring_marketer")
    def test_interval_bounded(self):
        """An interval is at least 1 and at most about ten years in its unit."""
        for interval, unit in (
            (0, "days"),
            (-3, "weeks"),
            (10**9, "days"),
            (121, "months"),
            (87700, "hours"),
            (530, "weeks"),
        ):
            with (
                self.subTest(interval=interval, unit=unit),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                self.recurring_mailing(
                    recurrence_interval=interval, recurrence_unit=unit
                )
        for interval, unit in (
            (1, "hours"),
            (87600, "hours"),
            (3650, "days"),
            (520, "weeks"),
            (120, "months"),
        ):
            mailing = self.recurring_mailing(
                recurrence_interval=interval, recurrence_unit=unit
            )
            self.assertEqual(mailing.recurrence_interval, interval)

    @users("nurture_recurring_marketer")
    def test_huge_interval_no_longer_stops_the_recurring_runs(self):
        """An interval past the limit is refused on save: it never reaches the runs,
        whose next-date computation overflowed on it and stopped every mailing."""
        mailing = self.recurring_mailing()
        with self.assertRaises(ValidationError):
            mailing.write({"recurrence_interval": 10**9})

    @users("nurture_recurring_marketer")
    def test_end_before_start_refused(self):
        """A recurrence cannot end before it starts, an empty start meaning now."""
        with self.assertRaises(ValidationError):
            self.recurring_mailing(
                recurrence_start_date=self.T0,
                recurrence_end_date=self.T0 - self.days(1),
            )
        mailing = self.recurring_mailing(recurrence_end_date=self.T0 - self.days(1))
        with self.at(self.T0), self.assertRaises(UserError):
            mailing.action_launch()
        self.assertEqual(mailing.state, "draft")

    def test_uninstall_leaves_a_sent_recurring_mailing_sent(self):
        """Removing the "Recurring" state leaves a mailing that ran as sent and one
        that never ran as a draft."""
        sent, unsent = self.recurring_mailing(), self.recurring_mailing()
        with self.at(self.T0):
            (sent | unsent).action_launch()
        unsent.recurrence_next_date = self.T0 + self.days(3)
        with self.at(self.T0):
            self.run_due()
        self.assertTrue(sent.sent_date)
        self.assertFalse(unsent.sent_date)
        self.assertEqual((sent | unsent).mapped("state"), ["recurring", "recurring"])
        option = self.env["ir.model.fields.selection"].search(
            [
                ("field_id.model", "=", "mailing.mailing"),
                ("field_id.name", "=", "state"),
                ("value", "=", "recurring"),
            ]
        )
        option._process_ondelete()
        self.assertEqual(sent.state, "done")
        self.assertEqual(unsent.state, "draft")


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestDomainLimits(NurtureSequenceCommon):
    """Recipient and enrollment filters cost bounded work to save and to evaluate."""

    def make_filter(self, text):
        return (
            self.env["mailing.filter"]
            .with_user(self.user_marketer)
            .create(
                {
                    "name": "Big filter",
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": text,
                }
            )
        )

    def test_loops_refused_quickly(self):
        """A filter that loops (comprehension) is refused at once, with the reason."""
        text = "[('id', 'in', [x for x in range(30000000)])]"
        start = time.time()
        with self.assertRaisesRegex(ValidationError, "loop"):
            self.make_filter(text)
        self.assertLess(time.time() - start, 1)
        for text in (
            "[('id', 'in', list(range(30000000)))]",
            "[('name', '=', 'x' * 10 ** 9)]",
            "[('name', '=', 'x'.ljust(1000000000))]",
            "[('id', '=', (lambda: 1)())]",
        ):
            with self.subTest(text=text), self.assertRaises(ValidationError):
                self.make_filter(text)

    def test_relative_dates_still_accepted(self):
        """What the web client's editor writes ("within the last 30 days") saves."""
        text = (
            '[("active", "in", [True, False]), ("date_closed", ">=", '
            "datetime.datetime.combine(context_today() + relativedelta(days=-30), "
            'datetime.time(0, 0, 0)).to_utc().strftime("%Y-%m-%d %H:%M:%S")), '
            '("user_id", "in", [uid]), ("company_id", "in", allowed_company_ids[:1])]'
        )
        self.assertTrue(self.make_filter(text))

    def test_size_and_conditions_bounded(self):
        """Beyond the size or the number of conditions, saving is refused with the
        limit; a big filter within them saves fast."""
        count = MAX_DOMAIN_CONDITIONS
        big = repr(
            ["|"] * (count - 1)
            + [("email_from", "=", f"x{idx}@example.com") for idx in range(count)]
        )
        start = time.time()
        self.make_filter(big)
        self.env["mailing.mailing"].with_user(self.user_marketer).create(
            {
                "subject": "Big",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": big,
            }
        )
        self.sequence.with_user(self.user_manager).domain = big
        self.env.flush_all()
        self.assertLess(time.time() - start, 10)
        too_many = repr([("id", "!=", idx) for idx in range(MAX_DOMAIN_CONDITIONS + 1)])
        with self.assertRaisesRegex(ValidationError, str(MAX_DOMAIN_CONDITIONS)):
            self.make_filter(too_many)
        too_long = repr([("name", "=", "x" * MAX_DOMAIN_LENGTH)])
        with self.assertRaisesRegex(ValidationError, "characters"):
            self.make_filter(too_long)
        with self.assertRaises(ValidationError):
            self.sequence.with_user(self.user_manager).domain = too_many

    def test_related_record_conditions_bounded(self):
        """Conditions on related records, which PostgreSQL plans at a steep cost
        (each "tag history matches" one more join), are bounded: the mailing form
        counts the allowed maximum at once, one more is refused."""

        def history(count):
            return repr(
                [
                    ("tag_stat_ids", "any", [("add_count", ">=", idx)])
                    for idx in range(count)
                ]
            )

        start = time.time()
        mailing = (
            self.env["mailing.mailing"]
            .with_user(self.user_marketer)
            .create(
                {
                    "subject": "Loyal",
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": history(MAX_DOMAIN_SUBQUERIES),
                }
            )
        )
        self.assertEqual(mailing.total, 0)
        self.assertLess(time.time() - start, 5)
        with self.assertRaisesRegex(ValidationError, "related records"):
            self.make_filter(history(MAX_DOMAIN_SUBQUERIES + 1))

    def test_filter_the_database_cannot_plan_quickly_refused(self):
        """A filter whose search takes the database too long to plan is refused
        with that reason (the planning limit lowered to make any filter slow)."""
        with (
            patch.object(relative_domain, "MAX_PLANNING_MS", 1),
            self.assertRaisesRegex(ValidationError, "too complex"),
        ):
            self.make_filter(
                repr([("tag_stat_ids", "any", [("add_count", ">=", 1)])] * 8)
            )
        # The session's timeout is back: later statements run as before.
        self.env.cr.execute("SHOW statement_timeout")
        self.assertNotEqual(self.env.cr.fetchone()[0], "1ms")


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureValidation(NurtureSequenceCommon):
    """Steps and sequences refuse values that make no sense, as a nurture manager."""

    @users("nurture_seq_manager")
    def test_step_delay_and_activity_days_bounded(self):
        """A delay is 0 to about five years; an activity is due 0 to ten years on."""
        step = self.week2_ignored.with_env(self.env)
        for values in (
            {"delay": -1},
            {"delay": 10**9},
            {"delay": 2000, "delay_unit": "days"},
            {"delay": 300, "delay_unit": "weeks"},
            {"delay": 50000, "delay_unit": "hours"},
            {"action": "activity", "activity_days": -1},
            {"action": "activity", "activity_days": 10**6},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                step.write(values)
        step.write({"delay": 260, "delay_unit": "weeks"})
        step.write({"action": "activity", "activity_days": 365})

    @users("nurture_seq_manager")
    def test_sequence_settings_bounded(self):
        """Re-enrollment days, the send window and its timezone are checked."""
        sequence = self.sequence.with_env(self.env)
        for values in (
            {"reenroll": "after_days", "reenroll_days": -1},
            {"reenroll": "after_days", "reenroll_days": 10**6},
            {"send_hour_from": -1},
            {"send_hour_to": 25},
            {"send_hour_from": 10, "send_hour_to": 9},
            {
                f"send_{day}": False
                for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
            {"send_tz": "Mars/Olympus"},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                sequence.write(values)
        sequence.write({"reenroll": "after_days", "reenroll_days": 365})
        # Any zone a user may have, not only pytz's "common" ones.
        sequence.write({"send_tz": "Asia/Calcutta"})


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestTagLifetimeValidation(NurtureTagCommon):
    """A tag's lifetime is counted in days, up to ten years."""

    @users("nurture_sales_manager")
    def test_lifetime_bounded(self):
        """Negative and absurd lifetimes are refused when saved; ten years is fine."""
        tag = self.tag_hot.with_env(self.env)
        for days in (-1, 3_000_000, 10**9):
            with (
                self.subTest(days=days),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                tag.lifetime_days = days
        tag.lifetime_days = 3650
        self.lead.with_env(self.env).tag_ids = [Command.link(tag.id)]
        self.assertTrue(self.stat(self.lead, tag).expiry_date)


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureInUseDeletion(NurtureSequenceCommon):
    """What a running flow uses cannot be deleted from under it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_sales_manager = new_test_user(
            cls.env,
            login="nurture_val_sales_manager",
            groups="base.group_user,sales_team.group_sale_manager",
        )
        cls.stage = cls.env["crm.stage"].create({"name": "Nurtured", "sequence": 70})
        cls.tag_step, cls.tag_enroll, cls.tag_goal = cls.env["crm.tag"].create(
            [
                {"name": "Nurture step tag"},
                {"name": "Nurture enroll tag"},
                {"name": "Nurture goal tag"},
            ]
        )
        cls.reason = cls.env["crm.lost.reason"].create({"name": "Nurture: no budget"})
        Step = cls.env["crm.nurture.step"]
        cls.step_stage = Step.create(
            {
                "sequence_id": cls.sequence.id,
                "name": "To nurtured",
                "parent_id": cls.week1.id,
                "trigger": "after_parent",
                "action": "stage",
                "stage_id": cls.stage.id,
            }
        )
        cls.step_tags = Step.create(
            {
                "sequence_id": cls.sequence.id,
                "name": "Tag it",
                "parent_id": cls.week1.id,
                "trigger": "after_parent",
                "action": "add_tags",
                "tag_ids": [Command.set(cls.tag_step.ids)],
            }
        )
        cls.sequence.write(
            {
                "enroll_tag_ids": [Command.set(cls.tag_enroll.ids)],
                "success_tag_ids": [Command.set(cls.tag_goal.ids)],
                "enroll_lost_reason_ids": [Command.set(cls.reason.ids)],
            }
        )
        cls.sequence.with_user(cls.user_manager).action_start()

    @mute_logger("odoo.sql_db")
    def test_stage_of_a_step_kept(self):
        """A stage a step moves leads to is kept, with the step named; before, the
        leads went to no stage."""
        with self.assertRaisesRegex(UserError, "To nurtured"):
            self.stage.with_user(self.user_sales_manager).unlink()
        self.sequence.action_stop()
        with self.assertRaisesRegex(UserError, "To nurtured"):
            self.stage.with_user(self.user_sales_manager).unlink()
        self.step_stage.unlink()
        self.stage.with_user(self.user_sales_manager).unlink()

    def test_success_stage_of_a_running_sequence_kept(self):
        """The stage a running sequence counts as success stays while it runs."""
        goal = self.env["crm.stage"].create({"name": "Nurture goal", "sequence": 80})
        self.sequence.success_stage_id = goal
        with self.assertRaisesRegex(UserError, "its rules"):
            goal.with_user(self.user_sales_manager).unlink()
        self.sequence.with_user(self.user_manager).action_stop()
        goal.with_user(self.user_sales_manager).unlink()

    def test_tags_and_reasons_of_a_running_sequence_kept(self):
        """Tags and lost reasons a running or paused sequence works with stay."""
        for record in (self.tag_step, self.tag_enroll, self.tag_goal, self.reason):
            with (
                self.subTest(record=record.display_name),
                self.assertRaisesRegex(UserError, "Three-week restock"),
            ):
                record.with_user(self.user_sales_manager).unlink()
        self.sequence.with_user(self.user_manager).action_pause()
        with self.assertRaises(UserError):
            self.tag_step.with_user(self.user_sales_manager).unlink()
        self.sequence.with_user(self.user_manager).action_stop()
        (self.tag_step | self.tag_enroll | self.tag_goal).with_user(
            self.user_sales_manager
        ).unlink()
        self.reason.with_user(self.user_sales_manager).unlink()

    def test_draft_sequence_checked_again_at_start(self):
        """A draft whose step lost its only tag cannot start until it is fixed."""
        draft = self.sequence.copy({"name": "Draft copy"})
        tag = self.env["crm.tag"].create({"name": "Only in the draft"})
        draft.step_ids.filtered(lambda s: s.action == "add_tags").tag_ids = tag
        tag.unlink()
        with self.assertRaisesRegex(ValidationError, "Tag it"):
            draft.with_user(self.user_manager).action_start()

    def test_step_email_kept(self):
        """The email of a step, of a running sequence or of a template, is deleted
        with its step, not alone."""
        with self.assertRaisesRegex(UserError, "Back in stock"):
            self.week1.mailing_id.with_user(self.user_marketer).unlink()
        template = self.env["crm.nurture.sequence"].search(
            [("is_template", "=", True), ("step_ids.mailing_id", "!=", False)], limit=1
        )
        self.assertTrue(template)
        with self.assertRaises(UserError):
            template.step_ids.mailing_id[:1].unlink()


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestTestModeRights(NurtureSequenceCommon):
    """A test run changes a lead only where its tester could change it by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag_vip = cls.env["crm.tag"].create({"name": "Nurture test VIP"})
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.first = cls.env["crm.nurture.step"].create(
            {
                "sequence_id": cls.sequence.id,
                "name": "Tag VIP",
                "parent_id": cls.week1.id,
                "trigger": "after_parent",
                "action": "add_tags",
                "tag_ids": [Command.set(cls.tag_vip.ids)],
            }
        )
        cls.env["crm.nurture.step"].create(
            {
                "sequence_id": cls.sequence.id,
                "name": "Win it",
                "parent_id": cls.first.id,
                "trigger": "after_parent",
                "action": "stage",
                "stage_id": cls.won_stage.id,
            }
        )
        cls.colleague_lead = cls.env["crm.lead"].create(
            {
                "name": "Nurtrec colleague",
                "email_from": "colleague@example.com",
                "user_id": cls.user_salesman.id,
            }
        )

    def walk(self, user, lead=None):
        wizard = (
            self.env["crm.nurture.test.wizard"]
            .with_user(user)
            .create(
                {
                    "sequence_id": self.sequence.id,
                    "lead_id": lead and lead.id,
                    "email": "tester@example.com",
                }
            )
        )
        with self.at(self.T0), self.mock_mail_gateway():
            run = (
                self.env["crm.nurture.participant"]
                .with_user(user)
                .browse(wizard.action_start_test()["res_id"])
            )
            for _step in range(4):
                if run.state != "running":
                    break
                run.action_test_run_next_step()
        return run

    def test_editor_cannot_change_a_colleagues_lead(self):
        """A content editor (read-only on leads) walks the flow on a colleague's
        lead: the tag and the stage are skipped, with the reason on the run."""
        stage_before = self.colleague_lead.stage_id
        run = self.walk(self.user_editor, self.colleague_lead)
        self.assertFalse(self.colleague_lead.tag_ids)
        self.assertEqual(self.colleague_lead.stage_id, stage_before)
        skipped = run.sudo().trace_ids.filtered(lambda t: t.step_id.action != "email")
        self.assertEqual(set(skipped.mapped("state")), {"skipped"})
        self.assertIn("cannot edit", skipped[0].message)

    def test_editor_acts_on_the_test_lead(self):
        """On the lead made for a test address, every action applies."""
        run = self.walk(self.user_editor)
        lead = run.sudo().lead_id
        self.assertEqual(lead.tag_ids, self.tag_vip)
        self.assertEqual(lead.stage_id, self.won_stage)

    def test_manager_with_lead_rights_acts_on_the_lead(self):
        """A tester who may edit the lead sees the actions applied to it."""
        self.walk(self.user_manager, self.colleague_lead)
        self.assertEqual(self.colleague_lead.tag_ids, self.tag_vip)
        self.assertEqual(self.colleague_lead.stage_id, self.won_stage)


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestFunnelIds(NurtureSequenceCommon):
    """The funnel's row ids hold for any number of participants."""

    def test_ids_past_int4(self):
        """A participant id past 2,147,483 reads fine, one distinct id per level."""
        self.env.flush_all()
        # Ids are not rolled back: the next participants of this database start
        # past 3,000,000 (harmless).
        self.env.cr.execute("SELECT setval('crm_nurture_participant_id_seq', 3000000)")
        self.start_with(self.leads[:1])
        participant = self.participant(self.leads[0])
        self.assertGreater(participant.id, 3000000)
        self.process(self.T0)
        rows = (
            self.env["crm.nurture.funnel.report"]
            .with_user(self.user_editor)
            .search([("participant_id", "=", participant.id)])
        )
        self.assertEqual(rows.mapped("level"), [0, 1])
        self.assertEqual(len(set(rows.ids)), 2)
        self.assertEqual(rows.browse(rows.ids).mapped("level"), [0, 1])
