# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Evaluate a domain written as text, relative dates included, on the server.

Odoo 18 reads a mailing's domain with ``ast.literal_eval`` and turns anything else
into "no recipients" without a word. The web client, though, writes expressions:
its filter editor's "is within the last N days" becomes
``datetime.datetime.combine(context_today() + relativedelta(days=-N),
datetime.time(0, 0, 0)).to_utc().strftime("%Y-%m-%d %H:%M:%S")``, and it counts
recipients by evaluating that in the browser. This module evaluates the same
expressions on the server, with the names the web client offers, in the timezone of
the environment's user, so the count on the form, the favourite filters and the
send agree.
"""

import datetime as dt
import time
from ast import literal_eval

import pytz
from dateutil.relativedelta import relativedelta

from odoo.osv import expression
from odoo.tools.safe_eval import safe_eval, wrap_module


class DomainEvaluationError(ValueError):
    """A domain text that does not evaluate to a domain."""


def _user_tz(env):
    tz_name = env.context.get("tz") or env.user.tz or "UTC"
    try:
        return pytz.timezone(tz_name)
    except pytz.UnknownTimeZoneError:
        return pytz.utc


def _datetime_namespace(zone):
    """The ``datetime`` module as the web client's expression language has it:
    naive datetimes are in the user's timezone and ``to_utc()`` converts them."""

    def local_now():
        # Looked up at call time: frozen clocks in tests apply.
        return dt.datetime.now(pytz.utc).astimezone(zone).replace(tzinfo=None)

    class UserDateTime(dt.datetime):
        # Arithmetic and ``combine`` keep the subclass, so ``to_utc`` stays reachable.
        @classmethod
        def now(cls, tz=None):
            if tz is not None:
                return super().now(tz)
            local = local_now()
            return cls.combine(local.date(), local.time())

        @classmethod
        def today(cls):
            return cls.now()

        def to_utc(self):
            naive = dt.datetime(*self.timetuple()[:6], self.microsecond)
            if self.tzinfo:
                utc = self.astimezone(pytz.utc).replace(tzinfo=None)
            else:
                utc = zone.localize(naive).astimezone(pytz.utc).replace(tzinfo=None)
            return UserDateTime.combine(utc.date(), utc.time())

    class DatetimeModule:
        datetime = UserDateTime
        date = dt.date
        time = dt.time
        timedelta = dt.timedelta

    return DatetimeModule, local_now


def eval_context(env):
    """Names a domain text may use: those the web client evaluates domains with."""
    tz = _user_tz(env)
    datetime_ns, local_now = _datetime_namespace(tz)
    now = local_now()
    today = now.date()
    return {
        "context_today": lambda: today,
        "datetime": datetime_ns,
        "relativedelta": relativedelta,
        "timedelta": dt.timedelta,
        "time": wrap_module(time, ["time", "strftime", "gmtime", "localtime"]),
        "today": today.strftime("%Y-%m-%d"),
        "current_date": today.strftime("%Y-%m-%d"),
        "now": now.strftime("%Y-%m-%d %H:%M:%S"),
        "uid": env.uid,
        "allowed_company_ids": env.companies.ids,
        "tz": tz.zone,
    }


def eval_domain(env, text):
    """Return the domain that ``text`` denotes now, for ``env``'s user.

    :raise DomainEvaluationError: when ``text`` is not a valid domain expression
    """
    if not text or not text.strip():
        return []
    try:
        domain = literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        try:
            domain = safe_eval(text, eval_context(env))
        except Exception as error:
            raise DomainEvaluationError(str(error)) from error
    if not isinstance(domain, list | tuple):
        raise DomainEvaluationError(f"{text!r} is not a list of conditions")
    try:
        return expression.normalize_domain(list(domain))
    except Exception as error:
        raise DomainEvaluationError(str(error)) from error


def check_domain(env, model_name, text):
    """Evaluate ``text`` and compile it on ``model_name`` (fields, operators) without
    running the search; return the domain.

    :raise DomainEvaluationError: with the reason, when it cannot be used
    """
    domain = eval_domain(env, text)
    try:
        env[model_name]._search(domain)
    except Exception as error:
        raise DomainEvaluationError(str(error)) from error
    return domain
