# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""1.5.0 (18.0.1.5.0 and 19.0.1.5.0: a short name, which each series prefixes)

- Leads say whether they have tag counters and whether they ever took part in a
  nurture sequence (``crm.lead.tag_counted``, ``crm.lead.nurture_enrolled``), so
  that Odoo's lead writes and merges cost no query for the leads that have
  nothing to do with either (Odoo's lead assignment writes every lead, and
  merges every group of duplicates, one at a time). The flags of the leads
  that have counters or participations already are set here, in one statement
  each; the engines set them from then on.
- The engagement score: leads get it from what their emails recorded before the
  upgrade (a person's first open of each email, clicks, replies), with the
  default points and half-life, decayed from when it happened. The anchor's
  column and index are made by the ORM before this runs (post-migration).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE crm_lead lead SET tag_counted = TRUE
         WHERE lead.tag_counted IS NOT TRUE
           AND EXISTS (SELECT 1 FROM crm_lead_tag_count c WHERE c.lead_id = lead.id)
        """
    )
    cr.execute(
        """
        UPDATE crm_lead lead SET nurture_enrolled = TRUE
         WHERE lead.nurture_enrolled IS NOT TRUE
           AND EXISTS (SELECT 1 FROM crm_nurture_participant part
                        WHERE part.lead_id = lead.id)
        """
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["crm.lead"]._engagement_backfill()
