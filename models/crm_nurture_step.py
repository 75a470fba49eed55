# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..link_url import email_links, normalize_url

# Triggers that wait on the parent step's email, and the mailing event each awaits.
EVENT_TRIGGERS = {
    "opened": "open",
    "not_opened": "open",
    "clicked": "click",
    "not_clicked": "click",
    "clicked_link": "click",
    "not_clicked_link": "click",
    "replied": "reply",
    "not_replied": "reply",
    "bounced": "bounce",
}
# Triggers a first step may have (the score's is measured from the enrollment).
ROOT_TRIGGERS = {"start", "score_reached"}
NEGATIVE_TRIGGERS = {"not_opened", "not_clicked", "not_clicked_link", "not_replied"}
# Triggers on one link of the previous email (``trigger_url``): a path per link.
LINK_TRIGGERS = {"clicked_link", "not_clicked_link"}
# What a content editor may change on a step: its words, not the flow (when it
# runs, what it does to leads). The email itself is edited in the mailing.
CONTENT_FIELDS = {"name", "activity_summary", "activity_type_id", "activity_days"}
# Longest delay, about five years in each unit; an activity is due ten years on at
# most. Beyond, dates would leave the calendar and the step would never run.
MAX_DELAYS = {"hours": 43800, "days": 1825, "weeks": 260}
MAX_ACTIVITY_DAYS = 3650
# Actions that change the lead (a test run does them only where its tester could).
LEAD_ACTIONS = {"add_tags", "remove_tags", "activity", "reopen", "stage"}
# The level of a step (alias ``step``) in its flow: 1 for a first step, 2 for a step
# that follows it... (the number of steps on its path, see ``_get_level``).
STEP_LEVEL_SQL = SQL(
    "array_length(string_to_array(rtrim(step.parent_path, '/'), '/'), 1)"
)


class CrmNurtureStep(models.Model):
    """A step of a nurture sequence: when it runs (trigger relative to its parent,
    and a delay) and what it does (an email, tags, an activity, a reopening, a
    stage)."""

    _name = "crm.nurture.step"
    _description = "Nurture Step"
    _order = "sequence_id, parent_id, sequence, id"
    _parent_store = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    sequence_id = fields.Many2one(
        comodel_name="crm.nurture.sequence",
        string="Nurture Sequence",
        required=True,
        index=True,
        ondelete="cascade",
    )
    parent_id = fields.Many2one(
        comodel_name="crm.nurture.step",
        string="After Step",
        index=True,
        ondelete="cascade",
        domain="[('sequence_id', '=', sequence_id), ('id', '!=', id)]",
    )
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many(
        comodel_name="crm.nurture.step", inverse_name="parent_id", string="Next Steps"
    )
    trigger = fields.Selection(
        selection=[
            ("start", "At start"),
            ("after_parent", "After the previous step"),
            ("opened", "Email opened"),
            ("not_opened", "Email not opened"),
            ("clicked", "Email clicked"),
            ("not_clicked", "Email not clicked"),
            ("clicked_link", "Clicked a given link"),
            ("not_clicked_link", "Did not click a given link"),
            ("replied", "Email replied to"),
            ("not_replied", "Email not replied to"),
            ("bounced", "Email bounced"),
        ],
        default="start",
        required=True,
        help="Opened, clicked, replied, bounced: runs as soon as it happens within the "
        "delay. Not opened, not clicked, not replied: runs when the delay is over "
        "without it. A given link: a person's click on that link of the previous "
        "email (one path per link; a lead clicking two links follows both).",
    )
    trigger_url = fields.Char(
        string="Link",
        help="The link of the previous step's email this step waits for (chosen "
        "among the links of its body). A click matches it whatever tracking "
        "parameters (utm_*) Odoo adds.",
    )
    trigger_url_options = fields.Json(
        string="Links of the Previous Email",
        compute="_compute_trigger_url_options",
        help="The links Odoo's link tracker will track in the previous step's email.",
    )
    trigger_url_missing = fields.Boolean(
        string="Link Missing",
        compute="_compute_trigger_url_missing",
        help="The link of this step is no longer in the previous step's email: new "
        "recipients cannot click it, so the step never runs for them ("
        '"did not click" runs for all of them).',
    )
    delay = fields.Integer(
        default=0,
        help="How long after the previous step (or the enrollment) the step runs: 0 "
        "or more, at most about five years (43800 hours, 1825 days, 260 weeks).",
    )
    delay_unit = fields.Selection(
        selection=[("hours", "Hours"), ("days", "Days"), ("weeks", "Weeks")],
        default="days",
        required=True,
    )
    action = fields.Selection(
        selection=[
            ("email", "Send an email"),
            ("add_tags", "Add tags"),
            ("remove_tags", "Remove tags"),
            ("activity", "Schedule an activity"),
            ("reopen", "Reopen the lead"),
            ("stage", "Move to a stage"),
            # Sends nothing: its next steps are the variants of a test, each
            # participant going down one (see crm_nurture_step_split.py).
            ("split", "Split test"),
        ],
        default="email",
        required=True,
    )
    mailing_id = fields.Many2one(
        comodel_name="mailing.mailing",
        string="Email",
        ondelete="restrict",
        copy=False,
        help="Edited in the mailing editor; Odoo's statistics and tracking apply.",
    )
    tag_ids = fields.Many2many(comodel_name="crm.tag", string="Tags")
    activity_type_id = fields.Many2one(comodel_name="mail.activity.type")
    activity_summary = fields.Char()
    activity_days = fields.Integer(
        string="Due In (Days)",
        default=1,
        help="Days from the step to the activity's deadline: 0 (the same day) to 3650.",
    )
    # Restrict: a stage a step moves leads to is kept (see crm.stage), never
    # emptied under the step, which would move leads to no stage.
    stage_id = fields.Many2one(comodel_name="crm.stage", ondelete="restrict")

    @api.depends("trigger", "parent_id.mailing_id.body_html")
    def _compute_trigger_url_options(self):
        for step in self:
            links = []
            if step.trigger in LINK_TRIGGERS:
                links = [list(link) for link in step.parent_id._get_email_links()]
            step.trigger_url_options = links

    @api.depends("trigger", "trigger_url", "parent_id.mailing_id.body_html")
    def _compute_trigger_url_missing(self):
        for step in self:
            step.trigger_url_missing = bool(
                step.trigger in LINK_TRIGGERS
                and step.trigger_url
                and not step._trigger_url_in_parent_email()
            )

    @api.constrains("parent_id", "trigger", "sequence_id")
    def _check_trigger(self):
        for step in self:
            if step.parent_id and step.parent_id.sequence_id != step.sequence_id:
                raise ValidationError(
                    self.env._("A step follows a step of its own sequence.")
                )
            if not step.parent_id and step.trigger not in ROOT_TRIGGERS:
                raise ValidationError(
                    self.env._("A first step runs at start; choose a previous step.")
                )
            if step.parent_id and step.trigger == "start":
                raise ValidationError(
                    self.env._("A step after another one cannot run at start.")
                )
            if step.trigger in EVENT_TRIGGERS and step.parent_id.action != "email":
                raise ValidationError(
                    self.env._(
                        "%(step)s waits on an email: its previous step must send one.",
                        step=step.name,
                    )
                )
        if self._has_cycle():
            raise ValidationError(
                self.env._("Steps cannot follow each other in a loop.")
            )

    @api.constrains("parent_id", "trigger", "trigger_url")
    def _check_trigger_url(self):
        for step in self.filtered(lambda s: s.trigger in LINK_TRIGGERS):
            if not (step.trigger_url or "").strip():
                raise ValidationError(
                    self.env._(
                        "Choose the link of the previous email that step %(step)s "
                        "waits for.",
                        step=step.name,
                    )
                )
            if not step._trigger_url_in_parent_email():
                links = [url for url, _label in step.parent_id._get_email_links()]
                raise ValidationError(
                    self.env._(
                        "The link %(url)s of step %(step)s is not in the previous "
                        "step's email. Its links: %(links)s",
                        url=step.trigger_url,
                        step=step.name,
                        links=", ".join(links) or self.env._("none"),
                    )
                )

    @api.constrains("action", "tag_ids", "stage_id")
    def _check_action(self):
        for step in self:
            if step.action in ("add_tags", "remove_tags") and not step.tag_ids:
                raise ValidationError(
                    self.env._("Choose the tags of %(step)s.", step=step.name)
                )
            if step.action == "stage" and not step.stage_id:
                raise ValidationError(
                    self.env._("Choose the stage of %(step)s.", step=step.name)
                )

    @api.constrains("delay", "delay_unit", "activity_days")
    def _check_delays(self):
        for step in self:
            maximum = MAX_DELAYS[step.delay_unit]
            if not 0 <= step.delay <= maximum:
                raise ValidationError(
                    self.env._(
                        "The delay of step %(step)s is %(delay)s %(unit)s: choose from "
                        "0 "
                        "to %(max)s %(unit)s.",
                        step=step.name,
                        delay=step.delay,
                        unit=dict(
                            self._fields["delay_unit"]._description_selection(self.env)
                        )[step.delay_unit],
                        max=maximum,
                    )
                )
            if not 0 <= step.activity_days <= MAX_ACTIVITY_DAYS:
                raise ValidationError(
                    self.env._(
                        "The activity of step %(step)s is due in %(days)s days: choose "
                        "from 0 to %(max)s days.",
                        step=step.name,
                        days=step.activity_days,
                        max=MAX_ACTIVITY_DAYS,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        steps = super().create(vals_list)
        steps.filtered(
            lambda s: s.action == "email" and not s.mailing_id
        )._create_mailings()
        return steps

    def write(self, vals):
        self._check_flow_access(vals)
        res = super().write(vals)
        if vals.get("action") == "email":
            self.filtered(lambda s: not s.mailing_id)._create_mailings()
        return res

    def _check_flow_access(self, vals):
        if self.env.su or self.env.user.has_group(
            "mass_mailing_crm_nurture.group_nurture_manager"
        ):
            return
        if set(vals) - CONTENT_FIELDS:
            raise AccessError(
                self.env._(
                    "Content editors change the words of a step and its email; when "
                    "it runs and what it does are for nurture managers."
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_waited_on(self):
        waiting = self.env["crm.nurture.trace"].search_count(
            [("step_id", "in", self.ids), ("state", "=", "scheduled")], limit=1
        )
        if waiting:
            raise UserError(
                self.env._(
                    "Participants are waiting on this step. Stop the sequence, or let "
                    "them pass it, before deleting it."
                )
            )

    def action_edit_mailing(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "res_id": self.mailing_id.id,
            "view_mode": "form",
            "target": "current",
        }

    def _create_mailings(self):
        """One mailing per email step, on leads, sent only to the participants the
        engine hands it (its own filter matches nobody). Its responsible is the
        sequence's, who is not told by email of each step's mailing (19.0's
        mailings notify their new responsible)."""
        for step in self:
            step.mailing_id = (
                self.env["mailing.mailing"]
                .sudo()
                .with_context(mail_auto_subscribe_no_notify=True)
                .create(
                    {
                        "subject": step.name,
                        "mailing_type": "mail",
                        "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                        "mailing_domain": "[('id', 'in', [])]",
                        "user_id": step.sequence_id.user_id.id,
                    }
                )
            )

    def _get_level(self):
        """1 for a first step, 2 for a step that follows it... (``STEP_LEVEL_SQL``
        in Python)."""
        self.ensure_one()
        return len(self.parent_path.rstrip("/").split("/"))

    def _get_delay(self):
        self.ensure_one()
        return relativedelta(**{self.delay_unit: self.delay})

    def _get_trigger_event(self):
        return EVENT_TRIGGERS.get(self.trigger)

    def _get_email_links(self):
        """The links of this step's email, as Odoo's link tracker will track them
        (``[(url, label)]``, see ``link_url.email_links``)."""
        if not self:
            return []
        self.ensure_one()
        mailing = self.mailing_id.sudo()
        if self.action != "email" or not mailing:
            return []
        return email_links(mailing.body_html or "", mailing.get_base_url())

    def _trigger_url_in_parent_email(self):
        """Whether the link of this step is one of its previous email's links."""
        self.ensure_one()
        wanted = normalize_url(self.trigger_url)
        return any(
            normalize_url(url) == wanted
            for url, _label in self.parent_id._get_email_links()
        )

    # ------------------------------------------------------------------
    # Actions on participants
    # ------------------------------------------------------------------

    def _run_action(self, traces):
        """Do this step for ``traces`` (one per participant), all at once. Return
        the traces that failed, with their message written."""
        self.ensure_one()
        if self.action in LEAD_ACTIONS:
            traces = self.env["crm.nurture.participant"]._test_filter_lead_access(
                traces
            )
        leads = traces.lead_id
        method = getattr(self, f"_run_{self.action}")
        return method(traces, leads) or self.env["crm.nurture.trace"]

    def _run_email(self, traces, leads):
        tests = traces.filtered("is_test")
        for trace in tests:
            self.mailing_id._nurture_send_test(
                trace.lead_id, trace.participant_id.test_email
            )
        traces -= tests
        if not traces:
            return
        leads = traces.lead_id
        trace_by_lead = {trace.lead_id.id: trace.id for trace in traces}
        mailing = self.mailing_id.with_context(nurture_trace_by_lead=trace_by_lead)
        # Each trace is linked to its email as the step is marked done, in the
        # same statement (crm.nurture.trace._record_done).
        mailing._nurture_send(leads.ids)

    def _run_add_tags(self, traces, leads):
        leads.write({"tag_ids": [Command.link(tag.id) for tag in self.tag_ids]})

    def _run_remove_tags(self, traces, leads):
        leads.write({"tag_ids": [Command.unlink(tag.id) for tag in self.tag_ids]})

    def _run_activity(self, traces, leads):
        activity_type = self.activity_type_id or self.env.ref(
            "mail.mail_activity_data_todo"
        )
        deadline = fields.Date.context_today(self) + relativedelta(
            days=self.activity_days
        )
        model_id = self.env["ir.model"]._get_id("crm.lead")
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.activity_summary or self.name,
                    "date_deadline": deadline,
                    "user_id": (lead.user_id or self.sequence_id.user_id).id,
                }
                for lead in leads
            ]
        )

    def _run_reopen(self, traces, leads):
        leads.filtered(lambda lead: not lead.active).action_unarchive()

    def _run_stage(self, traces, leads):
        leads.write({"stage_id": self.stage_id.id})
