# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from odoo import http
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .. import engagement_signal as signal
from ..engagement_signal import REQUEST_KEY, TOO_SOON_PARAM, classify
from .common_nurture import NurtureSequenceCommon

APPLE_PREFETCH = "Mozilla/5.0"
APPLE_ADDRESS = "17.58.101.4"
IPHONE_MAIL = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/126.0 Safari/537.36"
)
GMAIL_PROXY = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com "
    "GoogleImageProxy)"
)
YAHOO_PROXY = "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"
PERSON_ADDRESS = "198.51.100.7"


def route(user_agent, address=PERSON_ADDRESS):
    """The context the tracking routes give the model hooks (see controllers)."""
    return {REQUEST_KEY: {"user_agent": user_agent, "address": address}}


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestEngagementRules(NurtureSequenceCommon):
    """The rules that tell a person's open or click from a machine's."""

    def robots(self):
        return tuple(type(self.env["ir.http"]).bots)

    def test_apple_prefetch(self):
        """Apple's bare agent from Apple's network is its privacy proxy; the same
        agent elsewhere, or a real agent from Apple's network, is a person."""
        self.assertEqual(
            classify("open", APPLE_PREFETCH, APPLE_ADDRESS), signal.PRIVACY_PROXY
        )
        self.assertEqual(
            classify("open", APPLE_PREFETCH, "::ffff:17.1.2.3"), signal.PRIVACY_PROXY
        )
        self.assertEqual(classify("open", APPLE_PREFETCH, PERSON_ADDRESS), "human")
        self.assertEqual(classify("open", IPHONE_MAIL, APPLE_ADDRESS), "human")
        self.assertEqual(classify("open", APPLE_PREFETCH, "not an address"), "human")

    def test_gmail_and_yahoo_proxies_are_people(self):
        """Gmail's and Yahoo's image proxies fetch when the reader opens."""
        for agent in (GMAIL_PROXY, YAHOO_PROXY):
            self.assertEqual(
                classify("open", agent, "66.102.8.1", self.robots()), "human"
            )

    def test_scanners_and_robots(self):
        """Agents of link scanners, scripts and Odoo's robot list are machines."""
        for agent in (
            "Mozilla/5.0 Microsoft SafeLinks",
            "Mimecast URL Protect",
            "Proofpoint URL Defense",
            "Barracuda Sentinel (EE)",
            "python-requests/2.31",
            "Go-http-client/1.1",
            "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/126.0",
        ):
            with self.subTest(agent=agent):
                self.assertEqual(classify("click", agent, PERSON_ADDRESS), "scanner")
        for agent in (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "curl/8.5.0",
            "facebookexternalhit/1.1",
        ):
            with self.subTest(agent=agent):
                self.assertEqual(
                    classify("open", agent, PERSON_ADDRESS, self.robots()), "robot"
                )
        self.assertIn("bot", self.robots(), "Odoo's own robot list is the one used")

    def test_no_user_agent_is_unknown(self):
        """A request without user agent cannot be classified: a machine, unknown."""
        for agent in ("", "   ", None):
            self.assertEqual(classify("open", agent, PERSON_ADDRESS), "unknown")
            self.assertEqual(classify("click", agent, PERSON_ADDRESS), "unknown")

    def test_too_soon_click(self):
        """A click within the setting's seconds of delivery is a scanner's; the
        rule is for clicks, and 0 turns it off."""
        self.assertEqual(
            classify("click", BROWSER, PERSON_ADDRESS, seconds_since_delivery=3),
            "too_soon",
        )
        self.assertEqual(
            classify("click", BROWSER, PERSON_ADDRESS, seconds_since_delivery=60),
            "human",
        )
        self.assertEqual(
            classify(
                "click",
                BROWSER,
                PERSON_ADDRESS,
                seconds_since_delivery=3,
                too_soon_seconds=0,
            ),
            "human",
        )
        self.assertEqual(
            classify("open", IPHONE_MAIL, PERSON_ADDRESS, seconds_since_delivery=1),
            "human",
        )

    def test_too_soon_setting_validated(self):
        """The seconds are set in Email Marketing settings, 0 to 3600."""
        settings = Form(self.env["res.config.settings"])
        settings.engagement_too_soon_seconds = 30
        settings.save().execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(TOO_SOON_PARAM), "30"
        )
        self.assertEqual(self.env["link.tracker.click"]._get_too_soon_seconds(), 30)
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"engagement_too_soon_seconds": -1})

    def test_proxy_mode_forwarded_address(self):
        """Behind a reverse proxy, the client's address is the one Odoo takes from
        the forwarded headers (proxy mode)."""
        builder = EnvironBuilder(
            path="/mail/track/1/x/blank.gif",
            headers={
                "User-Agent": APPLE_PREFETCH,
                "X-Forwarded-For": APPLE_ADDRESS,
                "X-Forwarded-Host": "mail.example.com",
            },
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        environ = builder.get_environ()
        http.ProxyFix(lambda env, start: [])(environ, lambda *a: None)
        kept = signal.request_signal(Request(environ))
        self.assertEqual(kept, {"user_agent": APPLE_PREFETCH, "address": APPLE_ADDRESS})
        self.assertEqual(
            classify(
                "open", **{"user_agent": kept["user_agent"], "address": kept["address"]}
            ),
            signal.PRIVACY_PROXY,
        )


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestEngagementSignals(NurtureSequenceCommon):
    """Opens and clicks recorded by the model hooks with the routes' request, on
    the restock sequence (its week-1 email has two links here)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ann, cls.bob, cls.cid = cls.leads
        cls.week1.mailing_id.body_html = (
            '<p><a href="https://www.example.com/teapot">teapot</a> '
            '<a href="https://www.example.com/cups">cups</a></p>'
        )

    def setUp(self):
        super().setUp()
        self.start_with(self.leads)
        self.process(self.T0)

    def trace(self, lead):
        return self.week1.mailing_id.mailing_trace_ids.filtered(
            lambda mail: mail.res_id == lead.id
        )

    def code(self, url):
        return (
            self.env["link.tracker.code"]
            .search(
                [
                    ("link_id.url", "=", url),
                    ("link_id.mass_mailing_id", "=", self.week1.mailing_id.id),
                ],
                limit=1,
            )
            .code
        )

    def click(
        self, lead, when, user_agent=BROWSER, url="https://www.example.com/teapot"
    ):
        with self.at(when):
            return (
                self.env["link.tracker.click"]
                .with_context(**route(user_agent))
                .sudo()
                .add_click(
                    self.code(url),
                    ip=PERSON_ADDRESS,
                    mailing_trace_id=self.trace(lead).id,
                )
            )

    def open(self, lead, when, user_agent=IPHONE_MAIL, address=PERSON_ADDRESS):
        with self.at(when):
            self.trace(lead).with_context(
                **route(user_agent, address)
            ).sudo().set_opened()

    def branch(self, lead, step):
        return self.participant(lead).trace_ids.filtered(lambda t: t.step_id == step)

    def test_code_path_is_a_person(self):
        """Odoo's set_opened()/set_clicked() called by code, with no request: a
        person's, as today."""
        trace = self.trace(self.ann)
        with self.at(self.T0 + timedelta(hours=2)):
            self.gateway_mail_trace_open(self.week1.mailing_id, self.ann)
            self.gateway_mail_trace_click(self.week1.mailing_id, self.ann, "teapot")
        self.assertTrue(trace.human_open_datetime)
        self.assertTrue(trace.human_click_datetime)
        self.assertFalse(trace.machine_open_count)
        click = trace.links_click_ids
        self.assertEqual(click.signal_kind, "human")
        self.assertEqual(
            self.branch(self.ann, self.week2_clicked).scheduled_date.date(),
            (self.T0 + timedelta(hours=2)).date(),
        )

    def test_machine_open_and_click_do_not_branch(self):
        """A prefetch, a scanner's click and a click seconds after delivery are
        counted apart; Odoo's own status stays as Odoo sets it; no branch moves."""
        trace = self.trace(self.ann)
        clicked = self.branch(self.ann, self.week2_clicked)
        deadline = clicked.scheduled_date
        self.open(
            self.ann, self.T0 + timedelta(seconds=1), APPLE_PREFETCH, APPLE_ADDRESS
        )
        self.click(self.ann, self.T0 + timedelta(seconds=2))  # too soon
        self.click(self.ann, self.T0 + timedelta(hours=1), "Mimecast URL Protect")
        self.assertEqual(trace.trace_status, "open", "Odoo's status as Odoo keeps it")
        self.assertTrue(trace.links_click_datetime)
        self.assertFalse(trace.human_open_datetime)
        self.assertFalse(trace.human_click_datetime)
        self.assertEqual((trace.machine_open_count, trace.machine_click_count), (1, 2))
        self.assertTrue(trace.proxy_open_datetime)
        self.assertEqual(trace.machine_signal, "scanner")
        self.assertEqual(
            trace.links_click_ids.sorted("id").mapped("signal_kind"),
            ["too_soon", "scanner"],
        )
        self.assertEqual(clicked.scheduled_date, deadline, "the clicked branch waits")
        self.assertFalse(self.participant(self.ann)._has_email_event("click"))
        # A person's click an hour on.
        self.click(self.ann, self.T0 + timedelta(hours=2))
        self.assertTrue(trace.human_click_datetime)
        self.assertEqual(clicked.scheduled_date, self.T0 + timedelta(hours=2))

    def test_unknown_agent_is_a_machine(self):
        """A request without user agent starts no branch, shown as unknown."""
        self.click(self.bob, self.T0 + timedelta(hours=1), user_agent="")
        trace = self.trace(self.bob)
        self.assertEqual(trace.links_click_ids.signal_kind, "unknown")
        self.assertEqual(trace.machine_signal, "unknown")
        self.assertFalse(trace.human_click_datetime)

    def test_every_link_at_once(self):
        """Two links of one email clicked within seconds: a scanner's, the earlier
        click included; what it moved waits again."""
        trace = self.trace(self.cid)
        clicked = self.branch(self.cid, self.week2_clicked)
        ignored = self.branch(self.cid, self.week2_ignored)
        deadline = clicked.scheduled_date
        when = self.T0 + timedelta(hours=1)
        self.click(self.cid, when)
        self.assertTrue(trace.human_click_datetime)
        self.assertEqual(clicked.scheduled_date, when)
        self.click(
            self.cid, when + timedelta(seconds=1), url="https://www.example.com/cups"
        )
        self.assertEqual(
            trace.links_click_ids.mapped("signal_kind"), ["all_links", "all_links"]
        )
        self.assertFalse(trace.human_click_datetime)
        self.assertEqual(trace.machine_click_count, 2)
        self.assertEqual(clicked.scheduled_date, deadline, "back to waiting")
        self.assertEqual(ignored.state, "scheduled")
        # The same link twice is no burst.
        self.click(self.bob, when)
        self.click(self.bob, when + timedelta(seconds=1))
        self.assertEqual(
            self.trace(self.bob).links_click_ids.mapped("signal_kind"),
            ["human", "human"],
        )

    def test_success_and_statistics_count_people(self):
        """The "clicked" goal, the step numbers and the mailing's show a person's
        engagement; machines' beside it."""
        self.sequence.success_clicked = True
        self.open(
            self.ann, self.T0 + timedelta(seconds=1), APPLE_PREFETCH, APPLE_ADDRESS
        )
        self.open(
            self.bob, self.T0 + timedelta(seconds=1), APPLE_PREFETCH, APPLE_ADDRESS
        )
        self.click(self.bob, self.T0 + timedelta(hours=1), "Proofpoint URL Defense")
        self.open(self.cid, self.T0 + timedelta(hours=3))
        self.assertFalse(
            self.participant(self.bob).date_succeeded, "no goal by a scanner"
        )
        self.env.invalidate_all()
        step = self.week1
        self.assertEqual(
            (
                step.opened_count,
                step.clicked_count,
                step.machine_opened_count,
                step.machine_clicked_count,
                step.proxy_hidden_count,
                step.ignored_count,
            ),
            (1, 0, 2, 1, 2, 2),
        )
        self.assertEqual(step._read_statistics(), step._read_statistics_live())
        for branch in (self.week2_clicked, self.week2_ignored):
            self.assertEqual(branch.open_branch_hidden_count, 0, "not on opens")
        self.week2_ignored.trigger = "not_opened"
        self.assertEqual(self.week2_ignored.open_branch_hidden_count, 2)
        mailing = self.week1.mailing_id
        self.assertEqual(
            (mailing.opened, mailing.proxy_opened_count, mailing.human_opened_count),
            (3, 2, 1),
        )
        self.assertEqual(
            (mailing.machine_opened_count, mailing.machine_clicked_count), (2, 1)
        )
        self.click(self.cid, self.T0 + timedelta(hours=4))
        self.assertTrue(self.participant(self.cid).date_succeeded, "a person's click")
