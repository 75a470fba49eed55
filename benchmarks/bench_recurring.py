# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of recurring mailing runs. Run through ``tools/benchmark``.

1. New recipients of a run: over N leads (generated with SQL) of which 90% were
   already mailed by the mailing (traces generated with SQL), the addon's
   computation beside Odoo's own remaining-recipients computation on the same data:
   both must give the same set (checked each round); prints the ratio (goal >= 10x
   faster).
2. End to end: a run of the scheduled action with 10k new recipients (composed and
   queued for sending; nothing leaves the machine) beside a plain mass mailing of
   as many fresh leads (Odoo's own send); emails checked = recipients.

Each side runs in rounds interleaved A B A B... (5 by default), each in a
transaction of its own, after a warm-up; fastest, median and queries per
recipient of each side are printed. The leads of 1. are committed (run it on a
throwaway database, as ``tools/benchmark`` does). Usage: bench_recurring.py
-c ODOO_CONF -d DATABASE [--leads N] [--run-recipients N] [--rounds N]
"""

# A script run by hand, not addon code: it prints its figures, commits the data it
# generates, and names its own tables and indexes in SQL.
# pylint: disable=print-used,invalid-commit,sql-injection

import argparse
import statistics
import time

import odoo_series

import odoo
from odoo import SUPERUSER_ID, api


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def make_leads(env, count, prefix):
    """``count`` leads with distinct emails, copied in SQL from one made by the ORM."""
    model = env["crm.lead"].create(
        {
            "name": f"{prefix} seed",
            "type": "lead",
            "email_from": f"{prefix}-0@example.com",
        }
    )
    env.flush_all()
    env.cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'crm_lead'
           AND column_name NOT IN ('id', 'name', 'email_from', 'email_normalized')
        """
    )
    cols = ", ".join(f'"{c}"' for (c,) in env.cr.fetchall())
    env.cr.execute(
        f"""
        INSERT INTO crm_lead (name, email_from, email_normalized, {cols})
        SELECT %(prefix)s || ' ' || n, %(prefix)s || '-' || n || '@example.com',
               lower(%(prefix)s) || '-' || n || '@example.com', {cols}
          FROM crm_lead, generate_series(1, %(count)s) n
         WHERE crm_lead.id = %(seed)s
        RETURNING id
        """,  # noqa: S608 - column names come from the catalog
        {"prefix": prefix, "count": count - 1, "seed": model.id},
    )
    return [model.id] + [r[0] for r in env.cr.fetchall()]


def make_mailing(env, prefix):
    return env["mailing.mailing"].create(
        {
            "subject": f"{prefix} campaign",
            "body_html": "<p>Hello</p>",
            "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
            "mailing_domain": repr([("name", "=like", f"{prefix} %")]),
            "recurrence_enabled": True,
            "recurrence_interval": 1,
            "recurrence_unit": "days",
            "user_id": SUPERUSER_ID,
        }
    )


def mark_mailed(env, mailing, lead_ids):
    env.cr.execute(
        """
        INSERT INTO mailing_trace (trace_type, model, res_id, mass_mailing_id,
                                   trace_status, email, sent_datetime, create_date)
        SELECT 'mail', 'crm.lead', l, %s, 'sent', 'x@example.com', now(), now()
          FROM unnest(%s::int[]) l
        """,
        [mailing.id, lead_ids],
    )


def interleave(registry, sides, rounds, label, unit):
    """Run ``sides`` (name -> function(env) returning (seconds, units done)),
    interleaved A B A B..., each call in a transaction of its own that is rolled
    back, after a warm-up of each side; print fastest, median and queries per
    ``unit`` of each side. Returns name -> fastest seconds."""

    def one(fn):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
            env.flush_all()
            before = cr.sql_log_count
            seconds, done = fn(env)
            env.flush_all()
            queries = cr.sql_log_count - before
            cr.rollback()
        return seconds, queries, done

    for fn in sides.values():
        one(fn)  # warm-up
    results = {name: [] for name in sides}
    for _round in range(rounds):
        for name, fn in sides.items():
            results[name].append(one(fn))
    print(f"{label}, {rounds} interleaved rounds each")
    print(f"  {'side':>28} {'fastest s':>10} {'median s':>9} {'queries/' + unit:>18}")
    fastest = {}
    for name, rows in results.items():
        times = [seconds for seconds, _q, _d in rows]
        queries, done = rows[0][1], rows[0][2]
        fastest[name] = min(times)
        print(
            f"  {name:>28} {min(times):>10.3f} {statistics.median(times):>9.3f} "
            f"{queries / max(done, 1):>18.4f}"
        )
    return fastest, {
        n: statistics.median(t for t, _q, _d in r) for n, r in results.items()
    }


def bench_new_recipients(registry, n_leads, prefix, rounds):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        lead_ids = make_leads(env, n_leads, prefix)
        mailing = make_mailing(env, prefix)
        mailed = lead_ids[: n_leads * 9 // 10]
        mark_mailed(env, mailing, mailed)
        env.cr.execute("ANALYZE crm_lead")
        env.cr.execute("ANALYZE mailing_trace")
        mailing_id = mailing.id
    expected = set(lead_ids) - set(mailed)

    def ours(env):
        mailing = env["mailing.mailing"].browse(mailing_id)
        seconds, new = timed(lambda: mailing._get_recurrence_new_recipients())
        assert set(new) == expected, (len(new), len(expected))
        return seconds, len(new)

    def odoo_side(env):
        mailing = env["mailing.mailing"].browse(mailing_id)
        seconds, new = timed(lambda: mailing._get_remaining_recipients())
        assert set(new) == expected, (len(new), len(expected))
        return seconds, len(new)

    fastest, median = interleave(
        registry,
        {"Odoo _get_remaining_recipients": odoo_side, "addon (one query)": ours},
        rounds,
        f"new recipients: {n_leads} leads, {len(mailed)} already mailed, "
        f"{len(expected)} new (same set checked each round)",
        "new",
    )
    odoo_name, ours_name = "Odoo _get_remaining_recipients", "addon (one query)"
    print(
        f"  speed-up: fastest {fastest[odoo_name] / fastest[ours_name]:.1f}x, "
        f"median {median[odoo_name] / median[ours_name]:.1f}x  (goal >= 10x)"
    )


def bench_run(registry, n_new, stamp, rounds):
    """A run of the scheduled action with ``n_new`` new recipients beside a
    plain mass mailing of as many fresh leads (the floor: Odoo's own send)."""
    counter = iter(range(10**6))

    def floor(env):
        prefix = f"Floor{stamp}x{next(counter)}"
        leads = make_leads(env, n_new, prefix)
        mailing = make_mailing(env, prefix)
        mailing.recurrence_enabled = False
        env.flush_all()
        seconds, _r = timed(lambda: mailing._action_send_mail(res_ids=leads))
        made = env["mail.mail"].search_count([("mailing_id", "=", mailing.id)])
        assert made == n_new, f"floor: {made} emails for {n_new} recipients"
        return seconds, made

    def run(env):
        prefix = f"Runbench{stamp}x{next(counter)}"
        # Only this run is due.
        env["mailing.mailing"].search([("state", "=", "recurring")])._stop_recurrence()
        make_leads(env, n_new, prefix)
        mailing = make_mailing(env, prefix)
        mailing.action_launch()
        env.flush_all()
        seconds, done = timed(
            lambda: env["mailing.mailing"]._process_recurring(batch_size=1000)
        )
        made = env["mail.mail"].search_count([("mailing_id", "=", mailing.id)])
        assert done == made == n_new, f"run: {done} done, {made} emails for {n_new}"
        assert mailing.recurrence_run_ids.new_recipient_count == n_new
        return seconds, made

    fastest, median = interleave(
        registry,
        {"plain mass mailing (floor)": floor, "recurring run": run},
        rounds,
        f"a run with {n_new} new recipients (batches of 1000) beside a plain mass "
        "mailing of as many fresh leads; emails checked = recipients",
        "recipient",
    )
    floor_name, run_name = "plain mass mailing (floor)", "recurring run"
    print(
        f"  ratio run / floor: fastest {fastest[run_name] / fastest[floor_name]:.2f}, "
        f"median {median[run_name] / median[floor_name]:.2f}; run per 1000 "
        f"recipients {fastest[run_name] / n_new * 1000:.3f} s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--leads", type=int, default=1000000)
    parser.add_argument("--run-recipients", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    # Mark the thread as testing: runs must not commit halfway; emails stay queued.

    odoo_series.test_mode()
    registry = odoo.modules.registry.Registry(args.database)
    # Unique names: the committed data of earlier runs must not match.
    stamp = int(time.time())
    bench_new_recipients(registry, args.leads, f"Recur{stamp}", args.rounds)
    bench_run(registry, args.run_recipients, stamp, args.rounds)


if __name__ == "__main__":
    main()
