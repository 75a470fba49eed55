/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {session} from "@web/session";

// Tour steps whose widgets differ between Odoo 18.0 and 19.0, so that each tour
// runs on both series (the Python seams are in compat.py).

// The series the tours run on: 18, 19... Read when a tour's steps are made (in
// the backend): this file is loaded with every test bundle, portal pages
// included, whose session does not say it.
export function series() {
    return Number(session.server_version_info?.[0]) || 0;
}

/**
 * Choose `label` (the option `value`) in the selection field `name`: 18.0 draws a
 * <select>, 19.0 a dropdown menu of its own.
 */
export function chooseSelection(name, value, label) {
    if (series() < 19) {
        return [
            {
                content: label,
                trigger: `.o_field_widget[name='${name}'] select`,
                run: `select "${value}"`,
            },
        ];
    }
    return [
        {
            content: `Open the choices of ${name}`,
            trigger: `.o_field_widget[name='${name}'] .o_select_menu_toggler`,
            run: "click",
        },
        {
            content: label,
            trigger: `.o-dropdown--menu .o-dropdown-item:contains('${label}')`,
            run: "click",
        },
    ];
}

/**
 * Choose the lost reason `label` in CRM's Mark Lost dialog: 18.0 offers a
 * many2one to type in, 19.0 a badge per reason.
 */
export function chooseLostReason(label) {
    if (series() < 19) {
        return [
            {
                content: "Choose the lost reason",
                trigger: ".modal .o_field_widget[name='lost_reason_id'] input",
                run: `edit ${label}`,
            },
            {
                content: "Pick it",
                trigger: `.o-autocomplete--dropdown-item a:contains('${label}')`,
                run: "click",
            },
        ];
    }
    return [
        {
            content: "Choose the lost reason",
            trigger: `.modal .o_field_widget[name='lost_reason_id'] .o_selection_badge:contains('${label}')`,
            run: "click",
        },
    ];
}
