# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_nurture import NurtureSequenceCommon


def tree(sequence):
    return sorted(
        (step.name, step.trigger, step.delay, step.delay_unit, step.action, step.parent_id.name or "")
        for step in sequence.step_ids
    )


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureTemplates(NurtureSequenceCommon):
    def test_restock_template_is_the_seed(self):
        template = self.env.ref("mass_mailing_crm_nurture.crm_nurture_template_restock")
        self.assertTrue(template.is_template)
        self.assertEqual(template.state, "draft")
        self.assertEqual(template.enroll_lost_reason_ids, self.env.ref("crm.lost_reason_3"))
        root = template.step_ids.filtered(lambda s: not s.parent_id)
        self.assertEqual((root.trigger, root.action), ("start", "email"))
        self.assertEqual(
            sorted((s.trigger, s.delay, s.delay_unit) for s in root.child_ids),
            [("clicked", 7, "days"), ("not_clicked", 7, "days")],
        )
        last_calls = root.child_ids.child_ids
        self.assertEqual(len(last_calls), 2)
        self.assertEqual(set(last_calls.mapped("trigger")), {"after_parent"})
        self.assertEqual(set(last_calls.mapped("delay")), {7})
        self.assertIn("20%", last_calls.mailing_id.body_html)
        for xmlid in ("crm_nurture_template_welcome", "crm_nurture_template_event"):
            other = self.env.ref(f"mass_mailing_crm_nurture.{xmlid}")
            self.assertTrue(other.is_template)
            self.assertGreaterEqual(len(other.step_ids), 4, xmlid)

    def test_use_template(self):
        template = self.env.ref("mass_mailing_crm_nurture.crm_nurture_template_restock")
        template_mailings = template.step_ids.mailing_id
        action = template.with_user(self.user_manager).action_use_template()
        copy = self.env["crm.nurture.sequence"].browse(action["res_id"])
        self.assertNotEqual(copy, template)
        self.assertFalse(copy.is_template)
        self.assertEqual(copy.state, "draft")
        self.assertEqual(copy.name, template.name)
        self.assertEqual(tree(copy), tree(template))
        self.assertEqual(len(template.step_ids), 5, "the template keeps its steps")
        for step in copy.step_ids:
            original = template.step_ids.filtered(
                lambda s, step=step: (s.name, s.trigger, s.parent_id.name)
                == (step.name, step.trigger, step.parent_id.name)
            )
            self.assertEqual(len(original), 1)
            self.assertNotIn(step.mailing_id, template_mailings)
            self.assertTrue(step.mailing_id.active)
            self.assertEqual(step.mailing_id.subject, original.mailing_id.subject)
            self.assertEqual(step.mailing_id.body_html, original.mailing_id.body_html)
        # Its own emails: editing the copy leaves the template alone.
        root = copy.step_ids.filtered(lambda s: not s.parent_id)
        root.mailing_id.body_html = "<p>Our own words</p>"
        self.assertIn("It is back now", template.step_ids.filtered(
            lambda s: not s.parent_id).mailing_id.body_html)
        # The copy runs; the template never does.
        copy.with_user(self.user_manager).action_start()
        self.assertEqual(copy.state, "running")
        with self.assertRaises(UserError):
            template.with_user(self.user_manager).action_start()
        self.assertEqual(template.state, "draft")

    def test_copy_of_a_running_sequence(self):
        self.start_with(self.leads)
        copy = self.sequence.copy()
        self.assertEqual(copy.name, "Three-week restock (copy)")
        self.assertEqual(copy.state, "draft")
        self.assertFalse(copy.participant_ids)
        self.assertEqual(tree(copy), tree(self.sequence))

    def test_demo_sequence_is_alive(self):
        demo = self.env.ref("mass_mailing_crm_nurture.crm_nurture_sequence_restock_demo")
        # (NurtureSequenceCommon stops running sequences: the demo ran until then.)
        self.assertGreaterEqual(demo.participant_count, 6)
        self.assertGreaterEqual(len(demo.participant_ids.current_step_id), 3)
        self.assertEqual(demo.exited_count, 1)
        # One lead came back after clicking: a success, and an opportunity again.
        self.assertEqual(demo.succeeded_count, 1)
        self.assertEqual(demo.opportunity_count, 1)
        self.assertEqual(
            demo.participant_ids.filtered(lambda p: p.state == "exited").exit_reason, "optout"
        )
        first = demo.step_ids.filtered(lambda s: not s.parent_id)
        self.assertGreater(first.opened_count, 0)
        self.assertGreater(first.clicked_count, 0)
        self.assertGreater(sum(demo.step_ids.mapped("scheduled_count")), 0)
