# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of tag counting and tag expiry. Run through ``tools/benchmark``.

1. Counting overhead: add and remove a tag on N leads through the ORM, with counting
   and with counting bypassed (same writes, another tag); checks every lead was
   counted once (none when bypassed) and the tag removed again; prints the ratio
   (goal <= 1.15).
2. Expiry: 100k due counters among a growing total (generated with SQL); the time
   to expire them beside a bare SQL delete of the same tag links on the same data
   (goal <= 2), at each size (goal: flat as the total grows); checks the links are
   gone and the job expired exactly the due counters.

Each side runs in rounds interleaved A B A B... (7 for counting, 5 for expiry),
each in a transaction of its own that is rolled back, after a warm-up; fastest,
median and queries per lead (per expired row) of each side are printed. The
leads of 1. and the generated expiry data are committed, as they would be on a
live database (run it on a throwaway database, as ``tools/benchmark`` does).
Usage: bench_tag_stats.py -c ODOO_CONF -d DATABASE [--leads N] [--rounds N]
[--sizes ...] [--expiry-rounds N]
"""

# A script run by hand, not addon code: it prints its figures, commits the data it
# generates, and names its own tables and indexes in SQL.
# pylint: disable=print-used,invalid-commit,sql-injection

import argparse
import statistics
import time
from datetime import timedelta

import odoo_series

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


def bench_counting(registry, n_leads, batch, rounds):
    """Interleaved rounds (counted, bypassed, counted...), each in a transaction
    of its own that is rolled back, after a warm-up of each side; the leads and
    tags are committed first, as on a live database."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        lead_ids = make_leads(env, n_leads, "Counting").ids
        tag_ids = (
            env["crm.tag"]
            .create([{"name": f"Bench counting {i}"} for i in range(2)])
            .ids
        )
        env.flush_all()
        # Fresh planner statistics, as autovacuum would have them on a live database.
        cr.execute("ANALYZE crm_lead")
        cr.execute("ANALYZE crm_tag_rel")
        cr.execute("ANALYZE crm_lead_tag_count")

    def one(side):
        tag_id, ctx = (tag_ids[0], {}) if side == "counted" else (tag_ids[1], {SKIP: 1})
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            leads = env["crm.lead"].browse(lead_ids)
            before = cr.sql_log_count
            start = time.perf_counter()
            for command in (Command.link, Command.unlink):
                for begin in range(0, n_leads, batch):
                    chunk = leads[begin : begin + batch].with_context(**ctx)
                    chunk.write({"tag_ids": [command(tag_id)]})
                    env.flush_all()
            seconds = time.perf_counter() - start
            queries = cr.sql_log_count - before
            cr.execute(
                "SELECT COUNT(*) FROM crm_lead_tag_count WHERE tag_id = %s", [tag_id]
            )
            counters = cr.fetchone()[0]
            cr.execute("SELECT COUNT(*) FROM crm_tag_rel WHERE tag_id = %s", [tag_id])
            links = cr.fetchone()[0]
            cr.rollback()
        # The work was done: every lead counted once (none when bypassed), and
        # the tag removed again from every lead.
        assert counters == (n_leads if side == "counted" else 0), counters
        assert links == 0, links
        return seconds, queries

    for side in ("counted", "bypassed"):
        one(side)  # warm-up
    results = {"counted": [], "bypassed": []}
    for _round in range(rounds):
        for side in ("counted", "bypassed"):
            results[side].append(one(side))
    print(
        f"counting: {n_leads} leads, add then remove one tag, batches of {batch}, "
        f"{rounds} interleaved rounds each (each in its own transaction)"
    )
    print(f"  {'side':>18} {'fastest s':>10} {'median s':>9} {'queries/lead':>13}")
    for side, label in (
        ("counted", "with counting"),
        ("bypassed", "counting bypassed"),
    ):
        times = [t for t, _q in results[side]]
        print(
            f"  {label:>18} {min(times):>10.3f} {statistics.median(times):>9.3f} "
            f"{results[side][0][1] / n_leads:>13.4f}"
        )
    fastest = min(t for t, _q in results["counted"]) / min(
        t for t, _q in results["bypassed"]
    )
    median = statistics.median(t for t, _q in results["counted"]) / statistics.median(
        t for t, _q in results["bypassed"]
    )
    print(f"  ratio: fastest {fastest:.3f}, median {median:.3f}   (goal <= 1.15)")


def bench_expiry(env, new_stats, due, tags_per_lead, label, due_at, rounds):
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
    # As the addon's counting leaves them: the leads flagged.
    env.cr.execute(
        "UPDATE crm_lead SET tag_counted = TRUE WHERE id = ANY(%s)", [leads.ids]
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
        assert env.cr.rowcount == due, env.cr.rowcount

    def expire():
        done = env["crm.lead.tag.stat"]._expire_tags()
        env.flush_all()
        assert done == due, done

    def one(fn):
        # Each measure in a transaction of its own (the rollback ends it).
        before = env.cr.sql_log_count
        seconds = timed(fn)
        queries = env.cr.sql_log_count - before
        env.cr.execute(
            "SELECT COUNT(*) FROM crm_tag_rel WHERE tag_id = %s AND lead_id = ANY(%s)",
            [tags[0].id, leads.ids[:due]],
        )
        assert env.cr.fetchone()[0] == 0, "tag links left"
        env.cr.rollback()
        env.invalidate_all()
        return seconds, queries

    for fn in (bare_delete, expire):
        one(fn)  # warm-up
    results = {"bare": [], "expire": []}
    for _round in range(rounds):
        for key, fn in (("bare", bare_delete), ("expire", expire)):
            results[key].append(one(fn))
    # Expired for real: history for the next size.
    expire()
    env.cr.commit()
    print(
        f"expiry: {due} due among {total} counters ({n_leads} leads x "
        f"{tags_per_lead} tags), {rounds} interleaved rounds each"
    )
    print(f"  {'side':>28} {'fastest s':>10} {'median s':>9} {'queries/row':>12}")
    for key, label in (
        ("bare", "bare SQL delete of the links"),
        ("expire", "expiry job"),
    ):
        times = [t for t, _q in results[key]]
        print(
            f"  {label:>28} {min(times):>10.3f} {statistics.median(times):>9.3f} "
            f"{results[key][0][1] / due:>12.5f}"
        )
    bare = min(t for t, _q in results["bare"])
    exp = min(t for t, _q in results["expire"])
    median = statistics.median(t for t, _q in results["expire"]) / statistics.median(
        t for t, _q in results["bare"]
    )
    print(
        f"  ratio: fastest {exp / bare:.3f}, median {median:.3f}   (goal <= 2); "
        f"expiry {exp / due * 100000:.3f} s per 100k"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--leads", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--due", type=int, default=100000)
    parser.add_argument("--expiry-rounds", type=int, default=5)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000000, 2000000],
        help="totals of counters at which expiry is measured, ascending",
    )
    parser.add_argument("--tags-per-lead", type=int, default=10)
    parser.add_argument(
        "--pls-fields",
        help="the fields CRM's predictive lead scoring learns from (crm.pls_fields), "
        "e.g. phone_state,email_state (18.0's default; 19.0's has tag_ids too, so "
        "that every change of a lead's tags recomputes its probability); default: "
        "the database's",
    )
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    # Test mode: the expiry job must not commit the benchmark data.
    odoo_series.test_mode()
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if args.pls_fields is not None:
            env["ir.config_parameter"].set_param("crm.pls_fields", args.pls_fields)
            cr.commit()
        print(
            "predictive lead scoring learns from:",
            env["ir.config_parameter"].get_param("crm.pls_fields"),
        )
    bench_counting(registry, args.leads, args.batch, args.rounds)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
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
                rounds=args.expiry_rounds,
            )
            done_stats = size


if __name__ == "__main__":
    main()
