/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {registry} from "@web/core/registry";

const WEEK1 = ".o_nurture_flow_box[data-step='Week 1: back in stock']";

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_nurture_cockpit", {
    steps: () => [
        {
            content: "Open the demo restock sequence",
            trigger: ".o_data_row td:contains('Limited edition restock')",
            run: "click",
        },
        {
            content: "The summary counts the participants",
            trigger: ".o_stat_text:contains('Enrolled')",
        },
        {
            content: "The picture shows week 1 with its live numbers",
            trigger: `${WEEK1} .o_nurture_flow_metric[data-metric='done'] .o_nurture_flow_value:contains('6')`,
        },
        {
            content: "The clicked branch is labelled with its trigger and delay",
            trigger:
                ".o_nurture_flow_when.o_nurture_flow_branch_positive:contains('Email clicked, within 7 days')",
        },
        {
            content: "Open the participants who clicked week 1",
            trigger: `${WEEK1} .o_nurture_flow_metric[data-metric='clicked']`,
            run: "click",
        },
        {
            content: "They are listed",
            trigger:
                ".o_breadcrumb:contains('Clicked') .o_list_view, .o_action:has(.o_breadcrumb:contains('Clicked')) .o_data_row",
        },
        {
            content: "Back to the sequence",
            trigger:
                ".o_breadcrumb .breadcrumb-item a:contains('Limited edition restock')",
            run: "click",
        },
        {
            content: "Open the participants tab",
            trigger: ".o_notebook_headers a.nav-link[name='participants']",
            run: "click",
        },
        {
            content: "Participants with their email and current step",
            trigger:
                ".o_field_widget[name='participant_ids'] .o_data_row:contains('@'):contains('Week')",
        },
        {
            content: "Start a test run",
            trigger: ".o_form_statusbar button:contains('Test')",
            run: "click",
        },
        {
            content: "Emails go to the tester",
            trigger: ".modal .o_field_widget[name='email'] input",
            run: "edit tester@example.com",
        },
        {
            content: "Start the test",
            trigger: ".modal button[name='action_start_test']",
            run: "click",
        },
        {
            content: "Run the first step now",
            trigger: ".o_form_statusbar button[name='action_test_run_next_step']",
            run: "click",
        },
        {
            content: "Week 1 is done",
            trigger:
                ".o_field_widget[name='trace_ids'] .o_data_row:contains('Week 1: back in stock'):contains('Done')",
        },
        {
            content: "Simulate a click on its link",
            trigger: ".o_form_statusbar button[name='action_test_simulate_click']",
            run: "click",
        },
        {
            content: "The clicked branch ran at once",
            trigger:
                ".o_field_widget[name='trace_ids'] .o_data_row:contains('Week 2: you still have time'):contains('Done')",
        },
        {
            content: "The ignored branch is not taken",
            trigger:
                ".o_field_widget[name='trace_ids'] .o_data_row:contains('Week 2: stock is almost gone'):contains('Cancelled')",
        },
        {
            content: "End the test",
            trigger: ".o_form_statusbar button[name='action_test_end']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Back on the sequence",
            trigger: ".o_form_view .o_nurture_flow",
        },
    ],
});
