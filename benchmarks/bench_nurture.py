# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Speed of the nurture engine. Run through ``tools/benchmark``.

1. One email step for N participants, beside a plain mass mailing of the same N
   leads (the floor: Odoo's own send), in the same run; prints the ratio (goal
   <= 1.2).
2. A scheduled run with nothing due, on an empty history and on a history of 1M
   finished step traces (generated with SQL); goal: near-constant time.
3. The cockpit of that sequence (100k participants, 1M step traces): the summary
   and the flow picture the form shows, and the funnel report.

Generated data is committed (run it on a throwaway database, as
``tools/benchmark`` does). Usage: bench_nurture.py -c ODOO_CONF -d DATABASE
[--participants N] [--history N]
"""

import argparse
import threading
import time

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


def bench_email_step(env, n, stamp):
    floor_leads = make_leads(env, n, f"Floor{stamp}")
    step_leads = make_leads(env, n, f"Nurture{stamp}")
    floor = env["mailing.mailing"].create(
        {
            "subject": "Floor",
            "body_html": "<p>Hello</p>",
            "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
            "mailing_domain": "[('id', 'in', [])]",
        }
    )
    sequence, step = make_sequence(env, f"Bench {stamp}")
    sequence.state = "running"
    t_enroll, _ = timed(lambda: sequence._enroll(env["crm.lead"].browse(step_leads)))
    env.cr.commit()
    t_floor, _ = timed(lambda: floor._action_send_mail(res_ids=floor_leads))
    t_step, done = timed(lambda: env["crm.nurture.trace"]._process_due(batch_size=1000))
    assert done == n, done
    assert len(step.mailing_id.mailing_trace_ids) == n
    print(f"email step: {n} participants, batches of 1000")
    print(f"  enrollment (participants + first steps)   {t_enroll:8.3f} s")
    print(f"  plain mass mailing of {n} leads (floor)   {t_floor:8.3f} s")
    print(f"  nurture email step                        {t_step:8.3f} s")
    print(f"  ratio                                     {t_step / t_floor:8.3f}   (goal <= 1.2)")


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
            {"sequence_id": sequence.id, "name": f"Idle step {i}", "trigger": "start",
             "action": "add_tags", "tag_ids": [(0, 0, {"name": f"Idle tag {stamp} {i}"})]}
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
        return timed(lambda: (sequence.success_rate, sequence.won_revenue, sequence.flow_data))

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
    print(f"cockpit of a sequence with {participants} participants, {traces} step traces")
    print(f"  summary + flow picture (form)  {t_form * 1000:8.1f} ms")
    print(f"  funnel report                  {t_funnel * 1000:8.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--participants", type=int, default=10000)
    parser.add_argument("--history", type=int, default=1000000)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    # Testing mode: sends queue their emails and do not commit halfway.
    threading.current_thread().testing = True
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        stamp = int(time.time())
        bench_idle(env, args.history, stamp)
        bench_email_step(env, args.participants, stamp)
        cr.rollback()


if __name__ == "__main__":
    main()
