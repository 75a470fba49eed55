# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The standard screens the addon changes, used by each standard role under Odoo's
default settings: the addon must leave them working for everyone, not only for the
administrator. What a role may not do ends in a clear message, never a traceback."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import process_mailing_queue
from .common_nurture import NurtureSequenceCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestStandardRoles(NurtureSequenceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Email Marketing's most ordinary user: no CRM or Sales rights at all.
        cls.user_mm = new_test_user(
            cls.env,
            login="nurture_role_mm",
            name="Mia Mailing",
            tz="UTC",
            groups="base.group_user,mass_mailing.group_mass_mailing_user",
        )
        cls.user_mm_sales = new_test_user(
            cls.env,
            login="nurture_role_mm_sales",
            name="Sam Mailing-Sales",
            tz="UTC",
            groups="base.group_user,mass_mailing.group_mass_mailing_user,"
            "sales_team.group_sale_salesman",
        )
        cls.user_sales_manager = new_test_user(
            cls.env,
            login="nurture_role_sales_manager",
            name="Max Sales Manager",
            tz="UTC",
            groups="base.group_user,sales_team.group_sale_manager",
        )
        cls.tag_vip = cls.env["crm.tag"].create(
            {"name": "Role VIP", "lifetime_days": 30}
        )
        # A running sequence that takes leads lost for "Not enough stock".
        cls.sequence.write({"enroll_lost_reason_ids": [(6, 0, cls.reason_stock.ids)]})
        cls.sequence.with_user(cls.user_manager).action_start()

    # ------------------------------------------------------------------
    # Mailing form: save, test, put in queue, schedule, retry
    # ------------------------------------------------------------------

    def _mailing_screens(self, user, test_send=True):
        """Everything an Email Marketing user does with a lead mailing's form.

        ``test_send``: Odoo's "Test" renders the mailing on a record it searches
        with the user's rights, so that a user without CRM rights cannot test a
        lead mailing, with or without the addon."""
        with Form(self.env["mailing.mailing"].with_user(user)) as form:
            form.subject = f"Spring news for {user.name}"
            form.mailing_model_id = self.env["ir.model"]._get("crm.lead")
            form.mailing_domain = repr([("name", "=like", "Nurtrec %")])
            form.body_arch = "<p>Hello</p>"
        mailing = form.record
        mailing.body_html = "<p>Hello</p>"
        # Open it again, as after a reload.
        Form(mailing)
        if test_send:
            self._send_test(user, mailing)
        # Schedule, then put in the queue at once.
        wizard = (
            self.env["mailing.mailing.schedule.date"]
            .with_user(user)
            .create(
                {
                    "mass_mailing_id": mailing.id,
                    "schedule_date": fields.Datetime.now() + timedelta(days=1),
                }
            )
        )
        wizard.action_schedule_date()
        self.assertEqual(mailing.state, "in_queue")
        mailing.action_cancel()
        mailing.action_put_in_queue()
        self.assertEqual(mailing.state, "in_queue")
        # The queue sends it (as the scheduled action does), then a retry.
        with self.mock_mail_gateway(mail_unlink_sent=False):
            process_mailing_queue(mailing.sudo())
        self.assertEqual(mailing.state, "done")
        self.assertEqual(len(mailing.mailing_trace_ids), len(self.leads))
        mailing.mailing_trace_ids[:1].sudo().set_failed(failure_type="mail_smtp")
        mailing.action_retry_failed()
        self.assertEqual(mailing.state, "in_queue")
        return mailing

    def _send_test(self, user, mailing):
        test = (
            self.env["mailing.mailing.test"]
            .with_user(user)
            .create({"mass_mailing_id": mailing.id, "email_to": "test@example.com"})
        )
        with self.mock_mail_gateway():
            test.send_mail_test()
        self.assertEqual(len(self._mails), 1)

    def test_mailing_form_marketing_user_without_sales_rights(self):
        self._mailing_screens(self.user_mm, test_send=False)
        # The test of a mailing to contacts, their own field.
        contacts = (
            self.env["mailing.mailing"]
            .with_user(self.user_mm)
            .create(
                {
                    "subject": "To my contacts",
                    "body_html": "<p>Hello</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                }
            )
        )
        self._send_test(self.user_mm, contacts)

    def test_mailing_form_marketing_user_with_sales_rights(self):
        self._mailing_screens(self.user_mm_sales)

    def test_step_email_opens_for_any_marketing_user(self):
        """A step's email opens for a marketing user without nurture rights, names
        its sequence, and refuses to be sent as a campaign in words."""
        mailing = self.week1.mailing_id.with_user(self.user_mm)
        form = Form(mailing)
        self.assertEqual(form.nurture_sequence_id, self.sequence)
        with self.assertRaisesRegex(UserError, "Three-week restock"):
            mailing.action_put_in_queue()
        with self.assertRaisesRegex(UserError, "Three-week restock"):
            mailing.action_schedule()
        # Its steps stay the nurture users' business.
        with self.assertRaises(AccessError):
            mailing.read(["nurture_step_ids"])

    def test_lead_mailing_with_link_rules_opens_without_sales_rights(self):
        mailing = self.recurring_mailing(recurrence_enabled=False)
        mailing.write(
            {
                "click_tag_rule_ids": [
                    (0, 0, {"url_match": "any", "tag_ids": [(6, 0, self.tag_vip.ids)]})
                ]
            }
        )
        form = Form(mailing.with_user(self.user_mm))
        form.subject = "Renamed by a marketing user"
        form.save()
        self.assertEqual(mailing.subject, "Renamed by a marketing user")
        self.assertEqual(len(mailing.click_tag_rule_ids), 1, "rules kept")

    # ------------------------------------------------------------------
    # Lead form: tag, lose with a reason, restore, merge, convert
    # ------------------------------------------------------------------

    def _lead_screens(self, user):
        Lead = self.env["crm.lead"].with_user(user)
        with Form(Lead) as form:
            form.name = f"Nurtrec lead of {user.name}"
            form.email_from = f"{user.login}@customer.example.com"
            form.tag_ids.add(self.tag_vip)
        lead = form.record
        self.assertEqual(lead.tag_stat_ids.tag_id, self.tag_vip, "counted")
        # Lose it for "Not enough stock": it joins the sequence waiting for that.
        self.env["crm.lead.lost"].with_user(user).with_context(
            active_ids=lead.ids
        ).create(
            {"lead_ids": lead.ids, "lost_reason_id": self.reason_stock.id}
        ).action_lost_reason_apply()
        self.assertFalse(lead.active)
        self.assertEqual(self.participant(lead).state, "running")
        # Restore it.
        lead.action_unarchive()
        self.assertTrue(lead.active)
        self.assertTrue(lead.date_reactivated)
        # Merge a duplicate into it, the duplicate lost with a reason given as a
        # record (as CRM's merge itself writes it).
        duplicate = Lead.create(
            {"name": "Nurtrec duplicate", "email_from": lead.email_from}
        )
        duplicate.write({"lost_reason_id": self.reason_stock})
        merge = (
            self.env["crm.merge.opportunity"]
            .with_user(user)
            .with_context(active_model="crm.lead", active_ids=(lead | duplicate).ids)
            .create({})
        )
        merged = merge.action_merge()
        self.assertTrue(merged)
        # Convert it to an opportunity.
        survivor = (lead | duplicate).exists()
        convert = (
            self.env["crm.lead2opportunity.partner"]
            .with_user(user)
            .with_context(
                active_model="crm.lead", active_id=survivor.id, active_ids=survivor.ids
            )
            .create({"name": "convert", "action": "create"})
        )
        convert.action_apply()
        self.assertEqual(survivor.type, "opportunity")

    def test_lead_screens_salesman(self):
        self._lead_screens(self.user_salesman)

    def test_lead_screens_sales_manager(self):
        self._lead_screens(self.user_sales_manager)

    def test_lead_screens_marketing_user_with_sales_rights(self):
        self._lead_screens(self.user_mm_sales)

    def test_lost_reason_given_as_a_record_enrolls(self):
        """Odoo accepts a record as a many2one value: lose leads so, as CRM's merge
        does; they join the sequence waiting for that reason."""
        lead = self.make_leads(["rec"], user_id=self.user_salesman.id)
        lead.with_user(self.user_salesman).write(
            {"active": False, "lost_reason_id": self.reason_stock}
        )
        self.assertEqual(self.participant(lead).state, "running")

    def test_salesman_tags_and_sets_a_tag_lifetime(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_salesman)
            .create({"name": "Nurtrec tagged", "user_id": self.user_salesman.id})
        )
        lead.write({"tag_ids": [(4, self.tag_vip.id)]})
        # CRM lets salespeople edit tags: a lifetime too.
        with Form(self.tag_vip.with_user(self.user_salesman)) as form:
            form.lifetime_days = 10
        self.assertEqual(
            lead.tag_stat_ids.expiry_date.date(),
            (lead.tag_stat_ids.last_added + timedelta(days=10)).date(),
        )

    def test_marketing_user_without_sales_rights_gets_words_not_tracebacks(self):
        """The reactivation wizard needs CRM rights: it says so."""
        with self.assertRaises(UserError):
            self.env["crm.lead.reactivation.wizard"].with_user(self.user_mm).create({})

    # ------------------------------------------------------------------
    # Link tracker
    # ------------------------------------------------------------------

    def test_link_tracker_and_clicks_as_marketing_users(self):
        """Marketing users shorten links; a click on a lead mailing's link, which
        runs the mailing's link rules, redirects whoever owns the mailing."""
        for user in (self.user_mm, self.user_mm_sales):
            link = (
                self.env["link.tracker"]
                .with_user(user)
                .create({"url": f"https://www.example.com/{user.login}"})
            )
            self.assertTrue(link.short_url)
        mailing = self.recurring_mailing(
            recurrence_enabled=False, user_id=self.user_mm.id
        )
        mailing.write(
            {
                "click_tag_rule_ids": [
                    (0, 0, {"url_match": "any", "tag_ids": [(6, 0, self.tag_vip.ids)]})
                ]
            }
        )
        mailing.with_user(self.user_mm).action_put_in_queue()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            process_mailing_queue(mailing.sudo())
        lead = self.leads[0]
        self.gateway_mail_trace_click(mailing, lead, "shop")
        self.assertIn(self.tag_vip, lead.tag_ids)
