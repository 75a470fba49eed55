// Copyright 2026 mass_mailing_crm_nurture contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The link a nurture step waits for (a Char), chosen among the links of the
// previous step's email: the options come from a Json field of the record
// ([[url, label], ...], computed from the email's body). A link no longer in the
// email stays shown, marked as missing, until another one is chosen.
import {Component} from "@odoo/owl";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {standardFieldProps} from "@web/views/fields/standard_field_props";

export class NurtureLinkSelectField extends Component {
    static template = "mass_mailing_crm_nurture.NurtureLinkSelectField";
    static props = {...standardFieldProps, optionsField: String};

    get value() {
        return this.props.record.data[this.props.name] || "";
    }

    get options() {
        const links = this.props.record.data[this.props.optionsField] || [];
        const options = links.map(([url, label]) => ({
            url,
            text: label ? `${label} (${url})` : url,
        }));
        if (this.value && !links.some(([url]) => url === this.value)) {
            options.unshift({
                url: this.value,
                text: _t("%s (no longer in the email)", this.value),
            });
        }
        return options;
    }

    onChange(ev) {
        this.props.record.update({[this.props.name]: ev.target.value || false});
    }
}

export const nurtureLinkSelectField = {
    component: NurtureLinkSelectField,
    displayName: "Link of the previous email",
    supportedTypes: ["char"],
    extractProps: ({options}) => ({
        optionsField: options.options_field || "trigger_url_options",
    }),
};

registry.category("fields").add("nurture_link_select", nurtureLinkSelectField);
