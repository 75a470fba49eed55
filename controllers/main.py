# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from odoo.addons.mass_mailing.controllers import main

from ..engagement_signal import REQUEST_KEY, request_signal


class MassMailController(main.MassMailController):
    """Odoo's open and click routes, their request kept for the model hooks that
    tell a person's open or click from a machine's (see ``engagement_signal``)."""

    @http.route()
    def track_mail_open(self, mail_id, token, **post):
        request.update_context(**{REQUEST_KEY: request_signal(request.httprequest)})
        return super().track_mail_open(mail_id, token, **post)

    @http.route()
    def full_url_redirect(self, code, mailing_trace_id, **post):
        request.update_context(**{REQUEST_KEY: request_signal(request.httprequest)})
        return super().full_url_redirect(code, mailing_trace_id, **post)
