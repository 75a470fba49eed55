# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo.tests import freeze_time, tagged

from .. import compat
from ..relative_domain import eval_domain
from .common_reactivation import NurtureReactivationCommon

PRESET = "mass_mailing_crm_nurture.mailing_filter_lost_leads_%s"


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
@freeze_time(NurtureReactivationCommon.NOW)
class TestReactivationPresets(NurtureReactivationCommon):
    def preset_leads(self, suffix):
        preset = self.env.ref(PRESET % suffix)
        return self.found(
            self.env["crm.lead"]
            .search(eval_domain(self.env, preset.mailing_domain))
            .ids
        )

    def test_presets_installed(self):
        presets = {
            suffix: self.env.ref(PRESET % suffix)
            for suffix in ("all_reasons", "too_expensive", "no_skills", "no_stock")
        }
        for preset in presets.values():
            self.assertEqual(preset.mailing_model_id.model, "crm.lead")
        self.assertIn("Not enough stock", presets["no_stock"].name)
        self.assertIn("all reasons", presets["all_reasons"].name)
        # Relative, not frozen at install time: in the words of the series'
        # filter editor (19.0 evaluates relative dates itself).
        self.assertIn(
            "'today -90d'" if compat.SMART_DATES else "context_today()",
            presets["no_stock"].mailing_domain,
        )

    def test_all_reasons(self):
        """Archived lost leads of the last 90 days, any reason or none; won leads,
        blacklisted emails and the first stages out; leads without stage in."""
        self.assertEqual(
            self.preset_leads("all_reasons"),
            self.lead_stock_recent
            | self.lead_price_recent
            | self.lead_no_reason
            | self.lead_no_stage
            | self.lead_company_b,
        )

    def test_per_reason(self):
        self.assertEqual(
            self.preset_leads("no_stock"),
            self.lead_stock_recent | self.lead_no_stage | self.lead_company_b,
        )
        self.assertEqual(self.preset_leads("too_expensive"), self.lead_price_recent)
        self.assertFalse(self.preset_leads("no_skills"))

    def test_period_boundaries(self):
        """Lost 90 days ago (from midnight) is in, 91 days ago is out."""
        self.lead_stock_recent.date_closed = datetime(2026, 3, 17, 0, 0)  # 90 days
        self.lead_no_stage.date_closed = datetime(2026, 3, 16, 23, 59)  # 91 days
        leads = self.preset_leads("no_stock")
        self.assertIn(self.lead_stock_recent, leads)
        self.assertNotIn(self.lead_no_stage, leads)
        with freeze_time(datetime(2026, 6, 16, 0, 0)):
            self.assertNotIn(self.lead_stock_recent, self.preset_leads("no_stock"))

    def test_renamed_stage_and_reason(self):
        self.stage_new.name = "Fresh"
        self.reason_stock.name = "Sold out"
        self.assertEqual(
            self.preset_leads("no_stock"),
            self.lead_stock_recent | self.lead_no_stage | self.lead_company_b,
        )

    def test_deleted_stage_and_reason(self):
        """Presets keep evaluating when a stage or reason they name is gone, and
        making them again skips what is missing without failing."""
        self.lead_stock_qualified.stage_id = self.stage_proposition
        self.env["crm.lead"].with_context(active_test=False).search(
            [("stage_id", "=", self.stage_qualified.id)]
        ).stage_id = self.stage_proposition
        self.stage_qualified.unlink()
        # A stage change clears the closing date (crm): lost 10 days ago again.
        self.lead_stock_qualified.date_closed = self.lead_stock_recent.date_closed
        self.env["crm.lead"].with_context(active_test=False).search(
            [("lost_reason_id", "=", self.reason_skills.id)]
        ).lost_reason_id = False
        self.reason_skills.unlink()
        self.assertIn(self.lead_stock_qualified, self.preset_leads("no_stock"))
        self.assertFalse(self.preset_leads("no_skills"))
        # Made again (e.g. after the presets were deleted): no failure.
        self.env.ref(PRESET % "no_skills").unlink()
        self.env.ref(PRESET % "no_stock").unlink()
        self.env["mailing.filter"]._create_reactivation_presets()
        self.assertTrue(self.env.ref(PRESET % "no_stock", raise_if_not_found=False))
        self.assertFalse(self.env.ref(PRESET % "no_skills", raise_if_not_found=False))
        self.assertEqual(
            self.preset_leads("no_stock"),
            self.lead_stock_recent
            | self.lead_stock_qualified
            | self.lead_no_stage
            | self.lead_company_b,
        )

    def test_preset_on_a_mailing(self):
        """Chosen as favourite filter, a preset gives the mailing its recipients."""
        mailing = self.lead_mailing("[]")
        mailing.mailing_filter_id = self.env.ref(PRESET % "no_stock")
        self.assertEqual(
            self.found(mailing._get_recipients()),
            self.lead_stock_recent | self.lead_no_stage,
        )
