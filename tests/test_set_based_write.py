# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import sql_db
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.mass_mailing_crm_nurture.models import set_based_write

from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestSetBasedWrite(NurtureSequenceCommon):
    """Participants and step traces are written through their primary key: each
    row gets its own values, shared ones and differing ones alike, across
    batches, with the write log."""

    def test_rows_get_their_own_values(self):
        leads = self.env["crm.lead"].create(
            [{"name": f"Lead {i}", "email_from": f"l{i}@example.com"} for i in range(5)]
        )
        start = datetime(2026, 3, 1, 8, 0)
        participants = self.env["crm.nurture.participant"].create(
            [
                {
                    "sequence_id": self.sequence.id,
                    "lead_id": lead.id,
                    "date_enrolled": start,
                }
                for lead in leads
            ]
        )
        self.env.flush_all()
        with patch.object(set_based_write, "WRITE_BATCH_SIZE", 2):
            for index, participant in enumerate(participants):
                # Differing dates, one shared state, one row left out.
                participant.date_enrolled = start + timedelta(days=index)
                if index != 3:
                    participant.state = "completed"
            self.env.flush_all()
        participants.invalidate_recordset()
        self.assertEqual(
            participants.mapped("date_enrolled"),
            [start + timedelta(days=index) for index in range(5)],
        )
        self.assertEqual(
            participants.mapped("state"),
            ["completed", "completed", "completed", "running", "completed"],
        )
        self.assertEqual(set(participants.mapped("write_uid")), {self.env.user})

    def test_rows_updated_with_the_values_known_together(self):
        """One update for values given per row and for all rows: the rows a value
        leaves out keep theirs (a pending change included), across batches."""
        leads = self.env["crm.lead"].create(
            [{"name": f"Lead {i}", "email_from": f"l{i}@example.com"} for i in range(5)]
        )
        start = datetime(2026, 3, 1, 8, 0)
        participants = self.env["crm.nurture.participant"].create(
            [
                {
                    "sequence_id": self.sequence.id,
                    "lead_id": lead.id,
                    "date_enrolled": start,
                    "level_reached": index,
                }
                for index, lead in enumerate(leads)
            ]
        )
        self.env.flush_all()
        participants[4].level_reached = 7  # pending: written first, then kept
        ids = participants.ids
        with patch.object(set_based_write, "WRITE_BATCH_SIZE", 2):
            participants.with_user(self.user_manager)._update_rows(
                {
                    "current_step_id": self.week1.id,
                    "level_reached": {ids[0]: 3, ids[1]: 4, ids[2]: 5},
                    "state": dict.fromkeys(ids[1:3], "completed"),
                    "date_done": dict.fromkeys(ids[1:3], start),
                }
            )
        self.assertRecordValues(
            participants,
            [
                {
                    "current_step_id": self.week1.id,
                    "level_reached": level,
                    "state": state,
                    "date_done": done,
                    "write_uid": self.user_manager.id,
                }
                for level, state, done in [
                    (3, "running", False),
                    (4, "completed", start),
                    (5, "completed", start),
                    (3, "running", False),
                    (7, "running", False),
                ]
            ],
        )

    def test_rows_created_as_the_orm_creates_them(self):
        """An enrollment inserts its participants and their first steps set-based:
        the rows hold what the ORM's create would (defaults, related values, the
        create log), across batches, and what reads them sees them at once."""
        leads = self.env["crm.lead"].create(
            [{"name": f"Lead {i}", "email_from": f"l{i}@example.com"} for i in range(5)]
        )
        self.assertFalse(self.sequence.participant_ids)  # read before: in cache
        with self.at(self.T0), patch.object(set_based_write, "WRITE_BATCH_SIZE", 2):
            participants = self.sequence._enroll(leads)
        self.assertEqual(participants.lead_id, leads)
        # The cached one2many follows, before any flush.
        self.assertEqual(self.sequence.participant_ids, participants)
        self.assertEqual(participants.trace_ids.participant_id, participants)
        self.env.invalidate_all()
        for participant, lead in zip(participants, leads, strict=True):
            self.assertRecordValues(
                participant,
                [
                    {
                        "sequence_id": self.sequence.id,
                        "lead_id": lead.id,
                        "state": "running",
                        "level_reached": 0,
                        "is_test": False,
                        "date_enrolled": self.T0,
                        "create_uid": self.env.uid,
                        "create_date": self.T0,
                    }
                ],
            )
            self.assertRecordValues(
                participant.trace_ids,
                [
                    {
                        "step_id": self.week1.id,
                        "state": "scheduled",
                        "scheduled_date": self.T0,
                        "sequence_id": self.sequence.id,
                        "lead_id": lead.id,
                        "is_test": False,
                        "parent_trace_id": False,
                        "attempt_count": 0,
                    }
                ],
            )

    def test_rows_created_with_the_rights_to_create(self):
        """Only a user who may create the rows inserts them."""
        with self.assertRaises(AccessError):
            self.env["crm.nurture.participant"].with_user(
                self.user_salesman
            )._create_rows(
                [
                    {
                        "sequence_id": self.sequence.id,
                        "lead_id": self.leads[0].id,
                        "date_enrolled": self.T0,
                    }
                ]
            )

    def test_step_batch_updates_each_table_once(self):
        """An email step's batch writes its step traces in one update (done,
        each linked to its email) and their participants in one (step, level,
        last email): the rows just inserted are not updated again and again."""
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Nurtrec {i}", "email_from": f"rec{i}@example.com"}
                for i in range(3)
            ]
        )
        self.start_with(leads)
        updates = []
        execute = sql_db.Cursor.execute

        def watch(cr, query, *args, **kwargs):
            code = str(getattr(query, "code", query))
            for table in ("crm_nurture_trace", "crm_nurture_participant"):
                if code.lstrip().startswith(f'UPDATE "{table}"'):
                    updates.append(table)
            return execute(cr, query, *args, **kwargs)

        with patch.object(sql_db.Cursor, "execute", watch):
            self.process(self.T0)
        self.assertEqual(
            sorted(updates), ["crm_nurture_participant", "crm_nurture_trace"]
        )
        self.env.invalidate_all()
        participants = self.sequence.participant_ids
        traces = participants.trace_ids.filtered(lambda t: t.step_id == self.week1)
        emails = self.env["mailing.trace"].search(
            [("nurture_trace_id", "in", traces.ids)]
        )
        self.assertEqual(len(emails), 3)
        for trace in traces:
            email = emails.filtered(lambda m, trace=trace: m.nurture_trace_id == trace)
            self.assertRecordValues(
                trace,
                [
                    {
                        "state": "done",
                        "date_done": self.T0,
                        "mailing_trace_id": email.id,
                        "write_date": self.T0,
                    }
                ],
            )
            self.assertRecordValues(
                trace.participant_id,
                [
                    {
                        "state": "running",
                        "current_step_id": self.week1.id,
                        "level_reached": 1,
                        "last_mailing_trace_id": email.id,
                    }
                ],
            )
