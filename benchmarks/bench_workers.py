# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Several workers: the nurture engine run by 1, 2 and 4 processes at once on
the same due work. Run through ``tools/benchmark workers``.

Each measure makes fresh due work (a running sequence of two email steps, the
second right after the first, with --participants freshly enrolled leads,
committed), starts N processes at once (each loads its registry, then all start
together) and times from the start to the last process's exit: the engine's
phase. The mail queue's delivery is Odoo's and is not part of it (its scheduled
action is off during the measures). Three ways to run the processes:

- direct: each calls the engine's scheduled action method in a loop until
  nothing is due (as the fault-injection harness's workers do);
- cron, 1 action: each runs Odoo's cron runner on the database (what a cron
  worker does when it wakes up) until nothing is due, with the one standard
  scheduled action: one process runs it, the others find it taken;
- cron, N actions: the same with N copies of the scheduled action (Settings >
  Technical > Scheduled Actions > Duplicate), so that N cron workers share it.

Only the nurture scheduled action(s) are active during the measures; each cron
measure makes them due. Rounds interleave the measures (N = 1, 2, 4 of each
way), after a warm-up round on --warmup participants. Prints per way and N the
fastest and median time, emails per second, queries per email (every process),
the work split (steps each process handled) and the exactly-once check: every
(participant, step) has one done step trace, one mailing trace and one queued
email, none twice, none missing. Exits non-zero if that is violated.

Not a test: it commits and takes minutes; run it on a throwaway database, as
``tools/benchmark`` does. Usage: bench_workers.py -c ODOO_CONF -d DATABASE
[--participants N] [--rounds N] [--warmup N] [--batch N] [--processes N ...]
"""

# A script run by hand, not addon code: it prints its figures and commits the data
# it generates.
# pylint: disable=print-used,invalid-commit

import argparse
import glob
import os
import statistics
import sys
import tempfile
import threading
import time

import odoo_series  # noqa: F401 (the Odoo modules this script uses, on every series)
from fault_injection import Harness, SmtpSink, Workers

import odoo

WAYS = {
    "direct": "direct",
    "cron": "cron, 1 action",
    "cron-copies": "cron, N actions",
}
CRON_XMLID = "mass_mailing_crm_nurture.ir_cron_nurture_process"


class Bench(Harness):
    def __init__(self, args, sink, tmpdir):
        super().__init__(args, sink, tmpdir)
        self.results = {}  # (way, N) -> [measure]
        self.violations = 0
        self.runs = 0

    # -- scheduled actions -------------------------------------------------

    def setup_crons(self):
        """Only the nurture action(s) active; copies of it for the cron measures,
        made as an administrator does (Duplicate)."""

        def setup(env):
            nurture = env.ref(CRON_XMLID)
            others = env["ir.cron"].search([("id", "!=", nurture.id)])
            others.active = False
            copies = env["ir.cron"]
            for _ in range(max(self.args.processes) - 1):
                copies |= nurture.copy({"active": False})
            return others.ids, (nurture | copies).ids

        self.others, self.crons = self.env_do(setup)

    def restore_crons(self):
        def restore(env):
            env["ir.cron"].browse(self.crons[1:]).unlink()
            env["ir.cron"].browse(self.others).active = True

        self.env_do(restore)

    def arm(self, actions):
        """The first ``actions`` nurture actions active and due now, the rest off;
        no trigger or progress left from a previous measure."""

        def arm(env):
            crons = env["ir.cron"].browse(self.crons)
            crons.write({"active": False})
            crons[:actions].write(
                {"active": True, "nextcall": odoo.fields.Datetime.now()}
            )
            env["ir.cron.trigger"].search([("cron_id", "in", crons.ids)]).unlink()
            env["ir.cron.progress"].search([("cron_id", "in", crons.ids)]).unlink()

        self.env_do(arm)

    # -- one measure -------------------------------------------------------

    def measure(self, way, count, participants, label, record=True):
        self.runs += 1
        name = f"w{self.runs}-{way}-{count}"
        steps = self.nurture_sequences(name, participants)
        subjects = [subject for subject, _emails, _bad in steps]
        if way != "direct":
            self.arm(count if way == "cron-copies" else 1)
        due = self.env_do(lambda env: env["crm.nurture.trace"]._count_due())
        go = os.path.join(self.tmpdir, f"go-{self.runs}")
        workers = Workers(self.args, self.tmpdir)
        procs = [
            workers.start(
                "nurture" if way == "direct" else "cron",
                calls=10**6,
                batch=self.args.batch,
                go=go,
                pause=0.25,
            )
            for _ in range(count)
        ]
        # Every process ready (its registry loaded), then all start at once.
        while len(glob.glob(f"{go}.*")) < count:
            if any(proc.poll() is not None for proc in procs):
                break
            time.sleep(0.01)
        start = time.perf_counter()
        open(go, "w").close()  # noqa: SIM115
        for proc in procs:
            proc.wait()
        elapsed = time.perf_counter() - start
        outcome = workers.wait()
        check = self.check(subjects, participants)
        row = {
            "time": elapsed,
            "due": due,
            "emails": 2 * participants,
            "split": outcome["done"],
            "queries": outcome["queries"],
            "crashes": outcome["crashes"],
            "errors": outcome["errors"],
            **check,
        }
        ok = (
            check["once"] == 2 * participants
            and not check["twice"]
            and not check["never"]
            and check["mails"] == 2 * participants
            and not outcome["crashes"]
        )
        if not ok:
            self.violations += 1
        split = "/".join("-" if d is None else str(d) for d in outcome["done"])
        errors = ", ".join(f"{k} x{v}" for k, v in outcome["errors"].items())
        print(
            f"  {label:<8} {WAYS[way]:<16} N={count}  {elapsed:7.2f} s  "
            f"split {split:<24} once {check['once']} twice {check['twice']} "
            f"never {check['never']} mails {check['mails']}"
            f"{'' if ok else '  EXACTLY-ONCE VIOLATED'}"
            f"{'  errors: ' + errors if errors else ''}",
            flush=True,
        )
        if record:
            self.results.setdefault((way, count), []).append(row)

    def check(self, subjects, participants):
        """Per (participant, step) of the sequence whose steps send ``subjects``:
        done step traces, mailing traces and queued emails (mail.mail) of the
        step's mailing for the participant's lead. Once: one of each."""
        rows = self.query(
            """
            WITH steps AS (
                SELECT step.id AS step_id, step.mailing_id, step.sequence_id
                  FROM crm_nurture_step step
                  JOIN mailing_mailing m ON m.id = step.mailing_id
                 WHERE m.subject = ANY(%(subjects)s)
            ), pairs AS (
                SELECT p.id AS participant_id, p.lead_id, s.step_id, s.mailing_id
                  FROM crm_nurture_participant p
                  JOIN steps s ON s.sequence_id = p.sequence_id
            ), traces AS (
                SELECT participant_id, step_id, COUNT(*) AS n
                  FROM crm_nurture_trace
                 WHERE step_id IN (SELECT step_id FROM steps) AND state = 'done'
                 GROUP BY 1, 2
            ), mtraces AS (
                SELECT mass_mailing_id, res_id, COUNT(*) AS n
                  FROM mailing_trace
                 WHERE mass_mailing_id IN (SELECT mailing_id FROM steps)
                 GROUP BY 1, 2
            ), mails AS (
                SELECT mail.mailing_id, msg.res_id, COUNT(*) AS n
                  FROM mail_mail mail
                  JOIN mail_message msg ON msg.id = mail.mail_message_id
                 WHERE mail.mailing_id IN (SELECT mailing_id FROM steps)
                 GROUP BY 1, 2
            ), counts AS (
                SELECT COALESCE(t.n, 0) AS t, COALESCE(mt.n, 0) AS mt,
                       COALESCE(mm.n, 0) AS mm
                  FROM pairs
                  LEFT JOIN traces t ON t.participant_id = pairs.participant_id
                                    AND t.step_id = pairs.step_id
                  LEFT JOIN mtraces mt ON mt.mass_mailing_id = pairs.mailing_id
                                      AND mt.res_id = pairs.lead_id
                  LEFT JOIN mails mm ON mm.mailing_id = pairs.mailing_id
                                    AND mm.res_id = pairs.lead_id
            )
            SELECT COUNT(*) FILTER (WHERE t = 1 AND mt = 1 AND mm = 1),
                   COUNT(*) FILTER (WHERE GREATEST(t, mt, mm) > 1),
                   COUNT(*) FILTER (WHERE LEAST(t, mt, mm) = 0),
                   COALESCE(SUM(mm), 0), COUNT(*)
              FROM counts
            """,
            {"subjects": subjects},
        )
        once, twice, never, mails, pairs = rows[0]
        if pairs != 2 * participants:
            never += 2 * participants - pairs  # participants not even enrolled
        return {"once": once, "twice": twice, "never": never, "mails": int(mails)}

    # -- the whole run -----------------------------------------------------

    def plan(self):
        """The measures of a round: each way, N = 1, 2, 4 (one action is N
        actions when N = 1)."""
        for way in WAYS:
            for count in self.args.processes:
                if way == "cron-copies" and count == 1:
                    continue
                yield way, count

    def run(self, _scenarios=None):
        self.setup_mail_server()
        self.setup_crons()
        started = time.perf_counter()
        print(
            f"{self.args.participants} participants x 2 email steps per measure, "
            f"{self.args.rounds} rounds after a warm-up on {self.args.warmup}, "
            f"batches of {self.args.batch}, {os.cpu_count()} cores",
            flush=True,
        )
        try:
            for way, count in self.plan():
                self.measure(way, count, self.args.warmup, "warm-up", record=False)
            for index in range(self.args.rounds):
                for way, count in self.plan():
                    self.measure(
                        way, count, self.args.participants, f"round {index + 1}"
                    )
        finally:
            self.restore_crons()
        self.report()
        print(f"total {time.perf_counter() - started:.0f} s")

    def report(self):
        print()
        print(
            "| way | N | fastest s | median s | emails/s (median) | queries/email "
            "| split (median run) | once / twice / never | mails |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |")
        for (way, count), rows in self.results.items():
            times = sorted(row["time"] for row in rows)
            median = statistics.median(times)
            middle = min(rows, key=lambda row: abs(row["time"] - median))
            emails = rows[0]["emails"]
            split = "/".join(
                "-" if d is None else str(d) for d in sorted(middle["split"])[::-1]
            )
            queries = statistics.median(row["queries"] for row in rows) / emails
            print(
                f"| {WAYS[way]} | {count} | {times[0]:.2f} | {median:.2f} "
                f"| {emails / median:.0f} | {queries:.1f} | {split} "
                f"| {sum(r['once'] for r in rows)} / {sum(r['twice'] for r in rows)}"
                f" / {sum(r['never'] for r in rows)} "
                f"| {sum(r['mails'] for r in rows)} |"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--participants", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--warmup", type=int, default=1000, help="participants of the warm-up round"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=500,
        help="due steps per batch of the scheduled action (its default: 500)",
    )
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    # The mail server of the harness (a local sink): nothing leaves the machine
    # if an email is sent by mistake.
    sink = SmtpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmpdir:
        bench = Bench(args, sink, tmpdir)
        bench.run()
    sink.shutdown()
    if bench.violations:
        print(f"EXACTLY-ONCE VIOLATED in {bench.violations} measure(s)")
        sys.exit(1)


if __name__ == "__main__":
    main()
