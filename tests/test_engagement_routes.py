# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import datetime, timedelta
from unittest.mock import patch
from urllib.parse import urlparse

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import config

from .common_recurring import NurtureRecurringCommon
from .test_engagement_signals import (
    APPLE_ADDRESS,
    APPLE_PREFETCH,
    BROWSER,
    IPHONE_MAIL,
    PERSON_ADDRESS,
)

PIXEL = re.compile(r"""["'](https?://[^"']*/mail/track/\d+/[^"'/]+/blank\.gif)["']""")
LINK = re.compile(r"""href=["'](https?://[^"']*/r/[^"'/]+/m/\d+)["']""")
SAFE_LINKS = "Mozilla/5.0 (compatible; Microsoft SafeLinks; +https://aka.ms/safelinks)"


class TemplateRunByMarketer:
    """A ready template copied by the marketing user (who also manages nurture
    sequences), run by hand at any hour on the recurring fixtures' leads; the
    demo's running sequences stopped, so that only this one moves."""

    @classmethod
    def _run_template_as_marketer(cls, xmlid, login):
        cls.marketer = new_test_user(
            cls.env,
            login=login,
            tz="UTC",
            groups="base.group_user,mass_mailing.group_mass_mailing_user,"
            "mass_mailing_crm_nurture.group_nurture_manager,"
            "sales_team.group_sale_salesman_all_leads",
        )
        cls.env["crm.nurture.sequence"].search(
            [("state", "in", ("running", "paused"))]
        ).write({"state": "stopped"})
        action = cls.env.ref(xmlid).with_user(cls.marketer).action_use_template()
        cls.sequence = cls.env["crm.nurture.sequence"].browse(action["res_id"])
        cls.sequence.with_user(cls.marketer).write(
            {
                "enrollment_mode": "none",
                "domain": repr(
                    [("active", "in", [True, False]), ("name", "=like", "Nurtrec %")]
                ),
                "send_tz": "UTC",
                "send_hour_from": 0,
                "send_hour_to": 24,
            }
        )


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestEngagementRoutes(TemplateRunByMarketer, NurtureRecurringCommon, HttpCase):
    """A welcome sequence, run by the marketing user, whose emails are opened and
    clicked through Odoo's real routes (the tracking image, the tracked link) by
    machines and by the person, behind a reverse proxy (proxy mode): only the
    person's open and click move the flow."""

    T0 = datetime(2026, 5, 4, 8, 0, 0)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._run_template_as_marketer(
            "mass_mailing_crm_nurture.crm_nurture_template_welcome",
            "engagement_marketer",
        )
        steps = cls.sequence.step_ids
        cls.welcome = steps.filtered(lambda s: s.trigger == "start")
        cls.help = steps.filtered(lambda s: s.trigger == "opened")
        cls.again = steps.filtered(lambda s: s.trigger == "not_opened")
        cls.call = steps.filtered(lambda s: s.trigger == "clicked")
        for step in cls.welcome | cls.help:
            step.mailing_id.with_user(cls.marketer).body_html = (
                '<p>Hello <a href="https://www.example.com/help">how we help</a> '
                '<a href="https://www.example.com/pricing">pricing</a></p>'
            )
        cls.lead = cls.make_leads(["wendy"])
        cls.tag_interested = cls.env["crm.tag"].create({"name": "Interested"})
        cls.help.mailing_id.click_tag_rule_ids = [
            (0, 0, {"url_match": "any", "tag_ids": [(6, 0, cls.tag_interested.ids)]})
        ]

    def process(self, when):
        with self.at(when):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.mock_mail_gateway(mail_unlink_sent=False):
                self.env["crm.nurture.trace"]._process_due()
                self.env["mail.mail"].process_email_queue()
            return self._mails

    def fetch(self, url, user_agent, address, when):
        """GET ``url`` as a client at ``address`` reaching Odoo through a reverse
        proxy (proxy mode, forwarded headers), at ``when``."""
        host = urlparse(self.base_url()).netloc
        headers = {
            "User-Agent": user_agent,
            "X-Forwarded-For": address,
            "X-Forwarded-Host": host,
        }
        path = urlparse(url)._replace(scheme="", netloc="").geturl()
        with self.at(when), patch.dict(config.options, {"proxy_mode": True}):
            self.env.flush_all()
            response = self.url_open(path, headers=headers, allow_redirects=False)
            self.env.invalidate_all()
        self.assertIn(response.status_code, (200, 301), url)
        return response

    def sent_to_wendy(self, mails):
        """The body of the one email the run sent to the lead."""
        (mail,) = (
            mail
            for mail in mails
            if any("wendy@" in address for address in mail["email_to"])
        )
        return mail["body"]

    def participant_trace(self, step):
        return self.sequence.participant_ids.trace_ids.filtered(
            lambda t: t.step_id == step
        )

    def test_welcome_sequence_through_the_routes(self):
        """Prefetch a second after delivery: no "opened" branch; the person's
        open a day later: the branch runs; a scanner's click: no "clicked"
        branch; the person's click: it runs; numbers apart on step and mailing."""
        with self.at(self.T0):
            self.sequence.with_user(self.marketer).action_start()
            self.sequence.with_user(self.marketer)._enroll_leads(self.lead)
        body = self.sent_to_wendy(self.process(self.T0))
        pixel = PIXEL.search(body).group(1)
        mail = self.participant_trace(self.welcome).mailing_trace_id
        help_step = self.participant_trace(self.help)
        deadline = help_step.scheduled_date

        # Apple's prefetch, through Apple's network, a second after delivery.
        self.fetch(pixel, APPLE_PREFETCH, APPLE_ADDRESS, self.T0 + timedelta(seconds=1))
        self.assertEqual(mail.trace_status, "open", "Odoo's status as Odoo sets it")
        self.assertFalse(mail.human_open_datetime)
        self.assertEqual(mail.machine_open_count, 1)
        self.assertEqual(mail.machine_signal, "privacy_proxy")
        self.assertEqual(help_step.scheduled_date, deadline, '"opened" still waits')
        self.assertEqual(self.participant_trace(self.again).state, "scheduled")
        self.assertEqual(self.welcome.proxy_hidden_count, 1)
        self.assertEqual(self.welcome.opened_count, 0)
        self.assertEqual(self.welcome.machine_opened_count, 1)
        self.assertEqual(self.welcome.mailing_id.proxy_opened_count, 1)

        # The person opens it a day later, on their phone.
        day1 = self.T0 + timedelta(days=1)
        self.fetch(pixel, IPHONE_MAIL, PERSON_ADDRESS, day1)
        self.assertEqual(mail.human_open_datetime, day1)
        self.assertEqual(help_step.scheduled_date, day1, '"opened" runs now')
        self.assertEqual(self.participant_trace(self.again).state, "cancelled")
        self.env.invalidate_all()
        self.assertEqual(
            (self.welcome.opened_count, self.welcome.proxy_hidden_count), (1, 0)
        )
        mails = self.process(day1)
        self.assertEqual(help_step.state, "done")
        body = self.sent_to_wendy(mails)
        link = LINK.search(body).group(1)
        call = self.participant_trace(self.call)
        deadline = call.scheduled_date
        help_mail = help_step.mailing_trace_id

        # The company's gateway opens the link seconds after delivery.
        self.fetch(link, SAFE_LINKS, "40.94.1.1", day1 + timedelta(seconds=3))
        self.assertEqual(call.scheduled_date, deadline, 'no "clicked" branch')
        self.assertTrue(help_mail.links_click_datetime, "Odoo's click as Odoo sets it")
        self.assertFalse(help_mail.human_click_datetime)
        self.assertEqual(help_mail.links_click_ids.signal_kind, "scanner")
        # A click a few seconds after delivery, with a browser's agent: too soon.
        self.fetch(link, BROWSER, "40.94.1.2", day1 + timedelta(seconds=5))
        self.assertEqual(call.scheduled_date, deadline, 'still no "clicked" branch')
        self.assertFalse(self.lead.tag_ids, "no link rule for machines")

        # The person clicks an hour later.
        later = day1 + timedelta(hours=1)
        self.fetch(link, BROWSER, PERSON_ADDRESS, later)
        self.assertEqual(help_mail.human_click_datetime, later)
        self.assertEqual(call.scheduled_date, later, '"clicked" runs now')
        self.assertEqual(self.lead.tag_ids, self.tag_interested, "the link rule ran")
        clicks = help_mail.links_click_ids.sorted("id")
        self.assertEqual(clicks.mapped("signal_kind"), ["scanner", "too_soon", "human"])
        self.assertEqual(
            clicks.mapped("ip"), ["40.94.1.1", "40.94.1.2", PERSON_ADDRESS]
        )
        self.assertEqual(clicks[-1].link_id.url, "https://www.example.com/help")
        self.process(later)
        self.assertEqual(call.state, "done")
        self.env.invalidate_all()
        self.assertEqual(
            (
                self.help.clicked_count,
                self.help.machine_clicked_count,
                self.help.opened_count,
            ),
            (1, 1, 1),
        )
        self.assertEqual(
            self.help._read_statistics(), self.help._read_statistics_live()
        )


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestLinkPathRoutes(TemplateRunByMarketer, NurtureRecurringCommon, HttpCase):
    """The template "Welcome: a path per link", copied and run by the marketing
    user, its welcome's second link clicked through Odoo's real click route: a
    scanner's click takes no path, the person's click takes exactly the path of
    that link."""

    T0 = datetime(2026, 5, 4, 8, 0, 0)
    TABLES = "https://www.example.com/shop/category/tables"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._run_template_as_marketer(
            "mass_mailing_crm_nurture.crm_nurture_template_welcome_links",
            "link_path_marketer",
        )
        steps = cls.sequence.step_ids
        cls.welcome = steps.filtered(lambda s: s.trigger == "start")
        cls.paths = steps.filtered(lambda s: s.trigger == "clicked_link")
        cls.tables = cls.paths.filtered(lambda s: s.trigger_url == cls.TABLES)
        cls.no_click = steps.filtered(lambda s: s.trigger == "not_clicked")
        cls.lead = cls.make_leads(["wanda"])

    process = TestEngagementRoutes.process
    fetch = TestEngagementRoutes.fetch

    def trace_of(self, step):
        return self.sequence.participant_ids.trace_ids.filtered(
            lambda t: t.step_id == step
        )

    def test_a_path_per_link_through_the_routes(self):
        """A scanner's click on the second link: no "clicked" path; the person's
        click on it an hour later: the path of that link only, redirected to the
        link with Odoo's UTM parameters."""
        self.assertEqual(len(self.paths), 3)
        self.assertTrue(self.tables)
        with self.at(self.T0):
            self.sequence.with_user(self.marketer).action_start()
            self.sequence.with_user(self.marketer)._enroll_leads(self.lead)
        mails = self.process(self.T0)
        (body,) = (m["body"] for m in mails if "wanda@" in str(m["email_to"]))
        links = LINK.findall(body)
        self.assertEqual(len(links), 3, "three tracked links")
        mail = self.trace_of(self.welcome).mailing_trace_id
        deadlines = {step: self.trace_of(step).scheduled_date for step in self.paths}

        day1 = self.T0 + timedelta(days=1)
        self.fetch(links[1], SAFE_LINKS, "40.94.1.1", day1)
        self.assertEqual(mail.links_click_ids.signal_kind, "scanner")
        self.assertEqual(mail.links_click_ids.link_id.url, self.TABLES)
        for step in self.paths:
            self.assertEqual(self.trace_of(step).scheduled_date, deadlines[step])
        self.assertEqual(self.trace_of(self.no_click).state, "scheduled")

        later = day1 + timedelta(hours=1)
        response = self.fetch(links[1], BROWSER, PERSON_ADDRESS, later)
        location = response.headers["Location"]
        self.assertTrue(location.startswith(self.TABLES + "?"), location)
        self.assertIn("utm_", location)
        self.assertEqual(self.trace_of(self.tables).scheduled_date, later)
        for step in self.paths - self.tables:
            self.assertEqual(self.trace_of(step).scheduled_date, deadlines[step])
        self.assertEqual(self.trace_of(self.no_click).state, "cancelled")
        self.process(later)
        self.assertEqual(self.trace_of(self.tables).state, "done")
        self.process(self.T0 + timedelta(days=3))
        self.assertEqual(
            {step: self.trace_of(step).state for step in self.paths},
            {
                step: "done" if step == self.tables else "cancelled"
                for step in self.paths
            },
        )
        self.env.invalidate_all()
        self.assertEqual((self.tables.done_count, self.welcome.clicked_count), (1, 1))
        steps = self.sequence.step_ids
        self.assertEqual(steps._read_statistics(), steps._read_statistics_live())
