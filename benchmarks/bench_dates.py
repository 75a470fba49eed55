# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The daily pass of sequences that enroll on a date of the lead, on ``--leads``
leads (1M by default). Run through ``tools/benchmark dates``.

The leads are generated with SQL (as ``bench_scale.py`` does): an Expected Closing
(Date) spread over 20 years and a Closed Date (Datetime) over 10 years, so that
about 1/365th of them have their anniversary on a given day. Three running
sequences enroll on them, each with its index:

- yearly on Expected Closing (month and day of a Date);
- yearly on Closed Date in Pacific/Auckland (month and day of the day there);
- once on Expected Closing, 30 days before (a range of a btree).

Measured, interleaved (A/B/C... then C/B/A..., each round in a fresh transaction,
rolled back), after a warm-up: the query of each pass alone, the same query with
the yearly index dropped (inside the transaction: the scan it saves), then each
whole pass (query, participants and their first steps created). Fastest and
median are printed, and the query plan of each.

Usage: bench_dates.py -c ODOO_CONF -d DATABASE [--leads N] [--rounds N]
"""

# A script run by hand, not addon code: it prints its figures, commits the data it
# generates, and names its own tables and indexes in SQL.
# pylint: disable=print-used,invalid-commit,sql-injection

import argparse
import json

import odoo_series
from bench_scale import Timer, bulk_load, copied_columns, fmt, log, rounds_of

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

MARK = "mass_mailing_crm_nurture.bench_dates"
SEQUENCES = {
    "yearly_date": ("date_deadline", "yearly", 0, "UTC"),
    "yearly_datetime_tz": ("date_closed", "yearly", 0, "Pacific/Auckland"),
    "once_minus_30": ("date_deadline", "once", -30, "UTC"),
}


def generate(registry, n_leads, chunk):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        seed = env["crm.lead"].create(
            {"name": "Dates seed", "type": "lead", "email_from": "seed@example.com"}
        )
        env.flush_all()
        overridden = [
            "name",
            "email_from",
            "email_normalized",
            "date_deadline",
            "date_closed",
        ]
        cols = ", ".join(f'"{c}"' for c in copied_columns(cr, "crm_lead", overridden))
        over = ", ".join(f'"{c}"' for c in overridden)

        def load():
            for lo in range(1, n_leads + 1, chunk):
                hi = min(lo + chunk - 1, n_leads)
                cr.execute(
                    f"""
                    INSERT INTO crm_lead ({over}, {cols})
                    SELECT 'Dates ' || n, 'd' || n || '@example.com',
                           'd' || n || '@example.com',
                           current_date - ((n * 7919) %% (20 * 365))::int
                               + 5 * 365,
                           now() at time zone 'UTC'
                               - ((n * 104729) %% (10 * 365 * 1440)) * interval '1 min',
                           {cols}
                      FROM crm_lead seed,
                           generate_series(%(lo)s::bigint, %(hi)s::bigint) n
                     WHERE seed.id = %(seed)s
                    """,  # noqa: S608 - column names come from the catalog
                    {"lo": lo, "hi": hi, "seed": seed.id},
                )
                cr.commit()
                log(f"  leads {hi}/{n_leads}")

        with Timer(f"{n_leads} leads"):
            bulk_load(cr, ["crm_lead"], load)
        sequences = {}
        for key, (field, repeat, offset, tz) in SEQUENCES.items():
            sequence = env["crm.nurture.sequence"].create(
                {
                    "name": f"Bench dates {key}",
                    "enrollment_mode": "date",
                    "date_field_id": env["ir.model.fields"]._get("crm.lead", field).id,
                    "date_repeat": repeat,
                    "date_offset": offset,
                    "send_tz": tz,
                    "domain": "[('name', '=like', 'Dates %')]",
                }
            )
            env["crm.nurture.step"].create(
                {"sequence_id": sequence.id, "name": "Hello", "trigger": "start"}
            )
            with Timer(f"  start {key} (its index built)"):
                sequence.action_start()
            sequences[key] = sequence.id
        env["ir.config_parameter"].set_param(
            MARK, json.dumps({"leads": n_leads, "sequences": sequences})
        )
        cr.commit()
        with Timer("ANALYZE crm_lead"):
            cr.execute("ANALYZE crm_lead")
        cr.commit()
    return sequences


def query_of(env, sequence_id):
    sequence = env["crm.nurture.sequence"].browse(sequence_id)
    today = sequence._date_local_today()
    return sequence, today


def candidates(sequence_id):
    def run(env):
        sequence, today = query_of(env, sequence_id)
        return len(sequence._get_date_candidates(today, today))

    return run


def candidates_without_index(sequence_id):
    def run(env):
        sequence, today = query_of(env, sequence_id)
        for name in sequence._date_index_specs():
            env.cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
        return len(sequence._get_date_candidates(today, today))

    return run


def whole_pass(sequence_id):
    def run(env):
        sequence = env["crm.nurture.sequence"].browse(sequence_id)
        sequence._enroll_on_dates()
        env.flush_all()
        return len(sequence.participant_ids)

    return run


def explain(registry, sequence_id):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        sequence, today = query_of(env, sequence_id)
        captured = []
        execute = env.execute_query

        def capture(query):
            captured.append(query)
            return execute(query)

        env.execute_query = capture
        try:
            sequence._get_date_candidates(today, today)
        finally:
            env.execute_query = execute
        cr.execute(SQL("EXPLAIN (ANALYZE, COSTS OFF) %s", captured[-1]))
        plan = "\n".join(f"    {line}" for (line,) in cr.fetchall())
        cr.rollback()
    return plan


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--leads", type=int, default=1000000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chunk", type=int, default=500000, help="rows per INSERT")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo_series.test_mode()  # nothing commits halfway, no email
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        mark = env["ir.config_parameter"].get_param(MARK)
    if mark:
        data = json.loads(mark)
        if data["leads"] != args.leads:
            parser.error(f"{args.database} holds {data['leads']} leads")
        sequences = data["sequences"]
        log(f"reusing the {args.leads} leads of {args.database}")
    else:
        sequences = generate(registry, args.leads, args.chunk)
    for key, sequence_id in sequences.items():
        log(f"plan of {key}:\n{explain(registry, sequence_id)}")
    sides = {f"query {key}": candidates(sid) for key, sid in sequences.items()}
    sides["query yearly_date, no index"] = candidates_without_index(
        sequences["yearly_date"]
    )
    res = rounds_of(registry, sides, args.rounds)
    sides = {f"pass {key}": whole_pass(sid) for key, sid in sequences.items()}
    res.update(rounds_of(registry, sides, args.rounds))
    print(f"\nDaily pass on {args.leads} leads, {args.rounds} rounds:")
    for name, (times, result) in res.items():
        print(f"  {name:34} {fmt(times)}  -> {result} leads")


if __name__ == "__main__":
    main()
