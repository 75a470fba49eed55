# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Screenshots of the addon's screens for its App page, taken from a running Odoo
with the demo data: headless Chromium driven through the Chrome DevTools Protocol,
logged in as admin. Run by tools/screenshots, which starts Odoo; standalone:

    python tools/screenshots.py --url http://localhost:8069 --db mydb --out DIR

Each screen is reached as a user would reach it, and captured once the page is idle
(no request in flight, nothing loading, fonts and images loaded). A screen that
cannot be reached fails the run with the step that failed.
"""

import argparse
import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket
from PIL import Image

ADDON = "mass_mailing_crm_nurture"
# Nothing of this is on screen while the page still works.
BUSY_SELECTORS = ", ".join(
    [
        ".o_loading_indicator",
        ".o_blockUI",
        ".o-main-components-container .o_loading",
        ".o_view_sample_data.o_loading",
        ".fa-spin",
        ".o_field_widget .o_loading",
    ]
)


class ScreenError(Exception):
    pass


def log(message):
    # A command-line tool: it tells what it does.
    print(f"[screenshots] {message}", flush=True)  # pylint: disable=print-used


class Browser:
    """Headless Chromium and one page of it, spoken to over CDP."""

    def __init__(self, width, height):
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="screenshots-chromium-")
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if not binary:
            raise ScreenError("chromium is not installed")
        args = [
            binary,
            "--headless=new",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--lang=en-US",
            f"--window-size={width},{height}",
            f"--user-data-dir={self.profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        if os.geteuid() == 0:
            # Chromium's sandbox refuses to run as root (CI containers).
            args.insert(1, "--no-sandbox")
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        port = self._read_devtools_port()
        page = self._first_page(port)
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
        )
        self.next_id = 0
        self.inflight = {}
        self.last_network = time.monotonic()
        self.errors = []
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Runtime.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def _read_devtools_port(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            found = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if found:
                return int(found.group(1))
        raise ScreenError("chromium did not start (no DevTools port)")

    def _first_page(self, port):
        for _ in range(50):
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/json", timeout=5
            ) as r:
                pages = [t for t in json.load(r) if t["type"] == "page"]
            if pages:
                return pages[0]
            time.sleep(0.1)
        raise ScreenError("chromium opened no page")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- protocol ---------------------------------------------------------------

    def call(self, method, params=None):
        self.next_id += 1
        ident = self.next_id
        self.ws.send(
            json.dumps({"id": ident, "method": method, "params": params or {}})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise ScreenError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            self._event(message)

    def _event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            # The bus's shared worker lives on its own: its script never "finishes"
            # for the page.
            if "websocket_worker" in params["request"]["url"]:
                return
            self.inflight[params["requestId"]] = (
                params.get("loaderId"),
                params["request"]["url"],
            )
            self.last_network = time.monotonic()
        elif method in ("Network.loadingFinished", "Network.loadingFailed"):
            self.inflight.pop(params["requestId"], None)
            self.last_network = time.monotonic()
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get(
                "text"
            )
            self.errors.append(text)

    def js(self, expression):
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details["text"]
            raise ScreenError(f"script failed: {text}")
        return result.get("result", {}).get("value")

    # -- actions ----------------------------------------------------------------

    def goto(self, url):
        loader = self.call("Page.navigate", {"url": url}).get("loaderId")
        # What the previous document had in flight ended with it.
        self.inflight = {
            ident: request
            for ident, request in self.inflight.items()
            if request[0] == loader
        }
        self.wait_for("body")
        self.wait_idle()

    def wait_for(self, selector, text=None, timeout=30):
        """Wait until an element matching ``selector`` (and containing ``text``)
        is visible."""
        check = f"""(() => {{
            const text = {json.dumps(text)};
            return [...document.querySelectorAll({json.dumps(selector)})].some(
                (el) => el.getClientRects().length &&
                    (!text || el.textContent.includes(text)));
        }})()"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.js(check):
                return
            time.sleep(0.1)
        what = f"{selector} containing {text!r}" if text else selector
        raise ScreenError(f"{what} did not appear within {timeout} s")

    def wait_idle(self, quiet=0.5, timeout=30):
        """No request in flight for ``quiet`` seconds, nothing marked busy on the
        page, the document, its fonts and images loaded, two frames painted."""
        check = f"""(async () => {{
            if (document.readyState !== "complete") return "document";
            if (document.fonts.status !== "loaded") return "fonts";
            if ([...document.images].some((img) => !img.complete)) return "images";
            const busy = [...document.querySelectorAll({json.dumps(BUSY_SELECTORS)})]
                .filter((el) => el.getClientRects().length);
            if (busy.length) return "busy: " + busy[0].className;
            await new Promise((resolve) => requestAnimationFrame(
                () => requestAnimationFrame(resolve)));
            return "";
        }})()"""
        deadline = time.monotonic() + timeout
        reason = "network"
        while time.monotonic() < deadline:
            reason = self.js(check)
            quiet_for = time.monotonic() - self.last_network
            if not reason and not self.inflight and quiet_for >= quiet:
                return
            if not reason and self.inflight:
                reason = "in flight: " + ", ".join(
                    u for _l, u in self.inflight.values()
                )
            time.sleep(0.1)
        raise ScreenError(f"the page did not become idle within {timeout} s ({reason})")

    def click(self, selector, text=None):
        self.wait_for(selector, text)
        clicked = self.js(
            f"""(() => {{
            const text = {json.dumps(text)};
            const el = [...document.querySelectorAll({json.dumps(selector)})].find(
                (el) => el.getClientRects().length &&
                    (!text || el.textContent.includes(text)));
            if (!el) return false;
            el.scrollIntoView({{block: "center"}});
            el.click();
            return true;
        }})()"""
        )
        if not clicked:
            raise ScreenError(f"could not click {selector}")
        self.wait_idle()

    def type(self, selector, value):
        """Type into an input as the keyboard does (Odoo's autocompletes listen to
        input events)."""
        self.wait_for(selector)
        self.js(
            f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            el.focus(); el.select && el.select();
        }})()"""
        )
        self.call("Input.insertText", {"text": value})
        self.wait_idle()

    def scroll_to(self, selector, block="start"):
        self.wait_for(selector)
        self.js(
            f"""document.querySelector({json.dumps(selector)})
                .scrollIntoView({{block: {json.dumps(block)}}})"""
        )
        self.wait_idle(quiet=0.2)

    def screenshot(self, path, colors=256):
        """A PNG of the viewport, reduced to a palette (Odoo's flat colours need
        no more) and compressed: tens of KB instead of hundreds."""
        # Neither the caret nor a hover state belongs in the picture.
        self.js("document.activeElement && document.activeElement.blur()")
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": 0, "y": 0})
        self.wait_idle(quiet=0.3)
        data = self.call(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}
        )["data"]
        image = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
        image = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=0)
        image.save(path, optimize=True)
        return os.path.getsize(path)


# -- screens ------------------------------------------------------------------------


def record_id(browser, xmlid):
    module, name = xmlid.split(".")
    rows = browser.js(
        f"""odoo.__WOWL_DEBUG__.root.env.services.orm.searchRead(
            "ir.model.data",
            [["module", "=", {json.dumps(module)}], ["name", "=", {json.dumps(name)}]],
            ["res_id"])"""
    )
    if not rows:
        raise ScreenError(f"demo record {xmlid} not found: is the demo data loaded?")
    return rows[0]["res_id"]


def screen_reactivation_wizard(browser, url, lang):
    """CRM › Sales › Reactivate Lost Leads, a lost reason chosen: the leads it
    matches now."""
    browser.goto(f"{url}/odoo/crm")
    browser.wait_for(".o_kanban_view .o_kanban_record")
    browser.click("[data-menu-xmlid='crm.crm_menu_sales']")
    browser.click(f"[data-menu-xmlid='{ADDON}.crm_lead_reactivation_menu_crm']")
    browser.wait_for(".modal .o_field_widget[name='lead_count']")
    count = ".modal .o_field_widget[name='lead_count']"
    before = browser.js(f"document.querySelector({json.dumps(count)}).textContent")
    # CRM's "Not enough stock", in the user's language.
    reason_id = record_id(browser, "crm.lost_reason_3")
    reason = browser.js(
        f"""odoo.__WOWL_DEBUG__.root.env.services.orm.read(
            "crm.lost.reason", [{reason_id}], ["name"]).then((r) => r[0].name)"""
    )
    browser.type(".modal .o_field_widget[name='lost_reason_ids'] input", reason)
    browser.click(".o-autocomplete--dropdown-item a", reason)
    # The count is live: it changes once the reason is taken into account.
    deadline = time.monotonic() + 10
    while (
        browser.js(f"document.querySelector({json.dumps(count)}).textContent") == before
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    browser.wait_idle()


def screen_recurring_mailing(browser, url, lang):
    """The weekly welcome mailing of the demo data, on its Recurrence tab."""
    mailing = record_id(browser, f"{ADDON}.mailing_weekly_welcome_demo")
    browser.goto(
        f"{url}/odoo/action-mass_mailing.mailing_mailing_action_mail/{mailing}"
    )
    browser.click(".o_notebook_headers a.nav-link[name='recurrence']")
    browser.wait_for(".o_field_widget[name='recurrence_next_date']")


def screen_recurring_runs(browser, url, lang):
    """Its runs: when, how many new recipients, what became of the emails."""
    screen_recurring_mailing(browser, url, lang)
    runs = "button[name='action_view_recurrence_runs']"
    if not browser.js(f"!!document.querySelector({json.dumps(runs)})"):
        # Smart buttons beyond the first few wait in the button box's "More".
        browser.click(".o-form-buttonbox .o_button_more")
    browser.click(runs)
    browser.click(".o_switch_view.o_list")
    browser.wait_for(".o_list_view .o_data_row")


def screen_nurture_cockpit(browser, url, lang):
    """The demo restock sequence: its summary tiles above its flow picture."""
    sequence = record_id(browser, f"{ADDON}.crm_nurture_sequence_restock_demo")
    browser.goto(f"{url}/odoo/action-{ADDON}.crm_nurture_sequence_action/{sequence}")
    browser.wait_for(".o_nurture_summary_tile")
    browser.wait_for(".o_nurture_flow_box")


def screen_nurture_flow(browser, url, lang):
    """The flow picture, scrolled into view: boxes, branches, live numbers."""
    screen_nurture_cockpit(browser, url, lang)
    browser.scroll_to(".o_notebook", block="start")


def screen_tag_history(browser, url, lang):
    """CRM › Reporting › Tag History: the tag counters, as a list."""
    browser.goto(f"{url}/odoo/action-{ADDON}.crm_lead_tag_stat_action")
    browser.click(".o_switch_view.o_list")
    browser.wait_for(".o_list_view .o_data_row")


SCREENS = {
    "reactivation_wizard": screen_reactivation_wizard,
    "recurring_mailing": screen_recurring_mailing,
    "recurring_runs": screen_recurring_runs,
    "nurture_cockpit": screen_nurture_cockpit,
    "nurture_flow": screen_nurture_flow,
    "tag_history": screen_tag_history,
}


def login(browser, url, db, lang):
    browser.goto(f"{url}/web/login?db={db}")
    browser.wait_for("form input[name='login']")
    browser.js(
        """(() => {
        document.querySelector("input[name='login']").value = "admin";
        document.querySelector("input[name='password']").value = "admin";
        document.querySelector("form.oe_login_form").submit();
    })()"""
    )
    time.sleep(0.5)
    browser.wait_for(".o_main_navbar", timeout=60)
    browser.wait_idle()
    if lang:
        browser.js(
            f"""(async () => {{
                const orm = odoo.__WOWL_DEBUG__.root.env.services.orm;
                const ids = await orm.search("res.users", [["login", "=", "admin"]]);
                await orm.write("res.users", ids, {{lang: {json.dumps(lang)}}});
            }})()"""
        )
        # The session keeps the language it logged in with, and the server picks
        # the right-to-left style sheets by it: log in again.
        browser.goto(f"{url}/web/session/logout")
        login(browser, url, db, None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--lang", help="the admin's language, e.g. fa_IR")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument(
        "--only", nargs="+", choices=sorted(SCREENS), help="these screens only"
    )
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    suffix = f".{args.lang}" if args.lang else ""
    browser = Browser(args.width, args.height)
    failed = []
    try:
        try:
            login(browser, args.url, args.db, args.lang)
        except ScreenError as error:
            log(f"FAILED to log in as admin: {error}")
            return 1
        for name in args.only or SCREENS:
            path = os.path.join(args.out, f"{name}{suffix}.png")
            try:
                SCREENS[name](browser, args.url, args.lang)
                size = browser.screenshot(path)
            except (ScreenError, websocket.WebSocketException) as error:
                log(f"FAILED {name}: {error}")
                failed.append(name)
                continue
            log(
                f"{path}: {args.width}x{args.height}, {size // 1024} KB"
                f" ({SCREENS[name].__doc__.split(':')[0].strip()})"
            )
    finally:
        browser.close()
    if browser.errors:
        log("JavaScript errors on the pages: " + " | ".join(browser.errors[:3]))
    if failed:
        log(f"{len(failed)} screen(s) could not be reached: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
