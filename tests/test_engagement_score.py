# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import random
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import Cursor
from odoo.tests import freeze_time, tagged

from ..engagement_score import SCORE_PARAM
from ..models import crm_lead_engagement_score
from .common_nurture import NurtureSequenceCommon
from .test_engagement_signals import APPLE_ADDRESS, APPLE_PREFETCH, BROWSER, route

DAY = timedelta(days=1)


class EngagementScoreCommon(NurtureSequenceCommon):
    """The restock sequence's first email sent to three leads of a salesperson,
    and helpers to open and click it as a person or a machine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ann, cls.bob, cls.cid = cls.leads
        cls.leads.write({"user_id": cls.user_salesman.id})
        cls.week1.mailing_id.body_html = (
            '<p><a href="https://www.example.com/teapot">teapot</a> '
            '<a href="https://www.example.com/cups">cups</a></p>'
        )

    def send_week1(self):
        self.start_with(self.leads)
        self.process(self.T0)

    def trace(self, lead):
        return self.week1.mailing_id.mailing_trace_ids.filtered(
            lambda mail: mail.res_id == lead.id
        )

    def click(
        self, lead, when, user_agent=BROWSER, url="https://www.example.com/teapot"
    ):
        code = (
            self.env["link.tracker.code"]
            .search(
                [
                    ("link_id.url", "=", url),
                    ("link_id.mass_mailing_id", "=", self.week1.mailing_id.id),
                ],
                limit=1,
            )
            .code
        )
        with self.at(when):
            self.env["link.tracker.click"].with_context(
                **route(user_agent)
            ).sudo().add_click(
                code, ip="198.51.100.7", mailing_trace_id=self.trace(lead).id
            )

    def open(self, lead, when, user_agent=BROWSER, address="198.51.100.7"):
        with self.at(when):
            self.trace(lead).with_context(
                **route(user_agent, address)
            ).sudo().set_opened()

    def score(self, lead, when, user=None):
        """The lead's score at ``when``, read as ``user`` (the salesperson)."""
        with self.at(when):
            lead.invalidate_recordset(["engagement_score"])
            return lead.with_user(user or self.user_salesman).engagement_score

    def add_points(self, lead, points, when):
        with self.at(when):
            self.env["crm.lead"]._engagement_add_points({lead.id: points})

    @contextmanager
    def count_updates(self):
        """The statements that update leads or step traces, as they run."""
        statements = []
        execute = Cursor.execute

        def counting(cr, query, params=None, log_exceptions=True):
            text = " ".join(str(getattr(query, "code", query)).split())
            text = text.replace('"', "").upper()
            if text.startswith("UPDATE"):
                statements.append(text)
            return execute(cr, query, params, log_exceptions)

        with patch.object(Cursor, "execute", counting):
            yield statements


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestEngagementScorePoints(EngagementScoreCommon):
    """Points for what a person does, fading with the half-life."""

    def setUp(self):
        super().setUp()
        self.send_week1()

    def test_recent_clicks_beat_an_old_click(self):
        """A lead clicked three times this week scores above one clicked once
        three months ago, read by the salesperson and the marketing user."""
        self.click(self.ann, self.T0 + timedelta(hours=1))
        now = self.T0 + 95 * DAY
        for day in (91, 92, 94):
            self.click(self.bob, self.T0 + day * DAY)
        for user in (self.user_salesman, self.user_marketer):
            old, recent = (
                self.score(self.ann, now, user),
                self.score(self.bob, now, user),
            )
            self.assertGreater(recent, old)
            # 1 open + 3 clicks of 3 points, a few days old; 1 + 3 three months old.
            self.assertAlmostEqual(old, 4 * 2 ** (-(95 * 24 - 1) / (30 * 24)), places=6)
            self.assertGreater(recent, 8)
        with self.at(now):
            warm = (
                self.env["crm.lead"]
                .with_user(self.user_salesman)
                .search([("id", "in", self.leads.ids), ("engagement_score", ">", 2)])
            )
        self.assertEqual(warm, self.bob)

    def test_decay_halves_after_a_half_life(self):
        """Points count for half after one half-life, a quarter after two; new
        points add to what is left."""
        self.add_points(self.cid, 10, self.T0)
        self.assertAlmostEqual(self.score(self.cid, self.T0), 10, places=9)
        self.assertAlmostEqual(self.score(self.cid, self.T0 + 30 * DAY), 5, places=9)
        self.assertAlmostEqual(self.score(self.cid, self.T0 + 60 * DAY), 2.5, places=9)
        self.add_points(self.cid, 10, self.T0 + 30 * DAY)
        self.assertAlmostEqual(self.score(self.cid, self.T0 + 30 * DAY), 15, places=9)
        self.assertAlmostEqual(self.score(self.cid, self.T0 + 60 * DAY), 7.5, places=9)

    def test_machine_opens_and_clicks_add_nothing(self):
        """A privacy proxy's prefetch, a scanner's click and a click seconds after
        delivery earn nothing; a person's open and click do."""
        when = self.T0 + timedelta(hours=1)
        self.open(
            self.ann, self.T0 + timedelta(seconds=1), APPLE_PREFETCH, APPLE_ADDRESS
        )
        self.click(self.ann, self.T0 + timedelta(seconds=2))  # too soon
        self.click(self.ann, when, "Mimecast URL Protect")
        self.assertEqual(self.score(self.ann, when), 0)
        self.assertFalse(self.ann.engagement_anchor)
        self.open(self.ann, when)
        self.assertAlmostEqual(self.score(self.ann, when), 1, places=9)
        self.click(self.ann, when)
        self.assertAlmostEqual(self.score(self.ann, when), 4, places=9)

    def test_every_link_at_once_is_withdrawn(self):
        """A scanner opening every link: the first click's points (and the open
        it stood for) go when the burst is noticed."""
        when = self.T0 + timedelta(hours=1)
        self.click(self.cid, when)
        self.assertAlmostEqual(self.score(self.cid, when), 4, places=9)
        self.click(
            self.cid, when + timedelta(seconds=1), url="https://www.example.com/cups"
        )
        self.assertEqual(self.score(self.cid, when), 0)

    def test_open_click_reply_points(self):
        """An email's first open earns the open's points once, each click and
        reply theirs; a click through Odoo's code path counts as through the
        route (the open once)."""
        mailing = self.week1.mailing_id
        with self.at(self.T0 + timedelta(hours=1)):
            self.gateway_mail_trace_open(mailing, self.ann)
            self.gateway_mail_trace_open(mailing, self.ann)
        self.assertAlmostEqual(self.score(self.ann, self.T0 + timedelta(hours=1)), 1, 9)
        with self.at(self.T0 + timedelta(hours=1)):
            self.gateway_mail_trace_click(mailing, self.ann, "teapot")
            self.gateway_mail_trace_click(mailing, self.bob, "teapot")
            self.gateway_mail_trace_reply(mailing, self.cid)
        when = self.T0 + timedelta(hours=1)
        self.assertAlmostEqual(self.score(self.ann, when), 4, places=9)
        self.assertAlmostEqual(self.score(self.bob, when), 4, places=9)
        self.assertAlmostEqual(self.score(self.cid, when), 6, places=9)

    def test_backfill_from_history(self):
        """The scores made at install or upgrade from the emails' history are
        those the events gave as they happened; leads with a score keep it."""
        mailing = self.week1.mailing_id
        when = self.T0 + timedelta(hours=1)
        with self.at(when):
            self.gateway_mail_trace_open(mailing, self.ann)
            self.gateway_mail_trace_click(mailing, self.ann, "teapot")
            self.gateway_mail_trace_reply(mailing, self.cid)
        self.click(self.bob, self.T0 + 3 * DAY)
        later = self.T0 + 10 * DAY
        live = {lead: self.score(lead, later) for lead in self.leads}
        self.assertTrue(all(live.values()))
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET engagement_anchor = NULL WHERE id IN %s",
            [tuple((self.ann | self.cid).ids)],
        )
        self.add_points(self.bob, 1, later)
        self.leads.invalidate_recordset()
        with self.at(later):
            self.assertEqual(self.env["crm.lead"]._engagement_backfill(), 2)
        for lead in self.ann | self.cid:
            self.assertAlmostEqual(self.score(lead, later), live[lead], places=6)
        self.assertAlmostEqual(
            self.score(self.bob, later), live[self.bob] + 1, places=6
        )

    def test_points_cost_one_update(self):
        """The points of an event update the lead's row once (and look once for
        steps waiting on a score); no other lead is touched."""
        before = {lead: lead.engagement_anchor for lead in (self.bob, self.cid)}
        with self.count_updates() as statements:
            self.click(self.ann, self.T0 + timedelta(hours=1))
        lead_updates = [s for s in statements if s.startswith("UPDATE CRM_LEAD ")]
        self.assertEqual(len(lead_updates), 1, statements)
        self.assertIn("WHERE LEAD.ID = PTS.ID", lead_updates[0])
        score_steps = [
            s for s in statements if s.startswith("UPDATE CRM_NURTURE_TRACE AS TRACE")
        ]
        self.assertLessEqual(len(score_steps), 1, statements)
        for lead, anchor in before.items():
            self.assertEqual(lead.engagement_anchor, anchor)
        with self.count_updates() as statements, self.at(self.T0):
            self.env["crm.lead"]._engagement_add_points(
                {lead.id: 2 for lead in self.leads}
            )
        self.assertEqual(
            len([s for s in statements if s.startswith("UPDATE CRM_LEAD ")]),
            1,
            "one statement per batch",
        )

    def test_merged_leads_add_up(self):
        """Merging leads adds their scores on the lead that remains."""
        self.add_points(self.ann, 10, self.T0)
        self.add_points(self.bob, 5, self.T0)
        with self.at(self.T0):
            head = (self.ann | self.bob)._merge_opportunity(auto_unlink=True)
        self.assertAlmostEqual(self.score(head, self.T0, self.env.user), 15, places=6)

    def test_nobody_writes_the_score(self):
        """The score is read-only for salespeople and marketing users."""
        self.add_points(self.ann, 5, self.T0)
        for user in (self.user_salesman, self.user_marketer):
            with self.assertRaises(UserError):
                self.ann.with_user(user).write({"engagement_anchor": 99.0})
        self.assertAlmostEqual(self.score(self.ann, self.T0), 5, places=9)


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestEngagementScoreSearch(EngagementScoreCommon):
    """The score searched, sorted and set up like any field."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.many = cls.make_leads([f"score{i}" for i in range(120)])
        cls.many.write({"user_id": cls.user_salesman.id})
        rng = random.Random(24)
        # Points at random moments of the last 200 days; a third of them none.
        for lead in cls.many:
            for _event in range(rng.choice([0, 0, 1, 2, 5])):
                when = cls.T0 - timedelta(days=rng.uniform(0, 200))
                with freeze_time(when):
                    cls.env["crm.lead"]._engagement_add_points(
                        {lead.id: rng.choice([1, 3, 5])}
                    )

    def test_operators_match_the_computed_scores(self):
        """Every operator gives the leads whose computed score satisfies it."""
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        now = self.T0 + 3 * DAY

        def equal(score, value):
            # Equal to two decimals, as shown; 0 is no score.
            return score == 0 if value == 0 else abs(score - value) < 0.005

        ops = {
            ">": float.__gt__,
            ">=": float.__ge__,
            "<": float.__lt__,
            "<=": float.__le__,
            "=": equal,
            "!=": lambda score, value: not equal(score, value),
        }
        with self.at(now):
            leads = Lead.browse(self.many.ids)
            scores = {lead: lead.engagement_score for lead in leads}
            self.assertTrue(any(scores.values()) and not all(scores.values()))
            shown = round(next(score for score in scores.values() if score), 2)
            for value in (-1, 0, False, 0.5, 1, 2.5, 4, 10, 40, shown):
                for op, test in ops.items():
                    found = Lead.search(
                        [("id", "in", self.many.ids), ("engagement_score", op, value)]
                    )
                    expected = leads.filtered(
                        lambda lead, op=test, v=value: op(scores[lead], float(v or 0))
                    )
                    self.assertEqual(found, expected, f"score {op} {value}")
            # Values as shown (two decimals): those of some leads, and 0.
            some = [0.0] + [round(score, 2) for score in list(scores.values())[:40:7]]
            self.assertTrue(any(some[1:]))
            for op, wanted in (("in", True), ("not in", False)):
                found = Lead.search(
                    [("id", "in", self.many.ids), ("engagement_score", op, some)]
                )
                expected = leads.filtered(
                    lambda lead, w=wanted: any(equal(scores[lead], v) for v in some)
                    == w
                )
                self.assertEqual(found, expected, f"score {op} {some}")

    def test_sorted_by_score(self):
        """Ordering by the score (the list's header) follows the computed
        scores, leads without a score last when descending, first ascending."""
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        fields_info = Lead.fields_get(
            ["engagement_score", "engagement_anchor"], ["sortable", "searchable"]
        )
        self.assertTrue(fields_info["engagement_score"]["sortable"])
        self.assertTrue(fields_info["engagement_score"]["searchable"])
        # Filters offer the score, not its anchor.
        self.assertFalse(fields_info["engagement_anchor"]["searchable"])
        with self.at(self.T0):
            desc = Lead.search(
                [("id", "in", self.many.ids)], order="engagement_score desc, id"
            )
            asc = Lead.search(
                [("id", "in", self.many.ids)], order="engagement_score, id"
            )
            desc_scores = desc.mapped("engagement_score")
            asc_scores = asc.mapped("engagement_score")
        self.assertEqual(desc_scores, sorted(desc_scores, reverse=True))
        self.assertEqual(asc_scores, sorted(asc_scores))
        self.assertEqual(desc_scores[-1], 0)
        self.assertGreater(desc_scores[0], 0)

    def test_views_show_the_score(self):
        """The leads' and the pipeline's list, kanban, form and search views show
        the score to the salesperson (a column, a badge, under the title, the
        Warm filter)."""
        Lead = self.env["crm.lead"].with_user(self.user_salesman)
        for view_type, list_xmlid in (
            ("lead", "crm.crm_case_tree_view_leads"),
            ("opportunity", "crm.crm_case_tree_view_oppor"),
        ):
            views = Lead.get_views(
                [
                    (self.env.ref(list_xmlid).id, "list"),
                    (False, "kanban"),
                    (False, "form"),
                    (False, "search"),
                ]
            )["views"]
            for kind in ("list", "kanban", "form", "search"):
                self.assertIn(
                    "engagement_score", views[kind]["arch"], f"{view_type} {kind}"
                )
            self.assertIn("filter_engagement_warm", views["search"]["arch"])

    def test_mailing_recipients_by_score(self):
        """A lead mailing's filter "score above 40" reaches the warm leads only."""
        hot = self.ann
        self.add_points(hot, 50, self.T0)
        self.add_points(self.bob, 39, self.T0)
        with self.at(self.T0 + timedelta(hours=1)):
            mailing = (
                self.env["mailing.mailing"]
                .with_user(self.user_marketer)
                .create(
                    {
                        "subject": "Warm again",
                        "body_html": "<p>Hi</p>",
                        "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                        "mailing_domain": repr(
                            [
                                ("name", "=like", "Nurtrec %"),
                                ("engagement_score", ">", 40),
                            ]
                        ),
                    }
                )
            )
            recipients = mailing._get_recipients()
        self.assertEqual(recipients, [hot.id])

    def test_half_life_change_keeps_the_scores(self):
        """A new half-life rescales every score once: the scores stay, and fade
        at the new pace from then on."""
        with self.at(self.T0):
            before = {lead: lead.engagement_score for lead in self.many}
            settings = self.env["res.config.settings"].create(
                {"engagement_half_life_days": 10}
            )
            with self.count_updates() as statements:
                settings.execute()
            self.assertFalse(
                [s for s in statements if s.startswith("UPDATE CRM_LEAD ")],
                "no lead rewritten",
            )
            self.assertEqual(
                self.env["ir.config_parameter"].get_param(
                    SCORE_PARAM % "half_life_days"
                ),
                "10",
            )
            self.many.invalidate_recordset()
            for lead in self.many:
                self.assertAlmostEqual(lead.engagement_score, before[lead], places=6)
        with self.at(self.T0 + 10 * DAY):
            self.many.invalidate_recordset()
            for lead in self.many:
                self.assertAlmostEqual(
                    lead.engagement_score, before[lead] / 2, places=6
                )
            # Points after the change, and a second change back, keep the scores.
            self.add_points(self.ann, 8, self.T0 + 10 * DAY)
            self.assertAlmostEqual(self.score(self.ann, self.T0 + 10 * DAY), 8, 9)
            self.env["res.config.settings"].create(
                {"engagement_half_life_days": 30}
            ).execute()
        self.assertAlmostEqual(self.score(self.ann, self.T0 + 40 * DAY), 4, places=9)
        with self.at(self.T0 + 40 * DAY):
            self.assertEqual(
                self.env["crm.lead"].search(
                    [("id", "=", self.ann.id), ("engagement_score", ">=", 3.99)]
                ),
                self.ann,
            )

    def test_settings_validated(self):
        """Points are 0 to 1000, the half-life 1 to 3650 days."""
        Settings = self.env["res.config.settings"]
        for values in (
            {"engagement_points_click": 1001},
            {"engagement_points_open": -1},
            {"engagement_points_inbound": 5000},
            {"engagement_half_life_days": 0},
            {"engagement_half_life_days": 3651},
        ):
            with self.assertRaises(ValidationError, msg=str(values)):
                Settings.create(values)
        Settings.create(
            {"engagement_points_click": 1000, "engagement_half_life_days": 1}
        )

    def test_points_follow_settings(self):
        """A click earns the points set for clicks."""
        self.env["ir.config_parameter"].set_param(SCORE_PARAM % "points_click", "7")
        self.env["ir.config_parameter"].set_param(SCORE_PARAM % "points_open", "0")
        self.send_week1()
        self.click(self.cid, self.T0 + timedelta(hours=1))
        self.assertAlmostEqual(self.score(self.cid, self.T0 + timedelta(hours=1)), 7, 9)

    def test_visitor_leads_score(self):
        """A lead made by a website form (its route) or a live chat (its source)
        starts with the form's points; a lead typed in by a salesperson not."""
        fake = type(
            "Request",
            (),
            {"httprequest": type("H", (), {"path": "/website/form/crm.lead"})},
        )
        with self.at(self.T0), patch.object(crm_lead_engagement_score, "request", fake):
            form_lead = self.env["crm.lead"].create({"name": "From the website"})
        source = self.env["utm.source"].create({"name": "Livechat"})
        self.env["ir.model.data"].create(
            {
                "module": "crm_livechat",
                "name": "utm_source_livechat",
                "model": "utm.source",
                "res_id": source.id,
            }
        )
        # CRM Live Chat is not installed here: its source is, as it would be.
        modules = self.env.registry._init_modules | {"crm_livechat"}
        with (
            self.at(self.T0),
            patch.object(self.env.registry, "_init_modules", modules),
        ):
            chat_lead, typed = self.env["crm.lead"].create(
                [{"name": "From a chat", "source_id": source.id}, {"name": "Typed"}]
            )
        self.assertAlmostEqual(self.score(form_lead, self.T0, self.env.user), 5, 9)
        self.assertAlmostEqual(self.score(chat_lead, self.T0, self.env.user), 5, 9)
        self.assertEqual(self.score(typed, self.T0, self.env.user), 0)


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestEngagementScoreFlows(EngagementScoreCommon):
    """Sequences enroll on the score and steps act when it is reached; the
    reactivation wizard filters and orders by it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warm_sequence = cls.env["crm.nurture.sequence"].create(
            {
                "name": "Warm again",
                "user_id": cls.user_manager.id,
                "send_tz": "UTC",
                "enrollment_mode": "continuous",
                "domain": repr(
                    [
                        ("active", "in", [True, False]),
                        ("name", "=like", "Nurtrec %"),
                        ("engagement_score", ">=", 40),
                    ]
                ),
            }
        )
        cls.call_step = cls.env["crm.nurture.step"].create(
            {
                "sequence_id": cls.warm_sequence.id,
                "name": "Call them",
                "trigger": "score_reached",
                "trigger_score": 60,
                "delay": 30,
                "action": "activity",
                "activity_summary": "Warm lead: call",
            }
        )

    def activities(self, lead):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "=", lead.id),
                ("summary", "=", "Warm lead: call"),
            ]
        )

    def run_engine(self, when):
        with self.at(when):
            self.env.flush_all()
            self.env.invalidate_all()
            self.warm_sequence._enroll_matching()
        return self.process(when)

    def test_enrollment_on_the_score(self):
        """Leads join when their score reaches 40, in id batches (the engine's
        pagination), the others wait."""
        for lead, points in ((self.ann, 50), (self.bob, 45), (self.cid, 20)):
            self.add_points(lead, points, self.T0)
        with self.at(self.T0):
            self.warm_sequence.with_user(self.user_manager).action_start()
            first = self.warm_sequence._enroll_matching(limit=1)
            second = self.warm_sequence._enroll_matching(
                limit=1, after_id=first.lead_id.id
            )
            third = self.warm_sequence._enroll_matching(
                limit=1, after_id=second.lead_id.id
            )
        self.assertEqual(first.lead_id | second.lead_id, self.ann | self.bob)
        self.assertFalse(third)
        self.add_points(self.cid, 30, self.T0 + DAY)
        with self.at(self.T0 + DAY):
            later = self.warm_sequence._enroll_matching()
        self.assertEqual(later.lead_id, self.cid)

    def test_threshold_step_fires_once(self):
        """The step waits for 60 points within 30 days: it runs once when the
        score gets there (an activity for the salesperson), at once for a lead
        already there, and is not taken for a lead that never gets there."""
        for lead, points in ((self.ann, 45), (self.bob, 80), (self.cid, 41)):
            self.add_points(lead, points, self.T0)
        with self.at(self.T0):
            self.warm_sequence.with_user(self.user_manager).action_start()
        self.run_engine(self.T0)
        self.assertEqual(len(self.activities(self.bob)), 1, "already there")
        self.assertEqual(self.activities(self.bob).user_id, self.user_salesman)
        self.assertFalse(self.activities(self.ann))
        trace = self.warm_sequence.participant_ids.filtered(
            lambda p: p.lead_id == self.ann
        ).trace_ids
        self.assertEqual(trace.state, "scheduled")
        self.assertEqual(trace.scheduled_date, self.T0 + 30 * DAY)
        # Ann's score rises past 60 on day 2: her step is due then.
        self.add_points(self.ann, 30, self.T0 + 2 * DAY)
        self.assertEqual(trace.scheduled_date, self.T0 + 2 * DAY)
        self.assertEqual(trace.score_reached_date, self.T0 + 2 * DAY)
        self.run_engine(self.T0 + 2 * DAY)
        self.assertEqual(trace.state, "done")
        self.assertEqual(len(self.activities(self.ann)), 1)
        # More points, more runs: nothing twice.
        self.add_points(self.ann, 100, self.T0 + 3 * DAY)
        self.add_points(self.bob, 100, self.T0 + 3 * DAY)
        self.run_engine(self.T0 + 3 * DAY)
        self.assertEqual(len(self.activities(self.ann)), 1)
        self.assertEqual(len(self.activities(self.bob)), 1)
        # Cid never reaches 60: at the deadline the step is not taken.
        self.run_engine(self.T0 + 31 * DAY)
        cid = self.warm_sequence.participant_ids.filtered(
            lambda p: p.lead_id == self.cid
        )
        self.assertEqual(cid.trace_ids.state, "cancelled")
        self.assertFalse(self.activities(self.cid))

    def test_threshold_step_validated(self):
        """A score step needs a threshold above 0."""
        with self.assertRaises(ValidationError):
            self.call_step.trigger_score = 0
        self.assertIn("Score reaches 60", self.call_step._get_when_label())

    def test_wizard_filters_and_orders_by_score(self):
        """The reactivation wizard keeps the lost leads with a score of at least
        the minimum, warmest first, and its mailing filters the same way."""
        reason = self.env.ref("crm.lost_reason_1")
        with self.at(self.T0):
            self.leads.action_set_lost(lost_reason_id=reason.id)
        for lead, points in ((self.ann, 50), (self.bob, 70), (self.cid, 10)):
            self.add_points(lead, points, self.T0)
        with self.at(self.T0 + DAY):
            wizard = (
                self.env["crm.lead.reactivation.wizard"]
                .with_user(self.user_marketer)
                .create(
                    {
                        "lead_ids": [(6, 0, self.leads.ids)],
                        "excluded_stage_ids": [(5, 0, 0)],
                        "min_engagement_score": 40,
                    }
                )
            )
            self.assertEqual(wizard.lead_count, 2)
            self.assertEqual(wizard._get_leads_by_score(), self.bob | self.ann)
            self.assertEqual(wizard._get_leads_by_score()[0], self.bob)
            action = wizard.action_view_leads()
            self.assertEqual(
                action["views"][0][0],
                self.env.ref(
                    "mass_mailing_crm_nurture.crm_lead_view_list_reactivation_by_score"
                ).id,
            )
            mailing = wizard._create_mailing()
            self.assertIn("engagement_score", mailing.mailing_domain)
            self.assertEqual(
                sorted(mailing._get_recipients()), sorted((self.ann | self.bob).ids)
            )
            wizard.min_engagement_score = 0
            self.assertEqual(wizard.lead_count, 3)
            with self.assertRaises(ValidationError):
                wizard.min_engagement_score = -1
