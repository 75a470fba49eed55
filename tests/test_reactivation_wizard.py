# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, freeze_time, tagged, users

from ..relative_domain import eval_domain
from .common_reactivation import NurtureReactivationCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
@freeze_time(NurtureReactivationCommon.NOW)
class TestReactivationWizard(NurtureReactivationCommon):
    def wizard(self, **values):
        return self.env["crm.lead.reactivation.wizard"].create(values)

    def leads_of(self, wizard):
        return self.found(
            self.env["crm.lead"]
            .search(eval_domain(self.env, wizard.mailing_domain))
            .ids
        )

    @users("nurture_react_marketing")
    def test_defaults(self):
        wizard = self.wizard()
        self.assertEqual(wizard.period_type, "last")
        self.assertEqual(wizard.period_days, 90)
        self.assertEqual(wizard.date_field, "date_closed")
        self.assertTrue(wizard.include_archived)
        self.assertTrue(wizard.exclude_blacklisted)
        self.assertEqual(
            wizard.excluded_stage_ids, self.stage_new | self.stage_qualified
        )
        self.assertEqual(
            self.leads_of(wizard),
            self.lead_stock_recent
            | self.lead_price_recent
            | self.lead_no_reason
            | self.lead_no_stage,
        )

    @users("nurture_react_marketing")
    def test_options(self):
        """Reasons, stages, archived and blacklisted options each change the set."""
        wizard = self.wizard(lost_reason_ids=[(6, 0, self.reason_stock.ids)])
        self.assertEqual(
            self.leads_of(wizard), self.lead_stock_recent | self.lead_no_stage
        )
        wizard.excluded_stage_ids = False
        self.assertEqual(
            self.leads_of(wizard),
            self.lead_stock_recent
            | self.lead_no_stage
            | self.lead_stock_new_stage
            | self.lead_stock_qualified,
        )
        wizard.exclude_blacklisted = False
        self.assertIn(self.lead_blacklisted, self.leads_of(wizard))
        wizard.include_archived = False
        # Lost leads are archived: only the won lead carries a reason, and won
        # leads never count.
        self.assertFalse(self.leads_of(wizard))

    @users("nurture_react_marketing")
    def test_count_is_live(self):
        """The count follows the criteria in the form, before anything is saved."""
        wizard_model = self.env["crm.lead.reactivation.wizard"].with_context(
            active_model="crm.lead", active_ids=self.fixture_leads.ids
        )
        with Form(wizard_model) as form:
            form.lost_reason_ids.add(self.reason_price)
            form.excluded_stage_ids.clear()
            self.assertEqual(form.lead_count, 1)
            form.lost_reason_ids.add(self.reason_stock)
            # stock recent, new stage, qualified, no stage
            self.assertEqual(form.lead_count, 5)
            form.period_days = 200
            self.assertEqual(form.lead_count, 6)

    @users("nurture_react_marketing")
    def test_between_dates_in_user_timezone(self):
        """Between two dates, both included, midnight to midnight in the user's
        timezone."""
        self.lead_stock_recent.date_closed = datetime(2026, 6, 1, 23, 30)  # UTC
        self.lead_no_stage.date_closed = datetime(2026, 5, 31, 23, 30)
        wizard = self.wizard(
            period_type="between",
            date_from=date(2026, 6, 1),
            date_to=date(2026, 6, 1),
            lost_reason_ids=[(6, 0, self.reason_stock.ids)],
        )
        self.assertEqual(self.leads_of(wizard), self.lead_stock_recent)
        # For a user in Brussels (UTC+2) June 1st runs from 31 May 22:00 UTC.
        brussels = wizard.with_context(tz="Europe/Brussels")
        self.assertEqual(
            self.found(
                self.env["crm.lead"]
                .search(eval_domain(self.env, brussels._get_mailing_domain_text()))
                .ids
            ),
            self.lead_no_stage,
        )

    @users("nurture_react_marketing")
    def test_creation_date_option(self):
        """The seed's guide filters on creation: leads created in the period."""
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s",
            [datetime(2025, 1, 10), self.lead_stock_old.id],
        )
        wizard = self.wizard(
            period_type="between",
            date_from=date(2025, 1, 1),
            date_to=date(2025, 1, 31),
            date_field="create_date",
        )
        self.assertEqual(self.leads_of(wizard), self.lead_stock_old)

    @users("nurture_react_marketing")
    def test_selected_leads(self):
        wizard = (
            self.env["crm.lead.reactivation.wizard"]
            .with_context(
                active_model="crm.lead",
                active_ids=(self.lead_stock_recent | self.lead_open).ids,
            )
            .create({})
        )
        self.assertEqual(wizard.lead_ids, self.lead_stock_recent | self.lead_open)
        self.assertEqual(self.leads_of(wizard), self.lead_stock_recent)
        self.assertEqual(wizard.lead_count, 1)

    @users("nurture_react_marketing")
    def test_create_mailing(self):
        wizard = self.wizard(lost_reason_ids=[(6, 0, self.reason_stock.ids)])
        self.assertEqual(wizard.subject, "Back in stock!")
        action = wizard.action_create_mailing()
        mailing = self.env["mailing.mailing"].browse(action["res_id"])
        self.assertEqual(mailing.state, "draft")
        self.assertEqual(mailing.mailing_model_name, "crm.lead")
        self.assertEqual(mailing.subject, "Back in stock!")
        self.assertEqual(mailing.mailing_domain, wizard.mailing_domain)
        self.assertEqual(
            set(mailing._get_recipients()),
            set(
                self.env["crm.lead"]
                .search(eval_domain(self.env, wizard.mailing_domain))
                .ids
            ),
        )
        self.assertEqual(len(mailing._get_recipients()), wizard.lead_count)

    @users("nurture_react_marketing")
    def test_save_filter(self):
        wizard = self.wizard(
            lost_reason_ids=[(6, 0, self.reason_price.ids)], period_days=45
        )
        wizard.action_save_filter()
        mailing_filter = self.env["mailing.filter"].search(
            [("name", "=", wizard.filter_name)]
        )
        self.assertEqual(len(mailing_filter), 1)
        self.assertIn("last 45 days", mailing_filter.name)
        mailing = self.lead_mailing("[]")
        mailing.mailing_filter_id = mailing_filter
        self.assertEqual(self.found(mailing._get_recipients()), self.lead_price_recent)

    @users("nurture_react_marketing")
    def test_bad_period_refused(self):
        with self.assertRaises(ValidationError):
            self.wizard(period_days=0)
        with self.assertRaises(ValidationError):
            self.wizard(
                period_type="between",
                date_from=date(2026, 6, 2),
                date_to=date(2026, 6, 1),
            )
        with self.assertRaises(ValidationError):
            self.wizard(period_type="between")

    @users("user_marketing")
    def test_marketing_user_without_crm_rights(self):
        """A marketing user without CRM rights is told what is missing."""
        with self.assertRaisesRegex(UserError, "access to the CRM leads"):
            self.env["crm.lead.reactivation.wizard"].default_get(["period_days"])

    @users("nurture_react_marketing_b")
    def test_other_company_user(self):
        """A user of company B counts and mails only company-B leads."""
        wizard = self.wizard(lost_reason_ids=[(6, 0, self.reason_stock.ids)])
        self.assertEqual(self.leads_of(wizard), self.lead_company_b)
        mailing = self.env["mailing.mailing"].browse(
            wizard.action_create_mailing()["res_id"]
        )
        self.assertEqual(
            self.found(mailing.sudo()._get_recipients()), self.lead_company_b
        )

    @users("nurture_react_marketing")
    def test_form_explains_itself(self):
        """In the form: the suggested subject follows the lost reason chosen, and the
        leads the stage rule leaves out are counted and explained."""
        Wizard = self.env["crm.lead.reactivation.wizard"].with_context(
            active_model="crm.lead", active_ids=self.fixture_leads.ids
        )
        form = Form(Wizard)
        self.assertEqual(form.subject, "We would love to hear from you again")
        form.lost_reason_ids.add(self.reason_stock)
        self.assertEqual(form.subject, "Back in stock!")
        # Lost for stock in the period: recent and without stage match; those lost
        # while New or Qualified are left out, and said so.
        self.assertEqual(form.lead_count, 2)
        self.assertEqual(form.stage_excluded_count, 2)
        form.excluded_stage_ids.remove(self.stage_new.id)
        self.assertEqual(form.lead_count, 3)
        self.assertEqual(form.stage_excluded_count, 1)
