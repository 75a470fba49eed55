# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import errors

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_nurture import NurtureSequenceCommon

TRACE_LOGGER = "odoo.addons.mass_mailing_crm_nurture.models.crm_nurture_trace"
# The email of a step that does not render: an unknown field.
BAD_BODY = '<p>Hello <t t-out="object.nonexistent_field"/></p>'
# When each attempt of a failing step runs: now, then 5, 10, 20, 40 minutes later.
ATTEMPT_DELAYS = (0, 5, 15, 35, 75)


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureReliability(NurtureSequenceCommon):
    """A step whose action fails is tried again with a growing delay, then failed;
    it never stops the other steps; its next steps run only once it succeeded; a
    paused sequence runs nothing."""

    def setUp(self):
        super().setUp()
        # A second sequence, whose first email does not render.
        self.bad_sequence = self.sequence.copy({"name": "Broken restock"})
        self.bad_first = self.bad_sequence.step_ids.filtered(lambda s: not s.parent_id)
        self.bad_first.mailing_id.body_html = BAD_BODY
        self.others = self.make_leads(["dan", "eli"])

    def start_both(self):
        self.start_with(self.leads)
        with self.at(self.T0):
            self.bad_sequence.with_user(self.user_manager).action_start()
            self.bad_sequence._enroll_leads(self.others)

    def bad_traces(self):
        return self.bad_sequence.participant_ids.trace_ids

    def test_failing_render_among_good_ones(self):
        """An email that does not render fails its own step only: the good
        sequence's emails leave, the bad step waits for its next attempt with the
        error recorded, and its next steps are not scheduled."""
        self.start_both()
        with mute_logger(TRACE_LOGGER):
            self.process(self.T0)
        self.assertEqual(self.steps_done(self.leads[0]), self.week1)
        self.assertEqual(len(self.week1.mailing_id.mailing_trace_ids), 3)
        self.assertEqual(self.week1.mailing_id.state, "done")
        traces = self.bad_traces()
        self.assertEqual(
            len(traces), 2, "only the first steps: nothing follows a failure"
        )
        self.assertEqual(set(traces.mapped("state")), {"scheduled"})
        self.assertEqual(set(traces.mapped("attempt_count")), {1})
        self.assertEqual(
            set(traces.mapped("date_next_try")), {self.T0 + timedelta(minutes=5)}
        )
        self.assertIn("nonexistent_field", traces[0].last_error)
        self.assertFalse(self.bad_first.mailing_id.mailing_trace_ids)
        self.assertEqual(self.bad_first.retrying_count, 2)
        self.assertEqual(
            set(self.bad_sequence.participant_ids.mapped("state")), {"running"}
        )

    def test_retries_with_backoff_then_failure(self):
        """The failing step is tried again 5, 10, 20 and 40 minutes after each
        failure, not before; after the fifth attempt it is failed: its
        participants leave the sequence, its numbers and the chatter say so."""
        self.start_both()
        with mute_logger(TRACE_LOGGER):
            for attempt, minutes in enumerate(ATTEMPT_DELAYS, start=1):
                when = self.T0 + timedelta(minutes=minutes)
                if attempt > 1:
                    # Not due a minute before its next try.
                    self.process(when - timedelta(minutes=1))
                    self.assertEqual(
                        set(self.bad_traces().mapped("attempt_count")), {attempt - 1}
                    )
                self.process(when)
                self.assertEqual(
                    set(self.bad_traces().mapped("attempt_count")), {attempt}
                )
        traces = self.bad_traces()
        self.assertEqual(set(traces.mapped("state")), {"failed"})
        self.assertIn("nonexistent_field", traces[0].message)
        participants = self.bad_sequence.participant_ids
        self.assertEqual(set(participants.mapped("state")), {"exited"})
        self.assertEqual(set(participants.mapped("exit_reason")), {"failed"})
        self.assertEqual(self.bad_first.failed_count, 2)
        self.assertEqual(self.bad_first.retrying_count, 0)
        self.assertEqual(
            self.bad_first.action_view_participants("failed")["domain"],
            self.bad_first._get_participant_domain("failed"),
        )
        self.assertIn(
            "failed for 2 participants", self.bad_sequence.message_ids[0].body
        )
        # Later runs leave it alone; nothing was ever mailed.
        self.process(self.T0 + timedelta(days=30))
        self.assertEqual(len(self.bad_traces()), 2)
        self.assertFalse(self.bad_first.mailing_id.mailing_trace_ids)

    def test_success_after_a_failed_attempt(self):
        """A step that fails once (the mail server went away) and then succeeds is
        done once, and only then are its next steps scheduled."""
        self.start_with(self.leads)
        origin = type(self.env["mailing.mailing"])._nurture_send
        server = {"down": True}

        def flaky_send(mailing, res_ids):
            if server["down"]:
                raise ConnectionError("SMTP went away")
            return origin(mailing, res_ids)

        with (
            patch.object(
                type(self.env["mailing.mailing"]), "_nurture_send", flaky_send
            ),
            mute_logger(TRACE_LOGGER),
        ):
            self.process(self.T0)
            participant = self.participant(self.leads[0])
            self.assertEqual(
                len(participant.trace_ids), 1, "no next step after a failure"
            )
            self.assertEqual(participant.trace_ids.attempt_count, 1)
            server["down"] = False
            self.process(self.T0 + timedelta(minutes=5))
        self.assertEqual(self.steps_done(self.leads[0]), self.week1)
        self.assertEqual(len(self.week1.mailing_id.mailing_trace_ids), 3)
        self.assertEqual(
            participant.trace_ids.step_id,
            self.week1 | self.week2_clicked | self.week2_ignored,
        )

    def test_one_bad_participant_among_good_ones(self):
        """An email that does not render for one lead only (its data breaks the
        template) holds back that participant, not the others of the step."""
        self.week1.mailing_id.body_html = (
            "<p>Hello <t t-out=\"1 / (0 if object.partner_name == 'Broken' else 1)\"/>"
            "</p>"
        )
        self.leads[1].partner_name = "Broken"
        self.start_with(self.leads)
        with mute_logger(TRACE_LOGGER):
            self.process(self.T0)
        self.assertEqual(self.steps_done(self.leads[0]), self.week1)
        self.assertEqual(self.steps_done(self.leads[2]), self.week1)
        self.assertFalse(self.steps_done(self.leads[1]))
        self.assertEqual(self.participant(self.leads[1]).trace_ids.attempt_count, 1)
        self.assertEqual(len(self.week1.mailing_id.mailing_trace_ids), 2)

    def test_conflict_is_not_an_attempt(self):
        """A conflict with another process is no failure: the step is looked at
        again shortly, without counting an attempt nor recording an error."""
        self.start_with(self.leads)

        def conflicting_send(mailing, res_ids):
            raise errors.SerializationFailure("could not serialize access")

        with (
            patch.object(
                type(self.env["mailing.mailing"]), "_nurture_send", conflicting_send
            ),
            mute_logger(TRACE_LOGGER),
        ):
            self.process(self.T0)
        traces = self.sequence.participant_ids.trace_ids
        self.assertEqual(set(traces.mapped("state")), {"scheduled"})
        self.assertEqual(set(traces.mapped("attempt_count")), {0})
        self.assertEqual(
            set(traces.mapped("date_next_try")), {self.T0 + timedelta(seconds=30)}
        )
        self.process(self.T0 + timedelta(seconds=30))
        self.assertEqual(self.steps_done(self.leads[0]), self.week1)

    def test_participants_written_by_another_run_meanwhile(self):
        """The emails were queued, then recording the step meets another run's
        write of the same participants (it ended a sibling branch): nothing of
        the group is kept (its emails neither), no attempt counted, the step due
        again; the next batch does it, each email once."""
        self.start_with(self.leads)
        Participant = type(self.env["crm.nurture.participant"])
        update_rows = Participant._update_rows
        conflicts = []

        def conflicting_update(records, values):
            if "current_step_id" in values and not conflicts:
                conflicts.append(records)
                raise errors.SerializationFailure("could not serialize access")
            return update_rows(records, values)

        with (
            patch.object(Participant, "_update_rows", conflicting_update),
            mute_logger(TRACE_LOGGER),
        ):
            self.process(self.T0)
        self.assertEqual(len(conflicts), 1)
        traces = self.sequence.participant_ids.trace_ids
        first = traces.filtered(lambda t: t.step_id == self.week1)
        self.assertEqual(set(first.mapped("state")), {"done"})
        self.assertEqual(set(first.mapped("attempt_count")), {0})
        self.assertFalse(any(first.mapped("last_error")))
        self.assertEqual(self.steps_done(self.leads[0]), self.week1)
        step_mails = self.env["mail.mail"].search(
            [("mailing_id", "=", self.week1.mailing_id.id)]
        )
        self.assertEqual(len(step_mails), len(self.leads))
        self.assertEqual(
            sorted(self.week1.mailing_id.mailing_trace_ids.mapped("res_id")),
            sorted(self.leads.ids),
        )

    def test_a_branch_not_taken_writes_its_participants(self):
        """Ending a step without completing its participant (a sibling branch is
        still scheduled) writes the participant's row all the same: a run doing
        that sibling at once then conflicts with it instead of leaving the
        participant running with nothing scheduled."""
        self.start_with(self.leads)
        participants = self.sequence.participant_ids
        participants.flush_recordset()
        self.env.cr.execute(
            "UPDATE crm_nurture_participant SET write_date = %s WHERE id = ANY(%s)",
            [self.T0 - timedelta(days=1), participants.ids],
        )
        participants.invalidate_recordset()
        with self.at(self.T0):
            participants._complete_finished()
        self.assertEqual(set(participants.mapped("state")), {"running"})
        self.assertEqual(set(participants.mapped("write_date")), {self.T0})

    def test_paused_in_the_same_transaction(self):
        """A sequence paused just before the engine runs, in the same transaction,
        runs none of its steps; once resumed, they run."""
        self.start_with(self.leads)
        with self.at(self.T0):
            self.env.flush_all()
            self.sequence.with_user(self.user_manager).action_pause()
            self.assertEqual(self.env["crm.nurture.trace"]._process_due(), 0)
        self.assertFalse(self.steps_done(self.leads[0]))
        self.assertFalse(self.week1.mailing_id.mailing_trace_ids)
        with self.at(self.T0):
            self.sequence.with_user(self.user_manager).action_resume()
        self.process(self.T0)
        self.assertEqual(self.steps_done(self.leads[0]), self.week1)

    def test_paused_under_the_claim(self):
        """A step claimed while its sequence ran is not run when the sequence is
        found paused under the claim: it stays scheduled."""
        self.start_with(self.leads)
        Trace = self.env["crm.nurture.trace"]
        with self.at(self.T0):
            self.env.flush_all()
            claimed = Trace._select_due(10)
            self.assertEqual(len(claimed), 3)
            self.sequence.with_user(self.user_manager).action_pause()
            for step, trace_ids in Trace._group_by_step(claimed).items():
                Trace._claim(trace_ids)._execute(step)
        traces = self.sequence.participant_ids.trace_ids
        self.assertEqual(set(traces.mapped("state")), {"scheduled"})
        self.assertFalse(self.week1.mailing_id.mailing_trace_ids)
