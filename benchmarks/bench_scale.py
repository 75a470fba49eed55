# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed at scale: 10M leads, 1M nurture participants. Run through ``tools/benchmark``.

The data is generated once with SQL (bulk ``INSERT ... SELECT generate_series``,
the columns of one lead made by the ORM copied to all, indexes rebuilt after the
load, then ``ANALYZE``) and kept in the database: ``tools/benchmark scale --keep
NAME`` reuses it. Then, each measure at least ``--rounds`` times after a warm-up,
each round in a fresh transaction, fastest and median printed:

1. recurring: the new recipients of a recurring mailing over all leads, 90% of
   them already mailed (9M traces over 10M leads), the addon's computation beside Odoo's
   ``_get_remaining_recipients`` (interleaved rounds; same set checked, whole);
2. reactivation: the wizard's live count and each lost-lead preset filter, as
   search counts (20% of the leads lost and archived, lost reasons, closing dates
   spread over five years);
3. tag segments: "tag added >= 3 times", "last added after D", "expired", as the
   domains the search view and the filter editor write on crm.lead (10 tags, two
   counters per lead);
4. cockpit of a sequence with ``--participants`` participants and 10 step traces
   each: summary tiles, flow picture, funnel report;
5. idle run of the nurture engine (nothing due) at 0, 10% and 100% of the step
   traces, measured while they are generated (and again at 100% on reuse);
6. only with ``--only tally``: what the step tally's triggers cost an UPDATE of
   100,000 mailing traces of no step, of 10,000 of a step, 200 one-row UPDATEs,
   and an UPDATE of 10,000 step traces, each with and without the trigger.

Usage: bench_scale.py -c ODOO_CONF -d DATABASE [--leads N] [--participants N]
[--rounds N] [--only recurring reactivation tags cockpit idle tally]
[--no-analyze]
"""

# A script run by hand, not addon code: it prints its figures, commits the data it
# generates, and names its own tables and indexes in SQL.
# pylint: disable=print-used,invalid-commit,sql-injection

import argparse
import json
import statistics
import time

import odoo_series

import odoo
from odoo import SUPERUSER_ID, api

MARK = "mass_mailing_crm_nurture.bench_scale"
STEPS = 10  # steps of the benchmark's sequence, one step trace each per participant
TAGS = 10


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Timer:
    def __init__(self, label):
        self.label = label

    def __enter__(self):
        self.start = time.perf_counter()
        log(f"{self.label}...")
        return self

    def __exit__(self, *exc):
        log(f"{self.label}: {time.perf_counter() - self.start:.1f} s")


def rounds_of(registry, sides, rounds):
    """Interleaved rounds of ``sides`` (name -> fn(env) -> result): a warm-up of
    each, then ``rounds`` rounds, each side in a fresh transaction (rolled back),
    the order alternated. Returns name -> (times, last result)."""
    times = {name: [] for name in sides}
    results = {}
    names = list(sides)
    for r in range(rounds + 1):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
                start = time.perf_counter()
                result = sides[name](env)
                elapsed = time.perf_counter() - start
                cr.rollback()
            if r:  # round 0 is the warm-up
                times[name].append(elapsed)
            results[name] = result
    return {name: (times[name], results[name]) for name in names}


def fmt(times):
    return f"{min(times):8.3f} s (median {statistics.median(times):.3f} s)"


# ----------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------


def bulk_load(cr, tables, load):
    """Run ``load`` with the secondary indexes of ``tables`` dropped, then build
    them again (a bulk load's usual way: far faster than maintaining a dozen
    indexes, trigram ones among them, row by row). Constraint indexes stay."""
    cr.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
         WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                            WHERE c.conname = i.indexname)
        """,
        [list(tables)],
    )
    indexes = cr.fetchall()
    for name, _definition in indexes:
        cr.execute(f'DROP INDEX "{name}"')
    load()
    cr.execute("SET maintenance_work_mem = '1GB'")
    for name, definition in indexes:
        with Timer(f"  index {name}"):
            cr.execute(definition)
    cr.commit()


def copied_columns(cr, table, overridden):
    cr.execute(
        """
        SELECT column_name FROM information_schema.columns
         WHERE table_name = %s AND column_name <> ALL(%s)
        """,
        [table, ["id", *overridden]],
    )
    return [c for (c,) in cr.fetchall()]


def generate_leads(env, n_leads, chunk):
    """Leads: 20% lost (archived, probability 0, one of the three standard lost
    reasons or none), 10% won, the others open in the other stages; closing and
    creation dates spread over five years; distinct emails."""
    cr = env.cr
    seed = env["crm.lead"].create(
        {"name": "Scale seed", "type": "lead", "email_from": "seed@example.com"}
    )
    env.flush_all()
    stages = [env.ref(f"crm.stage_lead{i}").id for i in (1, 2, 3)]
    won = env.ref("crm.stage_lead4").id
    reasons = [env.ref(f"crm.lost_reason_{i}").id for i in (1, 2, 3)] + [None]
    overridden = [
        "name",
        "email_from",
        "email_normalized",
        "active",
        "probability",
        "lost_reason_id",
        "stage_id",
        "date_closed",
        "create_date",
        "type",
    ]
    cols = ", ".join(f'"{c}"' for c in copied_columns(cr, "crm_lead", overridden))
    over = ", ".join(f'"{c}"' for c in overridden)

    def load():
        for lo in range(1, n_leads + 1, chunk):
            hi = min(lo + chunk - 1, n_leads)
            cr.execute(
                f"""
                INSERT INTO crm_lead ({over}, {cols})
                SELECT 'Scale ' || n, 's' || n || '@example.com',
                       's' || n || '@example.com',
                       n %% 5 <> 0,
                       CASE WHEN n %% 5 = 0 THEN 0 WHEN n %% 10 = 1 THEN 100
                            ELSE seed.probability END,
                       CASE WHEN n %% 5 = 0
                            THEN (%(reasons)s::int[])[(1 + (n / 5) %% 4)::int] END,
                       CASE WHEN n %% 10 = 1 THEN %(won)s
                            ELSE (%(stages)s::int[])[(1 + (n / 10) %% 3)::int] END,
                       CASE WHEN n %% 5 = 0 OR n %% 10 = 1
                            THEN now() at time zone 'UTC'
                                 - ((n * 7919) %% (5 * 365 * 1440)) * interval '1 min'
                            END,
                       now() at time zone 'UTC'
                           - ((n * 104729) %% (5 * 365 * 1440)) * interval '1 min'
                           - interval '1 day',
                       CASE WHEN n %% 2 = 0 THEN 'lead' ELSE 'opportunity' END,
                       {cols}
                  FROM crm_lead seed,
                       generate_series(%(lo)s::bigint, %(hi)s::bigint) n
                 WHERE seed.id = %(seed)s
                """,  # noqa: S608 - column names come from the catalog
                {
                    "reasons": reasons,
                    "won": won,
                    "stages": stages,
                    "lo": lo,
                    "hi": hi,
                    "seed": seed.id,
                },
            )
            cr.commit()
            log(f"  leads {hi}/{n_leads}")

    with Timer(f"{n_leads} leads"):
        bulk_load(cr, ["crm_lead"], load)
    cr.execute("SELECT min(id), max(id) FROM crm_lead WHERE name LIKE 'Scale %%'")
    first, last = cr.fetchone()
    return first, last


def generate_recurring(env, first, last):
    """A recurring mailing to all leads (Odoo's default: the active ones) that
    already reached 90% of them: 9M traces over 10M leads, lost ones included
    (mailed before they were lost)."""
    cr = env.cr
    mailing = env["mailing.mailing"].create(
        {
            "subject": "Scale recurring",
            "body_html": "<p>Hello</p>",
            "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
            "mailing_domain": "[]",
            "recurrence_enabled": True,
            "recurrence_interval": 1,
            "recurrence_unit": "days",
            "user_id": SUPERUSER_ID,
        }
    )
    env.flush_all()

    def load():
        cr.execute(
            """
            INSERT INTO mailing_trace (trace_type, model, res_id, mass_mailing_id,
                                       trace_status, email, sent_datetime,
                                       create_date, write_date)
            SELECT 'mail', 'crm.lead', lead.id, %(mailing)s, 'sent', lead.email_from,
                   now() at time zone 'UTC', now() at time zone 'UTC',
                   now() at time zone 'UTC'
              FROM crm_lead lead
             WHERE lead.id BETWEEN %(first)s AND %(last)s
               AND (lead.id / 3) %% 10 <> 3
            """,
            {"mailing": mailing.id, "first": first, "last": last},
        )
        log(f"  {cr.rowcount} mailing traces")
        cr.commit()

    with Timer("recurring mailing's traces (90% of the leads)"):
        bulk_load(cr, ["mailing_trace"], load)
    return mailing.id


def generate_tags(env, first, last, chunk):
    """10 tags, the first with a lifetime; two counters per lead, 5% of them
    added 3 times or more, last added over two years; two thirds of the tags
    on their lead now; the first tag's absent ones expired (the expiry job's
    mark past them)."""
    cr = env.cr
    tags = env["crm.tag"].create([{"name": f"Scale tag {i}"} for i in range(TAGS)])
    tags[0].lifetime_days = 730
    env.flush_all()
    tag_ids = tags.ids
    counter_sql = """
        SELECT lead.id::int AS id,
               (%(tags)s::int[])[(1 + (lead.id + k.j * (1 + (lead.id / 10) %% 9))
                                      %% 10)::int] AS tag_id,
               k.j
          FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) lead(id),
               (VALUES (0::bigint), (1::bigint)) k(j)
    """

    def load():
        for lo in range(first, last + 1, chunk):
            hi = min(lo + chunk - 1, last)
            params = {"tags": tag_ids, "lo": lo, "hi": hi, "tag0": tag_ids[0]}
            cr.execute(
                f"""
                INSERT INTO crm_lead_tag_count (lead_id, tag_id, add_count,
                       first_added, last_added, expires_on)
                SELECT c.id, c.tag_id, c.add_count,
                       c.last_added - (c.add_count - 1) * interval '30 days',
                       c.last_added,
                       CASE WHEN c.tag_id <> %(tag0)s THEN NULL
                            WHEN c.present THEN c.last_added + interval '730 days'
                            ELSE c.last_added + interval '1 day' END
                  FROM (SELECT pair.id, pair.tag_id,
                               CASE WHEN ((pair.id / 10) * 7 + pair.j * 3) %% 20 = 0
                                    THEN 3 + pair.id %% 3
                                    WHEN ((pair.id / 10) * 7 + pair.j * 3) %% 5 = 0
                                    THEN 2
                                    ELSE 1 END AS add_count,
                               now() at time zone 'UTC' - interval '2 days'
                                 - ((pair.id::bigint * 7919 + pair.j * 104729)
                                    %% (730 * 1440)) * interval '1 min' AS last_added,
                               (pair.id + pair.j) %% 3 <> 0 AS present
                          FROM ({counter_sql}) pair) c
                """,  # noqa: S608 - the benchmark's own SQL
                params,
            )
            # As the addon's counting leaves them: the leads flagged.
            cr.execute(
                "UPDATE crm_lead SET tag_counted = TRUE WHERE id BETWEEN %s AND %s",
                [lo, hi],
            )
            cr.execute(
                f"""
                INSERT INTO crm_tag_rel (lead_id, tag_id)
                SELECT pair.id, pair.tag_id FROM ({counter_sql}) pair
                 WHERE (pair.id + pair.j) %% 3 <> 0
                """,  # noqa: S608 - the benchmark's own SQL
                params,
            )
            cr.commit()
            log(f"  tag counters of leads up to {hi}/{last}")
        cr.execute(
            """
            UPDATE crm_lead_tag_expiry_mark
               SET expired_until = now() at time zone 'UTC',
                   last_id = (SELECT max(id) FROM crm_lead_tag_count)
            """
        )
        cr.commit()

    with Timer("tag counters and tag links"):
        bulk_load(cr, ["crm_lead_tag_count", "crm_tag_rel"], load)
    return tag_ids


def measure_idle(registry, rounds):
    res = rounds_of(
        registry,
        {"idle": lambda env: env["crm.nurture.sequence"]._cron_process()},
        rounds,
    )
    return res["idle"][0]


def generate_nurture(env, registry, first, n_participants, rounds, analyze):
    """A running sequence of 10 chained steps (an email, then tags), participants
    on the first leads (70% completed, 20% running, 10% exited, 5% succeeded),
    one step trace per step each: done up to where each got, the rest scheduled
    later (running) or cancelled (exited). The first step's emails have their
    mailing traces (sent, opened, clicked, replied, bounced, not delivered).
    The idle run is measured at 0, 10% and 100% of the step traces."""
    cr = env.cr
    tag = env["crm.tag"].create({"name": "Scale nurture tag"})
    sequence = env["crm.nurture.sequence"].create(
        {"name": "Scale sequence", "enrollment_mode": "none", "send_tz": "UTC"}
    )
    parent = env["crm.nurture.step"].create(
        {"sequence_id": sequence.id, "name": "Scale email", "trigger": "start"}
    )
    parent.mailing_id.body_html = "<p>Hello</p>"
    steps = [parent.id]
    for i in range(1, STEPS):
        parent = env["crm.nurture.step"].create(
            {
                "sequence_id": sequence.id,
                "name": f"Scale step {i}",
                "parent_id": parent.id,
                "trigger": "after_parent",
                "delay": 1,
                "delay_unit": "days",
                "action": "add_tags",
                "tag_ids": [(6, 0, tag.ids)],
            }
        )
        steps.append(parent.id)
    sequence.state = "running"
    mailing_id = env["crm.nurture.step"].browse(steps[0]).mailing_id.id
    env.flush_all()
    cr.commit()
    idle = {"0": measure_idle(registry, rounds)}
    log(f"  idle run, 0 step traces: {fmt(idle['0'])}")
    last = first + n_participants - 1
    with Timer(f"{n_participants} participants"):
        cr.execute(
            """
            INSERT INTO crm_nurture_participant (sequence_id, lead_id, state,
                   date_enrolled, date_succeeded, is_test)
            SELECT %(sequence)s, n,
                   CASE WHEN n %% 10 < 7 THEN 'completed'
                        WHEN n %% 10 < 9 THEN 'running' ELSE 'exited' END,
                   now() at time zone 'UTC' - (n %% 365 + 30) * interval '1 day',
                   CASE WHEN n %% 20 = 0 THEN now() at time zone 'UTC' END,
                   FALSE
              FROM generate_series(%(first)s, %(last)s) n
            """,
            {"sequence": sequence.id, "first": first, "last": last},
        )
        # As the addon's enrollment leaves them: the leads flagged.
        cr.execute(
            "UPDATE crm_lead SET nurture_enrolled = TRUE WHERE id BETWEEN %s AND %s",
            [first, last],
        )
        cr.commit()
    chunk = max(n_participants // 10, 1)

    def load_traces(lo, hi):
        # Reached: completed all steps; running and exited participants 1 to 9.
        cr.execute(
            """
            INSERT INTO crm_nurture_trace (participant_id, step_id, sequence_id,
                   lead_id, scheduled_date, date_done, state, is_test, attempt_count)
            SELECT part.id, (%(steps)s::int[])[k], part.sequence_id, part.lead_id,
                   part.date_enrolled + k * interval '1 day',
                   CASE WHEN k <= r.reached THEN part.date_enrolled
                                                 + k * interval '1 day' END,
                   CASE WHEN k <= r.reached THEN 'done'
                        WHEN part.state = 'running' THEN 'scheduled'
                        ELSE 'cancelled' END,
                   FALSE, 0
              FROM crm_nurture_participant part
              CROSS JOIN LATERAL (
                  SELECT CASE WHEN part.state = 'completed' THEN %(n_steps)s
                              ELSE 1 + part.lead_id %% 9 END AS reached) r
              CROSS JOIN generate_series(1, %(n_steps)s) k
             WHERE part.sequence_id = %(sequence)s
               AND part.lead_id BETWEEN %(lo)s AND %(hi)s
            """,
            {
                "steps": steps,
                "n_steps": STEPS,
                "sequence": sequence.id,
                "lo": lo,
                "hi": hi,
            },
        )
        # Running participants wait for their next step in the future: not due.
        cr.execute(
            """
            UPDATE crm_nurture_trace SET scheduled_date = now() at time zone 'UTC'
                                                          + interval '30 days'
             WHERE sequence_id = %s AND state = 'scheduled'
               AND lead_id BETWEEN %s AND %s
            """,
            [sequence.id, lo, hi],
        )
        cr.execute(
            """
            INSERT INTO mailing_trace (trace_type, model, res_id, mass_mailing_id,
                   email, nurture_trace_id, trace_status, sent_datetime,
                   open_datetime, reply_datetime, links_click_datetime,
                   create_date, write_date)
            SELECT 'mail', 'crm.lead', t.lead_id, %(mailing)s,
                   's' || t.lead_id || '@example.com', t.id, s.status,
                   CASE WHEN s.status NOT IN ('error', 'cancel') THEN t.date_done END,
                   CASE WHEN s.status IN ('open', 'reply') THEN t.date_done END,
                   CASE WHEN s.status = 'reply' THEN t.date_done END,
                   CASE WHEN t.lead_id %% 10 = 0 THEN t.date_done END,
                   t.date_done, t.date_done
              FROM crm_nurture_trace t
              CROSS JOIN LATERAL (
                  SELECT CASE WHEN t.lead_id %% 20 < 12 THEN 'sent'
                              WHEN t.lead_id %% 20 < 17 THEN 'open'
                              WHEN t.lead_id %% 20 = 17 THEN 'reply'
                              WHEN t.lead_id %% 20 = 18 THEN 'bounce'
                              ELSE 'error' END AS status) s
             WHERE t.step_id = %(step)s AND t.lead_id BETWEEN %(lo)s AND %(hi)s
            """,
            {"mailing": mailing_id, "step": steps[0], "lo": lo, "hi": hi},
        )
        cr.execute(
            """
            UPDATE crm_nurture_trace t SET mailing_trace_id = m.id
              FROM mailing_trace m
             WHERE m.nurture_trace_id = t.id AND m.mass_mailing_id = %s
               AND t.step_id = %s AND t.lead_id BETWEEN %s AND %s
            """,
            [mailing_id, steps[0], lo, hi],
        )
        cr.commit()

    with Timer(f"{n_participants * STEPS} step traces"):
        for i, lo in enumerate(range(first, last + 1, chunk)):
            hi = min(lo + chunk - 1, last)
            load_traces(lo, hi)
            log(f"  step traces of participants up to {hi - first + 1}")
            if i == 0:
                if analyze:
                    cr.execute("ANALYZE crm_nurture_trace")
                    cr.execute("ANALYZE crm_nurture_participant")
                    cr.commit()
                cr.execute("SELECT COUNT(*) FROM crm_nurture_trace")
                count = cr.fetchone()[0]
                idle[str(count)] = measure_idle(registry, rounds)
                log(f"  idle run, {count} step traces: {fmt(idle[str(count)])}")
    return sequence.id, idle


def generate(registry, args):
    started = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        first, last = generate_leads(env, args.leads, args.chunk)
        mailing_id = generate_recurring(env, first, last)
        tag_ids = generate_tags(env, first, last, args.chunk // 2)
        sequence_id, idle = generate_nurture(
            env, registry, first, args.participants, args.rounds, args.analyze
        )
        cr.execute("SET maintenance_work_mem = '1GB'")
        if args.analyze:
            with Timer("ANALYZE"):
                cr.execute("ANALYZE")
        data = {
            "leads": args.leads,
            "participants": args.participants,
            "first": first,
            "last": last,
            "mailing": mailing_id,
            "tags": tag_ids,
            "sequence": sequence_id,
            "idle": idle,
            "seconds": round(time.perf_counter() - started),
        }
        env["ir.config_parameter"].set_param(MARK, json.dumps(data))
        cr.commit()
    log(f"generated in {data['seconds']} s")
    return data


# ----------------------------------------------------------------------
# Measures
# ----------------------------------------------------------------------


def bench_recurring(registry, data, rounds):
    def ours(env):
        return (
            env["mailing.mailing"]
            .browse(data["mailing"])
            ._get_recurrence_new_recipients()
        )

    def odoo_s(env):
        return (
            env["mailing.mailing"].browse(data["mailing"])._get_remaining_recipients()
        )

    res = rounds_of(registry, {"addon": ours, "odoo": odoo_s}, rounds)
    (t_ours, new), (t_odoo, remaining) = res["addon"], res["odoo"]
    assert set(new) == set(remaining), (len(new), len(remaining))
    with registry.cursor() as cr:
        cr.execute(
            "SELECT COUNT(*) FROM mailing_trace WHERE mass_mailing_id = %s",
            [data["mailing"]],
        )
        mailed = cr.fetchone()[0]
    print(
        f"recurring new recipients: {data['leads']} leads, {mailed} already mailed, "
        f"{len(new)} new (the same set on both sides, whole)"
    )
    print(f"  addon (one query)               {fmt(t_ours)}")
    print(f"  Odoo _get_remaining_recipients  {fmt(t_odoo)}")
    print(
        f"  speed-up {min(t_odoo) / min(t_ours):.1f}x fastest, "
        f"{statistics.median(t_odoo) / statistics.median(t_ours):.1f}x median "
        "(goal >= 10x and under 5 s)"
    )


def bench_reactivation(registry, rounds):
    # After the registry is loaded: the addons' path is known then.
    from odoo.addons.mass_mailing_crm_nurture.relative_domain import eval_domain

    def wizard(env):
        # Opened with its defaults: lost in the last 90 days, any reason.
        wiz = env["crm.lead.reactivation.wizard"].create({})
        return wiz.lead_count, wiz.stage_excluded_count

    sides = {"wizard live count (2 counts)": wizard}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        filters = env["mailing.filter"].search(
            [("name", "like", "Lost leads - %")], order="id"
        )
        presets = [(f.name, f.mailing_domain) for f in filters]
    for name, text in presets:
        sides[name] = lambda env, text=text: env["crm.lead"].search_count(
            eval_domain(env, text)
        )
    res = rounds_of(registry, sides, rounds)
    print("reactivation: search counts over the leads (goal under 1 s each)")
    for name, (times, result) in res.items():
        print(f"  {name[:48]:48} {fmt(times)}  -> {result}")


def tag_domains(data):
    tags = data["tags"]
    return {
        "tag added >= 3 times": [
            ("tag_stat_ids", "any", [("tag_id", "=", tags[3]), ("add_count", ">=", 3)]),
            ("active", "in", [True, False]),
        ],
        "tag last added in the last 30 days": [
            (
                "tag_stat_ids",
                "any",
                [
                    ("tag_id", "=", tags[3]),
                    ("last_added", ">", "{now-30d}"),
                ],
            ),
            ("active", "in", [True, False]),
        ],
        "tag expired": [
            (
                "tag_stat_ids",
                "any",
                [("tag_id", "=", tags[0]), ("date_expired", "!=", False)],
            ),
            ("active", "in", [True, False]),
        ],
        "tag added >= 3 times (by name)": [
            (
                "tag_stat_ids",
                "any",
                [("tag_id.name", "=", "Scale tag 3"), ("add_count", ">=", 3)],
            ),
        ],
    }


def bench_tags(registry, data, rounds):
    def count(env, domain):
        now = env.cr.now()
        domain = json.loads(
            json.dumps(domain).replace(
                "{now-30d}", str(now.replace(microsecond=0) - _days(30))
            )
        )
        return env["crm.lead"].search_count(domain)

    sides = {
        name: lambda env, domain=domain: count(env, domain)
        for name, domain in tag_domains(data).items()
    }
    res = rounds_of(registry, sides, rounds)
    print(
        f"tag segments: search counts over {data['leads']} leads x {TAGS} tags "
        "(goal under 1 s each)"
    )
    for name, (times, result) in res.items():
        print(f"  {name:36} {fmt(times)}  -> {result}")


def _days(n):
    from datetime import timedelta

    return timedelta(days=n)


def bench_cockpit(registry, data, rounds):
    def summary(env):
        sequence = env["crm.nurture.sequence"].browse(data["sequence"])
        return sequence.participant_count, sequence.success_rate, sequence.won_revenue

    def flow(env):
        sequence = env["crm.nurture.sequence"].browse(data["sequence"])
        return sum(box["stats"]["done"] for box in sequence.flow_data["steps"])

    def funnel(env):
        groups = env["crm.nurture.funnel.report"]._read_group(
            [("sequence_id", "=", data["sequence"])], ["level"], ["__count"]
        )
        return dict(groups)

    res = rounds_of(
        registry, {"summary": summary, "flow": flow, "funnel": funnel}, rounds
    )
    with registry.cursor() as cr:
        cr.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'done') "
            "FROM crm_nurture_trace WHERE sequence_id = %s",
            [data["sequence"]],
        )
        traces, done = cr.fetchone()
    participants = res["summary"][1][0]
    assert participants == data["participants"], participants
    assert res["flow"][1] == done, (res["flow"][1], done)
    assert res["funnel"][1][0] == participants, res["funnel"][1]
    print(
        f"cockpit: a sequence with {participants} participants, {traces} step "
        "traces (goal under 1 s each)"
    )
    print(f"  summary tiles     {fmt(res['summary'][0])}")
    print(f"  flow picture      {fmt(res['flow'][0])}")
    print(f"  funnel report     {fmt(res['funnel'][0])}")


def bench_tally(registry, data, rounds):
    """What the step tally's triggers cost the statements they run on: each
    statement with the trigger and with it disabled (in the measured transaction,
    rolled back), interleaved rounds."""
    with registry.cursor() as cr:
        cr.execute(
            """
            SELECT id FROM mailing_trace
             WHERE mass_mailing_id = %s AND trace_status = 'sent'
             ORDER BY id LIMIT 100000
            """,
            [data["mailing"]],
        )
        unlinked = [row[0] for row in cr.fetchall()]
        cr.execute(
            """
            SELECT mail.id FROM crm_nurture_trace trace
              JOIN mailing_trace mail ON mail.id = trace.mailing_trace_id
             WHERE trace.sequence_id = %s AND mail.trace_status = 'sent'
             ORDER BY mail.id LIMIT 10000
            """,
            [data["sequence"]],
        )
        linked = [row[0] for row in cr.fetchall()]
        cr.execute(
            """
            SELECT id FROM crm_nurture_trace
             WHERE sequence_id = %s AND state = 'scheduled'
             ORDER BY id LIMIT 10000
            """,
            [data["sequence"]],
        )
        scheduled = [row[0] for row in cr.fetchall()]
    opened = (
        "UPDATE mailing_trace SET trace_status = 'open', "
        "open_datetime = now() at time zone 'UTC' WHERE id = ANY(%s)"
    )
    cases = {
        f"{len(unlinked)} mailing traces of no step, one UPDATE": (
            "mailing_trace",
            lambda cr: cr.execute(opened, [unlinked]),
        ),
        f"{len(linked)} mailing traces of a step, one UPDATE": (
            "mailing_trace",
            lambda cr: cr.execute(opened, [linked]),
        ),
        "200 mailing traces of no step, one UPDATE each (opens one by one)": (
            "mailing_trace",
            lambda cr: [cr.execute(opened, [[mail_id]]) for mail_id in unlinked[:200]],
        ),
        "200 mailing traces of a step, one UPDATE each (opens one by one)": (
            "mailing_trace",
            lambda cr: [cr.execute(opened, [[mail_id]]) for mail_id in linked[:200]],
        ),
        f"{len(scheduled)} step traces done, one UPDATE": (
            "crm_nurture_trace",
            lambda cr: cr.execute(
                "UPDATE crm_nurture_trace SET state = 'done' WHERE id = ANY(%s)",
                [scheduled],
            ),
        ),
    }
    print("step tally: the triggers' cost on the statements they run on")
    for label, (table, statement) in cases.items():

        def run(env, enabled, table=table, statement=statement):
            cr = env.cr
            if not enabled:
                cr.execute(
                    f"ALTER TABLE {table} DISABLE TRIGGER crm_nurture_step_tally_update"
                )
            cr.execute("SELECT COUNT(*) FROM crm_nurture_step_tally")
            before = cr.fetchone()[0]
            start = time.perf_counter()
            statement(cr)
            elapsed = time.perf_counter() - start
            cr.execute("SELECT COUNT(*) FROM crm_nurture_step_tally")
            return elapsed, cr.fetchone()[0] - before

        times = {"with": [], "without": []}
        rows = {}
        for r in range(rounds + 1):
            for side in ("with", "without") if r % 2 == 0 else ("without", "with"):
                with registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    elapsed, rows[side] = run(env, side == "with")
                    cr.rollback()
                if r:
                    times[side].append(elapsed)
        assert rows["without"] == 0, rows
        print(f"  {label}")
        print(f"    with the trigger     {fmt(times['with'])}  ({rows['with']} rows)")
        print(f"    without              {fmt(times['without'])}")


def bench_idle(registry, data, rounds):
    print("idle run of the nurture engine, nothing due (goal: flat)")
    for size, times in data["idle"].items():
        print(f"  {int(size):9d} step traces  {fmt(times)}  (while generating)")
    with registry.cursor() as cr:
        cr.execute("SELECT COUNT(*) FROM crm_nurture_trace")
        total = cr.fetchone()[0]
    print(f"  {total:9d} step traces  {fmt(measure_idle(registry, rounds))}  (now)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--leads", type=int, default=10000000)
    parser.add_argument("--participants", type=int, help="default: leads / 10")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=1000000, help="rows per INSERT")
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="generate without ANALYZE (autovacuum may still analyze meanwhile)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("recurring", "reactivation", "tags", "cockpit", "idle", "tally"),
        default=("recurring", "reactivation", "tags", "cockpit", "idle"),
        help="the measures to run (default: all but tally)",
    )
    args = parser.parse_args()
    args.participants = args.participants or args.leads // 10
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo_series.test_mode()  # nothing commits halfway, no email
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        data = json.loads(env["ir.config_parameter"].get_param(MARK) or "null")
    if data and (data["leads"], data["participants"]) != (
        args.leads,
        args.participants,
    ):
        parser.error(
            f"{args.database} holds {data['leads']} leads and "
            f"{data['participants']} participants: use another database"
        )
    if data:
        log(f"reusing the data of {args.database} (generated in {data['seconds']} s)")
    else:
        data = generate(registry, args)
    measures = {
        "recurring": lambda: bench_recurring(registry, data, args.rounds),
        "reactivation": lambda: bench_reactivation(registry, args.rounds),
        "tags": lambda: bench_tags(registry, data, args.rounds),
        "cockpit": lambda: bench_cockpit(registry, data, args.rounds),
        "idle": lambda: bench_idle(registry, data, args.rounds),
        "tally": lambda: bench_tally(registry, data, args.rounds),
    }
    for name in args.only:
        log(f"measuring {name}")
        measures[name]()


if __name__ == "__main__":
    main()
