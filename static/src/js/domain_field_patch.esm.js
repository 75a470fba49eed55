/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {DomainField} from "@web/views/fields/domain/domain_field";
import {patch} from "@web/core/utils/patch";

// Recipient filters of mailings and favourite filters may hold relative dates
// ("is within the last 90 days"): the server evaluates them whenever recipients are
// computed. Without this, the form calls such a filter invalid and counts nothing.
const RELATIVE_DOMAIN_MODELS = ["mailing.mailing", "mailing.filter"];

patch(DomainField.prototype, {
    allowExpressions(props) {
        return (
            super.allowExpressions(props) ||
            RELATIVE_DOMAIN_MODELS.includes(props.record.resModel)
        );
    },
    getEvaluatedDomain(props = this.props) {
        if (RELATIVE_DOMAIN_MODELS.includes(props.record.resModel)) {
            // Marked as seen: no "their evaluation might fail" notification, which
            // is not true for these models.
            this.lastDomainChecked = this.getDomain(props);
        }
        return super.getEvaluatedDomain(props);
    },
});
