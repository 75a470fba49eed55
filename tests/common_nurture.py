# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta

from odoo.tests import new_test_user

from .common_recurring import NurtureRecurringCommon


class NurtureSequenceCommon(NurtureRecurringCommon):
    """The seed's three-week restock sequence, its leads and its users."""

    T0 = datetime(2026, 5, 4, 8, 0, 0)  # a Monday, 08:00 UTC

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_manager = new_test_user(
            cls.env,
            login="nurture_seq_manager",
            tz="UTC",
            groups="base.group_user,mass_mailing_crm_nurture.group_nurture_manager,"
            "sales_team.group_sale_salesman_all_leads",
        )
        cls.user_editor = new_test_user(
            cls.env,
            login="nurture_seq_editor",
            tz="UTC",
            groups="base.group_user,mass_mailing_crm_nurture.group_nurture_user",
        )
        cls.user_salesman = new_test_user(
            cls.env,
            login="nurture_seq_salesman",
            tz="UTC",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        # The demo restock sequence runs too: these tests watch their own alone.
        cls.env["crm.nurture.sequence"].search(
            [("state", "in", ("running", "paused"))]
        ).write({"state": "stopped"})
        cls.reason_stock = cls.env.ref("crm.lost_reason_3")
        cls.sequence = cls.env["crm.nurture.sequence"].create(
            {
                "name": "Three-week restock",
                "user_id": cls.user_manager.id,
                "send_tz": "UTC",
                "enrollment_mode": "none",
                "domain": repr(
                    [("active", "in", [True, False]), ("name", "=like", "Nurtrec %")]
                ),
                "success_won": True,
            }
        )
        Step = cls.env["crm.nurture.step"]
        cls.week1 = Step.create(
            {
                "sequence_id": cls.sequence.id,
                "name": "Back in stock",
                "trigger": "start",
            }
        )
        cls.week2_ignored = Step.create(
            {
                "sequence_id": cls.sequence.id,
                "name": "Stock is almost gone, did you get yours?",
                "parent_id": cls.week1.id,
                "trigger": "not_clicked",
                "delay": 7,
            }
        )
        cls.week2_clicked = Step.create(
            {
                "sequence_id": cls.sequence.id,
                "name": "You still have time to add this to your collection",
                "parent_id": cls.week1.id,
                "trigger": "clicked",
                "delay": 7,
            }
        )
        cls.week3 = Step.create(
            [
                {
                    "sequence_id": cls.sequence.id,
                    "name": "Last call: 20% off",
                    "parent_id": parent.id,
                    "trigger": "after_parent",
                    "delay": 7,
                }
                for parent in (cls.week2_ignored, cls.week2_clicked)
            ]
        )
        for step in cls.sequence.step_ids:
            step.mailing_id.write(
                {
                    "body_html": '<p><a href="https://www.example.com/teapot">teapot</a></p>',
                    "subject": step.name,
                }
            )

    def process(self, when, **kwargs):
        with self.at(when):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.mock_mail_gateway(mail_unlink_sent=False):
                done = self.env["crm.nurture.trace"]._process_due(**kwargs)
                # Step emails are queued, never sent inside the engine's
                # transaction: the mail queue sends them, as after its commit.
                self.env["mail.mail"].process_email_queue()
                return done

    def start_with(self, leads, when=None):
        with self.at(when or self.T0):
            self.sequence.with_user(self.user_manager).action_start()
            self.sequence._enroll_leads(leads)

    def steps_done(self, lead):
        participant = self.sequence.participant_ids.filtered(
            lambda p: p.lead_id == lead
        )
        return participant.trace_ids.filtered(lambda t: t.state == "done").step_id

    def participant(self, lead):
        return self.sequence.participant_ids.filtered(lambda p: p.lead_id == lead)

    @staticmethod
    def days(n):
        return timedelta(days=n)
