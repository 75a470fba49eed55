# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""1.5.0 (18.0.1.5.0 and 19.0.1.5.0: a short name, which each series prefixes)

- The engagement score: leads get it from what their emails recorded before the
  upgrade (a person's first open of each email, clicks, replies), with the
  default points and half-life, decayed from when it happened. The anchor's
  column and index are made by the ORM before this runs (post-migration).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["crm.lead"]._engagement_backfill()
