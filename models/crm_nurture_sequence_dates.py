# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Enrollment on a date of the lead: a birthday, the anniversary of a first
purchase, a contract's renewal date.

Each day of the sequence's timezone, the leads whose day it is join: the day is
the lead's date plus the offset, that year (``once``: the date itself only;
``yearly``: the date and each anniversary, 29 February falling on 28 February in
other years).

Exactly once. A participation made by a date carries its occurrence (the date, or
that year's anniversary, before the offset) and a unique partial index on
(sequence, lead, occurrence) refuses a second one, whatever runs at once or again
after a crash. The pass keeps a mark per sequence, the last day it is done with
(``date_done_until``): the next pass looks at the days after it, up to today, so
days the pass did not run (server down) are caught up once; today is looked at
by each pass (leads given today's date during the day join too) and the mark
moves on to yesterday. A sequence starts with its mark on the day before: past
days are never enrolled retroactively.

One indexed query per sequence. ``once`` is a range of dates: a plain btree on
the column. ``yearly`` matches a month and a day whatever the year: an expression
index on month * 100 + day of the date. For a Datetime field the day is the one
of the sequence's timezone (a lead closed at 23:30 UTC joins on the next day in
Auckland), so the expression, and the index, hold the timezone: one index per
field and timezone in use. The indexes are created when a sequence that uses
them is saved or started, and dropped when none does any more, or on uninstall.
"""

import hashlib
import logging
from datetime import datetime, time, timedelta

import pytz
from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..cron_budget import RunBudget
from ..retry import CONCURRENCY_ERRORS, auto_commit_enabled
from .crm_nurture_sequence import ENROLL_BUDGET_SHARE

_logger = logging.getLogger(__name__)

# The indexes this file makes on crm_lead begin with it (and only those do).
INDEX_PREFIX = "crm_lead_nurture_date_"
# An offset goes up to a year before or after the date.
MAX_DATE_OFFSET = 366
# Days a pass looks at, at most (today included; older missed days are left): a
# window of more than 365 days could hold two anniversaries of a lead.
MAX_CATCH_UP_DAYS = 365
# First key of the transaction lock that keeps two passes off the same sequence.
DATE_PASS_LOCK = 0x4E445401
# The states of a sequence whose dates enroll leads, and so whose indexes are kept.
DATE_STATES = ("draft", "running", "paused")
# What a change of makes a running sequence's dates count from today on.
DATE_RULE_FIELDS = {"enrollment_mode", "date_field_id", "date_repeat", "date_offset"}
# What a change of makes the indexes looked at again.
DATE_INDEX_FIELDS = {
    "enrollment_mode",
    "date_field_id",
    "date_repeat",
    "send_tz",
    "state",
    "active",
    "is_template",
}


def drop_date_indexes(cr):
    """Drop every index the date enrollment made on crm_lead (uninstall)."""
    cr.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'crm_lead' "
        "AND indexname LIKE %s",
        [INDEX_PREFIX.replace("_", r"\_") + "%"],
    )
    for (name,) in cr.fetchall():
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))


class CrmNurtureSequence(models.Model):
    _inherit = "crm.nurture.sequence"

    enrollment_mode = fields.Selection(
        selection_add=[("date", "On a date of the lead")],
        ondelete={"date": "set default"},
        help="Continuously: leads that start matching join as the sequence runs. "
        "Once: the leads matching when the sequence starts. On a date of the lead: "
        "each lead joins on its day (a birthday, a renewal date...).",
    )
    date_field_id = fields.Many2one(
        comodel_name="ir.model.fields",
        string="Date of the Lead",
        domain=[
            ("model", "=", "crm.lead"),
            ("ttype", "in", ("date", "datetime")),
            ("store", "=", True),
        ],
        ondelete="set null",
        help="The lead's date on which it joins: one of Odoo's (Expected Closing, "
        "Closed Date...) or one your company added (a birthday...). For a date with "
        "a time, its day in the sequence's timezone.",
    )
    date_offset = fields.Integer(
        string="Days From the Date",
        default=0,
        help="When the lead joins, in days from its date: 0 on the day, -30 a month "
        "before (say, before a renewal), 7 a week after. From -366 to 366.",
    )
    date_repeat = fields.Selection(
        selection=[("once", "Once"), ("yearly", "Every year")],
        string="Repeat",
        default="yearly",
        help="Once: on the date only; leads whose day has already passed when the "
        "sequence starts are not enrolled. Every year: on the date and on each "
        "anniversary, whatever the re-enrollment rule says (a 29 February falls on "
        "28 February in other years).",
    )
    date_done_until = fields.Date(
        string="Dates Passed Until",
        copy=False,
        readonly=True,
        help="The last day (in the sequence's timezone) whose leads have joined: the "
        "next pass looks at the days after it, up to today.",
    )

    @api.constrains("enrollment_mode", "date_field_id", "date_offset")
    def _check_date_enrollment(self):
        for sequence in self.filtered(lambda s: s.enrollment_mode == "date"):
            field = sequence.date_field_id
            if not field:
                raise ValidationError(
                    self.env._(
                        "%(name)s enrolls leads on a date: choose which date of the "
                        "lead.",
                        name=sequence.name,
                    )
                )
            if (
                field.model != "crm.lead"
                or field.ttype not in ("date", "datetime")
                or not field.store
            ):
                raise ValidationError(
                    self.env._(
                        "%(field)s cannot start %(name)s: choose a date or a date and "
                        "time of the lead that is stored (not computed on the fly).",
                        field=field.field_description,
                        name=sequence.name,
                    )
                )
            if abs(sequence.date_offset) > MAX_DATE_OFFSET:
                raise ValidationError(
                    self.env._(
                        "%(name)s enrolls leads %(days)s days from their date: choose "
                        "from -%(max)s to %(max)s days.",
                        name=sequence.name,
                        days=sequence.date_offset,
                        max=MAX_DATE_OFFSET,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD: the indexes follow the sequences that use them
    # ------------------------------------------------------------------

    def init(self):
        res = super().init()
        # After an upgrade or a field dropped and added again.
        self._date_sync_indexes()
        return res

    @api.model_create_multi
    def create(self, vals_list):
        sequences = super().create(vals_list)
        if any(vals.get("enrollment_mode") == "date" for vals in vals_list):
            sequences._date_sync_indexes()
        return sequences

    def write(self, vals):
        res = super().write(vals)
        if DATE_RULE_FIELDS & set(vals):
            # New rules count from today: days passed under others are not caught up.
            for sequence in self.filtered(lambda s: s.state in ("running", "paused")):
                sequence.date_done_until = sequence._date_local_today() - timedelta(
                    days=1
                )
        if DATE_INDEX_FIELDS & set(vals) and (
            vals.get("enrollment_mode") == "date"
            or any(s.enrollment_mode == "date" for s in self)
            or "enrollment_mode" in vals
        ):
            self._date_sync_indexes()
        return res

    def unlink(self):
        uses_dates = any(s.enrollment_mode == "date" for s in self)
        res = super().unlink()
        if uses_dates:
            self.browse()._date_sync_indexes()
        return res

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------

    def _start(self):
        res = super()._start()
        for sequence in self.filtered(lambda s: s.enrollment_mode == "date"):
            # From today on: days already passed are not enrolled retroactively.
            sequence.date_done_until = sequence._date_local_today() - timedelta(days=1)
        return res

    @api.model
    def _cron_enroll_on_dates(self, budget=None):
        """Scheduled action's part: the leads of running (or paused) sequences
        whose day it is join. Returns whether every sequence had its pass (not
        when the run's time budget ran out first: the next call goes on)."""
        return self.search(
            [("state", "in", ("running", "paused")), ("enrollment_mode", "=", "date")]
        )._enroll_on_dates(budget)

    def _enroll_on_dates(self, budget=None):
        """Enroll the leads whose day it is, up to today, each sequence in a
        savepoint: another pass at once leaves it to that pass (a conflict, or the
        occurrence index), and one sequence's failure never stops the others.
        A sequence's pass starts only within the first half of the run's time
        budget (as the other enrollment, see ``_enroll_matching_isolated``);
        return whether every sequence had its pass."""
        budget = budget or RunBudget(self.env)
        auto_commit = auto_commit_enabled()
        for sequence in self:
            if not budget.allows(ENROLL_BUDGET_SHARE):
                return False
            with budget.batch():
                sequence._enroll_on_dates_isolated()
                if auto_commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    def _enroll_on_dates_isolated(self):
        """``_enroll_on_dates_one`` in a savepoint."""
        for sequence in self:
            try:
                with self.env.cr.savepoint():
                    sequence._enroll_on_dates_one()
            except (*CONCURRENCY_ERRORS, errors.UniqueViolation) as error:
                _logger.info(
                    "Date enrollment of sequence %s left to another run: %s",
                    sequence.id,
                    error,
                )
            except Exception:  # noqa: BLE001 - one sequence never stops the others
                _logger.exception(
                    "Date enrollment of nurture sequence %s failed", sequence.id
                )

    def _enroll_on_dates_one(self):
        """The days from the mark to today: their leads join, the mark moves on to
        yesterday (today is looked at again by the next pass)."""
        self.ensure_one()
        if not self.date_field_id or self.enrollment_mode != "date":
            return
        # Two passes at once (two cron workers): the second leaves it to the first.
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [DATE_PASS_LOCK, self.id]
        )
        if not self.env.cr.fetchone()[0]:
            return
        today = self._date_local_today()
        yesterday = today - timedelta(days=1)
        mark = self.date_done_until or yesterday
        oldest = today - timedelta(days=MAX_CATCH_UP_DAYS - 1)
        first = min(max(mark + timedelta(days=1), oldest), today)
        by_occurrence = {}
        for lead_id, occurrence in self._get_date_candidates(first, today):
            by_occurrence.setdefault(occurrence, []).append(lead_id)
        Lead = self.env["crm.lead"]
        for occurrence, lead_ids in sorted(by_occurrence.items()):
            # The participants' own default: each holds the occurrence it is for.
            self.with_context(default_date_occurrence=occurrence)._enroll(
                Lead.browse(lead_ids)
            )
        if self.date_done_until != yesterday:
            self.sudo().date_done_until = yesterday

    def _date_local_today(self):
        self.ensure_one()
        tz = pytz.timezone(self.send_tz or "UTC")
        return pytz.utc.localize(self.env.cr.now()).astimezone(tz).date()

    def _get_date_candidates(self, first, last):
        """``(lead id, occurrence)`` of the leads matching the filter whose day
        (their date, or that year's anniversary, plus the offset) falls from
        ``first`` to ``last`` (days of the sequence's timezone), that may join:
        in one query, through the index of ``_date_index_specs``."""
        self.ensure_one()
        offset = timedelta(days=self.date_offset)
        # The dates (or anniversaries) whose day it is.
        lo, hi = first - offset, last - offset
        query = self.env["crm.lead"]._search(self._get_lead_domain())
        column = SQL.identifier(query.table, self.date_field_id.name)
        local_day = self._date_local_day_sql(column)
        if self.date_repeat == "once":
            if self.date_field_id.ttype == "date":
                query.add_where(SQL("%s BETWEEN %s AND %s", column, lo, hi))
            else:
                # On the column itself (UTC), for its btree.
                query.add_where(
                    SQL(
                        "%s >= %s AND %s < %s",
                        column,
                        self._date_utc_midnight(lo),
                        column,
                        self._date_utc_midnight(hi + timedelta(days=1)),
                    )
                )
            anniversaries = None
        else:
            anniversaries = {}
            day = lo
            while day <= hi:
                anniversaries[day.month * 100 + day.day] = day
                if (day.month, day.day) == (2, 28) and not _is_leap(day.year):
                    anniversaries[229] = day
                day += timedelta(days=1)
            query.add_where(
                SQL(
                    "%s = ANY(%s)",
                    self._date_month_day_sql(local_day),
                    list(anniversaries),
                )
            )
            # Not before the date itself (its year 0 is the date).
            query.add_where(SQL("%s <= %s", local_day, hi))
        query.add_where(self._get_date_enrollable_sql(query, lo, hi))
        rows = self.env.execute_query(
            query.select(SQL.identifier(query.table, "id"), local_day)
        )
        if anniversaries is None:
            return rows
        candidates = []
        for lead_id, date in rows:
            occurrence = anniversaries.get(date.month * 100 + date.day)
            if occurrence and occurrence >= date:
                candidates.append((lead_id, occurrence))
        return candidates

    def _get_date_enrollable_sql(self, query, lo, hi):
        """Leads that may join for an occurrence from ``lo`` to ``hi``: none
        running in the sequence, none already in for this occurrence (a lead has
        one in such a window: a date, or a year's anniversary). Yearly comes back
        every year, whatever the re-enrollment rule; once follows it."""
        self.ensure_one()
        lead_id = SQL.identifier(query.table, "id")
        self.env["crm.nurture.participant"].flush_model()
        condition = SQL(
            """NOT EXISTS (
                SELECT 1 FROM crm_nurture_participant part
                 WHERE part.sequence_id = %s AND part.lead_id = %s
                   AND part.is_test IS NOT TRUE
                   AND (part.state = 'running'
                        OR part.date_occurrence BETWEEN %s AND %s))""",
            self.id,
            lead_id,
            lo,
            hi,
        )
        if self.date_repeat == "once":
            condition = SQL("%s AND %s", condition, self._get_enrollable_sql(lead_id))
        return condition

    def _date_utc_midnight(self, day):
        tz = pytz.timezone(self.send_tz or "UTC")
        local = tz.localize(datetime.combine(day, time()))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    # ------------------------------------------------------------------
    # Indexes
    # ------------------------------------------------------------------

    def _date_local_day_sql(self, column):
        """The lead's day: a Date as it is; a Datetime (UTC) as the day it is in
        the sequence's timezone. Immutable, so it can be indexed."""
        if self.date_field_id.ttype == "date":
            return column
        return SQL(
            "(timezone(%s, timezone('UTC', %s)))::date", self.send_tz or "UTC", column
        )

    @api.model
    def _date_month_day_sql(self, day):
        """Month * 100 + day of ``day`` (504 for 4 May): an anniversary's key."""
        return SQL(
            "(EXTRACT(MONTH FROM %s)::int * 100 + EXTRACT(DAY FROM %s)::int)", day, day
        )

    def _date_index_specs(self):
        """Index name -> its definition, for what these sequences look up."""
        specs = {}
        for sequence in self:
            field = sequence.date_field_id
            if not field or field.model != "crm.lead" or not field.store:
                continue
            column = SQL.identifier(field.name)
            if sequence.date_repeat == "yearly":
                tz = sequence.send_tz if field.ttype == "datetime" else ""
                key = f"md:{field.name}:{tz}"
                expression = SQL(
                    "(%s)",
                    self._date_month_day_sql(sequence._date_local_day_sql(column)),
                )
            else:
                if self._date_column_indexed(field.name):
                    continue  # Odoo's own, or another addon's, serves the range
                key = f"btree:{field.name}"
                expression = column
            digest = hashlib.sha1(key.encode()).hexdigest()[:10]
            name = f"{INDEX_PREFIX}{field.name[:30]}_{digest}"
            specs[name] = expression
        return specs

    @api.model
    def _date_column_indexed(self, column):
        """Whether an index of another's making begins with ``column``."""
        self.env.cr.execute(
            """
            SELECT 1 FROM pg_index i
              JOIN pg_class t ON t.oid = i.indrelid
              JOIN pg_class c ON c.oid = i.indexrelid
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
             WHERE t.relname = 'crm_lead' AND a.attname = %s
               AND c.relname NOT LIKE %s
               AND i.indpred IS NULL
            """,
            [column, INDEX_PREFIX.replace("_", r"\_") + "%"],
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _date_sync_indexes(self):
        """Create the indexes the sequences enrolling on dates need, drop those
        no sequence needs any more. CREATE INDEX locks the leads against writes
        while it builds (a few seconds at a million leads), once per field."""
        users = (
            self.sudo()
            .with_context(active_test=True)
            .search(
                [
                    ("enrollment_mode", "=", "date"),
                    ("state", "in", DATE_STATES),
                    ("is_template", "=", False),
                    ("company_id", "!=", False),
                ]
            )
        )
        wanted = users._date_index_specs()
        cr = self.env.cr
        cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'crm_lead' "
            "AND indexname LIKE %s",
            [INDEX_PREFIX.replace("_", r"\_") + "%"],
        )
        existing = {name for (name,) in cr.fetchall()}
        for name in existing - set(wanted):
            cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
        for name in set(wanted) - existing:
            _logger.info("Creating index %s on crm_lead", name)
            cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON crm_lead (%s)",
                    SQL.identifier(name),
                    wanted[name],
                )
            )


class CrmNurtureParticipant(models.Model):
    _inherit = "crm.nurture.participant"

    date_occurrence = fields.Date(
        string="For the Date Of",
        readonly=True,
        help="For a sequence that enrolls on a date: the lead's date, or that year's "
        "anniversary of it, this participation is for.",
    )

    def init(self):
        res = super().init()
        # One participation per lead, sequence and occurrence: a date (or a year's
        # anniversary) never enrolls twice, whatever runs at once or again.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS crm_nurture_participant_occurrence_uniq
                ON crm_nurture_participant (sequence_id, lead_id, date_occurrence)
             WHERE date_occurrence IS NOT NULL AND is_test IS NOT TRUE
            """
        )
        return res


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _merge_nurture_participations(self, opportunities):
        """The merged leads' participations move to this one: where two are for
        the same sequence and occurrence (two leads of the same birthday), the
        first keeps it, the others no longer hold it (the unique index would
        refuse the move; the head lead had that occurrence once already)."""
        self.ensure_one()
        Participant = self.env["crm.nurture.participant"].sudo()
        dated = Participant.search(
            [
                ("lead_id", "in", (self | opportunities).ids),
                ("date_occurrence", "!=", False),
                ("is_test", "=", False),
            ]
        )
        seen = set()
        duplicates = Participant
        # The head's own first, then the merged ones' in their order of enrollment.
        for participant in dated.sorted(
            lambda p: (p.lead_id != self, p.date_enrolled, p.id)
        ):
            key = (participant.sequence_id.id, participant.date_occurrence)
            if key in seen:
                duplicates |= participant
            seen.add(key)
        duplicates.write({"date_occurrence": False})
        return super()._merge_nurture_participations(opportunities)


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
