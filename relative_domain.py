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

import ast
import datetime as dt
import time
from ast import literal_eval

import psycopg2
import pytz
from dateutil.relativedelta import relativedelta

from odoo.tools import SQL, mute_logger
from odoo.tools.safe_eval import safe_eval, wrap_module

from . import compat

# Bounds on a domain text: its length and its number of conditions, nested ones
# included. The length leaves room for the lead ids of a big selection (the
# reactivation wizard's "these leads", about 60,000 ids), which evaluate in about a
# second; conditions are what costs when a search is compiled and run.
MAX_DOMAIN_LENGTH = 500_000
MAX_DOMAIN_CONDITIONS = 2_000
# Conditions on related records (tags, tag history, activities, any / not any...)
# become subqueries that PostgreSQL joins, and its planning time grows steeply with
# their number: as a marketing user, every two more "tag history" conditions double
# it (10 take 0.9 s to count, 16 take 7 s, 50 over 10 s). This, not the check, is what
# made big filters slow to save (the mailing form counts its recipients). Plain
# conditions on the record's own fields cost nearly nothing.
MAX_DOMAIN_SUBQUERIES = 10
# And whatever their kind, the database must be able to plan the search quickly (2,000
# AND-ed "id != n" conditions take it 8 s, for one): a filter it cannot plan within
# this time (milliseconds) is refused on save.
MAX_PLANNING_MS = 2000
# What an expression may be made of: the web client's expression language (names,
# calls of date helpers, + and -, comparisons). Nothing loops, and nothing multiplies
# a size ('x' * 10**9, 'x'.ljust(10**9)), so evaluating costs what the text's length
# costs; a 30-million-round comprehension is refused before it runs.
_ALLOWED_NODES = (
    ast.Expression,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Call,
    ast.keyword,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.UnaryOp,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.IfExp,
    ast.Subscript,
    ast.Slice,
)
_LOOP_NODES = (
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.comprehension,
    ast.Lambda,
)
# Attributes of the names of ``eval_context`` and of the dates they return.
_ALLOWED_ATTRIBUTES = {
    "datetime",
    "date",
    "time",
    "timedelta",
    "combine",
    "now",
    "today",
    "to_utc",
    "strftime",
    "strptime",
    "isoformat",
    "fromisoformat",
    "replace",
    "weekday",
    "isoweekday",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "gmtime",
    "localtime",
}


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

    The work is bounded: at most ``MAX_DOMAIN_LENGTH`` characters and
    ``MAX_DOMAIN_CONDITIONS`` conditions, and an expression made only of what
    evaluates in a time proportional to its length (see ``_check_expression``).

    :raise DomainEvaluationError: when ``text`` is not a valid domain expression,
        or is beyond these limits
    """
    if not text or not text.strip():
        return []
    if len(text) > MAX_DOMAIN_LENGTH:
        raise DomainEvaluationError(
            env._(
                "the filter has %(length)s characters, more than the %(max)s allowed; "
                "split it, or select the records with fewer conditions (a tag, a "
                "list, a favourite filter).",
                length=len(text),
                max=MAX_DOMAIN_LENGTH,
            )
        )
    try:
        domain = literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        _check_expression(env, text)
        try:
            domain = safe_eval(text, eval_context(env))
        except Exception as error:
            raise DomainEvaluationError(str(error)) from error
    if not isinstance(domain, list | tuple):
        raise DomainEvaluationError(f"{text!r} is not a list of conditions")
    _check_condition_count(env, domain)
    try:
        return compat.normalize_domain(domain)
    except Exception as error:
        raise DomainEvaluationError(str(error)) from error


def _check_expression(env, text):
    """Refuse, before evaluating it, an expression that could run long or build
    huge values: loops (comprehensions, lambdas), other operators than + and -,
    calls of anything but the date helpers of ``eval_context``."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        raise DomainEvaluationError(str(error)) from error
    names = set(eval_context(env))
    for node in ast.walk(tree):
        if isinstance(node, _LOOP_NODES):
            raise DomainEvaluationError(
                env._("a filter cannot loop (comprehensions, lambdas).")
            )
        if not isinstance(node, _ALLOWED_NODES):
            raise DomainEvaluationError(
                env._(
                    "%(element)s is not allowed in a filter: only values, the date "
                    "helpers (context_today(), relativedelta, datetime...), + and -, "
                    "and comparisons are.",
                    element=type(node).__name__,
                )
            )
        if isinstance(node, ast.Name) and node.id not in names:
            raise DomainEvaluationError(
                env._("%(name)s is not known in a filter.", name=node.id)
            )
        if isinstance(node, ast.Attribute) and node.attr not in _ALLOWED_ATTRIBUTES:
            raise DomainEvaluationError(
                env._("%(name)s is not allowed in a filter.", name=node.attr)
            )


def _check_condition_count(env, domain):
    count = _count_conditions(domain)
    if count > MAX_DOMAIN_CONDITIONS:
        raise DomainEvaluationError(
            env._(
                "the filter has %(count)s conditions, more than the %(max)s allowed; "
                "select the records with fewer conditions (a tag, a list, a "
                "favourite filter).",
                count=count,
                max=MAX_DOMAIN_CONDITIONS,
            )
        )


def _count_conditions(domain):
    """Conditions of ``domain``, those nested in any / not any included."""
    count = 0
    for item in domain:
        if isinstance(item, list | tuple) and len(item) == 3:
            count += 1
            if item[1] in ("any", "not any") and isinstance(item[2], list | tuple):
                count += _count_conditions(item[2])
    return count


def check_domain(env, model_name, text):
    """Evaluate ``text`` and compile it on ``model_name`` (fields, operators) without
    running the search; return the domain. Beyond ``eval_domain``'s limits, the
    compiled search may hold at most ``MAX_DOMAIN_SUBQUERIES`` subqueries.

    :raise DomainEvaluationError: with the reason, when it cannot be used
    """
    domain = eval_domain(env, text)
    try:
        query = env[model_name]._search(domain)
    except Exception as error:
        raise DomainEvaluationError(str(error)) from error
    _check_subquery_count(env, query)
    _check_planning_time(env, query)
    return domain


def _check_planning_time(env, query):
    """Refuse a domain whose search the database cannot plan within
    ``MAX_PLANNING_MS``: ``EXPLAIN`` (which plans without running) under a
    statement timeout, the session's own timeout restored after."""
    cr = env.cr
    cr.execute("SHOW statement_timeout")
    previous = cr.fetchone()[0]
    try:
        with mute_logger("odoo.sql_db"), cr.savepoint():
            cr.execute("SET LOCAL statement_timeout = %s", [MAX_PLANNING_MS])
            cr.execute(SQL("EXPLAIN %s", query.select(SQL("COUNT(*)"))))
            cr.execute("SET LOCAL statement_timeout = %s", [previous])
    except psycopg2.errors.QueryCanceled as error:
        raise DomainEvaluationError(
            env._(
                "the filter is too complex: the database needs more than %(seconds)s "
                "seconds only to plan its search. Use fewer conditions on related "
                "records (tags, tag history, activities...).",
                seconds=MAX_PLANNING_MS / 1000,
            )
        ) from error


def _check_subquery_count(env, query):
    """Refuse a domain whose search PostgreSQL would take ages to plan (see
    ``MAX_DOMAIN_SUBQUERIES``), counted on the compiled query: every way of
    reaching related records counts, whatever the operator."""
    code = query.where_clause.code
    # One per subquery: 19.0 writes a one2many's as EXISTS(SELECT FROM (SELECT
    # ...) AS __sub ...), one subquery in a derived table (18.0: IN (SELECT ...)).
    count = code.count("SELECT") - code.count("FROM (SELECT")
    if count > MAX_DOMAIN_SUBQUERIES:
        raise DomainEvaluationError(
            env._(
                "the filter looks into related records (tags, tag history, "
                "activities...) %(count)s times, more than the %(max)s allowed: "
                'combine such conditions (e.g. one "Tags is in A, B, C" instead of '
                "one condition per tag).",
                count=count,
                max=MAX_DOMAIN_SUBQUERIES,
            )
        )
