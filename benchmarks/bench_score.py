# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The engagement score on ``--leads`` leads (1M by default). Run through
``tools/benchmark score``.

The leads are generated with SQL (as ``bench_scale.py`` does), 70% of them with
a score: points (1 to 100) earned at a random moment of the last year, stored as
the anchor ``log2(points) + t0 / half-life``. The same score as of the generation
goes into ``probability`` (a plain stored float, indexed by the benchmark): the
baseline, a segment on a stored column.

Measured, interleaved (A/B, then B/A..., each round in a fresh transaction,
rolled back), after a warm-up:

- the segment "score >= 40" through the ORM (``search_count`` and the first page
  of 80 ids, warmest first), against the same on ``probability >= 40``; the same
  for "score >= 1" (a larger segment);
- the points of one event on one lead (``_engagement_add_points``): the
  statements it runs, counted, and its time; the same for a batch of 1,000 leads
  (one statement);
- a half-life change (the rescale of every anchor, one statement), once.

Usage: bench_score.py -c ODOO_CONF -d DATABASE [--leads N] [--rounds N]
"""

# A script run by hand, not addon code: it prints its figures, commits the data it
# generates, and names its own tables and indexes in SQL.
# pylint: disable=print-used,invalid-commit,sql-injection

import argparse
import json
import random
import threading
import time
from unittest.mock import patch

from bench_scale import Timer, bulk_load, copied_columns, fmt, log, rounds_of

import odoo
from odoo import SUPERUSER_ID, api
from odoo.sql_db import Cursor

MARK = "mass_mailing_crm_nurture.bench_score"
DOMAIN = [("engagement_score", ">=", 40)]
BASELINE = [("probability", ">=", 40)]


def generate(registry, n_leads, chunk):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        seed = env["crm.lead"].create(
            {"name": "Score seed", "type": "lead", "email_from": "seed@example.com"}
        )
        env.flush_all()
        _now, half_life, now_h = env["crm.lead"]._engagement_clock()
        overridden = [
            "name",
            "email_from",
            "email_normalized",
            "engagement_anchor",
            "probability",
        ]
        cols = ", ".join(f'"{c}"' for c in copied_columns(cr, "crm_lead", overridden))
        over = ", ".join(f'"{c}"' for c in overridden)

        def load():
            for lo in range(1, n_leads + 1, chunk):
                hi = min(lo + chunk - 1, n_leads)
                # points p in 1..100 earned `age` seconds ago (up to a year).
                cr.execute(
                    f"""
                    INSERT INTO crm_lead ({over}, {cols})
                    SELECT 'Score ' || n, 's' || n || '@example.com',
                           's' || n || '@example.com',
                           CASE WHEN g.has THEN
                               ln(g.p) / ln(2.0) + %(now_h)s - g.age / %(h)s END,
                           CASE WHEN g.has THEN
                               g.p * power(2.0, - g.age / %(h)s) ELSE 0 END,
                           {cols}
                      FROM crm_lead seed,
                           generate_series(%(lo)s::bigint, %(hi)s::bigint) n,
                           LATERAL (SELECT random() < 0.7 + n * 0 AS has,
                                           1 + floor(random() * 100) + n * 0 AS p,
                                           random() * 365 * 86400 + n * 0 AS age) g
                     WHERE seed.id = %(seed)s
                    """,  # noqa: S608 - column names come from the catalog
                    {
                        "lo": lo,
                        "hi": hi,
                        "seed": seed.id,
                        "now_h": now_h,
                        "h": half_life,
                    },
                )
                cr.commit()
                log(f"  leads {hi}/{n_leads}")

        with Timer(f"{n_leads} leads"):
            bulk_load(cr, ["crm_lead"], load)
        with Timer("  index on probability (the baseline's)"):
            cr.execute(
                "CREATE INDEX IF NOT EXISTS bench_score_probability_index"
                " ON crm_lead (probability)"
            )
        env["ir.config_parameter"].set_param(MARK, json.dumps({"leads": n_leads}))
        cr.commit()
        with Timer("ANALYZE crm_lead"):
            cr.execute("ANALYZE crm_lead")
        cr.commit()


def segment(domain, order):
    def run(env):
        Lead = env["crm.lead"]
        count = Lead.search_count(domain)
        page = Lead.search(domain, order=order, limit=80)
        return f"{count} leads, first page {len(page)}"

    return run


def explain(registry, domain, order):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        query = env["crm.lead"]._search(domain, order=order, limit=80)
        cr.execute(
            f"EXPLAIN (ANALYZE, COSTS OFF) {query.select().code}", query.select().params
        )
        plan = "\n".join(f"    {line}" for (line,) in cr.fetchall())
        cr.rollback()
    return plan


def lead_ids(registry, count):
    with registry.cursor() as cr:
        cr.execute(
            "SELECT id FROM crm_lead WHERE name LIKE 'Score %%'"
            " ORDER BY random() LIMIT %s",
            [count],
        )
        return [row[0] for row in cr.fetchall()]


def counting_statements():
    statements = []
    execute = Cursor.execute

    def counting(cr, query, params=None, log_exceptions=True):
        statements.append(" ".join(str(getattr(query, "code", query)).split())[:60])
        return execute(cr, query, params, log_exceptions)

    return statements, patch.object(Cursor, "execute", counting)


def points(ids):
    def run(env):
        statements, patcher = counting_statements()
        with patcher:
            env["crm.lead"]._engagement_add_points(dict.fromkeys(ids, 3))
        heads = [" ".join(s.split()[:3]) for s in statements]
        return f"{len(statements)} statements: {heads}"

    return run


def rescale(registry):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        start = time.perf_counter()
        env["crm.lead"]._engagement_rescale(30, 45)
        elapsed = time.perf_counter() - start
        cr.rollback()
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--leads", type=int, default=1000000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=250000, help="rows per INSERT")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    threading.current_thread().testing = True  # nothing commits halfway
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        mark = env["ir.config_parameter"].get_param(MARK)
    if mark:
        if json.loads(mark)["leads"] != args.leads:
            parser.error(f"{args.database} holds other leads")
        log(f"reusing the {args.leads} leads of {args.database}")
    else:
        generate(registry, args.leads, args.chunk)
    log(f"plan of the segment:\n{explain(registry, DOMAIN, 'engagement_score desc')}")
    res = rounds_of(
        registry,
        {
            "segment score >= 40 (count + page)": segment(
                DOMAIN, "engagement_score desc"
            ),
            "baseline probability >= 40 (stored)": segment(
                BASELINE, "probability desc"
            ),
            "segment score >= 1 (count + page)": segment(
                [("engagement_score", ">=", 1)], "engagement_score desc"
            ),
            "baseline probability >= 1 (stored)": segment(
                [("probability", ">=", 1)], "probability desc"
            ),
        },
        args.rounds,
    )
    rng = random.Random(24)
    ids = lead_ids(registry, 1000 + args.rounds + 1)
    one = {
        f"one event, lead {i}": points([lead_id]) for i, lead_id in enumerate(ids[:1])
    }
    res.update(rounds_of(registry, one, args.rounds))
    batch = ids[1:1001]
    rng.shuffle(batch)
    res.update(
        rounds_of(registry, {"1,000 leads, one batch": points(batch)}, args.rounds)
    )
    print(f"\nEngagement score on {args.leads} leads, {args.rounds} rounds:")
    for name, (times, result) in res.items():
        print(f"  {name:40} {fmt(times)}  -> {result}")
    print(f"  half-life change (rescale, once)         {rescale(registry):8.3f} s")


if __name__ == "__main__":
    main()
