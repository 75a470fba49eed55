/* Copyright 2026 mass_mailing_crm_nurture contributors
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl). */
// Persian is written right to left: the cockpit's tiles, its flow picture and the
// reactivation wizard must read from the right, inside their containers and the
// screen, nothing on top of anything else. Measured on the rendered page.
/* global document, window, getComputedStyle */
import {registry} from "@web/core/registry";

// Sub-pixel rounding of the layout.
const EPSILON = 1;

function check(condition, message) {
    if (!condition) {
        throw new Error(`Right to left: ${message}`);
    }
}

function visible(selector, root = document) {
    return [...root.querySelectorAll(selector)].filter(
        (el) => el.getClientRects().length
    );
}

function describe(el) {
    return `${el.className} "${el.textContent.trim().slice(0, 40)}"`;
}

function checkInside(el, container, what) {
    const inner = el.getBoundingClientRect();
    const outer = container.getBoundingClientRect();
    check(
        inner.left >= outer.left - EPSILON && inner.right <= outer.right + EPSILON,
        `${describe(el)} overflows ${what} (${inner.left}-${inner.right} outside ` +
            `${outer.left}-${outer.right})`
    );
}

function checkInViewport(el) {
    const rect = el.getBoundingClientRect();
    check(
        rect.left >= -EPSILON && rect.right <= window.innerWidth + EPSILON,
        `${describe(el)} is outside the screen (${rect.left}-${rect.right})`
    );
}

function checkNoOverlap(elements) {
    const rects = elements.map((el) => el.getBoundingClientRect());
    for (let i = 0; i < rects.length; i++) {
        for (let j = i + 1; j < rects.length; j++) {
            const [a, b] = [rects[i], rects[j]];
            const overlap =
                a.left < b.right - EPSILON &&
                b.left < a.right - EPSILON &&
                a.top < b.bottom - EPSILON &&
                b.top < a.bottom - EPSILON;
            check(
                !overlap,
                `${describe(elements[i])} overlaps ${describe(elements[j])}`
            );
        }
    }
}

function checkRightToLeft(el) {
    check(
        getComputedStyle(el).direction === "rtl",
        `${describe(el)} is laid out left to right`
    );
}

function checkTiles() {
    checkRightToLeft(document.body);
    checkRightToLeft(document.querySelector(".o_form_view"));
    const tiles = visible(".o_nurture_summary_tile");
    check(tiles.length > 1, "no summary tiles");
    const sheet = document.querySelector(".o_form_sheet");
    for (const tile of tiles) {
        checkInViewport(tile);
        checkInside(tile, sheet, "the sheet");
        const label = tile.querySelector(":scope > span");
        check(
            label.scrollWidth <= label.clientWidth + EPSILON,
            "a tile's label is cut"
        );
    }
    checkNoOverlap(tiles);
    // The first tile (Enrolled) is read first: on the right.
    const first = tiles[0].getBoundingClientRect();
    const last = tiles[tiles.length - 1].getBoundingClientRect();
    check(first.left > last.left, "the tiles run left to right");
}

function checkFlow() {
    const flow = document.querySelector(".o_nurture_flow");
    checkRightToLeft(flow);
    check(
        flow.scrollWidth <= flow.clientWidth + EPSILON,
        `the flow picture overflows its container (${flow.scrollWidth} > ` +
            `${flow.clientWidth})`
    );
    const boxes = visible(".o_nurture_flow_box", flow);
    const labels = visible(".o_nurture_flow_when", flow);
    check(boxes.length > 2, "the flow picture has no boxes");
    for (const el of [...boxes, ...labels]) {
        checkInside(el, flow, "the flow picture");
        checkInViewport(el);
    }
    checkNoOverlap([...boxes, ...labels]);
    for (const node of visible(".o_nurture_flow_node", flow)) {
        const label = node.querySelector(":scope > .o_nurture_flow_when");
        const box = node.querySelector(":scope > .o_nurture_flow_box");
        const [l, b] = [label.getBoundingClientRect(), box.getBoundingClientRect()];
        // The branch label sits on its box, centred: the line from the parent
        // comes down to it.
        check(l.bottom <= b.top + EPSILON, `${describe(label)} is not above its box`);
        check(
            Math.abs((l.left + l.right) / 2 - (b.left + b.right) / 2) <= 2,
            `${describe(label)} is not centred on its box`
        );
        // Icon first, so on the right of the step's name.
        const icon = box.querySelector(".card-header .fa").getBoundingClientRect();
        const name = box.querySelector(".o_nurture_flow_name");
        check(
            icon.left > name.getBoundingClientRect().left,
            `${describe(box)}: its icon is on the left of its name`
        );
        check(
            name.scrollWidth <= name.clientWidth + EPSILON,
            `${describe(box)}: its name is cut`
        );
        for (const metric of visible(".o_nurture_flow_metric", box)) {
            checkInside(metric, box, "its box");
        }
    }
    // Branches side by side, the first one on the right.
    for (const level of visible(".o_nurture_flow_children", flow)) {
        const nodes = visible(":scope > .o_nurture_flow_node", level);
        for (let i = 1; i < nodes.length; i++) {
            check(
                nodes[i - 1].getBoundingClientRect().left >
                    nodes[i].getBoundingClientRect().left,
                "the branches run left to right"
            );
        }
    }
}

// A flow wider than the form scrolls, and all of it can be scrolled to: it starts
// at the right edge (where it is read from) and ends at the left one.
function checkNarrowFlow() {
    const flow = document.querySelector(".o_nurture_flow");
    flow.style.width = "300px";
    try {
        const boxes = visible(".o_nurture_flow_box", flow);
        const edges = () => ({
            left: Math.min(...boxes.map((b) => b.getBoundingClientRect().left)),
            right: Math.max(...boxes.map((b) => b.getBoundingClientRect().right)),
            frame: flow.getBoundingClientRect(),
        });
        check(flow.scrollWidth > flow.clientWidth, "a narrow flow does not scroll");
        flow.scrollLeft = 0;
        const start = edges();
        check(
            start.right <= start.frame.right + EPSILON,
            "the start of a wide flow is out of reach on the right"
        );
        flow.scrollLeft = -flow.scrollWidth;
        const end = edges();
        check(
            end.left >= end.frame.left - EPSILON,
            "the end of a wide flow is out of reach on the left"
        );
    } finally {
        flow.style.width = "";
        flow.scrollLeft = 0;
    }
}

function checkWizard() {
    const modal = document.querySelector(".modal .modal-content");
    checkRightToLeft(modal);
    checkInViewport(modal);
    const fields = visible(".modal .o_field_widget, .modal .o_form_label");
    check(fields.length > 5, "the wizard shows no fields");
    for (const el of fields) {
        checkInside(el, modal, "the dialog");
        checkInViewport(el);
    }
    // A field's label comes first: on its right.
    const label = document.querySelector(".modal label[for^='lost_reason_ids']");
    const field = document.querySelector(
        ".modal .o_field_widget[name='lost_reason_ids']"
    );
    check(
        label.getBoundingClientRect().left > field.getBoundingClientRect().left,
        "the wizard's labels are on the left of their fields"
    );
}

function steps(translated) {
    const menu =
        ".o_main_navbar a[data-menu-xmlid='mass_mailing_crm_nurture.crm_lead_reactivation_menu_mailing']";
    return [
        {
            content: "The cockpit's tiles read from the right, on the screen",
            trigger: "body.o_rtl .o_form_view .o_nurture_summary_tile",
            run: checkTiles,
        },
        {
            content: "The flow picture is mirrored, nothing overflows or overlaps",
            trigger: ".o_nurture_flow .o_nurture_flow_box .o_nurture_flow_value",
            run: checkFlow,
        },
        {
            content: "A flow wider than the form scrolls from its right edge",
            trigger: ".o_nurture_flow .o_nurture_flow_box",
            run: checkNarrowFlow,
        },
        ...(translated
            ? [
                  {
                      content: "The addon's menu shows in Persian",
                      trigger: `${menu}:not(:contains('Reactivate Lost Leads'))`,
                      run() {
                          check(
                              /[\u0600-\u06FF]/.test(this.anchor.textContent),
                              `the menu reads "${this.anchor.textContent}"`
                          );
                      },
                  },
              ]
            : []),
        {
            content: "Open the reactivation wizard",
            trigger: menu,
            run: "click",
        },
        {
            content: "The wizard reads from the right, inside the screen",
            trigger: ".modal .o_field_widget[name='lead_count']",
            run: checkWizard,
        },
    ];
}

registry.category("web_tour.tours").add("mass_mailing_crm_nurture_persian_rtl", {
    steps: () => steps(false),
});
// The same, when the addon's Persian translation is loaded.
registry
    .category("web_tour.tours")
    .add("mass_mailing_crm_nurture_persian_rtl_translated", {
        steps: () => steps(true),
    });
