/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {registry} from "@web/core/registry";

// A marketing manager's day: a template used under Odoo's default settings, a
// failed send seen in the flow, a success noticed as soon as the deal is won.

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_use_template", {
    steps: () => [
        {
            content: "Use the template",
            trigger: ".o_form_view button[name='action_use_template']",
            run: "click",
        },
        {
            content: "A draft sequence of one's own, without an error",
            trigger:
                "body:not(:has(.o_error_dialog)) .o_form_view:not(:has(button[name='action_use_template'])) .o_statusbar_status .o_arrow_button_current:contains('Draft')",
        },
    ],
});

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_failures_in_flow", {
    steps: () => [
        {
            content: "Open the flow picture",
            trigger: ".o_notebook_headers a.nav-link[name='flow']",
            run: "click",
        },
        {
            content: "The first email's box says its emails were not delivered",
            trigger:
                ".o_nurture_flow_box[data-step='Failing hello'] .o_nurture_flow_metric[data-metric='undelivered'] .o_nurture_flow_value:contains('2')",
            run: "click",
        },
        {
            content: "The participants behind it, with the reason of their last email",
            trigger:
                ".o_list_view .o_data_row td[name='last_email_failure_type']:not(:empty)",
        },
    ],
});

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_success_at_once", {
    steps: () => [
        {
            content: "Win the deal",
            trigger: ".o_form_view button[name='action_set_won_rainbowman']",
            run: "click",
        },
        {
            content: "Won",
            trigger: ".o_form_view .ribbon:contains('Won')",
        },
        {
            content: "Open its sequences",
            trigger: ".o_form_view button[name='action_view_nurture_participations']",
            run: "click",
        },
        {
            content: "The participation succeeded at once",
            trigger:
                ".o_list_view .o_data_row:contains('Day Tour Sequence'):contains('Succeeded')",
        },
    ],
});
