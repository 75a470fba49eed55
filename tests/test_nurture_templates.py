# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common_nurture import NurtureSequenceCommon

MODULE = "mass_mailing_crm_nurture"
W1 = "Week 1: back in stock"
W2_IGNORED = "Week 2: stock is almost gone"
W2_CLICKED = "Week 2: you still have time"
W3 = "Week 3: last call, 20% off"
# (name, trigger, delay, parent name) of the restock template's steps, sorted.
RESTOCK_TREE = sorted(
    [
        (W1, "start", 0, ""),
        (W2_IGNORED, "not_clicked", 7, W1),
        (W2_CLICKED, "clicked", 7, W1),
        (W3, "after_parent", 7, W2_IGNORED),
        (W3, "after_parent", 7, W2_CLICKED),
    ]
)


def tree(sequence):
    return sorted(
        (step.name, step.trigger, step.delay, step.parent_id.name or "")
        for step in sequence.step_ids
    )


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureTemplateUse(NurtureSequenceCommon):
    """The ready-made templates, and "Use This Template": a draft sequence of one's
    own, with the same steps and emails of its own."""

    def template(self, name):
        return self.env.ref(f"{MODULE}.crm_nurture_template_{name}")

    def test_templates_are_shipped(self):
        expected = {
            "restock": (
                "Restock: three weeks to win back leads lost for stock",
                5,
                "once",
            ),
            "welcome": ("Welcome new leads", 4, "continuous"),
            "welcome_links": ("Welcome: a path per link", 5, "continuous"),
            "event": ("Event reminder", 5, None),
            "anniversary": ("Anniversary", 2, "date"),
        }
        for key, (name, step_count, mode) in expected.items():
            with self.subTest(template=key):
                template = self.template(key)
                self.assertEqual(template.name, name)
                self.assertTrue(template.is_template)
                self.assertEqual(template.state, "draft")
                self.assertEqual(len(template.step_ids), step_count)
                if mode:
                    self.assertEqual(template.enrollment_mode, mode)
                root = template.step_ids.filtered(lambda s: not s.parent_id)
                self.assertEqual(len(root), 1)
                self.assertEqual((root.trigger, root.action), ("start", "email"))
                # Their emails are archived: not among the campaigns.
                self.assertFalse(any(template.step_ids.mailing_id.mapped("active")))

    def test_restock_template_tree(self):
        template = self.template("restock")
        self.assertEqual(tree(template), RESTOCK_TREE)
        root = template.step_ids.filtered(lambda s: not s.parent_id)
        self.assertEqual((root.name, root.trigger, root.action), (W1, "start", "email"))
        self.assertEqual(
            sorted((s.trigger, s.delay, s.delay_unit) for s in root.child_ids),
            [("clicked", 7, "days"), ("not_clicked", 7, "days")],
        )
        for week2 in root.child_ids:
            with self.subTest(step=week2.name):
                self.assertEqual(len(week2.child_ids), 1)
                last_call = week2.child_ids
                self.assertEqual(
                    (
                        last_call.name,
                        last_call.trigger,
                        last_call.delay,
                        last_call.delay_unit,
                    ),
                    (W3, "after_parent", 7, "days"),
                )
                self.assertFalse(last_call.child_ids)
                self.assertEqual(last_call.mailing_id.subject, "Last call: 20% off")
                self.assertIn("20%", str(last_call.mailing_id.body_html))
                self.assertIn(
                    "20% off the item you asked about",
                    str(last_call.mailing_id.body_html),
                )
        self.assertEqual(
            template.enroll_lost_reason_ids, self.env.ref("crm.lost_reason_3")
        )
        self.assertEqual(template.enrollment_mode, "once")
        self.assertEqual(
            (
                template.send_sat,
                template.send_sun,
                template.send_hour_from,
                template.send_hour_to,
            ),
            (False, False, 9.0, 18.0),
        )
        self.assertTrue(template.success_won)
        self.assertTrue(template.success_reopened)

    def test_use_template(self):
        template = self.template("restock")
        template_steps = template.step_ids
        template_mailings = template_steps.mailing_id
        self.assertEqual(
            len(template_mailings), 4, "the two last calls share one email"
        )
        sequence_count = self.env["crm.nurture.sequence"].search_count([])
        action = template.with_user(self.user_manager).action_use_template()
        self.assertEqual(action["type"], "ir.actions.act_window")
        self.assertEqual(action["res_model"], "crm.nurture.sequence")
        self.assertEqual(action["view_mode"], "form")
        copy = self.env["crm.nurture.sequence"].browse(action["res_id"])
        self.assertTrue(copy.exists())
        self.assertNotEqual(copy, template)
        self.assertEqual(
            self.env["crm.nurture.sequence"].search_count([]), sequence_count + 1
        )
        self.assertEqual(copy.name, template.name)
        self.assertEqual(copy.user_id, self.user_manager, "who makes it is responsible")
        self.assertEqual(copy.step_ids.mailing_id.user_id, self.user_manager)
        self.assertFalse(copy.is_template)
        self.assertEqual(copy.state, "draft")
        self.assertFalse(copy.participant_ids)
        self.assertEqual(tree(copy), RESTOCK_TREE)
        self.assertEqual(copy.enroll_lost_reason_ids, self.env.ref("crm.lost_reason_3"))
        self.assertEqual(copy.domain, template.domain)
        # Each email step has its own, active email: five, none of the template's.
        copy_mailings = copy.step_ids.mailing_id
        self.assertEqual(len(copy_mailings), 5)
        self.assertFalse(copy_mailings & template_mailings)
        for step in copy.step_ids:
            original = template_steps.filtered(
                lambda s, step=step: (s.name, s.trigger, s.parent_id.name)
                == (step.name, step.trigger, step.parent_id.name)
            )
            with self.subTest(step=step.name, parent=step.parent_id.name):
                self.assertEqual(len(original), 1)
                self.assertEqual(step.action, "email")
                # It follows a step of the copy, not one of the template.
                self.assertLessEqual(step.parent_id, copy.step_ids)
                self.assertNotEqual(step.mailing_id.id, original.mailing_id.id)
                self.assertTrue(step.mailing_id.active)
                self.assertEqual(step.mailing_id.subject, original.mailing_id.subject)
                self.assertEqual(
                    step.mailing_id.body_html, original.mailing_id.body_html
                )
                self.assertEqual(step.mailing_id.nurture_sequence_id, copy)
        # The template is unchanged.
        self.assertEqual(template.step_ids, template_steps)
        self.assertEqual(len(template.step_ids), 5)
        self.assertEqual(template.step_ids.mailing_id, template_mailings)
        self.assertFalse(any(template_mailings.mapped("active")))
        self.assertTrue(template.is_template)
        self.assertEqual(template.state, "draft")
        # The copy runs; the template never does.
        copy.with_user(self.user_manager).action_start()
        self.assertEqual(copy.state, "running")
        with self.assertRaises(UserError):
            template.with_user(self.user_manager).action_start()
        self.assertEqual(template.state, "draft")
        self.assertFalse(template.participant_ids)

    def test_use_every_template(self):
        for key in ("restock", "welcome", "welcome_links", "event", "anniversary"):
            with self.subTest(template=key):
                template = self.template(key)
                action = template.with_user(self.user_manager).action_use_template()
                copy = self.env["crm.nurture.sequence"].browse(action["res_id"])
                self.assertFalse(copy.is_template)
                self.assertEqual(copy.state, "draft")
                self.assertEqual(tree(copy), tree(template))
                email_steps = copy.step_ids.filtered(lambda s: s.action == "email")
                self.assertEqual(
                    len(email_steps.mailing_id),
                    len(email_steps),
                    "one email per email step",
                )
                self.assertFalse(email_steps.mailing_id & template.step_ids.mailing_id)
                self.assertFalse((copy.step_ids - email_steps).mailing_id)

    def test_editing_the_copy_leaves_the_template_alone(self):
        template = self.template("restock")
        action = template.with_user(self.user_manager).action_use_template()
        copy = self.env["crm.nurture.sequence"].browse(action["res_id"])
        root = copy.step_ids.filtered(lambda s: not s.parent_id)
        root.mailing_id.with_user(self.user_editor).write(
            {"subject": "Our own subject", "body_html": "<p>Our own words</p>"}
        )
        root.with_user(self.user_editor).name = "Our own first step"
        self.assertEqual(root.mailing_id.subject, "Our own subject")
        template_root = template.step_ids.filtered(lambda s: not s.parent_id)
        self.assertEqual(template_root.name, W1)
        self.assertEqual(
            template_root.mailing_id.subject, "Good news: it is back in stock"
        )
        self.assertIn("It is back now", str(template_root.mailing_id.body_html))
        self.assertNotIn("Our own words", str(template_root.mailing_id.body_html))
        # The copy's two last calls have an email each: editing one leaves the other.
        last_calls = copy.step_ids.filtered(lambda s: s.name == W3)
        self.assertEqual(len(last_calls), 2)
        last_calls[0].mailing_id.with_user(
            self.user_editor
        ).subject = "Last call: 30% off"
        self.assertEqual(last_calls[1].mailing_id.subject, "Last call: 20% off")
        self.assertEqual(
            set(
                template.step_ids.filtered(lambda s: s.name == W3).mailing_id.mapped(
                    "subject"
                )
            ),
            {"Last call: 20% off"},
        )

    def test_copy_of_a_running_sequence(self):
        self.start_with(self.leads)
        copy = self.sequence.copy()
        self.assertEqual(copy.name, "Three-week restock (copy)")
        self.assertEqual(copy.state, "draft")
        self.assertFalse(copy.participant_ids)
        self.assertEqual(tree(copy), tree(self.sequence))


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureDemoRun(TransactionCase):
    """The demo restock run, as installed (NurtureSequenceCommon stops it: not here)."""

    def test_demo_restock_run(self):
        demo = self.env.ref(f"{MODULE}.crm_nurture_sequence_restock_demo")
        self.assertEqual(demo.state, "running")
        self.assertFalse(demo.is_template)
        self.assertEqual(tree(demo), RESTOCK_TREE)
        # Six demo leads lost for stock walk the paths, the blacklisted one left.
        self.assertEqual(demo.participant_count, 7)
        self.assertEqual(len(demo.participant_ids), 7)
        steps = demo.participant_ids.current_step_id
        self.assertGreaterEqual(len(steps), 3)
        self.assertEqual(
            sorted(steps.mapped("name")), sorted([W1, W2_IGNORED, W2_CLICKED, W3])
        )
        exited = demo.participant_ids.filtered(lambda p: p.state == "exited")
        self.assertEqual(len(exited), 1)
        self.assertEqual(demo.exited_count, 1)
        self.assertEqual(exited.exit_reason, "optout")
        self.assertTrue(exited.lead_id.with_context(active_test=False).is_blacklisted)
        self.assertFalse(exited.current_step_id)
        first = demo.step_ids.filtered(lambda s: not s.parent_id)
        self.assertEqual(first.name, W1)
        self.assertEqual(first.done_count, 6)
        self.assertEqual(first.opened_count, 5)
        self.assertEqual(first.clicked_count, 2)
        self.assertGreater(first.opened_count, 0)
        self.assertGreater(first.clicked_count, 0)
        # One lead came back after clicking: a success, and an opportunity again.
        self.assertEqual(demo.succeeded_count, 1)
        self.assertEqual(demo.opportunity_count, 1)
        # The demo runs on its own emails, not the template's.
        template = self.env.ref(f"{MODULE}.crm_nurture_template_restock")
        self.assertFalse(demo.step_ids.mailing_id & template.step_ids.mailing_id)
