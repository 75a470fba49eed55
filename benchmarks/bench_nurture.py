# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of the nurture engine. Run through ``tools/benchmark``.

1. One email step for N freshly enrolled participants (N = 1000 and 5000 by default;
   the issue's scale: --sizes 1000 5000 20000 100000),
   beside a plain mass mailing of N fresh leads (the floor: Odoo's own send):
   rounds interleaved (floor, step, floor, step...), each in a transaction of its
   own, after a warm-up; prints fastest and median of each side, time and queries
   per recipient, and the ratios (goal <= 1.2); checks each round made one email
   per recipient. The tables a round writes are vacuumed, never analyzed, before
   it: the statistics know nothing of its rows. From --step-only-from recipients
   (50,000) on, the step side alone, --large-rounds rounds (2), for time.
2. A scheduled run with nothing due, on an empty history and on a history of 1M
   finished step traces (generated with SQL); goal: near-constant time.
3. The cockpit of that sequence (100k participants, 1M step traces): the summary
   and the flow picture the form shows, and the funnel report.

The history of 2. is committed (run it on a throwaway database, as
``tools/benchmark`` does). Usage: bench_nurture.py -c ODOO_CONF -d DATABASE
[--sizes N ...] [--rounds N] [--step-only-from N] [--large-rounds N]
[--history N] [--only step|idle]
"""

# A script run by hand, not addon code: it prints its figures, commits the data it
# generates, and names its own tables and indexes in SQL.
# pylint: disable=print-used,invalid-commit,sql-injection

import argparse
import json
import statistics
import subprocess
import sys
import time

import odoo_series
from bench_recurring import make_leads

import odoo
from odoo import SUPERUSER_ID, api


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def make_sequence(env, name):
    sequence = env["crm.nurture.sequence"].create(
        {"name": name, "enrollment_mode": "none", "send_tz": "UTC", "domain": "[]"}
    )
    step = env["crm.nurture.step"].create(
        {"sequence_id": sequence.id, "name": f"{name} email", "trigger": "start"}
    )
    step.mailing_id.body_html = "<p>Hello</p>"
    return sequence, step


# The tables a round writes: vacuumed (not analyzed) before each round, so that
# the rolled-back rows of the previous rounds neither slow the next one down nor
# leave their pages to the planner; statistics still know nothing of the rows a
# round writes, as in production right after an enrollment.
ROUND_TABLES = (
    "crm_lead",
    "crm_nurture_participant",
    "crm_nurture_trace",
    "mail_mail",
    "mail_message",
    "mailing_trace",
)


def vacuum(registry):
    import psycopg2

    _db, info = odoo.sql_db.connection_info_for(registry.db_name)
    cnx = psycopg2.connect(**info)
    try:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            cr.execute("VACUUM " + ", ".join(ROUND_TABLES))
    finally:
        cnx.close()


def email_step_round(registry, side, n, stamp):
    """One round of one side, in a transaction of its own that is rolled back:
    ``floor``, a plain mass mailing of ``n`` fresh leads through Odoo's own send;
    ``step``, the email step of ``n`` participants enrolled in the same
    transaction (fresh rows, as after an enrollment: the statistics PostgreSQL
    keeps know nothing of them). Returns (seconds, queries, emails made)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        leads = make_leads(env, n, f"{side.title()}{stamp}")
        if side == "floor":
            mailing = env["mailing.mailing"].create(
                {
                    "subject": "Floor",
                    "body_html": "<p>Hello</p>",
                    "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": "[('id', 'in', [])]",
                }
            )

            def run():
                return mailing._action_send_mail(res_ids=leads)
        elif side == "step":
            sequence, step = make_sequence(env, f"Bench {stamp}")
            sequence.state = "running"
            sequence._enroll(env["crm.lead"].browse(leads))
            mailing = step.mailing_id

            def run():
                return env["crm.nurture.trace"]._process_due(batch_size=1000)
        else:
            # Through the scheduled action: its enrollment pass finds the fresh
            # leads (the sequence's filter), then the step runs; called again
            # while work is left (its time budget), as Odoo's cron runner does.
            sequence, step = make_sequence(env, f"Bench {stamp}")
            sequence.write(
                {
                    "enrollment_mode": "continuous",
                    "domain": repr([("name", "=like", f"{side.title()}{stamp} %")]),
                    "state": "running",
                }
            )
            mailing = step.mailing_id
            Trace = env["crm.nurture.trace"]
            # The addon's modules load with the registry, after this script's.
            from odoo.addons.mass_mailing_crm_nurture import cron_budget

            def run():
                calls = 0
                while True:
                    calls += 1
                    with cron_budget.job_run():
                        env["crm.nurture.sequence"]._cron_process()
                    if not Trace._count_due() and len(sequence.participant_ids) >= n:
                        return calls

        env.flush_all()
        queries_before = cr.sql_log_count
        seconds, _result = timed(run)
        env.flush_all()
        queries = cr.sql_log_count - queries_before
        made = env["mailing.trace"].search_count([("mass_mailing_id", "=", mailing.id)])
        cr.rollback()
    return seconds, queries, made


class RoundInProcess:
    """A round in a process of its own (``--round``): nothing cached from the
    rounds before it, neither by Odoo nor by Python."""

    def __init__(self, args):
        self.args = args

    def __call__(self, registry, side, n, stamp):
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "-c",
                self.args.config,
                "-d",
                self.args.database,
                "--round",
                side,
                str(n),
                stamp,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        return result["seconds"], result["queries"], result["made"]


def bench_email_step(
    registry,
    sizes,
    rounds,
    stamp,
    step_only_from,
    large_rounds,
    step_side="step",
    run_round=email_step_round,
):
    """The email step beside the floor, rounds interleaved (floor, step, floor,
    step...), each in a fresh transaction, after a warm-up of each side. From
    ``step_only_from`` recipients on, the step side alone, ``large_rounds``
    rounds (time: a round of 100,000 takes minutes). ``step_side`` ``cron``: the
    step through the scheduled action, its enrollment pass included."""
    for side in ("floor", step_side):
        vacuum(registry)
        run_round(registry, side, 100, f"W{stamp}")
    what = (
        "email step through the scheduled action (enrollment included)"
        if step_side == "cron"
        else "email step"
    )
    print(f"{what} beside a plain mass mailing, {rounds} interleaved rounds each")
    print(
        f"  {'recipients':>10} {'side':>6} {'fastest s':>10} {'median s':>9} "
        f"{'ms/recipient':>13} {'queries/recipient':>18}"
    )
    per_recipient = {}
    for n in sizes:
        sides = (step_side,) if n >= step_only_from else ("floor", step_side)
        n_rounds = large_rounds if n >= step_only_from else rounds
        if len(sides) == 1 or n_rounds != rounds:
            print(
                f"  {n:>10} (sides: {', '.join(sides)}; {n_rounds} rounds: "
                f"fewer for time)"
            )
        results = {side: [] for side in sides}
        for r in range(n_rounds):
            for side in sides:
                vacuum(registry)
                seconds, queries, made = run_round(registry, side, n, f"{stamp}x{r}")
                assert made == n, f"{side}: {made} emails for {n} recipients"
                results[side].append((seconds, queries))
        for side in sides:
            times = sorted(seconds for seconds, _queries in results[side])
            queries = results[side][0][1]
            print(
                f"  {n:>10} {side:>6} {times[0]:>10.3f} "
                f"{statistics.median(times):>9.3f} "
                f"{1000 * times[0] / n:>13.3f} {queries / n:>18.2f}"
            )
        per_recipient[n] = 1000 * min(t for t, _q in results[step_side]) / n
        if len(sides) == 1:
            continue
        step_times = [t for t, _q in results[step_side]]
        floor_times = [t for t, _q in results["floor"]]
        fastest = min(step_times) / min(floor_times)
        median = statistics.median(step_times) / statistics.median(floor_times)
        goal = 1.15 if step_side == "cron" else 1.2
        print(
            f"  {n:>10} ratio {step_side} / floor: fastest {fastest:.2f}, "
            f"median {median:.2f}   (goal <= {goal})"
        )
    print(
        "  step ms per recipient (fastest): "
        + ", ".join(f"{n}: {ms:.2f}" for n, ms in per_recipient.items())
        + "; largest / smallest "
        + f"{max(per_recipient.values()) / min(per_recipient.values()):.2f}"
        "   (goal: flat)"
    )


def bench_idle(env, history, stamp):
    sequence, step = make_sequence(env, f"Idle {stamp}")
    sequence.state = "running"
    Trace = env["crm.nurture.trace"]

    def idle():
        return timed(lambda: env["crm.nurture.sequence"]._cron_process())[0]

    before = min(idle() for _ in range(3))
    # History: finished participations, 10 steps each.
    steps = env["crm.nurture.step"].create(
        [
            {
                "sequence_id": sequence.id,
                "name": f"Idle step {i}",
                "trigger": "start",
                "action": "add_tags",
                "tag_ids": [(0, 0, {"name": f"Idle tag {stamp} {i}"})],
            }
            for i in range(10)
        ]
    )
    leads = make_leads(env, history // 10, f"Idle{stamp}")
    env.cr.execute(
        """
        INSERT INTO crm_nurture_participant (sequence_id, lead_id, state, date_enrolled)
        SELECT %s, l, 'completed', now() FROM unnest(%s::int[]) l
        RETURNING id
        """,
        [sequence.id, leads],
    )
    participant_ids = [r[0] for r in env.cr.fetchall()]
    # As the addon's enrollment leaves them: the leads flagged.
    env.cr.execute(
        "UPDATE crm_lead SET nurture_enrolled = TRUE WHERE id = ANY(%s)", [leads]
    )
    env.cr.execute(
        """
        INSERT INTO crm_nurture_trace (participant_id, step_id, sequence_id, lead_id,
                                       scheduled_date, date_done, state)
        SELECT p.id, s, p.sequence_id, p.lead_id, now(), now(), 'done'
          FROM crm_nurture_participant p, unnest(%s::int[]) s
         WHERE p.id = ANY(%s)
        """,
        [steps.ids, participant_ids],
    )
    env.cr.execute("ANALYZE crm_nurture_trace")
    env.cr.commit()
    Trace.invalidate_model()
    after = min(idle() for _ in range(3))
    env.cr.execute("SELECT COUNT(*) FROM crm_nurture_trace")
    total = env.cr.fetchone()[0]
    print(f"idle scheduled run (nothing due): {total} step traces in the database")
    print(f"  on an empty history  {before * 1000:8.1f} ms")
    print(f"  on that history      {after * 1000:8.1f} ms   (goal: near-constant)")
    bench_cockpit(env, sequence, len(participant_ids), total)


def bench_cockpit(env, sequence, participants, traces):
    def summary_and_flow():
        env.invalidate_all()
        return timed(
            lambda: (sequence.success_rate, sequence.won_revenue, sequence.flow_data)
        )

    def funnel():
        return timed(
            lambda: env["crm.nurture.funnel.report"]._read_group(
                [("sequence_id", "=", sequence.id)], ["level"], ["__count"]
            )
        )

    t_form, (_rate, _revenue, flow) = min(summary_and_flow() for _ in range(3))
    t_funnel, levels = min(funnel() for _ in range(3))
    assert sum(box["stats"]["done"] for box in flow["steps"]) == participants * 10
    assert dict(levels)[0] == participants
    print(
        f"cockpit of a sequence with {participants} participants, {traces} step traces"
    )
    print(f"  summary + flow picture (form)  {t_form * 1000:8.1f} ms")
    print(f"  funnel report                  {t_funnel * 1000:8.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 5000],
        help="participants of the email step (fresh, as after an enrollment)",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--step-only-from",
        type=int,
        default=50000,
        help="from this many recipients on, the step side alone",
    )
    parser.add_argument(
        "--large-rounds", type=int, default=2, help="rounds from --step-only-from on"
    )
    parser.add_argument("--history", type=int, default=1000000)
    parser.add_argument("--only", choices=("step", "idle"), help="one benchmark only")
    parser.add_argument(
        "--through-cron",
        action="store_true",
        help="the step through the scheduled action, its enrollment pass included",
    )
    parser.add_argument(
        "--process-per-round",
        action="store_true",
        help="each round in a process of its own",
    )
    parser.add_argument(
        "--round", nargs=3, metavar=("SIDE", "N", "STAMP"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    # Testing mode: sends queue their emails and do not commit halfway.
    odoo_series.test_mode()
    registry = odoo.modules.registry.Registry(args.database)
    if args.round:
        side, n, round_stamp = args.round
        seconds, queries, made = email_step_round(registry, side, int(n), round_stamp)
        print(json.dumps({"seconds": seconds, "queries": queries, "made": made}))
        return
    stamp = int(time.time())
    if args.only != "idle":
        bench_email_step(
            registry,
            args.sizes,
            args.rounds,
            stamp,
            args.step_only_from,
            args.large_rounds,
            step_side="cron" if args.through_cron else "step",
            run_round=RoundInProcess(args)
            if args.process_per_round
            else email_step_round,
        )
    if args.only != "step":
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
            bench_idle(env, args.history, stamp)
            cr.rollback()


if __name__ == "__main__":
    main()
