# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.4.0

- Opens and clicks are told apart: a person's, or a machine's (privacy proxy,
  scanner, robot). Those recorded before could not be classified and stay a
  person's, as they counted then: the person's open and click dates are filled
  from Odoo's, before Odoo adds the columns (and before the step tally, whose
  metrics changed, is rebuilt from them). Clicks get their kind, "human", from
  the field's default.
"""

from odoo.addons.mass_mailing_crm_nurture.hooks import backfill_human_signals


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        ALTER TABLE mailing_trace
          ADD COLUMN IF NOT EXISTS human_open_datetime timestamp,
          ADD COLUMN IF NOT EXISTS human_click_datetime timestamp
        """
    )
    backfill_human_signals(cr)
