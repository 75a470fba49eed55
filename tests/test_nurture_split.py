# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import Counter
from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, Form, tagged
from odoo.tools import mute_logger

from .. import split_test
from .common_nurture import NurtureSequenceCommon
from .test_engagement_signals import PERSON_ADDRESS
from .test_nurture_link_paths import SCANNER

_logger = logging.getLogger(__name__)
MODULE = "mass_mailing_crm_nurture"
LINK_A = "https://www.example.com/catalogue"
LINK_B = "https://www.example.com/discount"


@tagged("post_install", "-at_install", MODULE)
class TestSplitArithmetic(BaseCase):
    """The draw and the two-proportion test, alone."""

    def test_draw_deterministic_and_in_proportion(self):
        """The same participant and split always draw the same variant; over
        1,000 participants the shares are near the percents; another split
        draws otherwise."""
        variants = [("a", 70), ("b", 20), ("c", 10)]
        first = [split_test.draw(pid, 7, variants) for pid in range(1, 1001)]
        again = [split_test.draw(pid, 7, variants) for pid in range(1, 1001)]
        self.assertEqual(first, again)
        counts = Counter(first)
        self.assertTrue(650 <= counts["a"] <= 750, counts)
        self.assertTrue(160 <= counts["b"] <= 240, counts)
        self.assertTrue(70 <= counts["c"] <= 130, counts)
        other = [split_test.draw(pid, 8, variants) for pid in range(1, 1001)]
        self.assertNotEqual(first, other)
        self.assertTrue(all(0 <= split_test.bucket(p, 7) < 100 for p in range(500)))

    def test_two_proportion_test(self):
        """40 % of 100 against 5 % of 100: z = 5.93, a winner; 12 % against 10 %:
        z = 0.45, confidence 67 %, none; a winner needs every variant's minimum;
        three variants need 97.5 % against each."""
        z = split_test.z_score(40, 100, 5, 100)
        self.assertAlmostEqual(z, 5.9267, places=3)
        self.assertAlmostEqual(split_test.normal_cdf(1.6449), 0.95, places=4)
        self.assertAlmostEqual(split_test.normal_cdf(0), 0.5)
        clear = split_test.evaluate([("a", 100, 40), ("b", 100, 5)], 100)
        self.assertEqual((clear["best"], clear["winner"]), ("a", "a"))
        self.assertGreater(clear["variants"]["b"]["confidence"], 0.9999)
        close = split_test.evaluate([("a", 100, 12), ("b", 100, 10)], 100)
        self.assertEqual((close["best"], close["winner"]), ("a", None))
        self.assertAlmostEqual(close["variants"]["b"]["z"], 0.4522, places=3)
        self.assertAlmostEqual(close["variants"]["b"]["confidence"], 0.674, places=3)
        few = split_test.evaluate([("a", 100, 40), ("b", 99, 5)], 100)
        self.assertIsNone(few["winner"])
        self.assertEqual(split_test.required_confidence(3), 0.975)
        # 1.7 < z < 1.96: 95 % against each, not the 97.5 % three variants need.
        three = split_test.evaluate([("a", 400, 60), ("b", 400, 42), ("c", 400, 42)], 1)
        self.assertEqual(three["best"], "a")
        self.assertTrue(0.95 < three["variants"]["b"]["confidence"] < 0.975)
        self.assertIsNone(three["winner"])
        none = split_test.evaluate([("a", 100, 0), ("b", 100, 0)], 1)
        self.assertEqual((none["best"], none["winner"]), (None, None))
        self.assertEqual(none["variants"]["b"]["z"], 0.0)
        tied = split_test.evaluate([("a", 100, 30), ("b", 50, 15)], 1)
        self.assertEqual((tied["best"], tied["winner"]), (None, None))


@tagged("post_install", "-at_install", MODULE)
class TestNurtureSplit(NurtureSequenceCommon):
    """A split test step in a reactivation flow: which of two emails brings more
    leads back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The salesperson's leads: they read their nurture info on them.
        cls.split_leads = cls.env["crm.lead"].create(
            [
                {
                    "name": f"Nursplit {index:03d}",
                    "email_from": f"nursplit{index:03d}@split.example.com",
                    "user_id": cls.user_salesman.id,
                }
                for index in range(220)
            ]
        )
        cls.first_leads = cls.split_leads[:200]
        cls.later_leads = cls.split_leads[200:]

    @contextmanager
    def assertRefused(self, pattern):
        """A ValidationError whose message matches ``pattern``, its changes
        undone."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    def make_flow(self, **split_values):
        """A sequence whose first step is a split between two emails, 50/50,
        on clicks (a person's), made by the nurture manager in one save."""
        flow = (
            self.env["crm.nurture.sequence"]
            .with_user(self.user_manager)
            .create(
                {
                    "name": "Which email brings them back?",
                    "user_id": self.user_manager.id,
                    "send_tz": "UTC",
                    "enrollment_mode": "none",
                    "domain": repr(
                        [
                            ("active", "in", [True, False]),
                            ("name", "=like", "Nursplit %"),
                        ]
                    ),
                    "success_won": True,
                    "step_ids": [
                        Command.create(
                            {
                                "name": "Catalogue or discount?",
                                "trigger": "start",
                                "action": "split",
                                "split_goal": "clicked",
                                "split_min_participants": 50,
                                "split_wait_days": 3,
                                **split_values,
                                "child_ids": [
                                    Command.create(
                                        {
                                            "name": "The new catalogue",
                                            "trigger": "after_parent",
                                            "split_percent": 50,
                                            "sequence": 1,
                                        }
                                    ),
                                    Command.create(
                                        {
                                            "name": "10 % off to come back",
                                            "trigger": "after_parent",
                                            "split_percent": 50,
                                            "sequence": 2,
                                        }
                                    ),
                                ],
                            }
                        )
                    ],
                }
            )
        )
        split = flow.step_ids.filtered(lambda s: s.action == "split")
        variant_a, variant_b = split._split_variants()
        # Written before the test starts (not "edited after the test").
        with self.at(self.T0 - self.days(1)):
            variant_a.mailing_id.body_html = f'<p><a href="{LINK_A}">Catalogue</a></p>'
            variant_b.mailing_id.body_html = f'<p><a href="{LINK_B}">Discount</a></p>'
        return flow, split.with_env(self.env), variant_a, variant_b

    def run_engine(self, when, cron=False):
        """The scheduled action at ``when`` (the whole of it with ``cron``: the
        decision of split tests, then the due steps), emails then sent."""
        with self.at(when):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.mock_mail_gateway(mail_unlink_sent=False):
                if cron:
                    self.env["crm.nurture.sequence"]._cron_process()
                else:
                    self.env["crm.nurture.trace"]._process_due()
                self.env["mail.mail"].process_email_queue()
            self.env.invalidate_all()

    def start_flow(self, flow, leads):
        with self.at(self.T0):
            flow.with_user(self.user_manager).action_start()
            flow._enroll_leads(leads)
        self.run_engine(self.T0)

    def traces(self, step):
        return self.env["crm.nurture.trace"].search([("step_id", "=", step.id)])

    def click(self, step, leads, when, context=None):
        """The person of each of ``leads`` clicks the link of ``step``'s email
        (through the click route's request ``context``: a scanner's; by code
        without one: a person's)."""
        url = LINK_A if "catalogue" in step.name else LINK_B
        code = self.env["link.tracker.code"].search(
            [
                ("link_id.mass_mailing_id", "=", step.mailing_id.id),
                ("link_id.url", "=", url),
            ],
            limit=1,
        )
        self.assertTrue(code, "the link is tracked in the variant's email")
        mails = self.traces(step).filtered(lambda t: t.lead_id in leads)
        self.assertEqual(len(mails), len(leads))
        with self.at(when):
            for trace in mails:
                self.env["link.tracker.click"].with_context(
                    **(context or {})
                ).sudo().add_click(
                    code.code,
                    mailing_trace_id=trace.mailing_trace_id.id,
                    ip=PERSON_ADDRESS,
                )
            self.env.flush_all()

    def split_between(self, flow, variant_a, variant_b, rate_a, rate_b):
        """Start ``flow`` with the 200 leads; the given share of each variant's
        participants clicks a day later. Return each variant's leads and
        clickers."""
        self.start_flow(flow, self.first_leads)
        leads_a = self.traces(variant_a).lead_id
        leads_b = self.traces(variant_b).lead_id
        self.assertEqual(len(leads_a) + len(leads_b), 200)
        clickers_a = leads_a.sorted("id")[: round(rate_a * len(leads_a))]
        clickers_b = leads_b.sorted("id")[: round(rate_b * len(leads_b))]
        day1 = self.T0 + self.days(1)
        self.click(variant_a, clickers_a, day1)
        self.click(variant_b, clickers_b, day1)
        return leads_a, leads_b, clickers_a, clickers_b

    def test_clear_difference_decides_after_the_wait(self):
        """200 participants, 40 % of one variant's click against 5 % of the
        other's: nothing decided before the wait; after it the scheduled action
        decides for the first, records the numbers, and every later participant
        takes it. The marketing user reads the numbers, the salesperson the
        nurture info of the leads, and neither may choose a winner."""
        flow, split, variant_a, variant_b = self.make_flow()
        leads_a, leads_b, clickers_a, clickers_b = self.split_between(
            flow, variant_a, variant_b, 0.40, 0.05
        )
        # Each participant went down one variant, about half each, every email
        # sent.
        self.assertFalse(leads_a & leads_b)
        self.assertTrue(70 <= len(leads_a) <= 130, len(leads_a))
        self.assertEqual(set(self.traces(split).mapped("state")), {"done"})
        self.assertEqual(
            set((self.traces(variant_a) | self.traces(variant_b)).mapped("state")),
            {"done"},
        )
        # Before the wait: the participants do not count yet.
        self.run_engine(self.T0 + self.days(2.9), cron=True)
        self.assertFalse(split.split_winner_id)
        marketer_a = variant_a.with_user(self.user_marketer)
        with self.at(self.T0 + self.days(2.9)):
            self.assertEqual(marketer_a.split_participant_count, len(leads_a))
            self.assertEqual(marketer_a.split_counted_count, 0)
        # After the wait: decided, for the first, by the test itself.
        decided_at = self.T0 + self.days(3)
        self.run_engine(decided_at, cron=True)
        self.assertEqual(split.split_winner_id, variant_a)
        self.assertEqual(split.split_decided_on, decided_at)
        self.assertFalse(split.split_decided_uid)
        z = split_test.z_score(
            len(clickers_a), len(leads_a), len(clickers_b), len(leads_b)
        )
        confidence = split_test.normal_cdf(z)
        _logger.info(
            "Split test decided: A %s/%s clicked, B %s/%s, z=%.3f, confidence=%.10f",
            len(clickers_a),
            len(leads_a),
            len(clickers_b),
            len(leads_b),
            z,
            confidence,
        )
        numbers = {v["id"]: v for v in split.split_decision["variants"]}
        self.assertEqual(numbers[variant_a.id]["counted"], len(leads_a))
        self.assertEqual(numbers[variant_a.id]["goal"], len(clickers_a))
        self.assertEqual(numbers[variant_b.id]["goal"], len(clickers_b))
        self.assertAlmostEqual(numbers[variant_b.id]["z"], z)
        self.assertAlmostEqual(numbers[variant_b.id]["confidence"], confidence)
        self.assertGreater(confidence, 0.999)
        self.assertIn("The new catalogue won", split.split_decision_summary)
        self.assertIn("The new catalogue won", flow.message_ids[:1].body.striptags())
        # The numbers, as the marketing user reads them.
        marketer_a.invalidate_recordset()
        self.assertTrue(marketer_a.split_is_winner)
        self.assertEqual(marketer_a.split_counted_count, len(leads_a))
        self.assertAlmostEqual(
            marketer_a.split_goal_rate,
            round(100.0 * len(clickers_a) / len(leads_a), 2),
        )
        self.assertAlmostEqual(
            variant_b.with_user(self.user_marketer).split_confidence,
            round(100.0 * confidence, 2),
        )
        # The flow picture: the shares on the arrows, the winner marked.
        boxes = {box["name"]: box for box in flow.flow_data["steps"]}
        self.assertTrue(boxes["The new catalogue"]["split"]["winner"])
        self.assertFalse(boxes["10 % off to come back"]["split"]["winner"])
        self.assertEqual(
            boxes["The new catalogue"]["when"], "Winner: every participant"
        )
        self.assertEqual(boxes["10 % off to come back"]["when"], "Was 50 %")
        # Later participants all take the winner.
        with self.at(self.T0 + self.days(4)):
            flow._enroll_leads(self.later_leads)
        self.run_engine(self.T0 + self.days(4))
        self.assertEqual(
            self.traces(variant_a)
            .filtered(lambda t: t.lead_id in self.later_leads)
            .mapped("state"),
            ["done"] * 20,
        )
        self.assertFalse(
            self.traces(variant_b).filtered(lambda t: t.lead_id in self.later_leads)
        )
        # The salesperson sees the leads' participation, not the test's controls.
        lead = self.later_leads[0].with_user(self.user_salesman)
        self.assertEqual(
            lead.nurture_participant_ids.current_step_id.name, "The new catalogue"
        )
        with mute_logger("odoo.addons.base.models"), self.assertRaises(AccessError):
            variant_b.with_user(self.user_salesman).action_split_choose_winner()
        with mute_logger("odoo.addons.base.models"), self.assertRaises(AccessError):
            variant_b.with_user(self.user_marketer).action_split_choose_winner()
        with self.assertRaises(UserError):
            variant_b.with_user(self.user_manager).action_split_choose_winner()

    def test_no_clear_difference_no_decision(self):
        """12 % against 10 %: every variant has enough counted participants long
        after the wait, yet the test does not decide; the draw goes on."""
        flow, split, variant_a, variant_b = self.make_flow()
        leads_a, leads_b, clickers_a, clickers_b = self.split_between(
            flow, variant_a, variant_b, 0.12, 0.10
        )
        self.run_engine(self.T0 + self.days(10), cron=True)
        self.assertFalse(split.split_winner_id)
        self.assertFalse(split.split_decision)
        z = split_test.z_score(
            len(clickers_a), len(leads_a), len(clickers_b), len(leads_b)
        )
        _logger.info(
            "Split test undecided: A %s/%s clicked, B %s/%s, z=%.3f, confidence=%.4f",
            len(clickers_a),
            len(leads_a),
            len(clickers_b),
            len(leads_b),
            z,
            split_test.normal_cdf(z),
        )
        self.assertLess(split_test.normal_cdf(z), 0.95)
        self.assertGreaterEqual(variant_a.split_counted_count, 50)
        self.assertGreaterEqual(variant_b.split_counted_count, 50)
        self.assertLess(max(variant_a.split_confidence, variant_b.split_confidence), 95)
        with self.at(self.T0 + self.days(11)):
            flow._enroll_leads(self.later_leads)
        self.run_engine(self.T0 + self.days(11))
        later = (self.traces(variant_a) | self.traces(variant_b)).filtered(
            lambda t: t.lead_id in self.later_leads
        )
        self.assertEqual(len(later), 20)

    def test_same_variant_when_run_again(self):
        """A split run again for a participant (its step traces gone, the split
        due again) sends it down the same variant: the draw depends on the
        participant and the split only."""
        flow, split, variant_a, variant_b = self.make_flow()
        leads = self.first_leads[:40]
        self.start_flow(flow, leads)
        first = {
            t.participant_id: t.step_id
            for t in self.traces(variant_a) | self.traces(variant_b)
        }
        self.assertEqual(len(first), 40)
        self.assertEqual(len(set(first.values())), 2, "both variants drawn")
        (self.traces(variant_a) | self.traces(variant_b)).unlink()
        self.traces(split).write({"state": "scheduled", "date_done": False})
        self.participants(flow).write({"state": "running", "date_done": False})
        self.run_engine(self.T0 + self.days(1))
        again = {
            t.participant_id: t.step_id
            for t in self.traces(variant_a) | self.traces(variant_b)
        }
        self.assertEqual(again, first)
        self.assertEqual(split._split_choose(self.participants(flow)), first)

    def participants(self, flow):
        return self.env["crm.nurture.participant"].search(
            [("sequence_id", "=", flow.id)]
        )

    def test_machine_clicks_do_not_count(self):
        """A security scanner clicking every email of one variant is no goal: no
        decision, none of its clicks counted; a person's clicks are."""
        flow, split, variant_a, variant_b = self.make_flow(split_min_participants=1)
        leads = self.first_leads[:60]
        self.start_flow(flow, leads)
        leads_a = self.traces(variant_a).lead_id
        leads_b = self.traces(variant_b).lead_id
        self.click(variant_a, leads_a, self.T0 + self.days(1), context=SCANNER)
        self.run_engine(self.T0 + self.days(4), cron=True)
        self.assertFalse(split.split_winner_id)
        self.assertEqual(variant_a.split_counted_count, len(leads_a))
        self.assertEqual(variant_a.split_goal_count, 0)
        self.click(variant_b, leads_b, self.T0 + self.days(4))
        self.env.invalidate_all()
        self.assertEqual(variant_b.split_goal_count, len(leads_b))
        self.run_engine(self.T0 + self.days(5), cron=True)
        self.assertEqual(split.split_winner_id, variant_b)

    def test_manual_winner(self):
        """In manual mode a clear difference decides nothing by itself; the
        nurture manager picks a variant with the same numbers shown (here the
        worse one), and later participants take it."""
        flow, split, variant_a, variant_b = self.make_flow(split_winner="manual")
        self.split_between(flow, variant_a, variant_b, 0.40, 0.05)
        self.run_engine(self.T0 + self.days(5), cron=True)
        self.assertFalse(split.split_winner_id)
        self.assertTrue(variant_a.split_is_best)
        self.assertGreater(variant_b.split_confidence, 99.9)
        shown = variant_b.split_confidence
        with self.at(self.T0 + self.days(5)):
            variant_b.with_user(self.user_manager).action_split_choose_winner()
        self.assertEqual(split.split_winner_id, variant_b)
        self.assertEqual(split.split_decided_uid, self.user_manager)
        numbers = {v["id"]: v for v in split.split_decision["variants"]}
        self.assertAlmostEqual(100 * numbers[variant_b.id]["confidence"], shown, 2)
        with self.at(self.T0 + self.days(6)):
            flow._enroll_leads(self.later_leads)
        self.run_engine(self.T0 + self.days(6))
        self.assertEqual(
            len(
                self.traces(variant_b).filtered(lambda t: t.lead_id in self.later_leads)
            ),
            20,
        )

    def test_edited_after_the_test(self):
        """A variant's email edited after the decision is shown as such; edited
        before it, or not edited, it is not."""
        flow, split, variant_a, variant_b = self.make_flow(split_winner="manual")
        self.start_flow(flow, self.first_leads[:10])
        with self.at(self.T0 + self.days(1)):
            variant_a.mailing_id.subject = "The new catalogue, at last"
        with self.at(self.T0 + self.days(2)):
            variant_a.with_user(self.user_manager).action_split_choose_winner()
        self.env.invalidate_all()
        self.assertFalse(variant_a.split_edited_after_test)
        self.assertFalse(variant_b.split_edited_after_test)
        with self.at(self.T0 + self.days(3)):
            variant_b.mailing_id.body_html = "<p>Now 15 % off</p>"
        self.env.invalidate_all()
        self.assertFalse(variant_a.split_edited_after_test)
        self.assertTrue(variant_b.split_edited_after_test)
        boxes = {box["name"]: box for box in flow.flow_data["steps"]}
        self.assertTrue(boxes["10 % off to come back"]["split"]["edited"])
        # Sending it again (the mailing's state and dates written) is no edit.
        with self.at(self.T0 + self.days(4)):
            flow._enroll_leads(self.later_leads[:3])
        self.run_engine(self.T0 + self.days(4))
        later = self.traces(variant_a).filtered(
            lambda t: t.lead_id in self.later_leads[:3]
        )
        self.assertEqual(later.mapped("state"), ["done"] * 3)
        self.env.invalidate_all()
        self.assertFalse(variant_a.split_edited_after_test)

    def test_validation(self):
        """Shares must be whole percents 1..100 adding up to 100 over at least
        two variants, checked when the whole save is done; a variant runs right
        after the split and starts with its email; the split's numbers are
        bounded; the success goal needs a success rule."""
        flow, split, variant_a, variant_b = self.make_flow()
        manager_split = split.with_user(self.user_manager)
        # Both shares changed in one save of the sequence form: accepted.
        flow.with_user(self.user_manager).write(
            {
                "step_ids": [
                    Command.update(variant_a.id, {"split_percent": 70}),
                    Command.update(variant_b.id, {"split_percent": 30}),
                ]
            }
        )
        self.assertEqual((variant_a.split_percent, variant_b.split_percent), (70, 30))
        manager_split.write(
            {
                "child_ids": [
                    Command.update(variant_a.id, {"split_percent": 40}),
                    Command.update(variant_b.id, {"split_percent": 60}),
                ]
            }
        )
        self.assertEqual((variant_a.split_percent, variant_b.split_percent), (40, 60))
        with self.assertRefused("add up to 110"):
            variant_a.with_user(self.user_manager).split_percent = 50
        with self.assertRefused("whole percent from 1 to 100"):
            manager_split.write(
                {
                    "child_ids": [
                        Command.update(variant_a.id, {"split_percent": 0}),
                        Command.update(variant_b.id, {"split_percent": 100}),
                    ]
                }
            )
        with self.assertRefused("at least two variants"):
            variant_b.with_user(self.user_manager).unlink()
        with self.assertRefused("add up to 140"):
            self.env["crm.nurture.step"].with_user(self.user_manager).create(
                {
                    "name": "A third",
                    "parent_id": split.id,
                    "trigger": "after_parent",
                    "split_percent": 40,
                }
            )
        # Any other trigger is refused (the base checks catch most already).
        with self.assertRefused("After the previous step|waits on an email"):
            variant_a.with_user(self.user_manager).write(
                {"trigger": "opened", "delay": 3}
            )
        with self.assertRefused("starts with the email"):
            variant_a.with_user(self.user_manager).write(
                {
                    "action": "add_tags",
                    "tag_ids": [
                        Command.link(self.env.ref("sales_team.categ_oppor1").id)
                    ],
                }
            )
        for values, message in (
            ({"split_min_participants": 0}, "choose from 1 to 1000000"),
            ({"split_min_participants": 1000001}, "choose from 1 to 1000000"),
            ({"split_wait_days": -1}, "choose from 0 to 365"),
            ({"split_wait_days": 366}, "choose from 0 to 365"),
        ):
            with self.subTest(values=values):
                with self.assertRefused(message):
                    manager_split.write(values)
        flow.success_won = False
        with self.assertRefused("has no success rule"):
            manager_split.split_goal = "success"
        # A content editor changes words, not the test.
        with mute_logger("odoo.addons.base.models"), self.assertRaises(AccessError):
            split.with_user(self.user_editor).split_min_participants = 10

    def test_template_copy_keeps_the_split_not_the_decision(self):
        """A copy of a sequence with a split has the split and its shares, each
        variant with its own email, and no decision."""
        flow, split, variant_a, variant_b = self.make_flow(split_winner="manual")
        with self.at(self.T0):
            variant_a.with_user(self.user_manager).action_split_choose_winner()
        copy = flow.with_user(self.user_manager).copy()
        copied_split = copy.step_ids.filtered(lambda s: s.action == "split")
        self.assertEqual(
            copied_split._split_variants().mapped("split_percent"), [50, 50]
        )
        self.assertFalse(copied_split.split_winner_id)
        self.assertFalse(copied_split.split_decision)
        self.assertFalse(copied_split.child_ids.mailing_id & split.child_ids.mailing_id)

    def test_split_made_in_its_form(self):
        """The nurture manager makes a split and its two variants in the step
        form at once (the variants get the split's sequence, run right after it
        and get an email each); shares that do not add up are refused on save."""
        flow, _split, _a, _b = self.make_flow()
        Step = self.env["crm.nurture.step"].with_user(self.user_manager)
        form = Form(Step.with_context(default_sequence_id=flow.id))
        form.name = "Subject lines"
        form.action = "split"
        form.split_goal = "opened"
        for name, percent in (("Short subject", 30), ("Long subject", 70)):
            with form.child_ids.new() as variant:
                variant.name = name
                variant.split_percent = percent
        split = form.save()
        variants = split._split_variants()
        self.assertEqual(variants.mapped("split_percent"), [30, 70])
        self.assertEqual(variants.sequence_id, flow)
        self.assertEqual(set(variants.mapped("trigger")), {"after_parent"})
        self.assertEqual(len(variants.mailing_id), 2)
        form = Form(split)
        with form.child_ids.edit(0) as variant:
            variant.split_percent = 40
        with self.assertRefused("add up to 110"):
            form.save()

    def test_test_run_goes_down_one_variant(self):
        """A content editor's test run through the split goes down one variant
        (the draw, as for a real participant), its email to the test address;
        the test's numbers leave it out."""
        flow, split, variant_a, variant_b = self.make_flow()
        with self.at(self.T0):
            wizard = (
                self.env["crm.nurture.test.wizard"]
                .with_user(self.user_editor)
                .create({"sequence_id": flow.id, "email": "tester@example.com"})
            )
            run = (
                self.env["crm.nurture.participant"]
                .with_user(self.user_editor)
                .browse(wizard.action_start_test()["res_id"])
            )
        with self.at(self.T0), self.mock_mail_gateway():
            run.action_test_run_next_step()
        variant = run.trace_ids.filtered(lambda t: t.step_id != split).step_id
        self.assertEqual(len(variant), 1)
        self.assertIn(variant, variant_a | variant_b)
        self.assertEqual(variant, split._split_choose(run)[run])
        with self.at(self.T0), self.mock_mail_gateway():
            run.action_test_run_next_step()
        self.assertEqual(
            self._new_mails.filtered(
                lambda m: m.email_to == "tester@example.com"
            ).mapped("subject"),
            [f"[TEST] {variant.name}"],
        )
        self.env.invalidate_all()
        self.assertEqual(variant.split_participant_count, 0)
