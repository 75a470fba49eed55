/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {registry} from "@web/core/registry";

// Where users look: a lead's sequences, step emails apart from the campaigns, the
// status bar of one-off and recurring mailings.

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_lead_sequences", {
    steps: () => [
        {
            content: "The lead shows the sequences it takes part in",
            trigger: ".o_form_view button[name='action_view_nurture_participations']",
            run: "click",
        },
        {
            content: "Its participation, with the sequence",
            trigger: ".o_list_view .o_data_row:contains('Where Tour Sequence')",
        },
    ],
});

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_mailing_list", {
    steps: () => [
        {
            content: "The campaigns are listed, the step emails are not",
            trigger:
                ".o_list_view:has(.o_data_row:contains('Where Tour Campaign')):not(:has(.o_data_row:contains('Where Tour Step Email')))",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Ask for the nurture emails instead",
            trigger: ".o_filter_menu .o_menu_item:contains('Campaigns')",
            run: "click",
        },
        {
            content: "Nurture Emails",
            trigger: ".o_filter_menu .o_menu_item:contains('Nurture Emails')",
            run: "click",
        },
        {
            content: "The step email is listed, the campaign is not",
            trigger:
                ".o_list_view:has(.o_data_row:contains('Where Tour Step Email')):not(:has(.o_data_row:contains('Where Tour Campaign')))",
        },
    ],
});

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_one_off_statusbar", {
    steps: () => [
        {
            content: "A one-off mailing's status bar has no Recurring",
            trigger:
                ".o_form_view .o_statusbar_status:visible:contains('Draft'):not(:contains('Recurring'))",
        },
    ],
});

registry
    .category("web_tour.tours")
    .add("mass_mailing_crm_nurture_recurring_statusbar", {
        steps: () => [
            {
                content: "A recurring mailing's status bar has Recurring",
                trigger:
                    ".o_form_view .o_statusbar_status:visible:contains('Recurring')",
            },
        ],
    });
