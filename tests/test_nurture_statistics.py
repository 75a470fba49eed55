# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.tests import tagged

from .. import compat
from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureStatistics(NurtureSequenceCommon):
    """The cockpit's numbers against a hand-counted run of the restock flow:

    ann opens week 1, bob clicks it (and gets the "clicked" branch at once, then
    is converted and won), cid replies, dan bounces (and leaves), eve ignores it.
    A test run on ann's lead walks the flow alongside and counts nowhere.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dan, cls.eve = cls.make_leads(["dan", "eve"])
        cls.ann, cls.bob, cls.cid = cls.leads
        cls.all_leads = cls.leads | cls.dan | cls.eve
        cls.bob.write({"type": "lead", "expected_revenue": 1200})
        # An opportunity since before the sequence: not the sequence's doing.
        cls.cid.write({"type": "opportunity", "expected_revenue": 500})

    def run_hand_counted_flow(self):
        self.start_with(self.all_leads)
        self.assertEqual(self.process(self.T0), 5)
        self.cid.date_conversion = self.T0 - self.days(10)
        week1 = self.week1.mailing_id
        with self.at(self.T0 + self.days(1)):
            self.gateway_mail_trace_open(week1, self.ann)
            self.gateway_mail_trace_click(week1, self.bob, "teapot")
            self.gateway_mail_trace_reply(week1, self.cid)
            self.gateway_mail_trace_bounce(week1, self.dan)
        self.assertEqual(self.process(self.T0 + self.days(1)), 1)  # bob: clicked branch
        with self.at(self.T0 + self.days(3)):
            self.bob.convert_opportunity(self.env["res.partner"])
            self.bob.action_set_won()
        # ann, cid, eve: "not clicked" runs, "clicked" cancelled; dan bounced: he
        # leaves at his first due step, which cancels his second before its turn.
        self.assertEqual(self.process(self.T0 + self.days(7)), 7)
        # bob's last call: none, he succeeded as soon as he was won.
        self.assertEqual(self.bob_participant().state, "succeeded")
        self.assertEqual(self.process(self.T0 + self.days(8)), 0)
        self.env.invalidate_all()

    def bob_participant(self):
        return self.sequence.participant_ids.filtered(lambda p: p.lead_id == self.bob)

    def start_test_run(self):
        wizard = (
            self.env["crm.nurture.test.wizard"]
            .with_user(self.user_editor)
            .create(
                {
                    "sequence_id": self.sequence.id,
                    "lead_id": self.ann.id,
                    "email": "tester@example.com",
                }
            )
        )
        with self.mock_mail_gateway():
            participant = wizard._start_test()
            participant = participant.with_user(self.user_editor)
            participant.action_test_run_next_step()
            participant.action_test_simulate_click()
            participant.action_test_run_next_step()
        return participant

    def test_step_numbers_hand_counted(self):
        self.run_hand_counted_flow()
        test_run = self.start_test_run()
        self.assertEqual(test_run.state, "completed", "the test run went through")
        expected = {
            # scheduled, done, skipped, sent, opened, ignored, clicked, replied, bounced
            self.week1: (0, 5, 0, 5, 3, 1, 1, 1, 1),
            self.week2_clicked: (0, 1, 4, 1, 0, 1, 0, 0, 0),
            self.week2_ignored: (0, 3, 2, 3, 0, 3, 0, 0, 0),
            self.week3[0]: (3, 0, 0, 0, 0, 0, 0, 0, 0),
            self.week3[1]: (0, 0, 1, 0, 0, 0, 0, 0, 0),
        }
        metrics = (
            "scheduled",
            "done",
            "skipped",
            "sent",
            "opened",
            "ignored",
            "clicked",
            "replied",
            "bounced",
        )
        Participant = self.env["crm.nurture.participant"]
        for step, numbers in expected.items():
            step = step.with_user(self.user_manager)
            self.assertEqual(
                tuple(step[f"{metric}_count"] for metric in metrics), numbers, step.name
            )
            # The list behind each number holds exactly the participants counted.
            for metric, number in zip(metrics, numbers, strict=True):
                action = step.action_view_participants(metric)
                self.assertEqual(
                    Participant.search_count(action["domain"]),
                    number,
                    f"{step.name} {metric}",
                )
        self.assertEqual(self.week1.opened_ratio, 60.0)
        self.assertEqual(self.week1.clicked_ratio, 20.0)
        self.assertEqual(self.week1.ignored_ratio, 20.0)
        behind = {
            "clicked": self.bob,
            "replied": self.cid,
            "bounced": self.dan,
            "ignored": self.eve,
        }
        for metric, lead in behind.items():
            domain = self.week1.action_view_participants(metric)["domain"]
            self.assertEqual(Participant.search(domain).lead_id, lead, metric)

    def test_sequence_summary_hand_counted(self):
        self.run_hand_counted_flow()
        self.start_test_run()
        sequence = self.sequence.with_user(self.user_manager)
        self.assertEqual(
            (
                sequence.participant_count,
                sequence.running_count,
                sequence.completed_count,
                sequence.succeeded_count,
                sequence.exited_count,
            ),
            (5, 3, 0, 1, 1),
        )
        self.assertEqual(sequence.success_rate, 20.0)
        # bob was converted and won after joining; cid was an opportunity before.
        self.assertEqual(sequence.opportunity_count, 1)
        self.assertEqual(sequence.won_count, 1)
        self.assertEqual(sequence.won_revenue, 1200)
        opportunities = sequence.action_view_opportunities()
        self.assertEqual(self.env["crm.lead"].search(opportunities["domain"]), self.bob)
        running = sequence.with_context(
            nurture_metric="running"
        ).action_view_participants()
        self.assertEqual(
            self.env["crm.nurture.participant"].search(running["domain"]).lead_id,
            self.ann | self.cid | self.eve,
        )
        self.assertEqual(self.participant(self.dan).exit_reason, "bounced")

    def test_lead_joining_twice_credited_once(self):
        self.sequence.reenroll = "after_finish"
        self.bob.write(
            {"type": "opportunity", "date_conversion": self.T0 - self.days(1)}
        )
        self.start_with(self.bob)
        self.participant(self.bob)._exit("removed")
        with self.at(self.T0 + self.days(1)):
            self.sequence._enroll_leads(self.bob)
        with self.at(self.T0 + self.days(2)):
            self.bob.action_set_won()
        self.assertEqual(self.sequence.participant_count, 2)
        self.assertEqual(self.sequence.won_count, 1)
        self.assertEqual(self.sequence.won_revenue, 1200)

    def test_summary_query_without_jit_setting_restored(self):
        """The tiles' query runs with PostgreSQL's JIT off (its compiling costs
        more than it saves on one count), and the transaction's own setting is
        put back after it, whatever it was."""
        self.start_with(self.all_leads)
        seen = []
        query = type(self.sequence)._query_statistics

        def spy(sequences, sequence_ids):
            self.env.cr.execute("SELECT current_setting('jit')")
            seen.append(self.env.cr.fetchone()[0])
            return query(sequences, sequence_ids)

        self.env.cr.execute("SET LOCAL jit = on")
        with patch.object(type(self.sequence), "_query_statistics", spy):
            self.assertEqual(self.sequence.participant_count, 5)
        self.assertEqual(seen, ["off"])
        self.env.cr.execute("SELECT current_setting('jit')")
        self.assertEqual(self.env.cr.fetchone()[0], "on")

    def test_funnel(self):
        self.run_hand_counted_flow()
        self.start_test_run()
        # As the marketing team reads it: a content editor.
        groups = (
            self.env["crm.nurture.funnel.report"]
            .with_user(self.user_editor)
            ._read_group(
                [("sequence_id", "=", self.sequence.id)], ["level"], ["__count"]
            )
        )
        # Everyone joined and got week 1; ann, cid, eve and bob a week-2 email;
        # nobody reached week 3 yet (bob succeeded before it).
        self.assertEqual(dict(groups), {0: 5, 1: 5, 2: 4})

    def test_level_reached_kept_by_the_engine(self):
        """Each participant's level is the deepest done step, as the engine goes;
        recounted from the steps, it is the same."""
        self.run_hand_counted_flow()
        test_run = self.start_test_run()
        participants = self.sequence.participant_ids
        levels = {part.lead_id.name: part.level_reached for part in participants}
        # ann, cid, eve: week 1 then the "not clicked" week 2; bob: week 1, then
        # the "clicked" week 2; dan: week 1, then he left.
        self.assertEqual(
            sorted(levels.values()), [1, 2, 2, 2, 2], "dan stopped after week 1"
        )
        self.assertEqual(levels[self.dan.name], 1)
        self.assertEqual(test_run.level_reached, 3, "the test run walked 3 levels")
        participants.write({"level_reached": 0})
        (participants | test_run)._recompute_level_reached()
        self.assertEqual(
            {part.lead_id.name: part.level_reached for part in participants}, levels
        )

    def test_funnel_counted_from_participants(self):
        """The funnel counts from the participants' levels, not from its rows,
        with the same result as grouping its rows, however it is grouped, ordered
        and filtered, and within the report's rules."""
        self.run_hand_counted_flow()
        self.start_test_run()
        other = self.env["crm.nurture.sequence"].create({"name": "Other company"})
        other.company_id = self.env["res.company"].create({"name": "Other"})
        self.env["crm.nurture.participant"].create(
            {
                "sequence_id": other.id,
                "lead_id": self.ann.id,
                "date_enrolled": self.T0,
                "level_reached": 4,
            }
        )
        Funnel = self.env["crm.nurture.funnel.report"]
        shortcut = Funnel._read_group_by_level_reached

        def counting():
            """The count from the participants, watched."""
            return patch.object(
                type(Funnel),
                "_read_group_by_level_reached",
                autospec=True,
                side_effect=shortcut.__func__,
            )

        cases = [
            ([("sequence_id", "=", self.sequence.id)], ["level"], None),
            ([], ["sequence_id", "level"], None),
            ([], ["state", "level"], "state desc, level desc"),
            ([("state", "=", "running")], ["date_enrolled:day", "level"], None),
            ([("participant_id.lead_id", "=", self.bob.id)], ["level"], None),
            ([], ["sequence_id"], None),
            ([("sequence_id", "=", self.sequence.id)], [], None),
        ]
        for user in (self.env.user, self.user_editor):
            funnel = Funnel.with_user(user)
            for domain, groupby, order in cases:
                with counting() as counted:
                    groups = funnel._read_group(
                        domain, groupby, ["__count"], order=order
                    )
                self.assertTrue(counted.called, f"{domain} {groupby}")
                # A condition on the level: the rows are grouped, the usual way.
                rows = funnel._read_group(
                    [*domain, ("level", ">=", 0)], groupby, ["__count"], order=order
                )
                self.assertEqual(groups, rows, f"{user.name}: {domain} {groupby}")
            # The report's rule: the other company's sequence is out of reach.
            sequences = {
                sequence
                for sequence, _count in funnel._read_group(
                    [], ["sequence_id"], ["__count"]
                )
            }
            self.assertEqual(other in sequences, user == self.env.user)
        # The web client's call (graph view) goes the same way.
        editor_funnel = Funnel.with_user(self.user_editor)
        of_sequence = [("sequence_id", "=", self.sequence.id)]
        if hasattr(editor_funnel, "formatted_read_group"):  # 19.0
            graph = editor_funnel.formatted_read_group(
                of_sequence, ["level"], ["__count"]
            )
            counts = [(group["level"], group["__count"]) for group in graph]
        else:
            graph = editor_funnel.read_group(of_sequence, ["level"], ["level"])
            counts = [(group["level"], group["level_count"]) for group in graph]
        self.assertEqual(counts, [(0, 5), (1, 5), (2, 4)])
        if compat.GROUPING_SETS:
            # 19.0's pivot view: all its groupings in one call, counted the same.
            sets = [["sequence_id", "level"], ["level"], []]
            with counting() as counted:
                fast = editor_funnel._read_grouping_sets(
                    of_sequence, sets, ["__count"], order="level"
                )
            self.assertEqual(counted.call_count, len(sets))
            rows = editor_funnel._read_grouping_sets(
                [*of_sequence, ("level", ">=", 0)], sets, ["__count"], order="level"
            )
            self.assertEqual(fast, rows)

    def test_flow_picture(self):
        self.run_hand_counted_flow()
        flow = self.sequence.with_user(self.user_editor).flow_data
        boxes = {box["id"]: box for box in flow["steps"]}
        self.assertEqual(set(boxes), set(self.sequence.step_ids.ids))
        root = boxes[self.week1.id]
        self.assertFalse(root["parent_key"])
        self.assertEqual(root["when"], "At start")
        self.assertEqual(
            root["stats"],
            {
                "scheduled": 0,
                "done": 5,
                "failed": 0,
                "sent": 5,
                "undelivered": 0,
                "opened": 3,
                "clicked": 1,
                "replied": 1,
            },
        )
        clicked = boxes[self.week2_clicked.id]
        self.assertEqual(clicked["parent_key"], str(self.week1.id))
        self.assertEqual(clicked["when"], "Email clicked, within 7 days")
        self.assertEqual(clicked["branch"], "positive")
        ignored = boxes[self.week2_ignored.id]
        self.assertEqual(ignored["when"], "Email not clicked, after 7 days")
        self.assertEqual(ignored["branch"], "negative")
        self.assertEqual(boxes[self.week3[0].id]["when"], "7 days later")
        self.assertEqual(boxes[self.week3[0].id]["stats"]["scheduled"], 3)
        self.assertEqual(
            [metric["name"] for metric in flow["metrics"]],
            [
                "scheduled",
                "done",
                "failed",
                "sent",
                "undelivered",
                "opened",
                "clicked",
                "replied",
            ],
        )

    def test_participant_reports(self):
        """Participants group by status, step, exit reason and enrollment date, in
        every view the cockpit offers; test runs are filtered out by default."""
        self.run_hand_counted_flow()
        self.start_test_run()
        Participant = self.env["crm.nurture.participant"].with_user(self.user_editor)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mass_mailing_crm_nurture.crm_nurture_participant_action"
        )
        views = Participant.get_views(
            [(False, mode) for mode in action["view_mode"].split(",")]
        )
        self.assertEqual(
            set(views["views"]), {"list", "kanban", "pivot", "graph", "form"}
        )
        real = [("sequence_id", "=", self.sequence.id), ("is_test", "=", False)]
        by_state = dict(Participant._read_group(real, ["state"], ["__count"]))
        self.assertEqual(by_state, {"running": 3, "succeeded": 1, "exited": 1})
        by_step = dict(Participant._read_group(real, ["current_step_id"], ["__count"]))
        self.assertEqual(
            by_step, {self.week2_clicked: 1, self.week2_ignored: 3, self.week1: 1}
        )
        by_reason = dict(
            Participant._read_group(
                real + [("state", "=", "exited")], ["exit_reason"], ["__count"]
            )
        )
        self.assertEqual(by_reason, {"bounced": 1})
        by_week = Participant._read_group(real, ["date_enrolled:week"], ["__count"])
        self.assertEqual([count for _week, count in by_week], [5])
        self.assertEqual(
            Participant.search_count([("sequence_id", "=", self.sequence.id)]), 6
        )
        self.assertEqual(
            Participant.search_count(
                [("sequence_id", "=", self.sequence.id), ("is_test", "=", True)]
            ),
            1,
        )
