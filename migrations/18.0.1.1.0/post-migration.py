# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0: nurture templates are shared by every company.

The template records are ``noupdate``: the upgrade does not rewrite them, so their
company (the one that installed the addon) is cleared here.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE crm_nurture_sequence SET company_id = NULL WHERE is_template")
