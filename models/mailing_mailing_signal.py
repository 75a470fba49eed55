# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import SQL


class MailingMailing(models.Model):
    """Opens and clicks that a person made, beside Odoo's own counters (left as
    Odoo keeps them): "opened 412, of which 160 by a privacy proxy"."""

    _inherit = "mailing.mailing"

    human_opened_count = fields.Integer(
        string="Opened by People",
        compute="_compute_engagement_signals",
        help="Emails opened by their reader (a click or a reply is also an open).",
    )
    proxy_opened_count = fields.Integer(
        string="Opened by a Privacy Proxy",
        compute="_compute_engagement_signals",
        help="Emails Odoo counts as opened whose only opens were a privacy proxy's "
        "prefetch (Apple Mail's privacy protection): whether their reader opened "
        "them cannot be seen.",
    )
    machine_opened_count = fields.Integer(
        string="Opened by Machines",
        compute="_compute_engagement_signals",
        help="Emails whose images a machine fetched (privacy proxy, scanner, robot).",
    )
    human_clicked_count = fields.Integer(
        string="Clicked by People",
        compute="_compute_engagement_signals",
    )
    machine_clicked_count = fields.Integer(
        string="Clicked by Machines",
        compute="_compute_engagement_signals",
        help="Emails whose links a machine opened: a security scanner, a robot, a "
        "click seconds after delivery, every link at once.",
    )

    def _compute_engagement_signals(self):
        mailing_ids = [mailing_id for mailing_id in self._origin.ids if mailing_id]
        counts = {}
        if mailing_ids:
            self.env["mailing.trace"].flush_model()
            rows = self.env.execute_query_dict(
                SQL(
                    """
                    SELECT mass_mailing_id,
                           COUNT(*) FILTER (WHERE human_open_datetime IS NOT NULL
                               OR human_click_datetime IS NOT NULL
                               OR trace_status = 'reply') AS human_opened,
                           COUNT(*) FILTER (WHERE proxy_open_datetime IS NOT NULL
                               AND human_open_datetime IS NULL
                               AND human_click_datetime IS NULL
                               AND trace_status = 'open') AS proxy_opened,
                           COUNT(*) FILTER (WHERE machine_open_count > 0)
                               AS machine_opened,
                           COUNT(*) FILTER (WHERE human_click_datetime IS NOT NULL)
                               AS human_clicked,
                           COUNT(*) FILTER (WHERE machine_click_count > 0)
                               AS machine_clicked
                      FROM mailing_trace
                     WHERE mass_mailing_id = ANY(%s)
                     GROUP BY mass_mailing_id
                    """,
                    mailing_ids,
                )
            )
            counts = {row.pop("mass_mailing_id"): row for row in rows}
        for mailing in self:
            values = counts.get(mailing._origin.id, {})
            mailing.update(
                {
                    f"{name}_count": values.get(name, 0)
                    for name in (
                        "human_opened",
                        "proxy_opened",
                        "machine_opened",
                        "human_clicked",
                        "machine_clicked",
                    )
                }
            )

    def action_view_machine_signals(self):
        """The emails of this mailing that machines opened or clicked."""
        self.ensure_one()
        # A name of its own: 19.0's message extractor takes the next parenthesis
        # after a translated string, on the same expression, for another one.
        name = self.env._("Opened or Clicked by Machines")
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "mailing.trace",
            "view_mode": "list,form",
            "domain": [
                ("mass_mailing_id", "=", self.id),
                "|",
                ("machine_open_count", ">", 0),
                ("machine_click_count", ">", 0),
            ],
            "context": {"create": False},
        }
