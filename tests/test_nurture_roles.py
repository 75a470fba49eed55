# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureRoles(NurtureSequenceCommon):
    """The role matrix of nurture sequences, as access rights and record rules
    enforce it: sequence managers run sequences; content editors change the words
    of steps and their emails; salespeople read the participations of their own
    leads; other marketing users see no sequence at all."""

    # ------------------------------------------------------------------
    # Sequence manager
    # ------------------------------------------------------------------

    def test_manager_creates_and_runs_a_sequence(self):
        Sequence = self.env["crm.nurture.sequence"].with_user(self.user_manager)
        Step = self.env["crm.nurture.step"].with_user(self.user_manager)
        sequence = Sequence.create(
            {"name": "Manager's own", "enrollment_mode": "none", "send_tz": "UTC"}
        )
        first = Step.create(
            {"sequence_id": sequence.id, "name": "Hello", "trigger": "start"}
        )
        second = Step.create(
            {
                "sequence_id": sequence.id,
                "name": "Did you see it?",
                "parent_id": first.id,
                "trigger": "not_opened",
                "delay": 3,
            }
        )
        self.assertEqual(sequence.step_ids, first | second)
        self.assertTrue(first.mailing_id, "an email step gets its email")
        # The flow is the manager's to change.
        second.write({"delay": 5, "delay_unit": "hours", "trigger": "not_clicked"})
        self.assertEqual(
            (second.delay, second.delay_unit, second.trigger),
            (5, "hours", "not_clicked"),
        )
        sequence.action_start()
        self.assertEqual(sequence.state, "running")
        sequence.action_pause()
        self.assertEqual(sequence.state, "paused")
        with self.assertRaises(UserError):
            sequence.unlink()
        self.assertTrue(sequence.exists())
        sequence.action_resume()
        self.assertEqual(sequence.state, "running")
        with self.assertRaises(UserError):
            sequence.unlink()
        self.assertTrue(sequence.exists())
        sequence.action_stop()
        self.assertEqual(sequence.state, "stopped")
        sequence.unlink()
        self.assertFalse(sequence.exists())
        self.assertFalse(second.exists(), "its steps go with it")

    def test_manager_deletes_a_draft_sequence(self):
        sequence = (
            self.env["crm.nurture.sequence"]
            .with_user(self.user_manager)
            .create({"name": "Never started"})
        )
        self.env["crm.nurture.step"].with_user(self.user_manager).create(
            {"sequence_id": sequence.id, "name": "Hello", "trigger": "start"}
        )
        self.assertEqual(sequence.state, "draft")
        sequence.unlink()
        self.assertFalse(sequence.exists())

    # ------------------------------------------------------------------
    # Content editor
    # ------------------------------------------------------------------

    def test_editor_reads_but_does_not_manage_sequences(self):
        sequence = self.sequence.with_user(self.user_editor)
        self.assertEqual(sequence.name, "Three-week restock")
        self.assertEqual(len(sequence.step_ids), 5)
        self.assertEqual(
            sequence.step_ids.filtered(lambda s: not s.parent_id).name, "Back in stock"
        )
        self.assertEqual(
            self.week2_clicked.with_user(self.user_editor).trigger, "clicked"
        )
        with self.assertRaises(AccessError):
            self.env["crm.nurture.sequence"].with_user(self.user_editor).create(
                {"name": "Editor's own"}
            )
        with self.assertRaises(AccessError):
            sequence.write({"name": "Renamed by the editor"})
        with self.assertRaises(AccessError):
            sequence.unlink()
        with self.assertRaises(AccessError):
            sequence.action_start()
        self.assertEqual(self.sequence.name, "Three-week restock")
        self.assertEqual(self.sequence.state, "draft")
        # Running (started by the manager): the editor can neither pause nor stop it.
        self.sequence.with_user(self.user_manager).action_start()
        with self.assertRaises(AccessError):
            sequence.action_pause()
        with self.assertRaises(AccessError):
            sequence.action_stop()
        self.assertEqual(self.sequence.state, "running")
        # Paused (by the manager): nor resume it.
        self.sequence.with_user(self.user_manager).action_pause()
        with self.assertRaises(AccessError):
            sequence.action_resume()
        with self.assertRaises(AccessError):
            sequence.action_stop()
        self.assertEqual(self.sequence.state, "paused")

    def test_editor_edits_the_words_of_a_step_and_its_email(self):
        step = self.week2_ignored.with_user(self.user_editor)
        step.write({"name": "Only a few left", "activity_summary": "Call them"})
        self.assertEqual(self.week2_ignored.name, "Only a few left")
        self.assertEqual(self.week2_ignored.activity_summary, "Call them")
        step.mailing_id.write(
            {
                "subject": "Only a few left, really",
                "body_html": "<p>Hurry: three left.</p>",
            }
        )
        mailing = self.week2_ignored.mailing_id
        self.assertEqual(mailing.subject, "Only a few left, really")
        self.assertIn("Hurry: three left.", mailing.body_html)

    def test_editor_cannot_change_the_flow(self):
        tag = self.env["crm.tag"].create({"name": "Nurture roles tag"})
        step = self.week2_ignored.with_user(self.user_editor)
        for values in (
            {"trigger": "after_parent"},
            {"delay": 3},
            {"parent_id": self.week2_clicked.id},
            {"action": "add_tags", "tag_ids": [(4, tag.id)]},
            {"action": "activity"},
            {"tag_ids": [(4, tag.id)]},
            # Words and flow at once: refused as a whole.
            {"name": "Sneaky", "delay": 1},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                step.write(values)
        self.assertEqual(
            (
                self.week2_ignored.name,
                self.week2_ignored.trigger,
                self.week2_ignored.delay,
                self.week2_ignored.parent_id,
                self.week2_ignored.action,
                self.week2_ignored.tag_ids,
            ),
            (
                "Stock is almost gone, did you get yours?",
                "not_clicked",
                7,
                self.week1,
                "email",
                self.env["crm.tag"],
            ),
        )
        Step = self.env["crm.nurture.step"].with_user(self.user_editor)
        with self.assertRaises(AccessError):
            Step.create(
                {
                    "sequence_id": self.sequence.id,
                    "name": "Editor's extra step",
                    "parent_id": self.week1.id,
                    "trigger": "after_parent",
                }
            )
        with self.assertRaises(AccessError):
            self.week3[0].with_user(self.user_editor).unlink()
        self.assertEqual(len(self.sequence.step_ids), 5)
        self.assertTrue(self.week3[0].exists())

    def test_editor_cannot_use_a_template(self):
        template = self.env.ref("mass_mailing_crm_nurture.crm_nurture_template_restock")
        count = self.env["crm.nurture.sequence"].search_count([])
        with self.assertRaises(AccessError):
            template.with_user(self.user_editor).action_use_template()
        self.assertEqual(self.env["crm.nurture.sequence"].search_count([]), count)

    # ------------------------------------------------------------------
    # Salesperson (own leads)
    # ------------------------------------------------------------------

    def test_salesman_reads_participations_of_own_leads_only(self):
        other = new_test_user(
            self.env,
            login="nurture_roles_other_salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        mine = self.make_leads(["mine", "mine lost"], user_id=self.user_salesman.id)
        # A lost lead is archived: still his.
        mine[1].action_set_lost(lost_reason_id=self.reason_stock.id)
        self.assertFalse(mine[1].active)
        theirs = self.make_leads(["theirs"], user_id=other.id)
        participants = self.sequence._enroll(mine | theirs)
        self.assertEqual(len(participants), 3)
        own = participants.filtered(lambda p: p.lead_id in mine)
        foreign = participants - own

        Participant = self.env["crm.nurture.participant"].with_user(self.user_salesman)
        visible = Participant.search([("sequence_id", "=", self.sequence.id)])
        self.assertEqual(visible, own)
        self.assertEqual(
            sorted(visible.mapped("lead_id.name")),
            ["Nurtrec mine", "Nurtrec mine lost"],
        )
        self.assertEqual(set(visible.mapped("state")), {"running"})
        self.assertEqual(Participant.search_count([("lead_id", "=", theirs.id)]), 0)
        with self.assertRaises(AccessError):
            foreign.with_user(self.user_salesman).read(["state"])
        # The other salesperson sees his, not these.
        self.assertEqual(
            self.env["crm.nurture.participant"]
            .with_user(other)
            .search([("sequence_id", "=", self.sequence.id)]),
            foreign,
        )
        # Reading is all.
        with self.assertRaises(AccessError):
            visible.write({"state": "exited"})
        with self.assertRaises(AccessError):
            visible[:1].action_remove()
        with self.assertRaises(AccessError):
            visible.unlink()
        self.assertEqual(set(own.mapped("state")), {"running"})

    def test_salesman_cannot_read_the_funnel(self):
        self.sequence._enroll(
            self.make_leads(["funnel"], user_id=self.user_salesman.id)
        )
        Funnel = self.env["crm.nurture.funnel.report"]
        self.assertTrue(Funnel.search([("sequence_id", "=", self.sequence.id)]))
        with self.assertRaises(AccessError):
            Funnel.with_user(self.user_salesman).search(
                [("sequence_id", "=", self.sequence.id)]
            )
        with self.assertRaises(AccessError):
            Funnel.with_user(self.user_salesman)._read_group(
                [("sequence_id", "=", self.sequence.id)], ["level"], ["__count"]
            )

    # ------------------------------------------------------------------
    # Email Marketing user without nurture rights
    # ------------------------------------------------------------------

    def test_marketing_user_cannot_read_sequences(self):
        marketer = new_test_user(
            self.env,
            login="nurture_roles_marketer",
            groups="base.group_user,mass_mailing.group_mass_mailing_user",
        )
        self.assertFalse(
            marketer.has_group("mass_mailing_crm_nurture.group_nurture_user")
        )
        with self.assertRaises(AccessError):
            self.env["crm.nurture.sequence"].with_user(marketer).search([])
        with self.assertRaises(AccessError):
            self.sequence.with_user(marketer).read(["name"])
        with self.assertRaises(AccessError):
            self.week1.with_user(marketer).read(["name"])
        with self.assertRaises(AccessError):
            self.env["crm.nurture.funnel.report"].with_user(marketer).search([])

    def test_step_email_is_not_a_campaign(self):
        """A step's email leaves with its step: sending or scheduling it as a
        campaign is refused (it would reach nobody and be marked sent)."""
        mailing = self.week1.mailing_id.with_user(self.user_editor)
        self.assertEqual(mailing.nurture_sequence_id, self.sequence)
        for action in ("action_launch", "action_put_in_queue"):
            with self.assertRaises(UserError, msg=action):
                getattr(mailing, action)()
        mailing.schedule_date = "2030-01-01 10:00:00"
        with self.assertRaises(UserError):
            mailing.action_schedule()
        self.assertEqual(mailing.state, "draft")
