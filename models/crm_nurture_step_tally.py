# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The numbers of each step, kept by the database as it writes the step traces.

Counting a step's traces live costs a pass over them all (5 s for 10M traces): the
flow picture reads this tally instead. The table ``crm_nurture_step_tally`` holds
delta rows (step, one number per metric of ``STEP_METRICS``), no unique key: the
numbers of a step are the sum of its rows. Statement-level triggers append one row
per step a statement changed, whoever wrote (the ORM, set-based SQL, Odoo's own
mailing code): appending never waits on a row that another process updates, so
engines writing the same step at once never contend. Compaction collapses a step's
rows into one, so that readers sum few rows.

Each flag is the very SQL condition of ``STEP_METRICS`` (aliases ``trace`` and
``mail``): the triggers are generated from it, and rebuilt with the tally whenever
it changes (a fingerprint of the generated SQL is kept as the table's comment).

Exact under concurrent transactions (each sees its own snapshot) because a step
trace's row and its email's row change apart: a statement on step traces counts
the differences of their rows, a statement on emails those of the emails' rows,
and no condition of ``STEP_METRICS`` mixes columns of both. This holds while a
step trace is linked to its email by the transaction that created the email (the
engine does), before any other can change the email.
"""

import hashlib
import logging

import psycopg2

from odoo import api, models
from odoo.tools import SQL

from .crm_nurture_step_statistics import STEP_METRICS

_logger = logging.getLogger(__name__)

TALLY_TABLE = "crm_nurture_step_tally"
# A reader compacts the steps it reads that have more delta rows than this.
COMPACT_ABOVE_ROWS = 300
# pg_try_advisory_xact_lock key of compactions: one at a time, others skip.
COMPACT_LOCK_KEY = 0x6E757274616C79  # "nurtaly"


def _counts(sign, source, where=None):
    """Per step, the numbers of the step traces ``trace`` and their emails
    ``mail`` of ``source`` (SQL), counted with ``sign`` (``+`` or ``-``)."""
    columns = SQL(", ").join(
        SQL(
            "%s COUNT(*) FILTER (WHERE %s) AS %s",
            SQL(sign),
            condition,
            SQL.identifier(metric),
        )
        for metric, (condition, _domain) in STEP_METRICS.items()
    )
    return SQL(
        """
        SELECT trace.step_id, %s
          FROM %s
         WHERE trace.is_test IS NOT TRUE AND %s
         GROUP BY trace.step_id
        """,
        columns,
        source,
        where or SQL("TRUE"),
    )


def _traces(relation):
    """The step traces of ``relation`` and their emails."""
    return SQL(
        "%s trace LEFT JOIN mailing_trace mail ON mail.id = trace.mailing_trace_id",
        SQL.identifier(relation),
    )


def _emails(relation):
    """The emails of ``relation`` and their step traces (by the partial index of
    the links: the condition lets a scan of all links use it too)."""
    return SQL(
        "%s mail JOIN crm_nurture_trace trace ON trace.mailing_trace_id = mail.id"
        " AND trace.mailing_trace_id IS NOT NULL",
        SQL.identifier(relation),
    )


def _append(sides):
    """Append the sum of ``sides`` (selects of signed numbers per step) as one
    delta row per step, for the steps still there whose numbers changed."""
    columns = [SQL.identifier(metric) for metric in STEP_METRICS]
    return SQL(
        """
        INSERT INTO %(table)s (step_id, %(columns)s)
        SELECT delta.step_id, %(sums)s
          FROM (%(sides)s) delta
         WHERE EXISTS (SELECT 1 FROM crm_nurture_step step
                        WHERE step.id = delta.step_id)
         GROUP BY delta.step_id
        HAVING %(changed)s
        """,
        table=SQL.identifier(TALLY_TABLE),
        columns=SQL(", ").join(columns),
        sums=SQL(", ").join(SQL("SUM(%s)", column) for column in columns),
        sides=SQL(" UNION ALL ").join(sides),
        changed=SQL(" OR ").join(SQL("SUM(%s) <> 0", column) for column in columns),
    )


def _code(statement):
    """The text of ``statement``, which takes no parameters (it goes in a
    function's body)."""
    if statement.params or "%" in statement.code:
        raise ValueError("trigger SQL takes no parameters")
    return statement.code


def _execute(statement):
    """A PL/pgSQL ``EXECUTE`` of ``statement``: planned at each run, for the rows
    of that statement. A plan cached by the function is planned for the first
    statement's transition table: one planned for one row would probe an index
    for each row of a large statement, one planned for many rows would scan a
    whole table for each one-row statement."""
    return f"EXECUTE {_quoted(statement)};"


def _quoted(statement):
    """``statement`` as a string literal of the function's body."""
    return "'" + _code(statement).replace("'", "''") + "'"


def _function(name, body, returns="NULL", declare=""):
    """``CREATE OR REPLACE FUNCTION`` of a trigger function running ``body``."""
    return SQL(
        """
        CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $tally$
        DECLARE %s
        BEGIN
        %s
        RETURN %s;
        END
        $tally$
        """,
        SQL.identifier(name),
        SQL(declare),
        SQL(body),
        SQL(returns),
    )


def trigger_functions():
    """name -> ``CREATE OR REPLACE FUNCTION`` of each function of the triggers."""
    new_traces = _counts("+", _traces("new_table"))
    old_traces = _counts("-", _traces("old_table"))
    # An email deleted: its step traces lose it by ON DELETE SET NULL, after it is
    # gone, when no join finds what it counted. So, before: row-level (emails are
    # seldom deleted), one probe of the links' index. The numbers of its traces
    # without an email, minus with it.
    email_deleted = _append(
        [
            _counts(
                "+",
                SQL("crm_nurture_trace trace LEFT JOIN mailing_trace mail ON FALSE"),
                SQL("trace.mailing_trace_id = OLD.id"),
            ),
            _counts("-", _emails("mailing_trace"), SQL("mail.id = OLD.id")),
        ]
    )
    any_linked = SQL("SELECT EXISTS (SELECT 1 FROM %s)", _emails("new_table"))
    emails_changed = _append(
        [_counts("+", _emails("new_table")), _counts("-", _emails("old_table"))]
    )
    return {
        # Step traces written: their new numbers minus their old ones.
        "crm_nurture_step_tally_trace": _function(
            "crm_nurture_step_tally_trace",
            f"""
            IF TG_OP = 'INSERT' THEN {_execute(_append([new_traces]))}
            ELSIF TG_OP = 'UPDATE' THEN {_execute(_append([new_traces, old_traces]))}
            ELSE {_execute(_append([old_traces]))}
            END IF;
            """,
        ),
        # Emails whose status changed: the numbers of the steps that sent them.
        # Most emails are no step's (Odoo's own mailings): a small query first
        # finds whether any is, and the tally's is only planned then.
        "crm_nurture_step_tally_mail": _function(
            "crm_nurture_step_tally_mail",
            f"""
            EXECUTE {_quoted(any_linked)} INTO linked;
            IF linked THEN {_execute(emails_changed)}
            END IF;
            """,
            declare="linked boolean;",
        ),
        "crm_nurture_step_tally_mail_delete": _function(
            "crm_nurture_step_tally_mail_delete",
            _code(email_deleted) + ";",
            returns="OLD",
        ),
        # Steps deleted: their rows go (their traces' deltas were not appended).
        "crm_nurture_step_tally_step_delete": _function(
            "crm_nurture_step_tally_step_delete",
            _code(
                SQL(
                    "DELETE FROM %s WHERE step_id IN (SELECT id FROM old_table);",
                    SQL.identifier(TALLY_TABLE),
                )
            ),
        ),
    }


# (table, trigger, event, function); statement-level AFTER triggers with transition
# tables (allowed on one event each), one row-level BEFORE DELETE.
TRIGGERS = [
    (
        "crm_nurture_trace",
        f"crm_nurture_step_tally_{event.lower()}",
        event,
        "crm_nurture_step_tally_trace",
    )
    for event in ("INSERT", "UPDATE", "DELETE")
] + [
    (
        "mailing_trace",
        "crm_nurture_step_tally_update",
        "UPDATE",
        "crm_nurture_step_tally_mail",
    ),
    (
        "mailing_trace",
        "crm_nurture_step_tally_delete",
        "DELETE",
        "crm_nurture_step_tally_mail_delete",
    ),
    (
        "crm_nurture_step",
        "crm_nurture_step_tally_delete",
        "DELETE",
        "crm_nurture_step_tally_step_delete",
    ),
]


def _trigger(table, name, event, function):
    """``CREATE TRIGGER`` of one trigger of ``TRIGGERS``."""
    if function == "crm_nurture_step_tally_mail_delete":
        timing = SQL("BEFORE DELETE ON %s FOR EACH ROW", SQL.identifier(table))
    else:
        transition = {
            "INSERT": "REFERENCING NEW TABLE AS new_table",
            "UPDATE": "REFERENCING OLD TABLE AS old_table NEW TABLE AS new_table",
            "DELETE": "REFERENCING OLD TABLE AS old_table",
        }[event]
        timing = SQL(
            "AFTER %s ON %s %s FOR EACH STATEMENT",
            SQL(event),
            SQL.identifier(table),
            SQL(transition),
        )
    return SQL(
        "CREATE TRIGGER %s %s EXECUTE FUNCTION %s()",
        SQL.identifier(name),
        timing,
        SQL.identifier(function),
    )


def fingerprint():
    """What the tally counts: when it changes, the tally is rebuilt."""
    text = "\n".join(
        _code(function) for function in trigger_functions().values()
    ) + "\n".join(_code(_trigger(*trigger)) for trigger in TRIGGERS)
    return "tally " + hashlib.sha1(text.encode()).hexdigest()


class CrmNurtureStepTally(models.AbstractModel):
    """The tally of the steps' numbers: its table, triggers, compaction and
    rebuild. No records through the ORM: read with SQL by the steps' statistics
    (after the reader's access to the steps), written by the database only."""

    _name = "crm.nurture.step.tally"
    _description = "Nurture Step Tally"

    def init(self):
        """Create the table, (re)create the functions and triggers (idempotent, on
        install and every update); fill the table from the live count when it is
        new, or when what it counts changed since it was filled."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT obj_description(oid, 'pg_class') FROM pg_class
             WHERE oid = to_regclass(%s)
            """,
            [TALLY_TABLE],
        )
        row = cr.fetchone()
        if not row:
            columns = SQL(", ").join(
                SQL("%s bigint NOT NULL DEFAULT 0", SQL.identifier(metric))
                for metric in STEP_METRICS
            )
            # No foreign key to the step: rows are appended without locking it.
            cr.execute(
                SQL(
                    """
                    CREATE TABLE %s (step_id integer NOT NULL, %s);
                    CREATE INDEX %s ON %s (step_id);
                    """,
                    SQL.identifier(TALLY_TABLE),
                    columns,
                    SQL.identifier(f"{TALLY_TABLE}_step_id_index"),
                    SQL.identifier(TALLY_TABLE),
                )
            )
        else:
            # Metrics added since the table was made (filled by the rebuild below,
            # as the fingerprint changed with them).
            cr.execute(
                SQL(
                    "ALTER TABLE %s %s",
                    SQL.identifier(TALLY_TABLE),
                    SQL(", ").join(
                        SQL(
                            "ADD COLUMN IF NOT EXISTS %s bigint NOT NULL DEFAULT 0",
                            SQL.identifier(metric),
                        )
                        for metric in STEP_METRICS
                    ),
                )
            )
        for function in trigger_functions().values():
            cr.execute(function)
        for table, name, event, function in TRIGGERS:
            cr.execute(
                SQL(
                    "DROP TRIGGER IF EXISTS %s ON %s",
                    SQL.identifier(name),
                    SQL.identifier(table),
                )
            )
            cr.execute(_trigger(table, name, event, function))
        if not row or row[0] != fingerprint():
            self._rebuild()

    def _drop(self):
        """Drop the triggers, their functions and the table (on uninstall: the
        trigger on Odoo's mailing traces would outlive the addon's tables)."""
        cr = self.env.cr
        for table, name, _event, _function in TRIGGERS:
            cr.execute(
                SQL(
                    "DROP TRIGGER IF EXISTS %s ON %s",
                    SQL.identifier(name),
                    SQL.identifier(table),
                )
            )
        for function in trigger_functions():
            cr.execute(SQL("DROP FUNCTION IF EXISTS %s()", SQL.identifier(function)))
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(TALLY_TABLE)))

    def _rebuild(self):
        """Replace the tally by the live count (one ``INSERT ... SELECT``). Exact
        when no other transaction writes step traces meanwhile, as on install and
        update."""
        self.env["crm.nurture.trace"].flush_model()
        self.env["mailing.trace"].flush_model()
        columns = SQL(", ").join(SQL.identifier(metric) for metric in STEP_METRICS)
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM %(table)s;
                INSERT INTO %(table)s (step_id, %(columns)s)
                SELECT step_id, %(columns)s FROM (%(counts)s) live;
                COMMENT ON TABLE %(table)s IS %(fingerprint)s;
                """,
                table=SQL.identifier(TALLY_TABLE),
                columns=columns,
                counts=_counts("+", _traces("crm_nurture_trace")),
                fingerprint=fingerprint(),
            )
        )
        _logger.info("Nurture step tally rebuilt from the step traces")

    @api.model
    def _read(self, step_ids):
        """Step id -> metric -> number, summed from the tally rows; the steps
        with many rows are compacted after."""
        self.env["crm.nurture.trace"].flush_model()
        self.env["mailing.trace"].flush_model()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT step_id, COUNT(*) AS tally_rows, %s
                  FROM %s WHERE step_id = ANY(%s)
                 GROUP BY step_id
                """,
                SQL(", ").join(
                    SQL("SUM(%s)::bigint AS %s", column, column)
                    for column in map(SQL.identifier, STEP_METRICS)
                ),
                SQL.identifier(TALLY_TABLE),
                list(step_ids),
            )
        )
        crowded = [
            row["step_id"] for row in rows if row["tally_rows"] > COMPACT_ABOVE_ROWS
        ]
        if crowded:
            self._compact(crowded)
        return {
            row.pop("step_id"): {metric: row[metric] for metric in STEP_METRICS}
            for row in rows
        }

    @api.model
    def _compact(self, step_ids=None):
        """Collapse the delta rows of each step (of ``step_ids``, or all) into
        one; the sums stay. Never fails the caller: skipped when another
        compaction runs (one at a time, by an advisory lock), when rows it would
        collapse are locked or changed since the transaction's snapshot (another
        compaction, a step deleted), or in a read-only transaction. Returns
        whether it ran."""
        cr = self.env.cr
        if cr.readonly:
            return False
        steps = (
            SQL("TRUE")
            if step_ids is None
            else SQL("step_id = ANY(%s)", list(step_ids))
        )
        columns = [SQL.identifier(metric) for metric in STEP_METRICS]
        try:
            with cr.savepoint(flush=False):
                cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [COMPACT_LOCK_KEY])
                if not cr.fetchone()[0]:
                    return False
                cr.execute(
                    SQL(
                        """
                        WITH crowded AS (
                            SELECT step_id FROM %(table)s WHERE %(steps)s
                             GROUP BY step_id HAVING COUNT(*) > 1
                        ), taken AS (
                            SELECT tally.ctid FROM %(table)s tally
                              JOIN crowded USING (step_id)
                               FOR UPDATE OF tally SKIP LOCKED
                        ), gone AS (
                            DELETE FROM %(table)s tally USING taken
                             WHERE tally.ctid = taken.ctid
                            RETURNING tally.*
                        )
                        INSERT INTO %(table)s (step_id, %(columns)s)
                        SELECT step_id, %(sums)s FROM gone
                         GROUP BY step_id
                        HAVING %(changed)s
                        """,
                        table=SQL.identifier(TALLY_TABLE),
                        steps=steps,
                        columns=SQL(", ").join(columns),
                        sums=SQL(", ").join(SQL("SUM(%s)", c) for c in columns),
                        changed=SQL(" OR ").join(
                            SQL("SUM(%s) <> 0", c) for c in columns
                        ),
                    ),
                    log_exceptions=False,
                )
        except psycopg2.Error as error:
            _logger.info("Nurture step tally not compacted: %s", error)
            return False
        return True
