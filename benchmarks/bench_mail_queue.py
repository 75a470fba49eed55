# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's mail queue through a slow relay: how long one call of its scheduled
action takes, with and without the addon's time budget. Run through
``tools/benchmark queue``.

An SMTP sink on 127.0.0.1 (an ephemeral port) answers each message after a
latency (0, 20, 50, 100 ms by default). Per latency, N emails are queued
(``mail.mail``, outgoing, committed) and one call of the queue's scheduled
action method (``mail.mail.process_email_queue()``, the call the cron makes)
runs in a process of its own, with Odoo's commit after each email, timed:

- budget off: plain Odoo (the addon's override skipped: the base method);
- budget on: the addon's queue (``models/mail_mail.py``) under a cron worker
  limit (``limit_time_real_cron``) of 120 s per 1,000 emails of the batch: the
  call stops after about half of it, the rest left queued.

A call at the default batch size of 1,000 emails through a 100 ms relay lasts
more than 100 s; to keep each measure within --round-seconds, the higher
latencies queue fewer emails (N = round-seconds / (latency + 25 ms), at most
--emails) and the limit of the budget-on side is scaled with N (120 s x N /
1,000): the figures per 1,000 emails are extrapolated from them and labelled
so. Measures interleave (off, on, per latency) over --rounds rounds; prints the
fastest and the median of each.

Not a test: it commits and takes minutes; run it on a throwaway database, as
``tools/benchmark`` does. Usage: bench_mail_queue.py -c ODOO_CONF -d DATABASE
[--latencies MS ...] [--emails N] [--rounds N] [--round-seconds S]
"""

# A script run by hand, not addon code: it prints its figures and commits the data
# it generates.
# pylint: disable=print-used,invalid-commit

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time

import odoo_series  # noqa: F401 (the Odoo modules this script uses, on every series)
from fault_injection import SmtpSink

import odoo
from odoo import SUPERUSER_ID, api

# Odoo's default real-time limit, and its default queue batch size.
LIMIT = 120
BATCH = 1000
# Odoo's own work per email (render, SMTP exchange, commit), an estimate used
# to size the measures only.
OVERHEAD = 0.025


def worker(args):
    """One call of the queue's scheduled action method; print what it did."""
    registry = odoo.modules.registry.Registry(args.database)
    if args.limit:
        odoo.tools.config["limit_time_real_cron"] = args.limit
    from odoo.addons.mass_mailing_crm_nurture.models.mail_mail import (
        MailMail as AddonMailMail,
    )

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        mails = env["mail.mail"]
        outgoing = [("state", "=", "outgoing"), ("subject", "=", args.subject)]
        before = mails.search_count(outgoing)
        cr.commit()
        start = time.perf_counter()
        if args.limit:
            mails.process_email_queue()
        else:
            # Plain Odoo: the method the addon overrides.
            super(AddonMailMail, mails).process_email_queue()
        elapsed = time.perf_counter() - start
        cr.rollback()
        left = mails.search_count(outgoing)
    print(json.dumps({"time": elapsed, "sent": before - left, "left": left}))


class Bench:
    def __init__(self, args, sink):
        self.args, self.sink = args, sink
        self.registry = odoo.modules.registry.Registry(args.database)
        self.results = {}  # (latency, mode) -> [row]
        self.runs = 0

    def env_do(self, fn):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            result = fn(env)
            cr.commit()
            return result

    def setup(self):
        def setup(env):
            env["ir.mail_server"].search([]).active = False
            env["ir.mail_server"].create(
                {
                    "name": "Queue bench sink",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": self.sink.server_address[1],
                    "smtp_encryption": "none",
                }
            )
            # The scheduled action of the queue stays out of the way (no server
            # runs here anyway); the batch size is Odoo's default.
            env["ir.config_parameter"].set_param("mail.mail.queue.batch.size", BATCH)
            # Nothing else queued: only the measure's emails are sent.
            env["mail.mail"].search([("state", "=", "outgoing")]).write(
                {"state": "cancel"}
            )

        self.env_do(setup)

    def emails_for(self, latency):
        seconds = latency / 1000 + OVERHEAD
        return max(min(self.args.emails, int(self.args.round_seconds / seconds)), 20)

    def queue(self, count, subject):
        def make(env):
            env["mail.mail"].create(
                [
                    {
                        "subject": subject,
                        "body_html": f"<p>Hello {n}, a queued email.</p>",
                        "email_from": "bench@example.com",
                        "email_to": f"queue-{self.runs}-{n}@example.com",
                        "state": "outgoing",
                        "auto_delete": False,
                    }
                    for n in range(count)
                ]
            )

        self.env_do(make)

    def measure(self, latency, mode, label, record=True):
        self.runs += 1
        count = self.emails_for(latency)
        subject = f"queue bench {self.runs} {latency}ms {mode}"
        self.queue(count, subject)
        self.sink.latency = latency / 1000
        limit = LIMIT * count / BATCH if mode == "on" else 0
        cmd = [
            sys.executable,
            __file__,
            "-c",
            self.args.config,
            "-d",
            self.args.database,
            "--worker",
            "--subject",
            subject,
            "--limit",
            str(limit),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode:
            print(out.stderr[-2000:])
            raise SystemExit(f"worker failed ({mode}, {latency} ms)")
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row.update(count=count, limit=limit)
        delivered = sum(
            n for (_rcpt, subj), n in self.sink.deliveries.items() if subj == subject
        )
        row["delivered"] = delivered
        print(
            f"  {label:<8} {latency:>3} ms budget {mode:<3} {count:>5} emails: "
            f"{row['time']:6.1f} s, sent {row['sent']}, left {row['left']}, "
            f"delivered {delivered}" + (f" (limit {limit:.0f} s)" if limit else ""),
            flush=True,
        )
        if record:
            self.results.setdefault((latency, mode), []).append(row)
        # What a call left: cancelled, so that the next measure sends its own.
        self.env_do(
            lambda env: env["mail.mail"]
            .search([("subject", "=", subject), ("state", "=", "outgoing")])
            .write({"state": "cancel"})
        )

    def plan(self):
        for latency in self.args.latencies:
            for mode in ("off", "on"):
                yield latency, mode

    def run(self):
        self.setup()
        print(
            f"latencies {self.args.latencies} ms, {self.args.rounds} rounds, "
            f"at most {self.args.emails} emails per call, measures of about "
            f"{self.args.round_seconds:.0f} s",
            flush=True,
        )
        self.measure(0, "off", "warm-up", record=False)
        for index in range(self.args.rounds):
            for latency, mode in self.plan():
                self.measure(latency, mode, f"round {index + 1}")
        self.report()

    def report(self):
        print()
        print(
            "| relay latency | budget | emails queued | call s (fastest / median) "
            "| emails/s (median) | per 1,000 emails (extrapolated) "
            "| one call of 1,000 past 120 s? | sent / left (median call) |"
        )
        print("| ---: | --- | ---: | ---: | ---: | --- | --- | --- |")
        for (latency, mode), rows in self.results.items():
            times = sorted(row["time"] for row in rows)
            median = statistics.median(times)
            middle = min(rows, key=lambda row: abs(row["time"] - median))
            count = rows[0]["count"]
            rate = middle["sent"] / middle["time"] if middle["time"] else 0
            if mode == "off":
                per_1000 = BATCH / rate if rate else 0
                extra = f"{per_1000:.0f} s per 1,000"
                past = "yes" if per_1000 > LIMIT else "no"
            else:
                limit = rows[0]["limit"]
                if middle["left"] > 0:
                    extra = (
                        f"stopped at {middle['time']:.1f} s of a {limit / 2:.1f} s "
                        f"budget (limit {limit:.0f} s), the rest left queued"
                    )
                else:
                    extra = f"{BATCH / rate:.0f} s per 1,000, within the budget"
                stopped = middle["left"] > 0
                past = "no (stops)" if stopped else "no"
            print(
                f"| {latency} ms | {mode} | {count} | {times[0]:.1f} / {median:.1f} "
                f"| {rate:.1f} | {extra} | {past} "
                f"| {middle['sent']} / {middle['left']} |"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--latencies", type=int, nargs="+", default=[0, 20, 50, 100])
    parser.add_argument("--emails", type=int, default=BATCH)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--round-seconds", type=float, default=20.0)
    # Internal: run as the queue's process.
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--subject", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=float, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    if args.worker:
        worker(args)
        return
    sink = SmtpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        Bench(args, sink).run()
    finally:
        sink.shutdown()


if __name__ == "__main__":
    main()
