# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, Form, tagged

from ..engagement_signal import REQUEST_KEY
from ..link_url import email_links, normalize_url, same_link, short_url
from .common_nurture import NurtureSequenceCommon
from .test_engagement_signals import BROWSER, PERSON_ADDRESS

MODULE = "mass_mailing_crm_nurture"
TRACE_LOGGER = f"odoo.addons.{MODULE}.models.crm_nurture_trace"
LINK_A = "https://www.example.com/shop/chairs"
LINK_B = "https://www.example.com/shop/tables?color=oak"
LINK_C = "https://www.example.com/shop/lamps"
BODY = (
    "<p>"
    f'<a href="{LINK_A}">Chairs</a> '
    f'<a href="{LINK_B.replace("&", "&amp;")}">Tables</a> '
    f'<a href="{LINK_C}">Lamps</a> '
    '<a href="/unsubscribe_from_list">Unsubscribe</a> '
    '<a href="/view">View online</a> '
    '<a href="mailto:shop@example.com">Write</a> '
    '<a href="tel:+3212345678">Call</a> '
    '<a href="#top">Top</a>'
    "</p>"
)
SCANNER = {REQUEST_KEY: {"user_agent": "Mimecast", "address": "40.94.1.1"}}
PERSON = {REQUEST_KEY: {"user_agent": BROWSER, "address": PERSON_ADDRESS}}


@tagged("post_install", "-at_install", MODULE)
class TestLinkUrl(BaseCase):
    """How a clicked link is matched to a step's link, and which links of an
    email Odoo's link tracker sees."""

    def test_normalize_url(self):
        """Scheme and host case, default port, trailing slash, UTM parameters and
        parameter order do not make another link; path, other parameters and
        fragment do."""
        base = "https://www.example.com/shop/chairs"
        for same in (
            "https://www.example.com/shop/chairs/",
            "HTTPS://WWW.Example.COM/shop/chairs",
            "https://www.example.com:443/shop/chairs",
            "https://www.example.com/shop/chairs?utm_source=newsletter"
            "&utm_medium=email&utm_campaign=Welcome",
            " https://www.example.com/shop/chairs?UTM_Content=x ",
        ):
            with self.subTest(url=same):
                self.assertTrue(same_link(base, same))
        for other in (
            "https://www.example.com/shop/Chairs",
            "http://www.example.com/shop/chairs",
            "https://www.example.com/shop/chairs?color=oak",
            "https://www.example.com/shop/chairs#reviews",
            "https://www.example.com:8443/shop/chairs",
        ):
            with self.subTest(url=other):
                self.assertFalse(same_link(base, other))
        self.assertEqual(
            normalize_url("https://a.example.com/x?b=2&utm_source=s&a=1"),
            "https://a.example.com/x?a=1&b=2",
        )
        self.assertEqual(normalize_url("www.example.com/a"), "http://www.example.com/a")
        self.assertEqual(normalize_url(""), "")
        self.assertFalse(same_link("", ""))

    def test_email_links(self):
        """The links of a body in their order, once each, relative ones made
        absolute; unsubscribe, view online, mail, phone, anchors and
        placeholders left out."""
        body = BODY + f'<a href="{LINK_A}/">Chairs again</a><a href="/shop">Shop</a>'
        body += '<a href="{{ object.website }}">Site</a>'
        self.assertEqual(
            email_links(body, "http://odoo.example.com/"),
            [
                (LINK_A, "Chairs"),
                (LINK_B, "Tables"),
                (LINK_C, "Lamps"),
                ("http://odoo.example.com/shop", "Shop"),
            ],
        )
        self.assertEqual(email_links("", "http://odoo.example.com"), [])
        self.assertEqual(email_links("<p>no link</p>", "http://x.example.com"), [])

    def test_short_url(self):
        self.assertEqual(short_url(LINK_A), "example.com/shop/chairs")
        self.assertEqual(short_url("https://example.com/" + "a" * 60, 20)[-1], "…")


@tagged("post_install", "-at_install", MODULE)
class TestNurtureLinkPaths(NurtureSequenceCommon):
    """A welcome offering three links: each reader follows the path of the link
    they clicked (a person's click), several paths for several links, a path on
    any click beside them, "did not click" a link at its deadline."""

    def setUp(self):
        super().setUp()
        self.flow = self.env["crm.nurture.sequence"].create(
            {
                "name": "Welcome, a path per link",
                "user_id": self.user_manager.id,
                "send_tz": "UTC",
                "enrollment_mode": "none",
                "domain": repr([("active", "in", [True, False])]),
            }
        )
        self.welcome = self.step(name="Welcome", trigger="start")
        self.welcome.mailing_id.body_html = BODY
        self.path_a = self.step(
            name="Chairs", trigger="clicked_link", trigger_url=LINK_A, delay=3
        )
        self.path_b = self.step(
            name="Tables", trigger="clicked_link", trigger_url=LINK_B, delay=3
        )
        self.any_click = self.step(name="Clicked", trigger="clicked", delay=3)
        self.not_b = self.step(
            name="No tables",
            trigger="not_clicked_link",
            trigger_url=LINK_B,
            delay=3,
            action="add_tags",
            tag_ids=[(4, self.env["crm.tag"].create({"name": "No tables"}).id)],
        )
        self.paths = self.path_a | self.path_b | self.any_click | self.not_b

    def step(self, **values):
        if values.get("trigger") != "start":
            values.setdefault("parent_id", self.welcome.id)
        return (
            self.env["crm.nurture.step"]
            .with_user(self.user_manager)
            .create({"sequence_id": self.flow.id, "action": "email", **values})
        )

    def run_flow(self, when):
        with self.at(when):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.mock_mail_gateway(mail_unlink_sent=False):
                return self.env["crm.nurture.trace"]._process_due()

    def start(self, leads):
        with self.at(self.T0):
            self.flow.with_user(self.user_manager).action_start()
            self.flow._enroll_leads(leads)
        self.run_flow(self.T0)

    def states(self, step):
        traces = self.env["crm.nurture.trace"].search([("step_id", "=", step.id)])
        return {trace.lead_id: trace.state for trace in traces}

    def trace_of(self, step, lead):
        return self.env["crm.nurture.trace"].search(
            [("step_id", "=", step.id), ("lead_id", "=", lead.id)]
        )

    def click(self, lead, url, context=None, when=None):
        """``lead`` clicks ``url`` of the welcome it received (through the click
        route's request ``context``, or by code: a person's)."""
        mail = self.trace_of(self.welcome, lead).mailing_trace_id
        code = self.env["link.tracker.code"].search(
            [
                ("link_id.mass_mailing_id", "=", self.welcome.mailing_id.id),
                ("link_id.url", "=", url),
            ],
            limit=1,
        )
        self.assertTrue(code, f"{url} tracked in the email")
        with self.at(when or self.T0 + self.days(1)):
            self.env["link.tracker.click"].with_context(
                **(context or {})
            ).sudo().add_click(code.code, mailing_trace_id=mail.id, ip=PERSON_ADDRESS)
            self.env.flush_all()

    def assertTallyExact(self):
        steps = self.flow.step_ids
        self.assertEqual(steps._read_statistics(), steps._read_statistics_live())

    def test_a_path_per_link(self):
        """Ann clicks two links and follows both paths; Bob clicks one; Cid none:
        at the deadline only "did not click" the second link runs for him and
        Bob; the path on any click runs for Ann and Bob."""
        ann, bob, cid = self.leads
        self.start(self.leads)
        day1 = self.T0 + self.days(1)
        self.click(ann, LINK_A, PERSON)
        self.click(ann, LINK_B, PERSON, when=day1 + self.days(0.5))
        self.click(bob, LINK_A)  # by code, with no request: a person's
        self.assertEqual(self.trace_of(self.path_a, ann).scheduled_date, day1)
        self.assertEqual(self.trace_of(self.path_a, bob).scheduled_date, day1)
        self.assertEqual(
            self.trace_of(self.path_b, ann).scheduled_date, day1 + self.days(0.5)
        )
        self.assertEqual(
            self.states(self.not_b),
            {ann: "cancelled", bob: "scheduled", cid: "scheduled"},
        )
        self.run_flow(day1 + self.days(0.5))
        self.assertEqual(self.states(self.path_a)[ann], "done")
        self.assertEqual(self.states(self.path_a)[bob], "done")
        self.assertEqual(self.states(self.path_b)[ann], "done")
        self.assertEqual(self.states(self.any_click)[ann], "done")
        self.assertEqual(self.states(self.any_click)[bob], "done")
        self.assertEqual(self.states(self.path_b)[bob], "scheduled")
        self.assertTallyExact()
        # The deadline: Bob did not click the tables, nor did Cid, who clicked
        # nothing at all.
        self.run_flow(self.T0 + self.days(3))
        self.assertEqual(
            self.states(self.path_a), {ann: "done", bob: "done", cid: "cancelled"}
        )
        self.assertEqual(
            self.states(self.path_b),
            {ann: "done", bob: "cancelled", cid: "cancelled"},
        )
        self.assertEqual(self.states(self.any_click)[cid], "cancelled")
        self.assertEqual(
            self.states(self.not_b), {ann: "cancelled", bob: "done", cid: "done"}
        )
        self.assertEqual((bob | cid).tag_ids.mapped("name"), ["No tables"])
        self.assertFalse(ann.tag_ids)
        self.assertTallyExact()
        self.env.invalidate_all()
        self.assertEqual(
            [
                (step.scheduled_count, step.done_count, step.skipped_count)
                for step in self.paths
            ],
            [(0, 2, 1), (0, 1, 2), (0, 2, 1), (0, 2, 1)],
        )

    def test_machine_clicks_take_no_path(self):
        """A scanner's click of a link takes no path of it; a person's click of
        the same link then does. A burst of clicks on every link (a scanner with a
        browser's agent) is withdrawn: its paths wait for their deadline again."""
        ann, bob, _cid = self.leads
        self.start(self.leads)
        deadline = self.trace_of(self.path_b, ann).scheduled_date
        day1 = self.T0 + self.days(1)
        self.click(ann, LINK_B, SCANNER)
        self.assertEqual(self.trace_of(self.path_b, ann).scheduled_date, deadline)
        self.assertEqual(self.trace_of(self.not_b, ann).state, "scheduled")
        self.click(ann, LINK_B, PERSON, when=day1 + self.days(0.1))
        self.assertEqual(
            self.trace_of(self.path_b, ann).scheduled_date, day1 + self.days(0.1)
        )
        self.assertEqual(self.trace_of(self.not_b, ann).state, "cancelled")
        self.assertEqual(self.trace_of(self.path_a, ann).scheduled_date, deadline)
        # Bob's gateway opens the two links a second apart.
        self.click(bob, LINK_B, PERSON, when=day1)
        self.assertEqual(self.trace_of(self.path_b, bob).scheduled_date, day1)
        self.assertEqual(self.trace_of(self.not_b, bob).state, "cancelled")
        self.click(bob, LINK_A, PERSON, when=day1 + self.days(1 / 86400))
        self.assertEqual(self.trace_of(self.path_a, bob).scheduled_date, deadline)
        self.assertEqual(self.trace_of(self.path_b, bob).scheduled_date, deadline)
        self.assertEqual(self.trace_of(self.not_b, bob).state, "scheduled")
        self.run_flow(self.T0 + self.days(3))
        self.assertEqual(self.states(self.path_b)[bob], "cancelled")
        self.assertEqual(self.states(self.not_b)[bob], "done")
        self.assertEqual(self.states(self.path_b)[ann], "done")
        self.assertTallyExact()

    def test_link_options_and_validation(self):
        """As a nurture manager: the step form lists the previous email's links;
        the link is required for the link triggers and must be one of them (the
        error lists them); the same link with other tracking parameters is."""
        self.assertEqual(
            [url for url, _label in self.path_a.trigger_url_options],
            [LINK_A, LINK_B, LINK_C],
        )
        with Form(
            self.env["crm.nurture.step"]
            .with_user(self.user_manager)
            .with_context(default_sequence_id=self.flow.id),
            view=f"{MODULE}.crm_nurture_step_view_form",
        ) as form:
            form.name = "Lamps"
            form.parent_id = self.welcome
            form.trigger = "clicked_link"
            self.assertEqual(
                [url for url, _label in form.trigger_url_options],
                [LINK_A, LINK_B, LINK_C],
            )
            form.trigger_url = LINK_C
        self.assertEqual(form.record.trigger_url, LINK_C)
        with self.assertRaisesRegex(ValidationError, "Choose the link"):
            self.step(name="No link", trigger="clicked_link")
        with self.assertRaises(ValidationError) as error:
            self.step(
                name="Elsewhere",
                trigger="not_clicked_link",
                trigger_url="https://www.example.com/elsewhere",
            )
        for url in (LINK_A, LINK_B, LINK_C):
            self.assertIn(url, str(error.exception))
        same = self.step(
            name="Chairs again",
            trigger="clicked_link",
            trigger_url="HTTPS://www.example.com/shop/chairs/?utm_source=x",
        )
        self.assertFalse(same.trigger_url_missing)
        # Another trigger needs no link.
        self.path_a.with_user(self.user_manager).trigger = "clicked"
        self.assertFalse(self.path_a.trigger_url_missing)

    def test_link_removed_from_the_email(self):
        """A link removed from the email after its steps were made shows them in
        error (form and picture); clicks of emails sent with it still count; at
        the deadline "did not click" it runs for the others, logged, never
        silently, and "clicked" it never does."""
        ann, bob, cid = self.leads
        self.start(self.leads)
        self.click(ann, LINK_B, PERSON)
        self.welcome.mailing_id.body_html = BODY.replace("Tables", "Gone").replace(
            LINK_B.replace("&", "&amp;"), "https://www.example.com/other"
        )
        self.assertTrue(self.path_b.trigger_url_missing)
        self.assertTrue(self.not_b.trigger_url_missing)
        self.assertFalse(self.path_a.trigger_url_missing)
        boxes = {box["id"]: box for box in self.flow.flow_data["steps"]}
        self.assertTrue(boxes[self.path_b.id]["link_missing"])
        self.assertFalse(boxes[self.path_a.id]["link_missing"])
        self.assertEqual(
            boxes[self.path_b.id]["when"],
            "Clicked “example.com/shop/tables?color=oak”, within 3 days",
        )
        self.assertEqual(
            boxes[self.not_b.id]["when"],
            "Did not click “example.com/shop/tables?color=oak”, after 3 days",
        )
        # Bob clicks it in the email he received (sent with the link).
        self.click(bob, LINK_B, PERSON)
        self.run_flow(self.T0 + self.days(1))
        self.assertEqual(self.states(self.path_b)[bob], "done")
        with self.assertLogs(TRACE_LOGGER, "WARNING") as logs:
            self.run_flow(self.T0 + self.days(3))
        self.assertIn("no longer in the previous email", logs.output[0])
        self.assertEqual(
            self.states(self.path_b), {ann: "done", bob: "done", cid: "cancelled"}
        )
        self.assertEqual(self.states(self.not_b)[cid], "done")
        self.assertIn(
            "no longer in the previous email", self.trace_of(self.not_b, cid).message
        )
        self.assertIn(
            "no longer in the previous email", self.trace_of(self.path_b, cid).message
        )
        # The step stays in error until its link is chosen again.
        self.assertTrue(self.path_b.trigger_url_missing)
        self.path_b.with_user(
            self.user_manager
        ).trigger_url = "https://www.example.com/other"
        self.assertFalse(self.path_b.trigger_url_missing)

    def test_test_run_click(self):
        """In a test run, a simulated click is a click on every link: the link
        paths run, "did not click" a link is cancelled."""
        wizard = (
            self.env["crm.nurture.test.wizard"]
            .with_user(self.user_manager)
            .create({"sequence_id": self.flow.id, "email": "tester@example.com"})
        )
        run = self.env["crm.nurture.participant"].browse(
            wizard.action_start_test()["res_id"]
        )
        run = run.with_user(self.user_manager)
        with self.at(self.T0), self.mock_mail_gateway():
            run.action_test_run_next_step()
        with self.at(self.T0 + self.days(1)), self.mock_mail_gateway():
            run.action_test_simulate_click()
        states = {trace.step_id: trace.state for trace in run.trace_ids}
        self.assertEqual(states[self.path_a], "done")
        self.assertEqual(states[self.path_b], "done")
        self.assertEqual(states[self.not_b], "cancelled")

    def test_template_copied_by_a_nurture_manager(self):
        """The template "Welcome: a path per link", used by a nurture manager who
        is not a template editor: three link paths on the welcome's three links,
        a path for no click, its emails render."""
        self.env["ir.config_parameter"].set_param(
            "mail.restrict.template.rendering", True
        )
        self.assertFalse(self.user_manager.has_group("mail.group_mail_template_editor"))
        template = self.env.ref(f"{MODULE}.crm_nurture_template_welcome_links")
        action = template.with_user(self.user_manager).action_use_template()
        copy = self.env["crm.nurture.sequence"].browse(action["res_id"])
        root = copy.step_ids.filtered(lambda s: s.trigger == "start")
        paths = copy.step_ids.filtered(lambda s: s.trigger == "clicked_link")
        self.assertEqual(len(paths), 3)
        self.assertEqual(paths.parent_id, root)
        self.assertEqual(
            sorted(paths.mapped("trigger_url")),
            sorted(url for url, _label in root._get_email_links()),
        )
        self.assertFalse(any(paths.mapped("trigger_url_missing")))
        no_click = copy.step_ids.filtered(lambda s: s.trigger == "not_clicked")
        self.assertEqual((no_click.parent_id, no_click.delay), (root, 3))
        lead = self.make_leads(["links"], contact_name="Ada Lovelace")
        for mailing in copy.step_ids.mailing_id:
            body = mailing.with_user(self.user_manager)._render_field(
                "body_html", lead.ids
            )[lead.id]
            self.assertIn("Ada Lovelace", str(body))
        labels = [box["when"] for box in copy.flow_data["steps"]]
        self.assertIn(
            "Clicked “example.com/shop/category/chairs”, within 3 days", labels
        )
