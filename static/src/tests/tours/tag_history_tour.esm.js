/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_tag_history", {
    steps: () => [
        {
            content: "Open the Tag History tab",
            trigger: ".o_notebook_headers a.nav-link[name='tag_history']",
            run: "click",
        },
        {
            content: "The removed tag shows twice added and no longer on the lead",
            trigger:
                ".o_field_widget[name='tag_stat_ids'] .o_data_row:contains('TourKnownTag') td[name='add_count']:contains('2')",
        },
        {
            content: "Add a tag to the lead",
            trigger: ".o_field_widget[name='tag_ids'] input",
            run: "edit TourNewTag",
        },
        {
            content: "Pick it",
            trigger: ".o-autocomplete--dropdown-item a:contains('TourNewTag')",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The new tag appears in the history, counted once",
            trigger:
                ".o_form_saved .o_field_widget[name='tag_stat_ids'] .o_data_row:contains('TourNewTag') td[name='add_count']:contains('1')",
        },
    ],
});
