# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Email Marketing: CRM Nurture",
    "summary": "Tag counters and lifetimes, lost-lead reactivation, recurring "
    "campaigns and nurture sequences for CRM leads",
    # Short: each series prefixes its own (18.0.1.5.0, 19.0.1.5.0), see README.
    "version": "1.5.0",
    "category": "Marketing/Email Marketing",
    "license": "LGPL-3",
    "author": "mass_mailing_crm_nurture contributors",
    "maintainers": ["mass-mailing-crm-nurture"],
    "development_status": "Beta",
    "depends": ["mass_mailing_crm"],
    # Security first: the views below refer to the groups.
    "data": [
        "security/mass_mailing_crm_nurture_security.xml",
        "security/ir.model.access.csv",
        "views/crm_lead_tag_stat_views.xml",
        "views/crm_lead_views.xml",
        "views/crm_tag_views.xml",
        "views/mailing_mailing_views.xml",
        "views/mailing_click_tag_rule_views.xml",
        "views/mailing_recurrence_run_views.xml",
        "views/crm_nurture_funnel_report_views.xml",
        "wizards/crm_nurture_test_wizard_views.xml",
        "views/crm_nurture_sequence_views.xml",
        "views/crm_nurture_sequence_pressure_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/crm_lead_reactivation_wizard_views.xml",
        "wizards/crm_nurture_enroll_wizard_views.xml",
        "data/series_data.xml",
        "views/mass_mailing_crm_nurture_menus.xml",
        "data/ir_cron_data.xml",
        "data/mailing_filter_data.xml",
        "data/crm_nurture_template_data.xml",
    ],
    "demo": [
        "demo/crm_tag_demo.xml",
        "demo/crm_lead_demo.xml",
        "demo/crm_lead_reactivation_demo.xml",
        "demo/crm_nurture_demo.xml",
        "demo/mailing_recurring_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "mass_mailing_crm_nurture/static/src/js/*.js",
            "mass_mailing_crm_nurture/static/src/components/**/*",
            "mass_mailing_crm_nurture/static/src/scss/*.scss",
        ],
        "web.assets_tests": [
            "mass_mailing_crm_nurture/static/src/tests/tours/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "installable": True,
    "application": False,
}
