# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta

from odoo.tests import new_test_user

from odoo.addons.mass_mailing.tests.common import MassMailCommon

# The web filter editor's "is within the last 90 days" on a datetime field.
EDITOR_LAST_90_DAYS = (
    "['&', ('date_closed', '>=', datetime.datetime.combine(context_today() + "
    "relativedelta(days=-90), datetime.time(0, 0, 0)).to_utc().strftime("
    "'%Y-%m-%d %H:%M:%S')), ('date_closed', '<=', datetime.datetime.combine("
    "context_today(), datetime.time(0, 0, 0)).to_utc().strftime('%Y-%m-%d %H:%M:%S'))]"
)


class NurtureReactivationCommon(MassMailCommon):
    """Lost leads over reasons, stages and dates, with the users who target them.

    Time is ``NOW``; leads are lost some days before it. The database also holds
    demo leads: assertions look at the fixture's leads (``found``).
    """

    NOW = datetime(2026, 6, 15, 10, 0, 0)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tz="UTC"))
        cls.company_b = cls.env["res.company"].create({"name": "Nurture Company B"})
        cls.user_marketing_crm = new_test_user(
            cls.env,
            login="nurture_react_marketing",
            name="Reactivation Marketer",
            tz="UTC",
            groups="base.group_user,mass_mailing.group_mass_mailing_user,"
            "sales_team.group_sale_salesman_all_leads",
        )
        cls.user_marketing_crm_b = new_test_user(
            cls.env,
            login="nurture_react_marketing_b",
            name="Company B Marketer",
            tz="UTC",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
            groups="base.group_user,mass_mailing.group_mass_mailing_user,"
            "sales_team.group_sale_salesman_all_leads",
        )
        # user_marketing (from MassMailCommon) has no CRM rights at all.
        cls.stage_new = cls.env.ref("crm.stage_lead1")
        cls.stage_qualified = cls.env.ref("crm.stage_lead2")
        cls.stage_proposition = cls.env.ref("crm.stage_lead3")
        cls.stage_won = cls.env.ref("crm.stage_lead4")
        cls.reason_price = cls.env.ref("crm.lost_reason_1")
        cls.reason_skills = cls.env.ref("crm.lost_reason_2")
        cls.reason_stock = cls.env.ref("crm.lost_reason_3")
        make = cls._make_lost_lead
        cls.lead_stock_recent = make("stock recent", cls.reason_stock, 10)
        cls.lead_price_recent = make("price recent", cls.reason_price, 30)
        cls.lead_stock_old = make("stock old", cls.reason_stock, 120)
        cls.lead_stock_new_stage = make(
            "stock new", cls.reason_stock, 10, cls.stage_new
        )
        cls.lead_stock_qualified = make(
            "stock qualified", cls.reason_stock, 10, cls.stage_qualified
        )
        cls.lead_blacklisted = make("blacklisted", cls.reason_stock, 10)
        cls.env["mail.blacklist"].create({"email": cls.lead_blacklisted.email_from})
        cls.lead_no_reason = make("no reason", False, 20)
        cls.lead_no_stage = make("no stage", cls.reason_stock, 5)
        cls.env.cr.execute(
            "UPDATE crm_lead SET stage_id = NULL WHERE id = %s", [cls.lead_no_stage.id]
        )
        cls.lead_company_b = make(
            "company b", cls.reason_stock, 10, company=cls.company_b
        )
        cls.lead_won = cls._make_lead("won", cls.stage_won)
        cls.lead_won.write({"lost_reason_id": cls.reason_stock.id})
        cls.lead_open = cls._make_lead("open", cls.stage_proposition)
        cls.fixture_leads = (
            cls.lead_stock_recent
            | cls.lead_price_recent
            | cls.lead_stock_old
            | cls.lead_stock_new_stage
            | cls.lead_stock_qualified
            | cls.lead_blacklisted
            | cls.lead_no_reason
            | cls.lead_no_stage
            | cls.lead_company_b
            | cls.lead_won
            | cls.lead_open
        )
        cls.env.invalidate_all()

    @classmethod
    def _make_lead(cls, name, stage, company=None):
        return cls.env["crm.lead"].create(
            {
                "name": f"Reactivation {name}",
                "email_from": f"react.{name.replace(' ', '.')}@example.com",
                "type": "opportunity",
                "stage_id": stage.id,
                "expected_revenue": 1000,
                "company_id": (company or cls.env.company).id,
            }
        )

    @classmethod
    def _make_lost_lead(cls, name, reason, days_ago, stage=None, company=None):
        lead = cls._make_lead(name, stage or cls.stage_proposition, company)
        lead.action_set_lost(lost_reason_id=reason.id if reason else False)
        lead.date_closed = cls.NOW - timedelta(days=days_ago)
        return lead

    def found(self, ids):
        """The fixture leads among ``ids`` (demo data left aside)."""
        return self.env["crm.lead"].browse(ids) & self.fixture_leads

    def lead_mailing(self, domain, user=None, **values):
        return (
            self.env["mailing.mailing"]
            .with_user(user or self.user_marketing_crm)
            .create(
                {
                    "subject": "We miss you",
                    "body_html": "<p>Hello</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": domain,
                    **values,
                }
            )
        )
