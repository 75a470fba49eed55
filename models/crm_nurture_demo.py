# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, models

from .crm_nurture_step import NEGATIVE_TRIGGERS

# Where each demo participant stands, in days relative to the installation:
# (enrolled, [(step key, done, opened, clicked)], {branch not taken: day}, day the
# lead came back or None), the steps still to come being scheduled after the last
# one. Nothing is due at
# installation: the first real run of the scheduled action sends nothing, the
# next steps leave in the coming days.
DEMO_PATHS = [
    # clicked the first email, got the nudge, last call in two days
    (
        -6,
        [("week1", -6, -5, -5), ("week2_clicked", -5, -4, None)],
        {"week2_ignored": -5},
        None,
    ),
    # opened the first email without clicking: reminded, last call in five days
    (
        -9,
        [("week1", -9, -8, None), ("week2_ignored", -2, None, None)],
        {"week2_clicked": -2},
        None,
    ),
    # received the first email three days ago, has not opened it yet
    (-3, [("week1", -3, None, None)], {}, None),
    # went through the three weeks
    (
        -15,
        [
            ("week1", -15, -14, None),
            ("week2_ignored", -8, -7, -7),
            ("week3_ignored", -1, None, None),
        ],
        {"week2_clicked": -8},
        None,
    ),
    # joined yesterday, opened at once
    (-1, [("week1", -1, -1, None)], {}, None),
    # clicked, got the nudge, and came back (the lead was reopened): succeeded
    (
        -12,
        [("week1", -12, -11, -11), ("week2_clicked", -11, -10, -10)],
        {"week2_ignored": -11},
        -9,
    ),
]
# The steps of the restock template, by key.
RESTOCK_STEPS = {
    "week1": "crm_nurture_template_restock_week1",
    "week2_ignored": "crm_nurture_template_restock_week2_ignored",
    "week2_clicked": "crm_nurture_template_restock_week2_clicked",
    "week3_ignored": "crm_nurture_template_restock_week3_ignored",
    "week3_clicked": "crm_nurture_template_restock_week3_clicked",
}


class CrmNurtureSequence(models.Model):
    _inherit = "crm.nurture.sequence"

    @api.model
    def _demo_create_restock_run(self):
        """Demo data: the restock template running over the demo leads lost for
        stock, participants at different steps, with opens and clicks, so that a
        newcomer sees living numbers. Built as the engine leaves it (participants,
        step traces, email traces), without sending anything."""
        template = self.env.ref("mass_mailing_crm_nurture.crm_nurture_template_restock")
        sequence = template.copy(
            {
                "name": self.env._("Limited edition restock"),
                "user_id": self.env.ref("base.user_admin").id,
            }
        )
        self.env["ir.model.data"].create(
            {
                "module": "mass_mailing_crm_nurture",
                "name": "crm_nurture_sequence_restock_demo",
                "model": sequence._name,
                "res_id": sequence.id,
                "noupdate": True,
            }
        )
        sequence.state = "running"
        leads = self.env["crm.lead"].search(sequence._get_lead_domain(), order="id")
        steps = sequence._demo_map_template_steps(template)
        now = self.env.cr.now().replace(microsecond=0)
        blacklisted = leads.filtered("is_blacklisted")
        for index, lead in enumerate(leads - blacklisted):
            sequence._demo_add_participant(
                lead, DEMO_PATHS[index % len(DEMO_PATHS)], steps, now
            )
        for lead in blacklisted:
            sequence._demo_add_opted_out(lead, steps, now - timedelta(days=9))
        # Written as the engine leaves them, but without the engine.
        self.env["crm.nurture.participant"]._recompute_level_reached(
            sequence.participant_ids.ids
        )
        return sequence

    def _demo_map_template_steps(self, template):
        """Key -> the copy's step, matched through the template's steps."""
        by_name_and_parent = {}
        for step in self.step_ids:
            by_name_and_parent[(step.name, step.parent_id.name, step.trigger)] = step
        steps = {}
        for key, xmlid in RESTOCK_STEPS.items():
            original = self.env.ref(f"mass_mailing_crm_nurture.{xmlid}")
            steps[key] = by_name_and_parent[
                (original.name, original.parent_id.name, original.trigger)
            ]
        return steps

    def _demo_add_participant(self, lead, path, steps, now):
        enrolled, done, not_taken, reopened = path
        day = lambda offset: now + timedelta(days=offset)  # noqa: E731
        participant = self.env["crm.nurture.participant"].create(
            {"sequence_id": self.id, "lead_id": lead.id, "date_enrolled": day(enrolled)}
        )
        Trace = self.env["crm.nurture.trace"]
        labels = dict(
            self.env["crm.nurture.step"]
            ._fields["trigger"]
            ._description_selection(self.env)
        )
        parent = Trace
        last_mail = self.env["mailing.trace"]
        for key, done_day, opened_day, clicked_day in done:
            step = steps[key]
            trace = Trace.create(
                {
                    "participant_id": participant.id,
                    "step_id": step.id,
                    "parent_trace_id": parent.id,
                    "scheduled_date": day(done_day),
                    "date_done": day(done_day),
                    "state": "done",
                }
            )
            last_mail = self._demo_add_email(
                trace,
                lead,
                day(done_day),
                opened_day and day(opened_day),
                clicked_day and day(clicked_day),
            )
            for sibling_key, cancelled_day in not_taken.items():
                sibling = steps[sibling_key]
                if sibling.parent_id == step:
                    message = (
                        self.env._("Branch not taken: it happened.")
                        if sibling.trigger in NEGATIVE_TRIGGERS
                        else self.env._(
                            'Branch not taken: "%(trigger)s" did not apply.',
                            trigger=labels[sibling.trigger],
                        )
                    )
                    Trace.create(
                        {
                            "participant_id": participant.id,
                            "step_id": sibling.id,
                            "parent_trace_id": trace.id,
                            "scheduled_date": day(cancelled_day),
                            "state": "cancelled",
                            "message": message,
                        }
                    )
            parent = trace
        last_step = steps[done[-1][0]]
        Trace._schedule(
            participant,
            last_step.child_ids,
            day(done[-1][1]),
            parents={participant.id: parent.id},
        )
        values = {
            "current_step_id": last_step.id,
            "last_mailing_trace_id": last_mail.id,
        }
        if not last_step.child_ids:
            values.update(state="completed", date_done=day(done[-1][1]))
        participant.write(values)
        if reopened:
            self._demo_reopen(participant, day(reopened))

    def _demo_reopen(self, participant, when):
        """The lead came back: it is open again, and the participant succeeded then
        (success is noticed as it happens); its next step never ran."""
        lead = participant.lead_id
        lead.action_unarchive()
        lead.write({"date_reactivated": when})
        participant._succeed()
        participant.write({"date_succeeded": when, "date_done": when})

    def _demo_add_email(self, trace, lead, sent, opened, clicked):
        mailing = trace.step_id.mailing_id
        status = "open" if opened or clicked else "sent"
        mail = self.env["mailing.trace"].create(
            {
                "trace_type": "mail",
                "model": "crm.lead",
                "res_id": lead.id,
                "mass_mailing_id": mailing.id,
                "email": lead.email_from,
                "trace_status": status,
                "sent_datetime": sent,
                "open_datetime": opened or clicked or False,
                "links_click_datetime": clicked or False,
                # The seed's readers are people.
                "human_open_datetime": opened or False,
                "human_click_datetime": clicked or False,
                "nurture_trace_id": trace.id,
            }
        )
        trace.mailing_trace_id = mail
        if mailing.state != "done":
            mailing.write({"state": "done", "sent_date": sent})
        return mail

    def _demo_add_opted_out(self, lead, steps, when):
        participant = self.env["crm.nurture.participant"].create(
            {
                "sequence_id": self.id,
                "lead_id": lead.id,
                "date_enrolled": when,
                "state": "exited",
                "exit_reason": "optout",
                "date_done": when,
            }
        )
        self.env["crm.nurture.trace"].create(
            {
                "participant_id": participant.id,
                "step_id": steps["week1"].id,
                "scheduled_date": when,
                "state": "cancelled",
                "message": self.env._("The participation ended."),
            }
        )
