// Copyright 2026 mass_mailing_crm_nurture contributors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
//
// The read-only picture of a nurture sequence's flow on its form: each step is a
// box under the step it follows, below a label with its trigger and delay, and
// shows its live numbers; a number opens the participants behind it.
import {Component} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {standardFieldProps} from "@web/views/fields/standard_field_props";
import {useService} from "@web/core/utils/hooks";

const ACTION_ICONS = {
    email: "fa-envelope",
    add_tags: "fa-tag",
    remove_tags: "fa-eraser",
    activity: "fa-clock-o",
    reopen: "fa-undo",
    stage: "fa-flag",
    split: "fa-random",
};
// Email numbers mean nothing for the other actions.
const PLAIN_METRICS = ["scheduled", "done", "failed"];

export class NurtureFlowBox extends Component {
    static template = "mass_mailing_crm_nurture.NurtureFlowBox";
    static props = {
        box: Object,
        childrenOf: Object,
        metrics: Array,
        onOpen: Function,
    };

    get children() {
        return this.props.childrenOf[this.props.box.key] || [];
    }

    get icon() {
        return ACTION_ICONS[this.props.box.action] || "fa-circle";
    }

    get metrics() {
        if (this.props.box.action === "email") {
            return this.props.metrics;
        }
        return this.props.metrics.filter((metric) =>
            PLAIN_METRICS.includes(metric.name)
        );
    }
}
NurtureFlowBox.components = {NurtureFlowBox};

export class NurtureFlowField extends Component {
    static template = "mass_mailing_crm_nurture.NurtureFlowField";
    static components = {NurtureFlowBox};
    static props = {...standardFieldProps};

    setup() {
        this.action = useService("action");
        this.orm = useService("orm");
    }

    get flow() {
        return this.props.record.data[this.props.name] || {steps: [], metrics: []};
    }

    get childrenOf() {
        const childrenOf = {};
        for (const box of this.flow.steps) {
            if (box.parent_key) {
                (childrenOf[box.parent_key] ||= []).push(box);
            }
        }
        return childrenOf;
    }

    get roots() {
        return this.flow.steps.filter((box) => !box.parent_key);
    }

    async openMetric(box, metric) {
        if (!box.id) {
            return;
        }
        if (this.props.record.isDirty) {
            await this.props.record.save();
        }
        const action = await this.orm.call(
            "crm.nurture.step",
            "action_view_participants",
            [[box.id], metric]
        );
        await this.action.doAction(action);
    }
}

export const nurtureFlowField = {
    component: NurtureFlowField,
    displayName: "Nurture Flow",
    supportedTypes: ["json"],
};

registry.category("fields").add("nurture_flow", nurtureFlowField);
