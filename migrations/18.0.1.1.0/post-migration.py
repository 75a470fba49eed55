# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0

- Nurture templates are shared by every company.
- The lost-lead presets write "lost in the last 90 days" as Odoo's filter editor
  writes "is within the last 90 days", so that the editor shows it as a rule.
- The recurrence interval is bounded by a check that says why (1 to about ten years
  in its unit); the database constraint it replaces is dropped.
- The shipped emails greet with ``object.contact_name``, a placeholder Odoo lets
  every user save, instead of ``object.contact_name or ''``, which only Mail
  Template Editors may save: nurture managers, content editors and marketing users
  could not copy or edit them.

The records are ``noupdate``: the upgrade does not rewrite them, so it is done here,
for the addon's own emails and the step emails copied from them.
"""

OLD_GREETINGS = ("object.contact_name or ''", "object.contact_name or &#39;&#39;")
OLD_LAST_90_DAYS = (
    "('date_closed', '>=', datetime.datetime.combine(context_today() - "
    "relativedelta(days=90), datetime.time(0, 0, 0)).to_utc().strftime("
    "'%Y-%m-%d %H:%M:%S'))"
)
NEW_LAST_90_DAYS = (
    "('date_closed', '>=', datetime.datetime.combine(context_today() + "
    "relativedelta(days=-90), datetime.time(0, 0, 0)).to_utc().strftime("
    "'%Y-%m-%d %H:%M:%S')), "
    "('date_closed', '<=', datetime.datetime.combine(context_today(), "
    "datetime.time(0, 0, 0)).to_utc().strftime('%Y-%m-%d %H:%M:%S'))"
)


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE crm_nurture_sequence SET company_id = NULL WHERE is_template")
    cr.execute(
        "ALTER TABLE mailing_mailing "
        "DROP CONSTRAINT IF EXISTS mailing_mailing_recurrence_interval_positive"
    )
    cr.execute(
        "DELETE FROM ir_model_constraint "
        "WHERE name = 'mailing_mailing_recurrence_interval_positive'"
    )
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
    cr.execute(
        """
        UPDATE mailing_filter
           SET mailing_domain = replace(mailing_domain, %(old)s, %(new)s)
         WHERE id IN (SELECT res_id FROM ir_model_data
                       WHERE module = 'mass_mailing_crm_nurture'
                         AND model = 'mailing.filter')
        """,
        {"old": OLD_LAST_90_DAYS, "new": NEW_LAST_90_DAYS},
    )
