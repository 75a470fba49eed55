/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {chooseLostReason} from "./series_steps.esm";
import {registry} from "@web/core/registry";

// The standard screens the addon changes, walked by each standard role.

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_role_mailing_form", {
    steps: () => [
        {
            content: "The mailing form opens",
            trigger: ".o_form_view .o_field_widget[name='subject'] input",
            run: "edit Renamed in the browser",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved, without an error dialog",
            trigger: ".o_form_saved:not(:has(.o_error_dialog))",
        },
    ],
});

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_role_step_email", {
    steps: () => [
        {
            content: "A step's email names its sequence",
            trigger: ".o_form_view .alert-info:contains('Three-week restock')",
        },
        {
            content: "It offers neither Send nor Schedule",
            trigger:
                ".o_form_view:not(:has(button[name='action_launch'])):not(:has(button[name='action_schedule']))",
        },
    ],
});

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_role_lead_form", {
    steps: () => [
        {
            content: "Tag the lead",
            trigger: ".o_field_widget[name='tag_ids'] input",
            run: "edit RoleTourTag",
        },
        {
            content: "Pick the tag",
            trigger: ".o-autocomplete--dropdown-item a:contains('RoleTourTag')",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Mark it lost",
            trigger: ".o_form_saved button[data-hotkey='l']:visible",
            run: "click",
        },
        ...chooseLostReason("Not enough stock"),
        {
            content: "Confirm",
            trigger: ".modal button[name='action_lost_reason_apply']",
            run: "click",
        },
        {
            content: "The lead is lost",
            trigger: "body:not(:has(.modal)) .o_form_view .ribbon:contains('Lost')",
        },
        {
            content: "Restore it",
            // 18.0: toggle_active; 19.0: action_restore.
            trigger:
                ".o_form_view button[name='toggle_active'], .o_form_view button[name='action_restore']",
            run: "click",
        },
        {
            content: "It is back, without an error dialog",
            trigger:
                "body:not(:has(.o_error_dialog)) .o_form_view:not(:has(.ribbon:contains('Lost'))) button[data-hotkey='l']",
        },
    ],
});
