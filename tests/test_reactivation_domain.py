# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged, users
from odoo.tools import mute_logger

from ..relative_domain import eval_domain
from .common import process_mailing_queue
from .common_reactivation import EDITOR_LAST_90_DAYS, NurtureReactivationCommon

LOST_ANY = "('active', 'in', [True, False]), ('lost_reason_id', '!=', False)"


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
@freeze_time(NurtureReactivationCommon.NOW)
class TestRelativeDomains(NurtureReactivationCommon):
    def test_editor_within_expression(self):
        """What the filter editor writes for "within the last 90 days" gives the
        leads lost in that window, on the form count and in the recipients (Odoo
        alone gives zero)."""
        domain = f"['&', {LOST_ANY}, {EDITOR_LAST_90_DAYS[1:]}"
        mailing = self.lead_mailing(domain)
        # The editor's window ends at today's midnight (UTC here): leads lost within
        # the last 90 days, before today.
        expected = (
            self.lead_stock_recent
            | self.lead_price_recent
            | self.lead_stock_new_stage
            | self.lead_stock_qualified
            | self.lead_blacklisted
            | self.lead_no_stage
        )
        # The company-B lead is left out: the mailing's responsible is in company A.
        self.assertEqual(self.found(mailing._get_recipients()), expected)
        self.assertGreaterEqual(mailing.total, len(expected))

    def test_send_uses_relative_dates(self):
        """A queued mailing with a relative filter mails the matching leads."""
        # The won lead aside: 19.0's CRM dates a lead made in a won stage
        # (date_closed), 18.0's does not, and this filter does not look at stages.
        leads = self.fixture_leads - self.lead_won
        domain = (
            f"[{LOST_ANY}, ('id', 'in', {leads.ids}), ('date_closed', "
            f"'>=', "
            "(context_today() - relativedelta(days=15)).strftime('%Y-%m-%d'))]"
        )
        mailing = self.lead_mailing(domain, user_id=self.user_marketing_crm.id)
        mailing.action_put_in_queue()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            process_mailing_queue(mailing)
        expected = (
            self.lead_stock_recent
            | self.lead_stock_new_stage
            | self.lead_stock_qualified
            | self.lead_blacklisted
            | self.lead_no_stage
        )
        traces = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", mailing.id)]
        )
        self.assertEqual(self.found(traces.mapped("res_id")), expected)
        sent = traces.filtered(lambda t: t.trace_status != "cancel")
        self.assertEqual(
            self.found(sent.mapped("res_id")), expected - self.lead_blacklisted
        )
        self.assertEqual(mailing.state, "done")

    def test_evaluated_when_computed(self):
        """The same mailing reaches other leads on another day."""
        domain = (
            f"[{LOST_ANY}, ('date_closed', '>=', datetime.datetime.combine("
            "context_today() - relativedelta(days=50), datetime.time(0, 0, 0))"
            ".to_utc().strftime('%Y-%m-%d %H:%M:%S'))]"
        )
        mailing = self.lead_mailing(domain)
        self.assertIn(self.lead_price_recent, self.found(mailing._get_recipients()))
        with freeze_time(datetime(2026, 7, 20, 10, 0)):
            self.assertNotIn(
                self.lead_price_recent, self.found(mailing._get_recipients())
            )
            self.assertIn(self.lead_stock_recent, self.found(mailing._get_recipients()))

    @freeze_time(datetime(2026, 6, 15, 13, 0))
    def test_timezone_of_the_user(self):
        """Midnight is the user's: at 13:00 UTC it is already tomorrow in Auckland."""
        text = (
            "[('date_closed', '>=', datetime.datetime.combine(context_today(), "
            "datetime.time(0, 0, 0)).to_utc().strftime('%Y-%m-%d %H:%M:%S'))]"
        )
        utc = eval_domain(self.env(context={"tz": "UTC"}), text)
        auckland = eval_domain(self.env(context={"tz": "Pacific/Auckland"}), text)
        los_angeles = eval_domain(self.env(context={"tz": "America/Los_Angeles"}), text)
        self.assertEqual(utc, [("date_closed", ">=", "2026-06-15 00:00:00")])
        # 2026-06-16 00:00 NZST (UTC+12) is 2026-06-15 12:00 UTC.
        self.assertEqual(auckland, [("date_closed", ">=", "2026-06-15 12:00:00")])
        # 2026-06-15 00:00 PDT (UTC-7) is 2026-06-15 07:00 UTC.
        self.assertEqual(los_angeles, [("date_closed", ">=", "2026-06-15 07:00:00")])

    @freeze_time(datetime(2026, 6, 15, 13, 0))
    def test_timezone_decides_membership(self):
        """A lead lost at 11:00 UTC is lost "today" for a user in UTC but not for a
        user in Auckland, whose today started at 12:00 UTC."""
        self.lead_stock_recent.date_closed = datetime(2026, 6, 15, 11, 0)
        text = (
            f"[{LOST_ANY}, ('date_closed', '>=', datetime.datetime.combine("
            "context_today(), datetime.time(0, 0, 0)).to_utc().strftime("
            "'%Y-%m-%d %H:%M:%S'))]"
        )
        mailing = self.lead_mailing(text)
        self.assertIn(
            self.lead_stock_recent,
            self.found(mailing.with_context(tz="UTC")._get_recipients()),
        )
        self.assertNotIn(
            self.lead_stock_recent,
            self.found(mailing.with_context(tz="Pacific/Auckland")._get_recipients()),
        )

    def test_literal_domains_unchanged(self):
        mailing = self.lead_mailing(repr([("id", "in", self.lead_open.ids)]))
        self.assertEqual(mailing._get_recipients(), self.lead_open.ids)

    @users("nurture_react_marketing")
    def test_bad_domain_refused_on_save(self):
        """A filter that cannot be evaluated or names unknown fields is refused."""
        with self.assertRaises(ValidationError):
            self.lead_mailing("[('date_closed', '>=', context_today() + 1)]")
        with self.assertRaises(ValidationError):
            self.lead_mailing("[('no_such_field', '=', 1)]")
        with self.assertRaises(ValidationError):
            self.lead_mailing("[('name', '=', undefined_name)]")
        mailing = self.lead_mailing("[]")
        with self.assertRaises(ValidationError):
            mailing.write({"mailing_domain": "[('name', 'ilike'"})
            mailing.flush_recordset()

    def test_unevaluable_domain_is_not_zero_recipients(self):
        """A domain that stopped evaluating stops the send with its reason."""
        mailing = self.lead_mailing("[]")
        self.env.cr.execute(
            "UPDATE mailing_mailing SET mailing_domain = %s WHERE id = %s",
            ["[('name', '=', undefined_name)]", mailing.id],
        )
        mailing.invalidate_recordset()
        with self.assertRaises(UserError):
            mailing._get_recipients()
        self.assertEqual(mailing.total, 0)  # the form still opens

    @users("nurture_react_marketing")
    def test_favorite_filter_with_relative_dates(self):
        """Favourite filters accept relative dates and mailings apply them."""
        text = (
            f"[{LOST_ANY}, ('id', 'in', {self.fixture_leads.ids}), ('date_closed', "
            f"'>=', "
            "(context_today() - relativedelta(days=25)).strftime('%Y-%m-%d'))]"
        )
        mailing_filter = self.env["mailing.filter"].create(
            {
                "name": "Lost lately",
                "mailing_domain": text,
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
            }
        )
        mailing = self.lead_mailing("[]")
        mailing.mailing_filter_id = mailing_filter
        self.assertEqual(mailing.mailing_domain, text)
        self.assertIn(self.lead_stock_recent, self.found(mailing._get_recipients()))
        self.assertNotIn(self.lead_price_recent, self.found(mailing._get_recipients()))
        with self.assertRaises(ValidationError):
            self.env["mailing.filter"].create(
                {
                    "name": "Broken",
                    "mailing_domain": "[('date_closed', '>=', nowhere())]",
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                }
            )

    @mute_logger("odoo.addons.mass_mailing.models.mailing")
    def test_company_of_the_responsible(self):
        """The queue sends as superuser; a mailing still reaches only leads of the
        companies its responsible belongs to."""
        domain = repr(
            [("active", "in", [True, False]), ("id", "in", self.fixture_leads.ids)]
        )
        mailing_a = self.lead_mailing(domain, user_id=self.user_marketing_crm.id)
        mailing_b = self.lead_mailing(
            domain, user=self.user_marketing_crm_b, user_id=self.user_marketing_crm_b.id
        )
        recipients_a = self.found(mailing_a.sudo()._get_recipients())
        recipients_b = self.found(mailing_b.sudo()._get_recipients())
        self.assertNotIn(self.lead_company_b, recipients_a)
        self.assertIn(self.lead_stock_recent, recipients_a)
        self.assertEqual(recipients_b, self.lead_company_b)
