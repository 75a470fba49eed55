/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {chooseSelection} from "./series_steps.esm";
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_recurring_mailing", {
    steps: () => [
        {
            content: "Open the Recurrence tab",
            trigger: ".o_notebook_headers a.nav-link[name='recurrence']",
            run: "click",
        },
        {
            content: "Make the mailing recurring",
            trigger: ".o_field_widget[name='recurrence_enabled'] input",
            run: "click",
        },
        {
            content: "Every 2",
            trigger: ".o_field_widget[name='recurrence_interval'] input",
            run: "edit 2",
        },
        ...chooseSelection("recurrence_unit", "weeks", "Weeks"),
        {
            content: "Never mail the customers list",
            trigger: ".o_field_widget[name='recurrence_exclusion_list_ids'] input",
            run: "edit Tour customers",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour customers')",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Start the recurrence",
            trigger:
                ".o_form_saved button[name='action_launch']:contains('Start Recurring')",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The mailing is recurring and shows its next run",
            trigger:
                ".o_statusbar_status button.active:contains('Recurring'), .o_arrow_button_current:contains('Recurring')",
        },
        {
            content: "Next run on the form",
            trigger: ".o_field_widget[name='recurrence_next_date']",
        },
    ],
});
