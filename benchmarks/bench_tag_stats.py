# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of tag counting and tag expiry. Run through ``tools/benchmark``.

1. Counting overhead: add and remove tags on N leads through the ORM, with counting
   and with counting bypassed (same writes, other tags), interleaved rounds in one
   run; prints the ratio (goal <= 1.15).
2. Expiry: 100k due counters among a growing total (generated with SQL); the time
   to expire them beside a bare SQL delete of the same tag links on the same data
   (goal <= 2), at each size (goal: flat as the total grows).

Measurements run in transactions that are rolled back; the generated expiry data is
committed, as it would be on a live database (run it on a throwaway database, as
``tools/benchmark`` does). Usage: bench_tag_stats.py -c ODOO_CONF -d DATABASE [--leads N] [--sizes ...]
"""

import argparse
import statistics
import time
from datetime import timedelta

import odoo
from odoo import SUPERUSER_ID, Command, api

SKIP = "skip_tag_stat_count"


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def make_leads(env, count, prefix):
    """``count`` leads, copied in SQL from one made by the ORM (fast, complete rows)."""
    model = env["crm.lead"].create({"name": f"{prefix} seed", "type": "lead"})
    env.flush_all()
    env.cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = 'crm_lead' AND column_name NOT IN ('id', 'name')
        """
    )
    cols = ", ".join(f'"{c}"' for (c,) in env.cr.fetchall())
    env.cr.execute(
        f"""
        INSERT INTO crm_lead (name, {cols})
        SELECT %s || n, {cols} FROM crm_lead, generate_series(1, %s) n
         WHERE crm_lead.id = %s
        RETURNING id
        """,  # noqa: S608 - column names come from the catalog
        [f"{prefix} ", count - 1, model.id],
    )
    return env["crm.lead"].browse([model.id] + [r[0] for r in env.cr.fetchall()])


def bench_counting(env, n_leads, batch, rounds):
    leads = make_leads(env, n_leads, "Counting")
    tags = env["crm.tag"].create(
        [{"name": f"Bench counting {i}"} for i in range(2 * rounds)]
    )
    env.flush_all()
    # Fresh planner statistics, as autovacuum would have them on a live database.
    env.cr.execute("ANALYZE crm_lead")
    env.cr.execute("ANALYZE crm_tag_rel")
    env.cr.execute("ANALYZE crm_lead_tag_count")

    def add_remove(tag, ctx):
        for start in range(0, n_leads, batch):
            chunk = leads[start : start + batch].with_context(**ctx)
            chunk.write({"tag_ids": [Command.link(tag.id)]})
            env.flush_all()
        for start in range(0, n_leads, batch):
            chunk = leads[start : start + batch].with_context(**ctx)
            chunk.write({"tag_ids": [Command.unlink(tag.id)]})
            env.flush_all()

    counted, bypassed = [], []
    for r in range(rounds):
        # Alternate which goes first, so that neither always pays for a cold cache.
        pair = [(counted, tags[2 * r], {}), (bypassed, tags[2 * r + 1], {SKIP: True})]
        if r % 2:
            pair.reverse()
        for bucket, tag, ctx in pair:
            bucket.append(timed(lambda tag=tag, ctx=ctx: add_remove(tag, ctx)))
            env.invalidate_all()
    env.cr.execute(
        "SELECT COUNT(*) FROM crm_lead_tag_count WHERE tag_id = ANY(%s)", [tags.ids]
    )
    stats = env.cr.fetchone()[0]
    assert stats == rounds * n_leads, stats
    # The fastest round of each side: noise from the shared machine only adds
    # time (the expiry figures are taken the same way). Medians shown beside.
    c, b = min(counted), min(bypassed)
    print(
        f"counting: {n_leads} leads, add then remove one tag, batches of {batch}, {rounds} rounds each"
    )
    print(
        f"  with counting     {c:8.3f} s (fastest; median {statistics.median(counted):.3f} s)"
    )
    print(
        f"  counting bypassed {b:8.3f} s (fastest; median {statistics.median(bypassed):.3f} s)"
    )
    print(f"  ratio             {c / b:8.3f}   (goal <= 1.15)")


def bench_expiry(env, new_stats, due, tags_per_lead, label, due_at):
    """Add ``new_stats`` counters, ``due`` of them expired at ``due_at``, and expire
    those beside a bare SQL delete of the same tag links. Then expire them for real
    (committed): the next size has them as history."""
    n_leads = new_stats // tags_per_lead
    leads = make_leads(env, n_leads, "Expiry")
    tags = env["crm.tag"].create(
        [{"name": f"Bench expiry {label} {i}"} for i in range(tags_per_lead)]
    )
    tags[0].lifetime_days = 1
    env.flush_all()
    now = env.cr.now()
    # Every lead carries every tag; the first tag expired on the first `due` leads.
    env.cr.execute(
        """
        INSERT INTO crm_tag_rel (lead_id, tag_id)
        SELECT l, t FROM unnest(%s::int[]) l, unnest(%s::int[]) t
        """,
        [leads.ids, tags.ids],
    )
    env.cr.execute(
        """
        INSERT INTO crm_lead_tag_count (lead_id, tag_id, add_count, first_added,
               last_added, expires_on)
        SELECT l, t, 1, %(now)s, %(now)s,
               CASE WHEN t = %(tag)s AND l = ANY(%(due)s) THEN %(due_at)s END
          FROM unnest(%(leads)s::int[]) l, unnest(%(tags)s::int[]) t
        """,
        {
            "now": now,
            "leads": leads.ids,
            "tags": tags.ids,
            "tag": tags[0].id,
            "due": leads.ids[:due],
            "due_at": due_at,
        },
    )
    env.cr.execute("ANALYZE crm_lead")
    env.cr.execute("ANALYZE crm_lead_tag_count")
    env.cr.execute("ANALYZE crm_tag_rel")
    env.cr.execute("SELECT COUNT(*) FROM crm_lead_tag_count")
    total = env.cr.fetchone()[0]
    # Committed, as on a live database: rows written by the measuring transaction
    # itself would cost foreign-key checks that old rows do not.
    env.cr.commit()

    def bare_delete():
        env.cr.execute(
            "DELETE FROM crm_tag_rel WHERE tag_id = %s AND lead_id = ANY(%s)",
            [tags[0].id, leads.ids[:due]],
        )

    def expire():
        done = env["crm.lead.tag.stat"]._expire_tags()
        env.flush_all()
        assert done == due, done

    results = {"bare": [], "expire": []}
    for r in range(2):
        order = [("bare", bare_delete), ("expire", expire)]
        if r % 2:
            order.reverse()
        for key, fn in order:
            results[key].append(timed(fn))
            env.cr.rollback()
    # Expired for real: history for the next size.
    expire()
    env.cr.commit()
    bare, exp = min(results["bare"]), min(results["expire"])
    print(
        f"expiry: {due} due among {total} counters ({n_leads} leads x {tags_per_lead} tags)"
    )
    print(f"  bare SQL delete of the tag links {bare:8.3f} s")
    print(
        f"  expiry job                       {exp:8.3f} s   ({exp / due * 100000:.3f} s per 100k)"
    )
    print(f"  ratio                            {exp / bare:8.3f}   (goal <= 2)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--leads", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--due", type=int, default=100000)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000000, 2000000],
        help="totals of counters at which expiry is measured, ascending",
    )
    parser.add_argument("--tags-per-lead", type=int, default=10)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    # Mark the thread as testing: the expiry job must not commit the benchmark data.
    import threading

    threading.current_thread().testing = True
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cr.execute("SAVEPOINT bench_counting")
        bench_counting(env, args.leads, args.batch, args.rounds)
        cr.execute("ROLLBACK TO SAVEPOINT bench_counting")
        env.invalidate_all()
        cr.rollback()
        # Expiry data is committed (the database is a throwaway one) and adds up:
        # each size is the total of counters in the table when it is measured.
        done_stats = 0
        now = cr.now()
        for index, size in enumerate(args.sizes):
            due_at = now - timedelta(days=1) + timedelta(hours=index)
            bench_expiry(
                env,
                size - done_stats,
                args.due,
                args.tags_per_lead,
                label=size,
                due_at=due_at,
            )
            done_stats = size


if __name__ == "__main__":
    main()
