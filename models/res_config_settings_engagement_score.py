# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engagement_score import (
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_POINTS,
    MAX_HALF_LIFE_DAYS,
    MAX_POINTS,
    SCORE_PARAM,
)

POINT_FIELDS = {
    "engagement_points_open": "open",
    "engagement_points_click": "click",
    "engagement_points_reply": "reply",
    "engagement_points_inbound": "inbound",
}


class ResConfigSettings(models.TransientModel):
    """The engagement score's points and half-life, in Email Marketing settings."""

    _inherit = "res.config.settings"

    engagement_points_open = fields.Integer(
        string="Points per Open",
        config_parameter=SCORE_PARAM % "points_open",
        default=DEFAULT_POINTS["open"],
        help="Points for the first open of an email by its person (a click or a "
        "reply is also the open); machines' opens earn nothing. 0 to 1000.",
    )
    engagement_points_click = fields.Integer(
        string="Points per Click",
        config_parameter=SCORE_PARAM % "points_click",
        default=DEFAULT_POINTS["click"],
        help="Points for each click of a person on a link of an email; link "
        "scanners' and robots' clicks earn nothing. 0 to 1000.",
    )
    engagement_points_reply = fields.Integer(
        string="Points per Reply",
        config_parameter=SCORE_PARAM % "points_reply",
        default=DEFAULT_POINTS["reply"],
        help="Points for each reply to an email. 0 to 1000.",
    )
    engagement_points_inbound = fields.Integer(
        string="Points per Form or Chat",
        config_parameter=SCORE_PARAM % "points_inbound",
        default=DEFAULT_POINTS["inbound"],
        help="Points for a lead created by a visitor through a website form "
        "(Website CRM) or a live chat (CRM Live Chat), where those apps are "
        "installed. 0 to 1000.",
    )
    engagement_half_life_days = fields.Integer(
        string="Score Half-Life (Days)",
        config_parameter=SCORE_PARAM % "half_life_days",
        default=DEFAULT_HALF_LIFE_DAYS,
        help="After this many days, points count for half (1 to 3650). Changing "
        "it keeps every lead's score as it is when saved; from then on scores fade "
        "at the new pace (no lead is rewritten).",
    )

    @api.constrains(*POINT_FIELDS)
    def _check_engagement_points(self):
        for settings in self:
            for fname in POINT_FIELDS:
                if not 0 <= settings[fname] <= MAX_POINTS:
                    raise ValidationError(
                        self.env._(
                            "Engagement score: %(field)s must be between 0 and "
                            "%(max)s.",
                            field=self._fields[fname]._description_string(self.env),
                            max=MAX_POINTS,
                        )
                    )

    @api.constrains("engagement_half_life_days")
    def _check_engagement_half_life_days(self):
        for settings in self:
            if not 1 <= settings.engagement_half_life_days <= MAX_HALF_LIFE_DAYS:
                raise ValidationError(
                    self.env._(
                        "Engagement score: the half-life must be between 1 and "
                        "%(max)s days.",
                        max=MAX_HALF_LIFE_DAYS,
                    )
                )

    def set_values(self):
        old_days = self.env["crm.lead"]._engagement_half_life_days()
        res = super().set_values()
        new_days = self.env["crm.lead"]._engagement_half_life_days()
        self.env["crm.lead"].sudo()._engagement_rescale(old_days, new_days)
        return res
