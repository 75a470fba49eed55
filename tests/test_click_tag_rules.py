# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..engagement_signal import REQUEST_KEY, TOO_SOON_PARAM
from .common import process_mailing_queue
from .common_recurring import NurtureRecurringCommon

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
)


def route_signal(user_agent, address="198.51.100.7"):
    """What the click route keeps of a request (see engagement_signal)."""
    return {REQUEST_KEY: {"user_agent": user_agent, "address": address}}


@tagged("post_install", "-at_install", "mass_mailing_crm_nurture")
class TestClickTagRules(NurtureRecurringCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag_shop, cls.tag_teapot = cls.env["crm.tag"].create(
            [{"name": "Clicked shop"}, {"name": "Wants teapot"}]
        )
        cls.interested = cls.env["mailing.list"].create({"name": "Interested"})
        # These tests click at once after sending: the too-soon rule is tested
        # with the other rules (test_engagement_signals).
        cls.env["ir.config_parameter"].set_param(TOO_SOON_PARAM, 0)

    def sent_mailing(self, rules, leads=None):
        """A one-off lead mailing with link ``rules``, sent to ``leads``."""
        leads = leads or self.leads
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Our teapots",
                "body_html": '<p><a href="https://www.example.com/shop">shop</a> '
                '<a href="https://www.example.com/sale/teapot">teapot</a></p>',
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": repr(
                    [("id", "in", leads.ids), ("active", "in", [True, False])]
                ),
                "click_tag_rule_ids": [(0, 0, rule) for rule in rules],
            }
        )
        mailing.action_put_in_queue()
        with self.mock_mail_gateway(mail_unlink_sent=False):
            process_mailing_queue(mailing)
        return mailing

    def click(self, mailing, lead, label, user_agent=BROWSER):
        """Click as through the click route, with the request's ``user_agent``."""
        env = self.env
        self.env = env(context=dict(env.context, **route_signal(user_agent)))
        try:
            return self.gateway_mail_trace_click(mailing, lead, label)
        finally:
            self.env = env

    def stat(self, lead, tag):
        return self.env["crm.lead.tag.stat"].search(
            [("lead_id", "=", lead.id), ("tag_id", "=", tag.id)]
        )

    def test_url_matching(self):
        mailing = self.sent_mailing(
            [
                {"url_match": "any", "tag_ids": [(6, 0, self.tag_shop.ids)]},
                {
                    "url_match": "contains",
                    "url_pattern": "/SALE/",
                    "tag_ids": [(6, 0, self.tag_teapot.ids)],
                },
            ]
        )
        self.click(mailing, self.leads[0], "shop")
        self.assertEqual(self.leads[0].tag_ids, self.tag_shop)
        self.click(mailing, self.leads[1], "teapot")
        self.assertEqual(self.leads[1].tag_ids, self.tag_shop | self.tag_teapot)
        exact = self.env["mailing.click.tag.rule"].new(
            {"url_match": "exact", "url_pattern": "https://www.example.com/shop/"}
        )
        self.assertTrue(exact._matches("https://www.example.com/shop"))
        self.assertFalse(exact._matches("https://www.example.com/shop/teapot"))

    def test_tags_are_counted_and_lists_joined(self):
        """Tags go through the lead's write (counter +1 at each new add); the email
        joins the list, an opt-out stays an opt-out."""
        opted_out = self.env["mailing.contact"].create(
            {
                "email": self.leads[1].email_from,
                "subscription_ids": [
                    (0, 0, {"list_id": self.interested.id, "opt_out": True})
                ],
            }
        )
        mailing = self.sent_mailing(
            [
                {
                    "url_match": "any",
                    "tag_ids": [(6, 0, self.tag_shop.ids)],
                    "mailing_list_id": self.interested.id,
                }
            ]
        )
        self.click(mailing, self.leads[0], "shop")
        self.assertEqual(self.stat(self.leads[0], self.tag_shop).add_count, 1)
        self.click(mailing, self.leads[0], "teapot")  # already tagged: no new count
        self.assertEqual(self.stat(self.leads[0], self.tag_shop).add_count, 1)
        contact = self.env["mailing.contact"].search(
            [("email_normalized", "=", self.leads[0].email_normalized)]
        )
        self.assertEqual(contact.subscription_ids.list_id, self.interested)
        self.assertFalse(contact.subscription_ids.opt_out)
        self.click(mailing, self.leads[1], "shop")
        self.assertTrue(opted_out.subscription_ids.opt_out)
        self.assertEqual(len(opted_out.subscription_ids), 1)

    def test_archived_and_deleted_leads(self):
        lost, gone = self.leads[:2]
        mailing = self.sent_mailing(
            [{"url_match": "any", "tag_ids": [(6, 0, self.tag_shop.ids)]}]
        )
        lost.action_set_lost()
        self.click(mailing, lost, "shop")
        self.assertEqual(lost.tag_ids, self.tag_shop)
        trace = mailing.mailing_trace_ids.filtered(lambda t: t.res_id == gone.id)
        code = (
            self.env["link.tracker"]
            .search(
                [
                    ("url", "=", "https://www.example.com/shop"),
                    ("mass_mailing_id", "=", mailing.id),
                ]
            )
            .code
        )
        gone.unlink()
        click = (
            self.env["link.tracker.click"]
            .with_context(**route_signal(BROWSER))
            .sudo()
            .add_click(code, ip="1.2.3.4", country_code="BE", mailing_trace_id=trace.id)
        )
        self.assertTrue(click)
        self.assertTrue(trace.links_click_datetime)

    def test_bots_and_scanners_ignored(self):
        mailing = self.sent_mailing(
            [{"url_match": "any", "tag_ids": [(6, 0, self.tag_shop.ids)]}]
        )
        for agent in (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Microsoft Office SafeLinks scanner",
            "python-requests/2.31",
            "",
        ):
            self.click(mailing, self.leads[0], "shop", user_agent=agent)
        self.assertFalse(self.leads[0].tag_ids)
        self.click(mailing, self.leads[0], "shop")
        self.assertEqual(self.leads[0].tag_ids, self.tag_shop)
        clicks = self.env["link.tracker.click"].search(
            [("mass_mailing_id", "=", mailing.id)], order="id"
        )
        self.assertEqual(
            clicks.mapped("signal_kind"),
            ["robot", "scanner", "scanner", "unknown", "human"],
        )

    @mute_logger("odoo.addons.mass_mailing_crm_nurture.models.link_tracker_click")
    def test_failing_rule_never_breaks_the_click(self):
        mailing = self.sent_mailing(
            [{"url_match": "any", "tag_ids": [(6, 0, self.tag_shop.ids)]}]
        )
        with patch.object(
            type(self.env["mailing.click.tag.rule"]),
            "_apply_to_trace",
            side_effect=RuntimeError("boom"),
            autospec=True,
        ):
            trace = self.click(mailing, self.leads[0], "shop")
        self.assertTrue(trace.links_click_datetime)
        self.assertEqual(len(trace.links_click_ids), 1)
        self.assertFalse(self.leads[0].tag_ids)

    def test_rule_constraints(self):
        mailing = self.sent_mailing([])
        Rule = self.env["mailing.click.tag.rule"]
        with self.assertRaises(ValidationError):
            Rule.create(
                {
                    "mailing_id": mailing.id,
                    "url_match": "contains",
                    "tag_ids": [(6, 0, self.tag_shop.ids)],
                }
            )
        with self.assertRaises(ValidationError):
            Rule.create({"mailing_id": mailing.id, "url_match": "any"})

    def test_marketing_user_sets_rules(self):
        mailing = self.sent_mailing([]).with_user(self.user_marketer)
        mailing.write(
            {
                "click_tag_rule_ids": [
                    (0, 0, {"url_match": "any", "tag_ids": [(6, 0, self.tag_shop.ids)]})
                ]
            }
        )
        self.assertEqual(mailing.click_tag_rule_ids.tag_ids, self.tag_shop)
