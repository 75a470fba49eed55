# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo.tests import freeze_time, tagged, users

from .. import compat
from .common_reactivation import NurtureReactivationCommon


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
@freeze_time(NurtureReactivationCommon.NOW)
class TestReactivationResults(NurtureReactivationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lost = cls.lead_stock_recent | cls.lead_price_recent | cls.lead_no_reason
        cls.mailing_early, cls.mailing_late, cls.mailing_other = cls.env[
            "mailing.mailing"
        ].create(
            [
                {
                    "subject": subject,
                    "body_html": "<p>Back</p>",
                    "mailing_model_id": cls.env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": repr([("id", "in", lost.ids)]),
                    "state": "done",
                }
                for subject in ("Early", "Late", "Other")
            ]
        )
        now = cls.NOW
        # Lost 10 days ago (stock) and 30 days ago (price).
        cls._create_sent_traces(cls.mailing_early, lost, dt=now - timedelta(days=8))
        cls._create_sent_traces(
            cls.mailing_late,
            cls.lead_stock_recent | cls.lead_price_recent,
            dt=now - timedelta(days=2),
        )
        # Mailed before it was lost: no credit.
        cls._create_sent_traces(
            cls.mailing_other, cls.lead_no_reason, dt=now - timedelta(days=25)
        )
        # A cancelled trace never credits.
        cls._create_traces(
            cls.mailing_other,
            cls.lead_stock_old,
            now - timedelta(days=1),
            trace_status="cancel",
        )

    def test_won_stage_restores_on_the_series_that_restores(self):
        """19.0's CRM restores a lost lead moved to a won stage (18.0's leaves it
        archived): a restore that CRM makes by itself is a reactivation too."""
        self.lead_stock_recent.write({"stage_id": self.stage_won.id})
        self.assertEqual(self.lead_stock_recent.active, compat.SERIES >= 19)
        self.assertEqual(
            self.lead_stock_recent.date_reactivated,
            self.NOW if compat.SERIES >= 19 else False,
        )

    def test_restore_records_date_and_last_mailing(self):
        """Restoring a lost lead dates it and credits the last mailing that reached
        it while lost."""
        compat.restore_lead(self.lead_stock_recent)
        self.assertEqual(self.lead_stock_recent.date_reactivated, self.NOW)
        self.assertEqual(
            self.lead_stock_recent.reactivation_mailing_id, self.mailing_late
        )
        self.lead_no_reason.action_unarchive()
        # Its only mailing while lost is the early one (the other came before).
        self.assertEqual(
            self.lead_no_reason.reactivation_mailing_id, self.mailing_early
        )
        self.lead_stock_old.action_unarchive()
        self.assertEqual(self.lead_stock_old.date_reactivated, self.NOW)
        self.assertFalse(self.lead_stock_old.reactivation_mailing_id)

    @users("nurture_react_marketing")
    def test_salesman_restores(self):
        lead = self.lead_price_recent.with_env(self.env)
        lead.action_set_won()
        self.assertEqual(lead.reactivation_mailing_id, self.mailing_late)
        self.assertTrue(lead.stage_id.is_won)

    def test_active_leads_are_not_reactivated(self):
        self.lead_open.write({"active": True, "name": "Still open"})
        self.assertFalse(self.lead_open.date_reactivated)

    def test_counts_on_the_mailing(self):
        self.lead_stock_recent.action_set_won()
        compat.restore_lead(self.lead_price_recent)
        compat.restore_lead(self.lead_no_reason)
        self.lead_price_recent.expected_revenue = 500
        self.env.invalidate_all()
        late, early = self.mailing_late, self.mailing_early
        self.assertEqual(late.reactivated_lead_count, 2)
        self.assertEqual(late.reactivated_revenue, 1500)
        self.assertEqual(late.reactivated_won_count, 1)
        self.assertEqual(late.reactivated_won_revenue, 1000)
        self.assertEqual(early.reactivated_lead_count, 1)
        self.assertEqual(early.reactivated_won_count, 0)
        self.assertEqual(self.mailing_other.reactivated_lead_count, 0)
        leads = self.env["crm.lead"].with_context(active_test=False)
        action = late.action_view_reactivated_leads()
        self.assertEqual(
            leads.search(action["domain"]),
            self.lead_stock_recent | self.lead_price_recent,
        )
        action = late.action_view_reactivated_won_leads()
        self.assertEqual(leads.search(action["domain"]), self.lead_stock_recent)

    @users("user_marketing")
    def test_counts_without_crm_rights(self):
        """A marketing user without CRM rights reads the counts on the mailing."""
        compat.restore_lead(self.lead_stock_recent.sudo())
        mailing = self.mailing_late.with_env(self.env)
        self.assertEqual(mailing.reactivated_lead_count, 1)
        self.assertEqual(mailing.reactivated_won_count, 0)

    def test_ab_testing_winner_on_reactivated(self):
        """A/B tests keep working on a relative lost-lead filter, and the version
        that brought back more lost leads wins."""
        domain = self.env["crm.lead"]._get_reactivation_domain_text(
            days=90, leads=self.fixture_leads
        )
        version_a, version_b = self.env["mailing.mailing"].create(
            [
                {
                    "subject": f"Version {name}",
                    "body_html": "<p>Back</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": domain,
                    "ab_testing_enabled": True,
                    "ab_testing_pc": 50,
                    "ab_testing_winner_selection": "reactivated_lead_count",
                }
                for name in "AB"
            ]
        )
        version_b.campaign_id = version_a.campaign_id
        recipients_a = version_a._get_recipients()
        self.assertTrue(recipients_a)
        self._create_sent_traces(version_a, self.env["crm.lead"].browse(recipients_a))
        recipients_b = version_b._get_recipients()
        self.assertTrue(recipients_b)
        self.assertFalse(set(recipients_a) & set(recipients_b))
        self._create_sent_traces(version_b, self.env["crm.lead"].browse(recipients_b))
        (version_a | version_b).state = "done"
        # Version B's recipients come back.
        compat.restore_lead(self.env["crm.lead"].browse(recipients_b))
        self.assertEqual(version_b.reactivated_lead_count, len(recipients_b))
        self.assertEqual(version_a.reactivated_lead_count, 0)
        version_a.action_send_winner_mailing()
        final = version_a.campaign_id.ab_testing_winner_mailing_id
        self.assertEqual(final.subject, "Version B")
