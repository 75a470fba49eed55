# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta
from unittest.mock import patch

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
