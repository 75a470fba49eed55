# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.4.0

- A recurring run's statistics are counted from its traces when read, no longer
  stored (a stored row rewritten by every send and open made the mail queue and
  the tracking requests of a run conflict): their columns go, the ORM leaves the
  columns of fields it no longer stores.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        ALTER TABLE mailing_recurrence_run
         DROP COLUMN IF EXISTS sent_count,
         DROP COLUMN IF EXISTS canceled_count,
         DROP COLUMN IF EXISTS failed_count,
         DROP COLUMN IF EXISTS opened_count,
         DROP COLUMN IF EXISTS clicked_count,
         DROP COLUMN IF EXISTS replied_count
        """
    )
