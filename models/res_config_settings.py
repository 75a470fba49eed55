# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engagement_signal import (
    DEFAULT_TOO_SOON_SECONDS,
    MAX_TOO_SOON_SECONDS,
    TOO_SOON_PARAM,
)
from .crm_lead_contact_pressure import (
    MAX_PRESSURE_DAYS,
    MAX_PRESSURE_LIMIT,
    PRESSURE_PARAM,
)


class ResConfigSettings(models.TransientModel):
    """The contact pressure rule and the rule that tells a scanner's click, in
    Email Marketing settings."""

    _inherit = "res.config.settings"

    nurture_pressure_enabled = fields.Boolean(
        string="Contact Pressure",
        config_parameter=PRESSURE_PARAM % "enabled",
        help="Limit the marketing emails a lead gets over a period: nurture email "
        "steps and recurring mailings hold back the emails over the limit.",
    )
    nurture_pressure_limit = fields.Integer(
        string="Emails per Lead",
        config_parameter=PRESSURE_PARAM % "limit",
        default=2,
        help="At most this many marketing emails per lead over the period (1 or "
        "more; 0 turns the rule off).",
    )
    nurture_pressure_days = fields.Integer(
        string="Period (Days)",
        config_parameter=PRESSURE_PARAM % "days",
        default=7,
        help="The period over which a lead's emails are counted, in days (1 or "
        "more; 0 turns the rule off).",
    )
    nurture_pressure_lead_mailings = fields.Boolean(
        string="Also Ordinary Lead Mailings",
        config_parameter=PRESSURE_PARAM % "lead_mailings",
        help="Leads at the limit are also left out of ordinary mailings on leads "
        "(they do not get that mailing).",
    )

    engagement_too_soon_seconds = fields.Integer(
        string="Clicks Too Soon After Delivery (Seconds)",
        config_parameter=TOO_SOON_PARAM,
        default=DEFAULT_TOO_SOON_SECONDS,
        help="A click on a link this many seconds after the email was sent, or "
        "sooner, is a security scanner's, not the reader's: it starts no "
        '"clicked" branch and runs no link rule (0 turns the rule off).',
    )

    @api.constrains("engagement_too_soon_seconds")
    def _check_engagement_too_soon_seconds(self):
        for settings in self:
            if not 0 <= settings.engagement_too_soon_seconds <= MAX_TOO_SOON_SECONDS:
                raise ValidationError(
                    self.env._(
                        "Clicks too soon after delivery: the seconds must be between 0 "
                        "(rule off) and %(max)s.",
                        max=MAX_TOO_SOON_SECONDS,
                    )
                )

    @api.constrains("nurture_pressure_limit", "nurture_pressure_days")
    def _check_nurture_pressure(self):
        for settings in self:
            if not 0 <= settings.nurture_pressure_limit <= MAX_PRESSURE_LIMIT:
                raise ValidationError(
                    self.env._(
                        "Contact pressure: the emails per lead must be between 0 (rule "
                        "off) and %(max)s.",
                        max=MAX_PRESSURE_LIMIT,
                    )
                )
            if not 0 <= settings.nurture_pressure_days <= MAX_PRESSURE_DAYS:
                raise ValidationError(
                    self.env._(
                        "Contact pressure: the period must be between 0 (rule off) and "
                        "%(max)s days.",
                        max=MAX_PRESSURE_DAYS,
                    )
                )
