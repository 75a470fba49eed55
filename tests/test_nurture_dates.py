# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from psycopg2 import errors

from odoo.exceptions import ValidationError
from odoo.tests import tagged, users
from odoo.tools import mute_logger

from ..models.crm_nurture_sequence_dates import DATE_PASS_LOCK, INDEX_PREFIX
from .common_nurture import NurtureSequenceCommon

MODULE = "mass_mailing_crm_nurture"


class NurtureDatesCommon(NurtureSequenceCommon):
    """The restock sequence, enrolling once on the leads' Expected Closing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence.write(
            {
                "enrollment_mode": "date",
                "date_field_id": cls.lead_field("date_deadline").id,
                "date_repeat": "once",
            }
        )

    @classmethod
    def lead_field(cls, name):
        return cls.env["ir.model.fields"]._get("crm.lead", name)

    def start(self, when):
        with self.at(when):
            self.sequence.with_user(self.user_manager).action_start()

    def run_pass(self, when):
        """The scheduled action's date pass at ``when``, in a fresh transaction's
        state."""
        with self.at(when):
            self.env.flush_all()
            self.env.invalidate_all()
            self.env["crm.nurture.sequence"]._cron_enroll_on_dates()

    def joined(self):
        return sorted(
            (p.lead_id.name, p.date_occurrence) for p in self.sequence.participant_ids
        )

    def date_indexes(self):
        self.env.cr.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'crm_lead' "
            "AND indexname LIKE %s",
            [INDEX_PREFIX + "%"],
        )
        return dict(self.env.cr.fetchall())


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureDates(NurtureDatesCommon):
    """Enrollment on a date of the lead: on its day in the sequence's timezone,
    once or every year, exactly once per occurrence, caught up after missed days."""

    # ------------------------------------------------------------------
    # The day
    # ------------------------------------------------------------------

    def test_joins_on_the_day_in_the_sequence_timezone(self):
        """In Auckland (UTC+12) 5 May begins at 12:00 UTC on 4 May: the lead whose
        date is 5 May joins then, not before; its first email waits for the send
        window there, and the scheduled action runs the pass."""
        ann = self.leads[0]
        ann.date_deadline = date(2026, 5, 5)
        self.sequence.write(
            {"send_tz": "Pacific/Auckland", "send_hour_from": 9, "send_hour_to": 17}
        )
        self.start(datetime(2026, 5, 4, 10, 0))  # 22:00 on 4 May in Auckland
        self.run_pass(datetime(2026, 5, 4, 11, 59))
        self.assertFalse(self.sequence.participant_ids)
        with self.at(datetime(2026, 5, 4, 12, 30)), self.mock_mail_gateway():
            self.env["crm.nurture.sequence"]._cron_process()
        self.assertEqual(self.joined(), [(ann.name, date(2026, 5, 5))])
        trace = self.participant(ann).trace_ids
        self.assertEqual(trace.state, "scheduled")
        self.assertEqual(trace.scheduled_date, datetime(2026, 5, 4, 21, 0))  # 9:00
        self.assertEqual(self.sequence.date_done_until, date(2026, 5, 4))

    def test_datetime_field_day_in_the_sequence_timezone(self):
        """A date and time counts on its day in the sequence's timezone: closed at
        23:30 UTC on 3 May 2025 is 4 May in Auckland, its anniversary there."""
        ann, bob = self.leads[:2]
        ann.date_closed = datetime(2025, 5, 3, 23, 30)  # 4 May, 11:30 in Auckland
        bob.date_closed = datetime(2025, 5, 4, 12, 30)  # 5 May, 0:30 in Auckland
        self.sequence.write(
            {
                "send_tz": "Pacific/Auckland",
                "date_field_id": self.lead_field("date_closed").id,
                "date_repeat": "yearly",
            }
        )
        self.start(datetime(2026, 5, 1, 0, 0))
        self.run_pass(datetime(2026, 5, 4, 0, 0))  # 4 May, noon in Auckland
        self.assertEqual(self.joined(), [(ann.name, date(2026, 5, 4))])
        self.run_pass(datetime(2026, 5, 4, 13, 0))  # 5 May, 1:00 in Auckland
        self.assertEqual(
            self.joined(),
            [(ann.name, date(2026, 5, 4)), (bob.name, date(2026, 5, 5))],
        )
        # The index holds the day in Auckland.
        (definition,) = self.date_indexes().values()
        self.assertIn("Pacific/Auckland", definition)

    def test_offset_a_month_before_renewal(self):
        """-30: the lead joins a month before its renewal date."""
        ann, bob = self.leads[:2]
        ann.date_deadline = date(2026, 6, 3)
        bob.date_deadline = date(2026, 6, 4)
        self.sequence.date_offset = -30
        self.start(datetime(2026, 5, 3, 8, 0))
        self.run_pass(datetime(2026, 5, 4, 8, 0))
        self.assertEqual(self.joined(), [(ann.name, date(2026, 6, 3))])
        self.run_pass(datetime(2026, 5, 5, 8, 0))
        self.assertEqual(
            self.joined(),
            [(ann.name, date(2026, 6, 3)), (bob.name, date(2026, 6, 4))],
        )

    # ------------------------------------------------------------------
    # Yearly
    # ------------------------------------------------------------------

    def test_yearly_every_year_whatever_the_reenrollment_rule(self):
        """Re-enrollment "never": a yearly sequence enrolls again on each
        anniversary, once a year; the date itself is the first."""
        ann = self.leads[0]
        ann.date_deadline = date(2025, 5, 4)
        self.sequence.write({"date_repeat": "yearly", "reenroll": "never"})
        self.start(datetime(2025, 5, 1, 8, 0))
        for year in (2025, 2026, 2027):
            self.run_pass(datetime(year, 5, 4, 8, 0))
            self.run_pass(datetime(year, 5, 5, 8, 0))
            # Last year's participation is over before this year's comes.
            self.sequence.participant_ids._end("completed")
        self.assertEqual(
            self.joined(),
            [(ann.name, date(year, 5, 4)) for year in (2025, 2026, 2027)],
        )

    def test_yearly_still_running_not_enrolled_twice(self):
        """A lead still in last year's run is not enrolled a second time at once."""
        ann = self.leads[0]
        ann.date_deadline = date(2020, 5, 4)
        self.sequence.date_repeat = "yearly"
        self.start(datetime(2026, 5, 1, 8, 0))
        self.run_pass(datetime(2026, 5, 4, 8, 0))
        self.run_pass(datetime(2027, 5, 4, 8, 0))
        self.assertEqual(self.joined(), [(ann.name, date(2026, 5, 4))])

    def test_29_february_on_28_february_in_other_years(self):
        """Born on 29 February: 28 February in 2027, 29 February in 2028."""
        ann, bob = self.leads[:2]
        ann.date_deadline = date(2024, 2, 29)
        bob.date_deadline = date(2024, 2, 28)
        self.sequence.date_repeat = "yearly"
        self.start(datetime(2027, 2, 20, 8, 0))
        self.run_pass(datetime(2027, 2, 28, 8, 0))
        self.assertEqual(
            self.joined(),
            [(ann.name, date(2027, 2, 28)), (bob.name, date(2027, 2, 28))],
        )
        self.sequence.participant_ids._end("completed")
        self.run_pass(datetime(2028, 2, 28, 8, 0))
        self.assertEqual(len(self.sequence.participant_ids), 3)  # Bob only
        self.run_pass(datetime(2028, 2, 29, 8, 0))
        self.assertEqual(
            self.joined(),
            [
                (ann.name, date(2027, 2, 28)),
                (ann.name, date(2028, 2, 29)),
                (bob.name, date(2027, 2, 28)),
                (bob.name, date(2028, 2, 28)),
            ],
        )
        self.run_pass(datetime(2028, 3, 1, 8, 0))
        self.assertEqual(len(self.sequence.participant_ids), 4)

    # ------------------------------------------------------------------
    # Past days, missed days, several passes
    # ------------------------------------------------------------------

    def test_once_is_not_retroactive(self):
        """Started on 4 May: the lead of 3 May never joins, that of 4 May does,
        that of 5 May on the 5th."""
        ann, bob, cid = self.leads
        ann.date_deadline = date(2026, 5, 3)
        bob.date_deadline = date(2026, 5, 4)
        cid.date_deadline = date(2026, 5, 5)
        self.start(datetime(2026, 5, 4, 8, 0))
        self.assertEqual(self.sequence.date_done_until, date(2026, 5, 3))
        self.run_pass(datetime(2026, 5, 4, 8, 0))
        self.assertEqual(self.joined(), [(bob.name, date(2026, 5, 4))])
        self.run_pass(datetime(2026, 5, 5, 8, 0))
        self.assertEqual(
            self.joined(),
            [(bob.name, date(2026, 5, 4)), (cid.name, date(2026, 5, 5))],
        )
        # Enrolling otherwise for a while, then on dates again: the days between
        # are not caught up.
        self.leads.date_deadline = date(2026, 5, 10)
        with self.at(datetime(2026, 5, 9, 8, 0)):
            self.sequence.enrollment_mode = "none"
        with self.at(datetime(2026, 5, 12, 8, 0)):
            self.sequence.enrollment_mode = "date"
        self.run_pass(datetime(2026, 5, 12, 9, 0))
        self.assertEqual(len(self.sequence.participant_ids), 2)

    def test_missed_days_caught_up_once(self):
        """The server is down on 5 and 6 May: the pass of the 7th enrolls their
        leads with the 7th's, once, and later passes do not again."""
        ann, bob, cid = self.leads
        ann.date_deadline = date(2026, 5, 5)
        bob.date_deadline = date(2026, 5, 6)
        cid.date_deadline = date(2026, 5, 7)
        self.start(datetime(2026, 5, 4, 8, 0))
        self.run_pass(datetime(2026, 5, 4, 8, 0))
        self.assertFalse(self.sequence.participant_ids)
        self.run_pass(datetime(2026, 5, 7, 8, 0))
        expected = [
            (ann.name, date(2026, 5, 5)),
            (bob.name, date(2026, 5, 6)),
            (cid.name, date(2026, 5, 7)),
        ]
        self.assertEqual(self.joined(), expected)
        self.assertEqual(self.sequence.date_done_until, date(2026, 5, 6))
        self.run_pass(datetime(2026, 5, 7, 18, 0))
        self.run_pass(datetime(2026, 5, 8, 8, 0))
        self.assertEqual(self.joined(), expected)

    def test_two_passes_the_same_day_enroll_once(self):
        """Two passes, a pass after a crash that lost the mark, a pass while
        another holds the sequence: one participation per occurrence."""
        ann = self.leads[0]
        ann.date_deadline = date(2026, 5, 4)
        self.start(datetime(2026, 5, 3, 8, 0))
        self.run_pass(datetime(2026, 5, 4, 8, 0))
        self.run_pass(datetime(2026, 5, 4, 9, 0))
        # As if the mark had not been saved: the day is looked at again.
        self.sequence.date_done_until = date(2026, 5, 1)
        self.run_pass(datetime(2026, 5, 4, 10, 0))
        self.assertEqual(self.joined(), [(ann.name, date(2026, 5, 4))])
        # The index refuses a second participation for the same occurrence.
        self.participant(ann)._end("completed")
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.sequence.with_context(
                default_date_occurrence=date(2026, 5, 4)
            )._enroll(ann)
            self.env.flush_all()

    def test_pass_left_to_another_one_running(self):
        """While another process runs the pass of the sequence, this one leaves it."""
        ann = self.leads[0]
        ann.date_deadline = date(2026, 5, 4)
        self.start(datetime(2026, 5, 3, 8, 0))
        self.env.flush_all()
        with self.registry.cursor() as other:
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [DATE_PASS_LOCK, self.sequence.id],
            )
            self.run_pass(datetime(2026, 5, 4, 8, 0))
            self.assertFalse(self.sequence.participant_ids)
            self.assertEqual(self.sequence.date_done_until, date(2026, 5, 2))
            other.rollback()
        self.run_pass(datetime(2026, 5, 4, 9, 0))
        self.assertEqual(self.joined(), [(ann.name, date(2026, 5, 4))])

    # ------------------------------------------------------------------
    # Who joins
    # ------------------------------------------------------------------

    def test_filter_respected(self):
        """A lead of the day that does not match the leads filter stays out."""
        ann = self.leads[0]
        outsider = self.env["crm.lead"].create(
            {"name": "Not a nurture lead", "email_from": "out@example.com"}
        )
        (ann | outsider).date_deadline = date(2026, 5, 4)
        self.start(datetime(2026, 5, 3, 8, 0))
        self.run_pass(datetime(2026, 5, 4, 8, 0))
        self.assertEqual(self.joined(), [(ann.name, date(2026, 5, 4))])

    def test_blacklisted_lead_follows_the_usual_rules(self):
        """A blacklisted lead of the day joins like any other and leaves, opted
        out, before its first email: it is never mailed."""
        ann, bob = self.leads[:2]
        (ann | bob).date_deadline = date(2026, 5, 4)
        self.env["mail.blacklist"].create({"email": bob.email_from})
        self.start(datetime(2026, 5, 3, 8, 0))
        self.run_pass(self.T0)
        self.process(self.T0)
        self.assertEqual(self.participant(bob).state, "exited")
        self.assertEqual(self.participant(bob).exit_reason, "optout")
        self.assertEqual(self.week1.mailing_id.mailing_trace_ids.res_id, ann.id)

    def test_merge_of_leads_of_the_same_day(self):
        """Two leads of the same day, both enrolled, merged: both participations
        move to the remaining lead, which holds the occurrence once."""
        ann, bob = self.leads[:2]
        (ann | bob).write(
            {"date_deadline": date(2026, 5, 4), "user_id": self.user_salesman.id}
        )
        self.start(datetime(2026, 5, 3, 8, 0))
        self.run_pass(self.T0)
        participations = self.sequence.participant_ids
        self.assertEqual(len(participations), 2)
        wizard = (
            self.env["crm.merge.opportunity"]
            .with_user(self.user_salesman)
            .with_context(active_model="crm.lead", active_ids=(ann | bob).ids)
            .create({})
        )
        wizard.action_merge()
        head = (ann | bob).exists()
        self.assertEqual(participations.lead_id, head)
        self.assertEqual(
            sorted(participations.mapped("date_occurrence"), key=bool),
            [False, date(2026, 5, 4)],
        )
        self.run_pass(self.T0 + self.days(1))
        self.assertEqual(len(self.sequence.participant_ids), 2)

    def test_indexes_follow_the_sequences(self):
        """Once: a btree on the date; yearly: month and day; none left when no
        sequence enrolls on a date any more."""
        self.sequence.date_repeat = "once"
        (definition,) = self.date_indexes().values()
        self.assertIn("(date_deadline)", definition)
        self.sequence.date_repeat = "yearly"
        (definition,) = self.date_indexes().values()
        self.assertIn("EXTRACT(month FROM date_deadline)", definition)
        self.sequence.enrollment_mode = "none"
        self.assertFalse(self.date_indexes())

    # ------------------------------------------------------------------
    # Settings, form, template
    # ------------------------------------------------------------------

    @users("nurture_seq_manager")
    def test_bad_settings_refused(self):
        """The date must be a stored date of the lead, the offset within a year."""
        partner_date = self.env["ir.model.fields"]._get("res.partner", "date")
        bad = [
            {"date_field_id": False},
            {"date_field_id": partner_date.id},
            {"date_field_id": self.lead_field("name").id},
            {"date_field_id": self.lead_field("activity_date_deadline").id},
            {"date_offset": 367},
            {"date_offset": -400},
        ]
        for values in bad:
            with (
                self.subTest(values=values),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                self.env["crm.nurture.sequence"].create(
                    {
                        "name": "Birthdays",
                        "enrollment_mode": "date",
                        "date_field_id": self.lead_field("date_deadline").id,
                        **values,
                    }
                )
        sequence = self.env["crm.nurture.sequence"].create(
            {
                "name": "Renewals",
                "enrollment_mode": "date",
                "date_field_id": self.lead_field("date_closed").id,
                "date_offset": -366,
            }
        )
        self.assertEqual(sequence.date_offset, -366)
        # Other modes need no date.
        self.env["crm.nurture.sequence"].create({"name": "Continuous"})

    @users("nurture_seq_manager")
    def test_manager_picks_a_date_of_the_lead(self):
        """The form's picker offers a manager the lead's stored dates."""
        domain = self.env["crm.nurture.sequence"]._fields["date_field_id"].domain
        found = self.env["ir.model.fields"].search(domain)
        self.assertIn(self.lead_field("date_deadline"), found)
        self.assertIn(self.lead_field("date_closed"), found)
        self.assertNotIn(self.lead_field("activity_date_deadline"), found)
        self.assertEqual(set(found.mapped("model")), {"crm.lead"})

    @users("nurture_seq_manager")
    def test_manager_uses_the_anniversary_template(self):
        """A nurture manager who is no template editor makes a sequence of the
        Anniversary template: customers won on this day in earlier years join,
        one won today does not, and its emails render."""
        self.env["ir.config_parameter"].sudo().set_param(
            "mail.restrict.template.rendering", True
        )
        self.assertFalse(self.env.user.has_group("mail.group_mail_template_editor"))
        template = self.env.ref(f"{MODULE}.crm_nurture_template_anniversary")
        self.assertEqual(
            (template.enrollment_mode, template.date_repeat, template.date_field_id),
            ("date", "yearly", self.lead_field("date_closed")),
        )
        action = template.action_use_template()
        sequence = self.env["crm.nurture.sequence"].browse(action["res_id"])
        self.assertEqual(len(sequence.step_ids), 2)
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        old, new = self.make_leads(["old_customer", "new_customer"]).sudo()
        (old | new).write({"stage_id": won_stage.id, "contact_name": "Ada Lovelace"})
        old.date_closed = datetime(2024, 5, 4, 10, 0)
        new.date_closed = datetime(2026, 5, 4, 7, 0)
        sequence.send_tz = "UTC"
        with self.at(datetime(2026, 5, 3, 8, 0)):
            sequence.action_start()
        with self.at(self.T0):
            self.env.flush_all()
            sequence.sudo()._enroll_on_dates()
        joined = sequence.participant_ids.filtered(lambda p: p.lead_id in old | new)
        self.assertEqual(joined.lead_id, old)
        self.assertEqual(joined.date_occurrence, date(2026, 5, 4))
        mailing = sequence.step_ids.filtered(lambda s: not s.parent_id).mailing_id
        body = mailing._render_field("body_html", old.ids)[old.id]
        self.assertIn("Ada Lovelace", str(body))


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestNurtureDatesCustomField(NurtureDatesCommon):
    """A field added at run time changes the registry: a class of its own, whose
    end restores it."""

    def test_custom_date_field(self):
        """A date field the company adds (a birthday) works; its index goes with
        the last sequence that uses it."""
        birthday = self.env["ir.model.fields"].create(
            {
                "name": "x_nurture_birthday",
                "field_description": "Birthday",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "ttype": "date",
            }
        )
        ann, bob = self.leads[:2]
        ann.x_nurture_birthday = date(1990, 5, 4)
        bob.x_nurture_birthday = date(1990, 5, 5)
        self.sequence.write({"date_field_id": birthday.id, "date_repeat": "yearly"})
        self.start(datetime(2026, 5, 1, 8, 0))
        self.assertTrue(
            any("x_nurture_birthday" in d for d in self.date_indexes().values())
        )
        self.run_pass(datetime(2026, 5, 4, 8, 0))
        self.assertEqual(self.joined(), [(ann.name, date(2026, 5, 4))])
        self.sequence.action_stop()
        self.assertFalse(self.date_indexes())
