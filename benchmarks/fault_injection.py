# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fault injection: do the engines send exactly once? Run through
``tools/benchmark faults``.

Each scenario runs the real engines in separate worker processes with real
commits, as cron workers do, against a local SMTP sink (127.0.0.1, an ephemeral
port) that records every delivery. Faults: kill -9 in the middle of a recurring
run, of a nurture step, of the mail queue; 2 and 4 processes running an engine at
once; a burst of concurrent tag expiry runs; an email that fails to render among
good ones. For each scenario it prints the recipients, how many got their email
once, twice, never, the errors the workers logged, the workers that crashed, and
the work each worker did (with several workers, each must do some).
Goal: once = all, twice = 0, never = 0, crashes = 0.

Not a test: it commits, kills processes and takes minutes. Generated data is
committed (run it on a throwaway database, as ``tools/benchmark`` does).
Usage: fault_injection.py -c ODOO_CONF -d DATABASE [--recipients N]
[--tags N] [--scenarios NAME ...]
"""

# A script run by hand, not addon code: it prints its figures, commits the data it
# generates, and names its own tables and indexes in SQL.
# pylint: disable=print-used,invalid-commit,sql-injection

import argparse
import collections
import email
import json
import logging
import os
import random
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

import odoo_series
from bench_recurring import make_leads

import odoo
from odoo import SUPERUSER_ID, Command, api

SCENARIOS = (
    "recurring-kill",
    "recurring-2",
    "recurring-4",
    "nurture-kill",
    "nurture-2",
    "nurture-4",
    "queue-kill",
    "expiry-burst",
    "render-error",
)
_logger = logging.getLogger("fault_injection")
# What a worker process did.
STATS = {"done": 0}
# A body whose rendering fails (an unknown field), beside good ones.
BAD_BODY = '<p>Hello <t t-out="object.nonexistent_field"/></p>'


# ----------------------------------------------------------------------
# SMTP sink: just enough SMTP for Odoo's smtplib client
# ----------------------------------------------------------------------


class SmtpSink(socketserver.ThreadingTCPServer):
    """Accepts every message on 127.0.0.1 and records (recipient, subject) and
    its Message-Id. Optionally a relay's behaviour: ``latency`` seconds before it
    answers each message, and a share ``refuse_rate`` of the messages refused
    (a 4xx or 5xx answer to their data, drawn from a seeded generator: Odoo
    marks such an email failed), recorded apart. ``on_message(recipients,
    message)`` is called for each accepted message (a parsed email)."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, latency=0.0, refuse_rate=0.0, seed=0, on_message=None):
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.deliveries = collections.Counter()
        self.message_ids = collections.Counter()
        self.refused = collections.Counter()
        self.refused_ids = collections.Counter()
        self.latency = latency
        self.refuse_rate = refuse_rate
        self.on_message = on_message
        self.random = random.Random(seed)
        self.lock = threading.Lock()

    def refuses(self):
        with self.lock:
            if not self.refuse_rate or self.random.random() >= self.refuse_rate:
                return None
            return self.random.choice(
                ("451 4.3.0 sink: try again later", "554 5.7.1 sink: refused")
            )

    def record(self, recipients, data, refused=False):
        message = email.message_from_bytes(data)
        subject = str(message.get("Subject", ""))
        message_id = str(message.get("Message-Id", "")).strip()
        with self.lock:
            deliveries = self.refused if refused else self.deliveries
            for rcpt in recipients:
                deliveries[(rcpt.lower(), subject)] += 1
            if message_id:
                (self.refused_ids if refused else self.message_ids)[message_id] += 1
        if self.on_message and not refused:
            self.on_message(recipients, message)

    def count(self):
        with self.lock:
            return sum(self.deliveries.values())


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        try:
            self.converse()
        except OSError:
            return  # the client went away (a process killed mid-session)

    def converse(self):
        self.reply("220 sink ready")
        recipients = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb in ("HELO", "NOOP", "RSET", "MAIL"):
                if verb == "RSET":
                    recipients = []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(
                    command.split(":", 1)[1].strip().strip("<>").split(">")[0]
                )
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                if self.server.latency:
                    time.sleep(self.server.latency)
                refusal = self.server.refuses()
                self.server.record(recipients, b"".join(data), refused=bool(refusal))
                recipients = []
                self.reply(refusal or "250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


# ----------------------------------------------------------------------
# Workers: one engine, real commits, as a cron worker
# ----------------------------------------------------------------------


def worker(args):
    """Run one engine until it has nothing due; print what it did as JSON."""
    registry = odoo.modules.registry.Registry(args.database)
    stats = STATS
    # Batches of the nurture scheduled action small enough for every worker to
    # get some.
    from odoo.addons.mass_mailing_crm_nurture.models import crm_nurture_sequence

    crm_nurture_sequence.PROCESS_BATCH_SIZE = args.batch
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        models = {
            "nurture": (env["crm.nurture.trace"], "_process_due"),
            # Odoo's cron runner, running the nurture scheduled action(s).
            "cron": (env["crm.nurture.trace"], "_process_due"),
            "recurring": (env["mailing.mailing"], "_process_recurring"),
            "expiry": (env["crm.lead.tag.stat"], "_expire_tags"),
        }
        if args.worker in models:
            # Count the work of this process (the engines return it).
            model, method = models[args.worker]
            original = getattr(type(model), method)

            def counting(self, *a, **kw):
                result = original(self, *a, **kw)
                stats["done"] += result or 0
                return result

            setattr(type(model), method, counting)
    if args.go:
        # Ready (registry loaded): wait for the signal, so that the processes of a
        # measure start their work together.
        open(f"{args.go}.{os.getpid()}", "w").close()  # noqa: SIM115
        while not os.path.exists(args.go):
            time.sleep(0.01)
    queries = odoo.sql_db.sql_counter
    calls = failed = 0
    left = True
    while left and calls < args.calls:
        calls += 1
        # A call that raises is a failed run of the scheduled action: the
        # scheduler would log it and call again later; so does this loop.
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                left = run_engine(env, args, calls)
                cr.commit()
        except Exception:
            failed += 1
            _logger.exception("Worker %s: the scheduled action failed", args.worker)
        if left and args.worker != "expiry":
            time.sleep(args.pause)  # the rest is another worker's at the moment
    queries = odoo.sql_db.sql_counter - queries
    print(
        json.dumps(
            {
                "done": stats["done"],
                "calls": calls,
                "failed": failed,
                "queries": queries,
            }
        )
    )


def run_engine(env, args, calls):
    """One call of the scheduled action of the engine; whether work is left."""
    if args.worker == "nurture":
        env["crm.nurture.sequence"]._cron_process()
        return env["crm.nurture.trace"]._count_due()
    if args.worker == "cron":
        # What a cron worker does when it wakes up: run every due scheduled
        # action of the database that no other cron worker holds.
        odoo_series.process_cron_jobs(args.database)
        return env["crm.nurture.trace"]._count_due()
    if args.worker == "recurring":
        env["mailing.mailing"]._cron_process_recurring()
        return len(env["mailing.mailing"]._get_due_recurring_mailings())
    if args.worker == "expiry":
        # As the scheduled action, with small batches: a few per call.
        env["crm.lead.tag.stat"]._expire_tags(batch_size=args.batch, max_batches=5)
        return True  # a burst: as many calls as asked
    outgoing = [("state", "=", "outgoing")]
    before = env["mail.mail"].search_count(outgoing)
    env["mail.mail"].process_email_queue()
    left = env["mail.mail"].search_count(outgoing)
    STATS["done"] += before - left  # the emails this call took out of the queue
    return left


class Workers:
    """Worker processes of one scenario, their logs and their outcome."""

    def __init__(self, args, tmpdir):
        self.args, self.tmpdir = args, tmpdir
        self.procs, self.killed = [], set()

    def start(self, kind, calls=50, batch=500, go=None, pause=0.2):
        """Start a worker process running the engine ``kind``; with ``go`` (a
        path), it loads the registry, creates ``go.<pid>`` and waits for ``go``
        to exist before it works."""
        index = len(self.procs)
        log = open(os.path.join(self.tmpdir, f"worker-{index}.log"), "w+")  # noqa: SIM115
        cmd = [
            sys.executable,
            __file__,
            "-c",
            self.args.config,
            "-d",
            self.args.database,
            "--worker",
            kind,
            "--calls",
            str(calls),
            "--batch",
            str(batch),
            "--pause",
            str(pause),
        ]
        if go:
            cmd += ["--go", go]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
        self.procs.append((kind, proc, log))
        return proc

    def kill(self, proc):
        self.killed.add(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)

    def wait(self):
        # done: the work of each process that finished (None if it did not).
        outcome = {
            "work": [],
            "done": [],
            "crashes": 0,
            "queries": 0,
            "errors": collections.Counter(),
        }
        for kind, proc, log in self.procs:
            out, _err = proc.communicate()
            log.seek(0)
            for record in _log_records(log.read()):
                head = record.split("\n", 1)[0]
                if (
                    " ERROR " in head
                    or " CRITICAL " in head
                    or head.startswith("Traceback")
                ):
                    outcome["errors"][_error_name(record)] += 1
                elif " WARNING " in head and "mass_mailing_crm_nurture" in head:
                    # A failure the engine recorded (retried later, shown to users).
                    outcome["errors"][f"{_error_name(record)} (recorded)"] += 1
            if proc.pid in self.killed:
                outcome["work"].append(f"{kind}:killed")
                outcome["done"].append(None)
                continue
            if proc.returncode != 0:
                outcome["crashes"] += 1
                outcome["work"].append(f"{kind}:crashed")
                outcome["done"].append(None)
                continue
            result = json.loads(out.strip().splitlines()[-1])
            outcome["crashes"] += result["failed"]
            outcome["work"].append(f"{kind}:{result['done']}")
            outcome["done"].append(result["done"])
            outcome["queries"] += result.get("queries", 0)
        self.procs = []
        return outcome


def _log_records(text):
    """The log's records: a line starting with a date and the lines under it (a
    traceback), or an uncaught traceback."""
    records = []
    for line in text.splitlines():
        if not records or line[:4].isdigit():
            records.append(line)
        else:
            records[-1] += "\n" + line
    return records


def _error_name(record):
    if "Failed to render" in record:
        return "render error"
    for name in (
        "SerializationFailure",
        "could not serialize",
        "UniqueViolation",
        "LockNotAvailable",
        "QWebException",
        "DeadlockDetected",
        "UserError",
        "ValueError",
        "KeyError",
        "AttributeError",
    ):
        if name in record:
            return "SerializationFailure" if name == "could not serialize" else name
    return record.strip().splitlines()[-1][:40] or "error"


def wait_until(check, timeout=300):
    start = time.time()
    while time.time() - start < timeout:
        if check():
            return True
        time.sleep(0.05)
    return False


# ----------------------------------------------------------------------
# Scenarios
# ----------------------------------------------------------------------


class Harness:
    def __init__(self, args, sink, tmpdir):
        self.args, self.sink, self.tmpdir = args, sink, tmpdir
        self.registry = odoo.modules.registry.Registry(args.database)
        self.stamp = int(time.time())
        self.rows = []

    def env_do(self, fn):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
            result = fn(env)
            cr.commit()
            return result

    def query(self, sql, params=()):
        with self.registry.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()

    def setup_mail_server(self):
        def setup(env):
            env["ir.mail_server"].search([]).active = False
            env["ir.mail_server"].create(
                {
                    "name": "Fault sink",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": self.sink.server_address[1],
                    "smtp_encryption": "none",
                }
            )
            # Everything through the queue, in batches the kill can fall into.
            env["ir.config_parameter"].set_param("mail.mail.force.send.limit", 0)
            env["ir.config_parameter"].set_param("mail.mail.queue.batch.size", 200)

        self.env_do(setup)

    # -- data ------------------------------------------------------------

    def leads(self, env, count, prefix):
        ids = make_leads(env, count, prefix)
        emails = [f"{prefix}-{n}@example.com".lower() for n in range(count)]
        return ids, emails

    def recurring_mailings(self, name, count, mailings=1, body="<p>Hello</p>"):
        """``mailings`` recurring mailings due now, ``count`` new leads split
        between them; return [(subject, emails)]."""

        def make(env):
            result = []
            for i in range(mailings):
                prefix = f"F{self.stamp}{name.replace('-', '')}m{i}"
                _ids, emails = self.leads(env, count // mailings, prefix)
                subject = f"{name} {self.stamp} mailing {i}"
                mailing = env["mailing.mailing"].create(
                    {
                        "subject": subject,
                        "body_html": body if i == 0 else "<p>Hello</p>",
                        "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
                        "mailing_domain": repr([("name", "=like", f"{prefix} %")]),
                        "recurrence_enabled": True,
                        "recurrence_interval": 1,
                        "recurrence_unit": "days",
                        "user_id": SUPERUSER_ID,
                    }
                )
                mailing.action_launch()
                result.append((subject, emails, mailing.id))
            return result

        return self.env_do(make)

    def nurture_sequences(self, name, count, sequences=1, bad_first=False):
        """Running sequences of two email steps (the second right after the
        first), ``count`` participants split between them."""

        def make(env):
            result = []
            for i in range(sequences):
                prefix = f"F{self.stamp}{name.replace('-', '')}s{i}"
                ids, emails = self.leads(env, count // sequences, prefix)
                sequence = env["crm.nurture.sequence"].create(
                    {"name": f"{name} {i}", "enrollment_mode": "none", "send_tz": "UTC"}
                )
                first = env["crm.nurture.step"].create(
                    {
                        "sequence_id": sequence.id,
                        "name": f"{name} {self.stamp} s{i} step 1",
                        "trigger": "start",
                    }
                )
                second = env["crm.nurture.step"].create(
                    {
                        "sequence_id": sequence.id,
                        "name": f"{name} {self.stamp} s{i} step 2",
                        "trigger": "after_parent",
                        "parent_id": first.id,
                        "delay": 0,
                    }
                )
                bad = bad_first and i == 0
                first.mailing_id.body_html = BAD_BODY if bad else "<p>Hello</p>"
                second.mailing_id.body_html = "<p>Again</p>"
                sequence.action_start()
                sequence._enroll(env["crm.lead"].browse(ids))
                result.append((first.mailing_id.subject, emails, bad))
                result.append((second.mailing_id.subject, emails, bad))
            return result

        return self.env_do(make)

    # -- outcome ---------------------------------------------------------

    def tally(self, scenario, expected, outcome, held=()):
        """``expected``: (subject, emails) that must be delivered once each;
        ``held``: (subject, emails) that must not leave (a failing email)."""
        once = twice = never = total = 0
        for subject, emails in expected:
            for address in emails:
                total += 1
                n = self.sink.deliveries.get((address, subject), 0)
                once += n == 1
                twice += n >= 2
                never += n == 0
        leaked = sum(
            self.sink.deliveries.get((address, subject), 0)
            for subject, emails in held
            for address in emails
        )
        errors = (
            ", ".join(f"{k} x{v}" for k, v in outcome["errors"].most_common()) or "-"
        )
        extra = f"; failing email sent {leaked}" if held else ""
        self.rows.append(
            (
                scenario,
                total,
                once,
                twice,
                never,
                outcome["crashes"],
                errors + extra,
                " ".join(outcome["work"]),
            )
        )
        self.print_row(self.rows[-1])

    @staticmethod
    def print_row(row):
        print(
            "{:<14} {:>7} {:>7} {:>6} {:>6} {:>8}  {:<40} {}".format(*row), flush=True
        )

    def deliver(self, workers):
        """Run the mail queue until it is empty."""
        workers.start("queue").wait()

    def run_kill(self, kind, expected, progress, threshold):
        """One worker killed (kill -9) once ``progress()`` reaches ``threshold``,
        then a second worker and the mail queue finish the work."""
        workers = Workers(self.args, self.tmpdir)
        proc = workers.start(kind)
        wait_until(lambda: progress() >= threshold or proc.poll() is not None)
        if proc.poll() is None:
            workers.kill(proc)
        proc.wait()
        workers.start(kind)
        outcome = workers.wait()
        if kind != "queue":
            self.deliver(Workers(self.args, self.tmpdir))
        return outcome

    def run_parallel(self, kind, count, batch=500):
        workers = Workers(self.args, self.tmpdir)
        for _ in range(count):
            workers.start(kind, batch=batch)
        outcome = workers.wait()
        self.deliver(Workers(self.args, self.tmpdir))
        return outcome

    # -- scenarios ---------------------------------------------------------

    def scenario_recurring_kill(self, name):
        mailings = self.recurring_mailings(name, self.args.recipients)
        mailing_id = mailings[0][2]

        def progress():
            return self.query(
                "SELECT COUNT(*) FROM mailing_trace WHERE mass_mailing_id = %s",
                [mailing_id],
            )[0][0]

        outcome = self.run_kill("recurring", None, progress, self.args.recipients // 3)
        self.tally(name, [(s, e) for s, e, _id in mailings], outcome)

    def scenario_recurring_parallel(self, name, count):
        mailings = self.recurring_mailings(
            name, self.args.recipients, mailings=2 * count
        )
        outcome = self.run_parallel("recurring", count)
        self.tally(name, [(s, e) for s, e, _id in mailings], outcome)

    def scenario_nurture_kill(self, name):
        steps = self.nurture_sequences(name, self.args.recipients)
        subject = steps[0][0]

        def progress():
            return self.query(
                """SELECT COUNT(*) FROM mailing_trace trace
                     JOIN mailing_mailing m ON m.id = trace.mass_mailing_id
                    WHERE m.subject = %s""",
                [subject],
            )[0][0]

        outcome = self.run_kill("nurture", None, progress, self.args.recipients // 3)
        self.tally(name, [(s, e) for s, e, _bad in steps], outcome)

    def scenario_nurture_parallel(self, name, count):
        steps = self.nurture_sequences(name, self.args.recipients)
        # Batches small enough that every worker gets some.
        outcome = self.run_parallel(
            "nurture", count, batch=max(self.args.recipients // 20, 1)
        )
        self.tally(name, [(s, e) for s, e, _bad in steps], outcome)

    def scenario_queue_kill(self, name):
        mailings = self.recurring_mailings(name, self.args.recipients)
        workers = Workers(self.args, self.tmpdir)
        workers.start("recurring").wait()
        before = self.sink.count()
        outcome = self.run_kill(
            "queue", None, lambda: self.sink.count() - before, self.args.recipients // 3
        )
        self.tally(name, [(s, e) for s, e, _id in mailings], outcome)

    def scenario_expiry_burst(self, name, count=4):
        """Tags with a lifetime, all expired; ``count`` workers call the expiry
        many times with small batches at once. Every tag must leave its lead
        (never = still on the lead), none of the calls may fail."""
        prefix = f"F{self.stamp}exp"

        def make(env):
            tag = env["crm.tag"].create(
                {"name": f"Fault {self.stamp}", "lifetime_days": 1}
            )
            ids = make_leads(env, self.args.tags, prefix)
            env["crm.lead"].browse(ids).write({"tag_ids": [Command.link(tag.id)]})
            env.flush_all()
            env.cr.execute(
                "UPDATE crm_lead_tag_count SET expires_on = now() - interval '1 hour' "
                "WHERE tag_id = %s",
                [tag.id],
            )
            return tag.id

        tag_id = self.env_do(make)
        workers = Workers(self.args, self.tmpdir)
        batch = max(self.args.tags // 100, 10)
        for _ in range(count):
            workers.start("expiry", calls=self.args.expiry_calls, batch=batch)
        outcome = workers.wait()
        left = self.query(
            "SELECT COUNT(*) FROM crm_tag_rel WHERE tag_id = %s", [tag_id]
        )[0][0]
        errors = (
            ", ".join(f"{k} x{v}" for k, v in outcome["errors"].most_common()) or "-"
        )
        calls = f"{count} x {self.args.expiry_calls} calls"
        self.rows.append(
            (
                name,
                self.args.tags,
                self.args.tags - left,
                0,
                left,
                outcome["crashes"],
                f"{errors} ({calls})",
                " ".join(outcome["work"]),
            )
        )
        self.print_row(self.rows[-1])

    def scenario_render_error(self, name):
        """A nurture sequence whose first email does not render beside a good one,
        a recurring mailing that does not render beside a good one: the good ones
        go out once, the bad ones never, nothing crashes."""
        steps = self.nurture_sequences(
            name, self.args.recipients // 2, sequences=2, bad_first=True
        )
        mailings = self.recurring_mailings(
            name, self.args.recipients // 2, mailings=2, body=BAD_BODY
        )
        workers = Workers(self.args, self.tmpdir)
        workers.start("nurture")
        workers.start("recurring")
        outcome = workers.wait()
        self.deliver(Workers(self.args, self.tmpdir))
        good = [(s, e) for s, e, bad in steps if not bad] + [
            (s, e) for s, e, _ in mailings[1:]
        ]
        held = [(s, e) for s, e, bad in steps if bad] + [
            (s, e) for s, e, _ in mailings[:1]
        ]
        self.tally(name, good, outcome, held=held)

    def run(self, scenarios):
        self.setup_mail_server()
        print(
            f"SMTP sink on 127.0.0.1:{self.sink.server_address[1]}; "
            f"{self.args.recipients} recipients, {self.args.tags} tags"
        )
        header = (
            "scenario",
            "recips",
            "once",
            "twice",
            "never",
            "crashes",
            "errors seen",
            "work per process",
        )
        self.print_row(header)
        for name in scenarios:
            if name == "recurring-kill":
                self.scenario_recurring_kill(name)
            elif name.startswith("recurring-"):
                self.scenario_recurring_parallel(name, int(name.split("-")[1]))
            elif name == "nurture-kill":
                self.scenario_nurture_kill(name)
            elif name.startswith("nurture-"):
                self.scenario_nurture_parallel(name, int(name.split("-")[1]))
            elif name == "queue-kill":
                self.scenario_queue_kill(name)
            elif name == "expiry-burst":
                self.scenario_expiry_burst(name)
            elif name == "render-error":
                self.scenario_render_error(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--tags", type=int, default=5000)
    parser.add_argument(
        "--expiry-calls",
        type=int,
        default=150,
        help="expiry calls per worker in the burst",
    )
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=SCENARIOS)
    # Internal: run as a worker process.
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=1000, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, default=500, help=argparse.SUPPRESS)
    parser.add_argument("--pause", type=float, default=0.2, help=argparse.SUPPRESS)
    parser.add_argument("--go", help=argparse.SUPPRESS)
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    if args.worker:
        worker(args)
        return
    sink = SmtpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmpdir:
        Harness(args, sink, tmpdir).run(args.scenarios)
    sink.shutdown()


if __name__ == "__main__":
    main()
