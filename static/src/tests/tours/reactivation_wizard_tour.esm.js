/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {registry} from "@web/core/registry";
import {series} from "./series_steps.esm";

registry
    .category("web_tour.tours")
    .add("mass_mailing_crm_nurture_reactivation_wizard", {
        steps: () => [
            {
                content: "Open the wizard from the Email Marketing menu",
                trigger:
                    ".o_main_navbar a[data-menu-xmlid='mass_mailing_crm_nurture.crm_lead_reactivation_menu_mailing']",
                run: "click",
            },
            {
                content: "All lost leads of the last 90 days match at first",
                trigger: ".modal .o_field_widget[name='lead_count']:contains('3')",
            },
            {
                content: "Choose the lost reason",
                trigger: ".modal .o_field_widget[name='lost_reason_ids'] input",
                run: "edit Tour out of stock",
            },
            {
                content: "Pick it",
                trigger:
                    ".o-autocomplete--dropdown-item a:contains('Tour out of stock')",
                run: "click",
            },
            {
                content: "Only the leads lost for that reason remain",
                trigger: ".modal .o_field_widget[name='lead_count']:contains('2')",
            },
            {
                content: "Name the mailing",
                trigger: ".modal .o_field_widget[name='subject'] input",
                run: "edit Tour restock",
            },
            {
                content: "Create the draft mailing",
                trigger: ".modal button[name='action_create_mailing']",
                run: "click",
            },
            {
                content: "The mailing form shows the subject",
                trigger:
                    ".o_form_view .o_field_widget[name='subject'] input:value('Tour restock')",
            },
            {
                content:
                    "Its recipients filter, relative dates included, counts the same leads",
                trigger:
                    ".o_field_widget[name='mailing_domain'] .o_domain_show_selection_button:contains('2 record')",
            },
            {
                content: "The period reads as a rule of the editor, not as code",
                // 18.0's editor names the period; 19.0's shows its relative dates.
                trigger: `.o_field_widget[name='mailing_domain'] .o_facet_value:contains('${
                    series() < 19
                        ? "Closed Date is within -90 days"
                        : "Closed Date between today -90d and today"
                }')`,
            },
            {
                content: "No rule of it shows code",
                trigger:
                    ".o_field_widget[name='mailing_domain']:not(:has(.o_facet_value:contains('context_today')))",
            },
        ],
    });
