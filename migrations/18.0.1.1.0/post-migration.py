# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0

- Nurture templates are shared by every company.
- The shipped emails greet with ``object.contact_name``, a placeholder Odoo lets
  every user save, instead of ``object.contact_name or ''``, which only Mail
  Template Editors may save: nurture managers, content editors and marketing users
  could not copy or edit them.

The records are ``noupdate``: the upgrade does not rewrite them, so it is done here,
for the addon's own emails and the step emails copied from them.
"""

OLD_GREETINGS = ("object.contact_name or ''", "object.contact_name or &#39;&#39;")


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE crm_nurture_sequence SET company_id = NULL WHERE is_template")
    for old in OLD_GREETINGS:
        cr.execute(
            """
            UPDATE mailing_mailing
               SET body_html = replace(body_html, %(old)s, 'object.contact_name'),
                   body_arch = replace(body_arch, %(old)s, 'object.contact_name')
             WHERE (id IN (SELECT mailing_id FROM crm_nurture_step
                            WHERE mailing_id IS NOT NULL)
                    OR id IN (SELECT res_id FROM ir_model_data
                               WHERE module = 'mass_mailing_crm_nurture'
                                 AND model = 'mailing.mailing'))
               AND (body_html LIKE %(like)s OR body_arch LIKE %(like)s)
            """,
            {"old": old, "like": f"%{old}%"},
        )
