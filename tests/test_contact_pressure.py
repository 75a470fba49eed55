# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_nurture import NurtureSequenceCommon

PARAM = "mass_mailing_crm_nurture.contact_pressure_%s"


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestContactPressure(NurtureSequenceCommon):
    """Two flows, one lead: at most N marketing emails per lead over a period."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ann, cls.bob, cls.cid = cls.leads
        cls.newsletter = cls.env["mailing.mailing"].create(
            {
                "subject": "Newsletter",
                "body_html": "<p>News</p>",
                "mailing_model_id": cls.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": repr([("id", "in", [])]),
            }
        )

    def set_rule(self, limit=2, days=7, lead_mailings=False):
        """Turn the rule on, as the settings page does."""
        self.env["res.config.settings"].create(
            {
                "nurture_pressure_enabled": True,
                "nurture_pressure_limit": limit,
                "nurture_pressure_days": days,
                "nurture_pressure_lead_mailings": lead_mailings,
            }
        ).execute()

    def mailed(self, lead, *days_ago, status="sent"):
        """``lead`` got the newsletter ``days_ago`` days before T0."""
        for ago in days_ago:
            with self.at(self.T0 - self.days(ago)):
                self.env["mailing.trace"].create(
                    {
                        "model": "crm.lead",
                        "res_id": lead.id,
                        "email": lead.email_from,
                        "mass_mailing_id": self.newsletter.id,
                        "trace_status": status,
                    }
                )
                self.env.flush_all()

    def other_sequence(self, **values):
        """A second sequence on the same leads, with one email at start."""
        return (
            self.env["crm.nurture.sequence"]
            .with_user(self.user_manager)
            .create(
                {
                    "name": "Stock again",
                    "send_tz": "UTC",
                    "enrollment_mode": "none",
                    "domain": repr(
                        [
                            ("active", "in", [True, False]),
                            ("name", "=like", "Nurtrec %"),
                        ]
                    ),
                    "step_ids": [(0, 0, {"name": "Restocked", "trigger": "start"})],
                    **values,
                }
            )
        )

    def trace_of(self, lead, step):
        return self.participant(lead).trace_ids.filtered(lambda t: t.step_id == step)

    def test_settings(self):
        """Off by default; the settings page turns it on with its limit and period."""
        Lead = self.env["crm.lead"]
        self.assertIsNone(Lead._get_contact_pressure_rule())
        self.set_rule(limit=3, days=10, lead_mailings=True)
        self.assertEqual(tuple(Lead._get_contact_pressure_rule()), (3, 10, True))
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(PARAM % "limit"), "3"
        )
        self.env["res.config.settings"].create(
            {"nurture_pressure_enabled": False}
        ).execute()
        self.assertIsNone(Lead._get_contact_pressure_rule())

    def test_settings_bounded(self):
        """A period of 10^9 days would stop the engines (a date overflow): refused
        when saved; one written by hand turns the rule off instead."""
        Settings = self.env["res.config.settings"]
        for values in (
            {"nurture_pressure_days": 10**9},
            {"nurture_pressure_limit": -1},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                Settings.create({"nurture_pressure_enabled": True, **values})
        self.set_rule(limit=2, days=7)
        self.env["ir.config_parameter"].set_param(PARAM % "days", str(10**9))
        self.assertIsNone(self.env["crm.lead"]._get_contact_pressure_rule())

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_settings_rights(self):
        """The rule is the administrators': a marketing user cannot change it."""
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.user_marketer).create(
                {"nurture_pressure_enabled": True}
            )

    def test_settings_off_nothing_changes(self):
        """Rule off: a lead that got many emails still gets the step at once."""
        self.mailed(self.ann, 1, 1, 2, 3)
        self.start_with(self.leads)
        self.assertEqual(self.process(self.T0), 3)
        self.assertEqual(self.steps_done(self.ann), self.week1)
        self.assertFalse(self.trace_of(self.ann, self.week1).pressure_status)

    def test_wait_for_free_slot(self):
        """Over the limit, the email waits until the oldest counted email leaves
        the period, then leaves; the cockpit counts it as delayed."""
        self.set_rule(limit=2, days=7)
        self.mailed(self.ann, 3, 1)
        # Emails that never reached the lead do not count.
        self.mailed(self.bob, 1, 1, status="cancel")
        self.mailed(self.bob, 2)
        self.start_with(self.leads)
        self.process(self.T0)
        self.assertEqual(self.steps_done(self.bob), self.week1)
        self.assertEqual(self.steps_done(self.cid), self.week1)
        self.assertFalse(self.steps_done(self.ann))
        waiting = self.trace_of(self.ann, self.week1)
        self.assertEqual(waiting.state, "scheduled")
        self.assertEqual(waiting.pressure_status, "delayed")
        self.assertEqual(waiting.scheduled_date, self.T0 + self.days(4))
        self.assertIn("contact pressure", waiting.message)
        self.assertFalse(
            self.week1.mailing_id.mailing_trace_ids.filtered(
                lambda t: t.res_id == self.ann.id
            )
        )
        self.process(self.T0 + self.days(4))
        self.assertEqual(waiting.state, "done")
        self.assertEqual(
            self.week1.mailing_id.mailing_trace_ids.filtered(
                lambda t: t.res_id == self.ann.id
            ).trace_status,
            "sent",
        )
        sequence = self.sequence.with_user(self.user_manager)
        self.assertEqual(sequence.pressure_delayed_count, 1)
        self.assertEqual(sequence.pressure_skipped_count, 0)
        step = self.week1.with_user(self.user_manager)
        self.assertEqual(
            (step.pressure_delayed_count, step.pressure_skipped_count), (1, 0)
        )

    def test_skip_policy(self):
        """Skip: the email is not sent, the trace says why, and the next steps run
        as after an email nobody clicked."""
        self.set_rule(limit=2, days=7)
        self.sequence.pressure_policy = "skip"
        self.mailed(self.ann, 3, 1)
        self.start_with(self.ann)
        self.process(self.T0)
        skipped = self.trace_of(self.ann, self.week1)
        self.assertEqual(
            (skipped.state, skipped.pressure_status), ("skipped", "skipped")
        )
        self.assertIn("no email was sent", skipped.message)
        self.assertFalse(self.week1.mailing_id.mailing_trace_ids)
        self.assertEqual(self.participant(self.ann).current_step_id, self.week1)
        self.assertEqual(
            self.participant(self.ann)
            .trace_ids.filtered(lambda t: t.state == "scheduled")
            .step_id,
            self.week2_ignored | self.week2_clicked,
        )
        # A week on, the lead is under the limit: "not clicked" runs.
        self.process(self.T0 + self.days(7))
        self.assertEqual(self.trace_of(self.ann, self.week2_ignored).state, "done")
        self.assertEqual(self.trace_of(self.ann, self.week2_clicked).state, "cancelled")
        self.assertEqual(
            self.week2_ignored.mailing_id.mailing_trace_ids.res_id, self.ann.id
        )
        sequence = self.sequence.with_user(self.user_manager)
        self.assertEqual(
            (sequence.pressure_delayed_count, sequence.pressure_skipped_count), (0, 1)
        )
        self.assertEqual(
            self.week1.with_user(self.user_manager).pressure_skipped_count, 1
        )

    def test_two_sequences_same_week(self):
        """Two sequences due the same day with a limit of one: the second email of
        the day waits (the first one, sent in the same run, counts)."""
        self.set_rule(limit=1, days=7)
        other = self.other_sequence()
        self.start_with(self.ann)
        with self.at(self.T0):
            other.with_user(self.user_manager).action_start()
            other._enroll_leads(self.ann)
        self.process(self.T0)
        traces = self.env["crm.nurture.trace"].search(
            [("lead_id", "=", self.ann.id), ("step_id.trigger", "=", "start")]
        )
        self.assertEqual(sorted(traces.mapped("state")), ["done", "scheduled"])
        self.assertEqual(
            traces.filtered(lambda t: t.state == "scheduled").scheduled_date,
            self.T0 + self.days(7),
        )

    def test_recurring_run_leaves_over_limit_leads(self):
        """A recurring run leaves out leads at the limit, untraced; a later run
        mails them once they are under it."""
        self.set_rule(limit=2, days=7)
        self.mailed(self.ann, 3, 1)
        with self.at(self.T0):
            mailing = self.recurring_mailing()
            mailing.with_user(self.user_marketer).action_launch()
            self.assertEqual(self.run_due(), 2)
        self.assertEqual(
            self.traced(mailing), dict.fromkeys((self.bob | self.cid).ids, 1)
        )
        with self.at(self.T0 + self.days(1)):
            self.assertEqual(self.run_due(), 0)
        with self.at(self.T0 + self.days(4)):
            self.assertEqual(self.run_due(), 1)
        self.assertEqual(self.traced(mailing), dict.fromkeys(self.leads.ids, 1))

    def test_ordinary_lead_mailing_option(self):
        """Ordinary lead mailings obey the rule only when the option is on: the
        leads at the limit are left out of the send."""
        self.mailed(self.ann, 3, 1)
        mailing = (
            self.env["mailing.mailing"]
            .with_user(self.user_marketer)
            .create(
                {
                    "subject": "Spring sale",
                    "body_html": "<p>Sale</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": repr([("name", "=like", "Nurtrec %")]),
                }
            )
        )
        with self.at(self.T0):
            self.set_rule(limit=2, days=7)
            self.assertEqual(
                sorted(mailing._get_remaining_recipients()), sorted(self.leads.ids)
            )
            self.set_rule(limit=2, days=7, lead_mailings=True)
            self.assertEqual(
                sorted(mailing._get_remaining_recipients()),
                sorted((self.bob | self.cid).ids),
            )
            with self.mock_mail_gateway(mail_unlink_sent=False):
                mailing.action_send_mail()
        self.assertEqual(
            sorted(self.traced(mailing)), sorted((self.bob | self.cid).ids)
        )

    def test_one_sequence_at_a_time(self):
        """A lead running in another sequence joins this one once it is free."""
        self.start_with(self.ann)
        other = self.other_sequence(enrollment_mode="continuous", one_at_a_time=True)
        with self.at(self.T0):
            other.action_start()
            other._enroll_matching()
            self.assertEqual(other.participant_ids.lead_id, self.bob | self.cid)
            other._enroll_leads(self.ann)
            self.assertNotIn(self.ann, other.participant_ids.lead_id)
            self.participant(self.ann).action_remove()
            other._enroll_matching()
        self.assertEqual(other.participant_ids.lead_id, self.leads)

    def test_overlap_warning_on_start(self):
        """Starting over the leads or lost reasons of a running sequence warns,
        naming it and the shared leads; the sequence starts all the same."""
        self.sequence.enroll_lost_reason_ids = self.reason_stock
        self.start_with(self.ann)
        Sequence = self.env["crm.nurture.sequence"].with_user(self.user_manager)
        overlapping, apart = Sequence.create(
            [
                {
                    "name": "Stock again",
                    "enrollment_mode": "none",
                    "enroll_lost_reason_ids": [(6, 0, self.reason_stock.ids)],
                    "domain": repr([("name", "=like", "Nurtrec %")]),
                    "step_ids": [(0, 0, {"name": "Restocked", "trigger": "start"})],
                },
                {
                    "name": "Elsewhere",
                    "enrollment_mode": "none",
                    "domain": repr([("name", "=", "Nobody here")]),
                    "step_ids": [(0, 0, {"name": "Hello", "trigger": "start"})],
                },
            ]
        )
        with self.at(self.T0):
            action = overlapping.action_start()
            self.assertEqual(overlapping.state, "running")
            self.assertEqual(action["tag"], "display_notification")
            message = action["params"]["message"]
            self.assertIn("Three-week restock", message)
            self.assertIn("3 leads in common", message)
            self.assertIn(self.reason_stock.name, message)
            self.assertIs(apart.action_start(), True)
            self.assertEqual(apart.state, "running")
