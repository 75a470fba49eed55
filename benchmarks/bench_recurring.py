# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of recurring mailing runs. Run through ``tools/benchmark``.

1. New recipients of a run: over N leads (generated with SQL) of which 90% were
   already mailed by the mailing (traces generated with SQL), the addon's
   computation beside Odoo's own remaining-recipients computation on the same data:
   both must give the same set; prints the ratio (goal >= 10x faster).
2. End to end: a run of the scheduled action with 10k new recipients (composed and
   queued for sending; nothing leaves the machine).

The generated data is committed (run it on a throwaway database, as
``tools/benchmark`` does). Usage: bench_recurring.py -c ODOO_CONF -d DATABASE
[--leads N] [--run-recipients N]
"""

import argparse
import time

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


def bench_new_recipients(env, n_leads, prefix):
    lead_ids = make_leads(env, n_leads, prefix)
    mailing = make_mailing(env, prefix)
    mailed = lead_ids[: n_leads * 9 // 10]
    mark_mailed(env, mailing, mailed)
    env.cr.execute("ANALYZE crm_lead")
    env.cr.execute("ANALYZE mailing_trace")
    env.cr.commit()
    expected = set(lead_ids) - set(mailed)
    mailing.invalidate_recordset()
    ours, stock = [], []
    for _ in range(2):
        t, new = timed(lambda: mailing._get_recurrence_new_recipients())
        ours.append(t)
        assert set(new) == expected, (len(new), len(expected))
        env.invalidate_all()
        t, remaining = timed(lambda: mailing._get_remaining_recipients())
        stock.append(t)
        assert set(remaining) == expected, (len(remaining), len(expected))
        env.invalidate_all()
    o, s = min(ours), min(stock)
    print(
        f"new recipients: {n_leads} leads, {len(mailed)} already mailed, {len(expected)} new"
    )
    print(f"  addon (one query)          {o:8.3f} s")
    print(f"  Odoo _get_remaining_recipients {s:8.3f} s")
    print(f"  speed-up                   {s / o:8.1f}x  (goal >= 10x)")


def bench_run(env, n_new, prefix):
    # Only this run is due.
    env["mailing.mailing"].search([("state", "=", "recurring")])._stop_recurrence()
    make_leads(env, n_new, prefix)
    mailing = make_mailing(env, prefix)
    mailing.action_launch()
    env.cr.commit()
    t, done = timed(lambda: env["mailing.mailing"]._process_recurring(batch_size=1000))
    assert done == n_new, done
    run = mailing.recurrence_run_ids
    print(f"run: {n_new} new recipients, batches of 1000")
    print(f"  end to end (compose, queue, traces, run record) {t:8.3f} s")
    print(
        f"  per 1000 recipients                             {t / n_new * 1000:8.3f} s"
    )
    print(f"  run record: {run.new_recipient_count} new, state {run.state}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--leads", type=int, default=1000000)
    parser.add_argument("--run-recipients", type=int, default=10000)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    # Mark the thread as testing: runs must not commit halfway; emails stay queued.
    import threading

    threading.current_thread().testing = True
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        # Unique names: the committed data of earlier runs must not match.
        stamp = int(time.time())
        bench_new_recipients(env, args.leads, f"Recur{stamp}")
        bench_run(env, args.run_recipients, f"Runbench{stamp}")
        cr.rollback()


if __name__ == "__main__":
    main()
