# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta
from unittest.mock import patch

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
