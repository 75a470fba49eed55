/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
import {DomainField} from "@web/views/fields/domain/domain_field";
import {Expression} from "@web/core/tree_editor/condition_tree";
import {patch} from "@web/core/utils/patch";

// Recipient filters of mailings and favourite filters may hold relative dates
// ("is within the last 90 days"): the server evaluates them whenever recipients are
// computed. Without this, the form calls such a filter invalid and counts nothing.
const RELATIVE_DOMAIN_MODELS = ["mailing.mailing", "mailing.filter"];
// Odoo 19.0's relative dates ("today -90d", evaluated by the server): its filter
// editor names only its own ranges (last 7 days...) and reads any other one as a
// date, "Invalid DateTime". Shown as written instead.
const SMART_DATE = /^(today|now)(\s+[=+-]\w+)*$/;

// Odoo prints an expression's text as it is: a relative date passes for one (its
// text is no Python, so it is given as a string literal's syntax tree).
class ShownAsWritten extends Expression {
    constructor(text) {
        super({type: 1, value: text});
        this._expr = text;
    }
}

function showSmartDates(tree) {
    if (tree.type === "connector") {
        return {...tree, children: tree.children.map(showSmartDates)};
    }
    if (tree.type !== "condition") {
        return tree;
    }
    const show = (value) =>
        typeof value === "string" && SMART_DATE.test(value)
            ? new ShownAsWritten(value)
            : value;
    const value = Array.isArray(tree.value) ? tree.value.map(show) : show(tree.value);
    return {...tree, value};
}

patch(DomainField.prototype, {
    setup() {
        super.setup(...arguments);
        // 19.0 builds the filter's facets with its tree processor (18.0 has none).
        const processor = this.treeProcessor;
        if (processor && RELATIVE_DOMAIN_MODELS.includes(this.props.record.resModel)) {
            this.treeProcessor = {
                ...processor,
                treeFromDomain: async (...args) =>
                    showSmartDates(await processor.treeFromDomain(...args)),
            };
        }
    },
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
