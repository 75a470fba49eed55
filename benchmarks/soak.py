# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Soak: a real Odoo server sends a nurture sequence and a recurring mailing
while opens and clicks arrive over HTTP and its processes are killed. Run
through ``tools/benchmark soak``.

- ``odoo-bin`` with ``--workers 2 --max-cron-threads 3`` (``--limit-time-real``
  and ``--limit-time-real-cron`` settable, Odoo's 120 s by default), HTTP on a
  free port of 127.0.0.1, the nurture scheduled action plus one copy (interval
  1 minute, as README "Deploying for volume" advises);
- its mail server: an SMTP sink on 127.0.0.1 answering each message after a
  latency (--latency, 20 ms) and refusing a share of them (--refuse-rate, 1 %:
  a 4xx or 5xx answer; Odoo marks those emails failed: counted as "refused by
  the relay", not as "never");
- --participants leads in a running sequence of three email steps: step 1,
  then "opened" (step 2) or "not opened" (step 3), each one hour after step 1;
  and a recurring mailing to as many other leads;
- meanwhile a thread fetches, over HTTP, the tracking image of a seeded share
  of the emails the sink received (--open-rate), --open-delay seconds after
  their arrival, and a tracked link of some of them (--click-rate), and
  records each request's latency; an open of step 1 starts the participant's
  step 2 at once and cancels its step 3;
- once every step 1 email is delivered (or refused) and its opens made, the
  harness lets the branches' hour pass (their scheduled time set to now): the
  "not opened" steps run;
- kill -9 of a busy cron worker (--worker-kills, Odoo's master starts another)
  and of the whole server (--server-kills; then a restart), at moments drawn
  from a seeded generator (--seed) while work is left;
- until no work is left (no participant running, no email queued, the
  recurring run done, the opens made) or --timeout.

It prints one table: emails expected, delivered once, twice, never (by
recipient and by Message-Id), refused by the relay, emails of a branch not
taken, participants stuck (running with nothing scheduled, or scheduled in the
past beyond --grace), "WorkerCron ... timeout" and CPU-limit lines of the
server's log (goal 0), the tracking routes' p50 / p95 latency, the throughput.

Not a test: it commits, starts and kills processes, and takes many minutes; run
it on a throwaway database, as ``tools/benchmark`` does. Everything listens on
127.0.0.1 only; every process it starts is killed at the end.
Usage: soak.py -c ODOO_CONF -d DATABASE [--participants N] [--latency MS]
[--refuse-rate R] [--worker-kills N] [--server-kills N] [--timeout S] ...
"""

# A script run by hand, not addon code: it prints its figures, commits the data it
# generates, and names the addon's tables in SQL.
# pylint: disable=print-used,invalid-commit

import argparse
import collections
import http.client
import os
import queue
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import odoo_series
import psutil
from bench_recurring import make_leads
from fault_injection import SmtpSink

import odoo
from odoo import SUPERUSER_ID, api

CRON_XMLID = "mass_mailing_crm_nurture.ir_cron_nurture_process"
ADDON_CRONS = (
    CRON_XMLID,
    "mass_mailing_crm_nurture.ir_cron_mailing_recurrence",
    "mail.ir_cron_mail_scheduler_action",
)
BODY = (
    '<p>Hello, here is <a href="https://www.example.com/offer/{n}">our offer</a>.'
    "</p>"
)
TRACK_RE = re.compile(r'(https?://[^"\'\s>]+/mail/track/\d+/[^"\'\s>]+/blank\.gif)')
LINK_RE = re.compile(r'(https?://[^"\'\s>]+/r/[^"\'\s>/]+/m/\d+)')
ALIVE_RE = re.compile(r"Worker WorkerCron \((\d+)\) alive")
TIMEOUT_RE = re.compile(r"WorkerCron \(\d+\) timeout after")

# The user agent of the opens and clicks: Thunderbird's, a person reading.
MAIL_CLIENT_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_bin():
    """The command of Odoo's server, as the project's tools run it."""
    root = odoo_series.odoo_root()
    script = os.path.join(root, "odoo-bin")
    return (
        [sys.executable, script]
        if os.path.exists(script)
        else [
            sys.executable,
            "-m",
            "odoo",
        ]
    )


class Server:
    """``odoo-bin`` in a process group of its own, its log in a file."""

    def __init__(self, args, tmpdir):
        self.args = args
        self.port = free_port()
        self.gevent_port = free_port()
        self.log_path = os.path.join(tmpdir, "odoo.log")
        self.proc = None
        self.starts = 0

    def command(self):
        return odoo_bin() + [
            "-c",
            self.args.config,
            "-d",
            self.args.database,
            f"--db-filter=^{re.escape(self.args.database)}$",
            "--workers=2",
            f"--max-cron-threads={self.args.cron_threads}",
            f"--limit-time-real={self.args.limit_time_real}",
            f"--limit-time-real-cron={self.args.limit_time_real_cron}",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--gevent-port={self.gevent_port}",
            f"--logfile={self.log_path}",
            "--log-level=info",
        ]

    def start(self):
        env = dict(os.environ)
        if self.args.notify_cron_changes:
            env["ODOO_NOTIFY_CRON_CHANGES"] = "1"
        self.proc = subprocess.Popen(  # noqa: S603
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
        self.starts += 1
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/web/webclient/version_info")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the Odoo server did not answer within 120 s")

    def kill(self):
        """kill -9 of the whole server (its process group)."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                self.proc.poll()  # gone already
            self.proc.wait()
        # Workers left behind (none should be: same group), killed by id.
        for child in self._group_leftovers():
            try:
                child.kill()
            except psutil.Error:
                continue

    def _group_leftovers(self):
        if not self.proc:
            return []
        found = []
        for proc in psutil.process_iter(["pid"]):
            try:
                if os.getpgid(proc.pid) == self.proc.pid:
                    found.append(proc)
            except (ProcessLookupError, psutil.Error):
                continue
        return found

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                return log.read()
        except OSError:
            return ""

    def cron_workers(self):
        """Live cron worker processes: children of the master whose pid the log
        announced as a WorkerCron (their process title, when the setproctitle
        package is installed, says so too)."""
        if not self.proc or self.proc.poll() is not None:
            return []
        announced = {int(pid) for pid in ALIVE_RE.findall(self.log())}
        try:
            children = psutil.Process(self.proc.pid).children()
        except psutil.Error:
            return []
        workers = []
        for child in children:
            try:
                if child.pid in announced or "WorkerCron" in " ".join(child.cmdline()):
                    workers.append(child)
            except psutil.Error:
                continue
        return workers


class Tracker(threading.Thread):
    """Opens and clicks over HTTP: the tracking image and a tracked link of the
    emails the sink received, as a mail client would fetch them."""

    def __init__(self, args, server):
        super().__init__(daemon=True)
        self.args, self.server = args, server
        self.random = random.Random(args.seed + 1)
        self.todo = queue.Queue()
        self.retry = collections.deque()
        self.latencies = []
        self.failures = 0
        self.opened = set()  # (recipient, subject) whose open was recorded
        self.pending = 0
        self.first_arrival = self.last_arrival = None
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def on_message(self, recipients, message):
        """Called by the sink for each accepted message: decide (seeded) whether
        it is opened and clicked."""
        now = time.time()
        self.first_arrival = self.first_arrival or now
        self.last_arrival = now
        subject = str(message.get("Subject", ""))
        html = ""
        for part in message.walk():
            if part.get_content_type() == "text/html":
                payload = part.get_payload(decode=True) or b""
                html += payload.decode(part.get_content_charset() or "utf-8", "replace")
        with self.lock:
            opens = self.random.random() < self.args.open_rate
            clicks = opens and self.random.random() < self.args.click_rate
        if not opens:
            return
        urls = []
        track = TRACK_RE.search(html)
        link = LINK_RE.search(html)
        if track:
            urls.append(track.group(1))
        if clicks and link:
            urls.append(link.group(1))
        if urls:
            key = (recipients[0].lower(), subject)
            with self.lock:
                self.pending += 1
            self.todo.put((time.time() + self.args.open_delay, key, urls))

    def busy(self):
        with self.lock:
            return self.pending > 0

    def fetch(self, url):
        parts = urllib.parse.urlsplit(url)
        # Only this server: the base URL is 127.0.0.1 and its port.
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            start = time.perf_counter()
            # A person's mail client: the addon counts a request without a user
            # agent as no person's (engagement_signal), and no branch follows it.
            conn.request("GET", path, headers={"User-Agent": MAIL_CLIENT_AGENT})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
        finally:
            conn.close()
        # The link redirects to its target (never followed); the image is 200.
        if response.status not in (200, 301, 302, 303):
            raise OSError(f"HTTP {response.status}")
        return elapsed

    def run(self):
        while not self.stop.is_set():
            try:
                item = self.todo.get(timeout=0.2)
            except queue.Empty:
                if self.retry:
                    item = self.retry.popleft()
                else:
                    continue
            due, key, urls = item
            if due > time.time():
                time.sleep(due - time.time())
            try:
                for url in urls:
                    self.latencies.append(self.fetch(url))
                with self.lock:
                    self.opened.add(key)
                    self.pending -= 1
            except OSError:
                # The server is down (killed) or busy: try again later.
                self.failures += 1
                self.retry.append(item)
                time.sleep(0.5)


class Soak:
    def __init__(self, args, tmpdir):
        self.args, self.tmpdir = args, tmpdir
        self.rng = random.Random(args.seed)
        self.registry = odoo.modules.registry.Registry(args.database)
        self.stamp = int(time.time())
        self.server = Server(args, tmpdir)
        self.tracker = Tracker(args, self.server)
        self.sink = SmtpSink(
            latency=args.latency / 1000,
            refuse_rate=args.refuse_rate,
            seed=args.seed + 2,
            on_message=self.tracker.on_message,
        )
        self.events = []

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

    def log_event(self, text):
        elapsed = time.time() - self.started
        self.events.append(f"{elapsed:6.0f} s  {text}")
        print(f"  [{elapsed:6.0f} s] {text}", flush=True)

    # -- set-up -------------------------------------------------------------

    def setup(self):
        count = self.args.participants
        prefix = f"S{self.stamp}"

        def setup(env):
            env["ir.mail_server"].search([]).active = False
            env["ir.mail_server"].create(
                {
                    "name": "Soak sink",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": self.sink.server_address[1],
                    "smtp_encryption": "none",
                }
            )
            params = env["ir.config_parameter"]
            params.set_param("web.base.url", f"http://127.0.0.1:{self.server.port}")
            params.set_param("web.base.url.freeze", True)
            # The nurture action and one copy, as README "Deploying for volume"
            # advises (the copy at an interval of 1 minute).
            nurture = env.ref(CRON_XMLID)
            copy = nurture.copy({"interval_number": 1, "interval_type": "minutes"})
            for xmlid in ADDON_CRONS:
                env.ref(xmlid).write({"nextcall": odoo.fields.Datetime.now()})
            copy.nextcall = odoo.fields.Datetime.now()
            # The sequence: step 1, then "opened" or "not opened" an hour later.
            lead_ids = make_leads(env, count, f"{prefix}n")
            sequence = env["crm.nurture.sequence"].create(
                {
                    "name": f"Soak {self.stamp}",
                    "enrollment_mode": "none",
                    "send_tz": "UTC",
                }
            )
            steps = []
            for name, trigger, parent in (
                ("step 1", "start", None),
                ("step 2 opened", "opened", 0),
                ("step 3 not opened", "not_opened", 0),
            ):
                values = {
                    "sequence_id": sequence.id,
                    "name": f"Soak {self.stamp} {name}",
                    "trigger": trigger,
                }
                if parent is not None:
                    values.update(
                        parent_id=steps[parent].id, delay=1, delay_unit="hours"
                    )
                step = env["crm.nurture.step"].create(values)
                step.mailing_id.body_html = BODY.format(n=len(steps) + 1)
                steps.append(step)
            sequence.action_start()
            sequence._enroll(env["crm.lead"].browse(lead_ids))
            # The recurring mailing, to as many other leads.
            make_leads(env, count, f"{prefix}r")
            mailing = env["mailing.mailing"].create(
                {
                    "subject": f"Soak {self.stamp} recurring",
                    "body_html": BODY.format(n=0),
                    "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
                    "mailing_domain": repr([("name", "=like", f"{prefix}r %")]),
                    "recurrence_enabled": True,
                    "recurrence_interval": 1,
                    "recurrence_unit": "days",
                    "user_id": SUPERUSER_ID,
                }
            )
            mailing.action_launch()
            return {
                "sequence": sequence.id,
                "steps": [step.id for step in steps],
                "subjects": [step.mailing_id.subject for step in steps],
                "mailing": mailing.id,
                "recurring_subject": mailing.subject,
                "copy": copy.id,
            }

        self.data = self.env_do(setup)
        self.recurring_emails = [
            email
            for (email,) in self.query(
                "SELECT email_normalized FROM crm_lead WHERE name LIKE %s",
                [f"{prefix}r %"],
            )
        ]
        self.participant_emails = dict(
            self.query(
                """SELECT p.id, l.email_normalized FROM crm_nurture_participant p
                     JOIN crm_lead l ON l.id = p.lead_id WHERE p.sequence_id = %s""",
                [self.data["sequence"]],
            )
        )

    def cleanup_crons(self):
        self.env_do(lambda env: env["ir.cron"].browse(self.data["copy"]).unlink())

    # -- progress -------------------------------------------------------------

    def step1_settled(self):
        subject = self.data["subjects"][0]
        emails = set(self.participant_emails.values())
        with self.sink.lock:
            seen = {
                rcpt
                for (rcpt, subj) in list(self.sink.deliveries) + list(self.sink.refused)
                if subj == subject
            }
        return len(emails - seen) == 0 or self.step1_left() == 0

    def step1_left(self):
        """Step 1 emails not yet out: steps not done, or emails still queued."""
        return self.query(
            """SELECT
                 (SELECT COUNT(*) FROM crm_nurture_trace
                   WHERE step_id = %(step)s AND state = 'scheduled')
               + (SELECT COUNT(*) FROM mail_mail m
                    JOIN crm_nurture_step s ON s.mailing_id = m.mailing_id
                   WHERE s.id = %(step)s AND m.state = 'outgoing')""",
            {"step": self.data["steps"][0]},
        )[0][0]

    def work_left(self):
        rows = self.query(
            """SELECT
                 (SELECT COUNT(*) FROM crm_nurture_participant
                   WHERE sequence_id = %(seq)s AND state = 'running'),
                 (SELECT COUNT(*) FROM mail_mail WHERE state = 'outgoing'),
                 (SELECT COUNT(*) FROM mailing_trace t
                    JOIN mailing_mailing m ON m.id = t.mass_mailing_id
                   WHERE m.id = %(mailing)s)
            """,
            {"seq": self.data["sequence"], "mailing": self.data["mailing"]},
        )[0]
        running, queued, recurring = rows
        return {
            "running": running,
            "queued": queued,
            "recurring_left": max(len(self.recurring_emails) - recurring, 0),
        }

    def advance_branches(self):
        """The branches' hour passes: their steps are due now."""

        def advance(env):
            env.cr.execute(
                """UPDATE crm_nurture_trace
                      SET scheduled_date = now() at time zone 'UTC'
                    WHERE state = 'scheduled' AND step_id = ANY(%s)""",
                [self.data["steps"][1:]],
            )
            count = env.cr.rowcount
            env.ref(CRON_XMLID)._trigger()
            return count

        count = self.env_do(advance)
        self.log_event(f"the branches' hour passes: {count} steps due now")

    # -- faults -----------------------------------------------------------

    def kill_worker(self):
        workers = self.server.cron_workers()
        if not workers:
            self.log_event("no cron worker to kill")
            return
        # A busy one (CPU used in the last half second), else any.
        for proc in workers:
            try:
                proc.cpu_percent(None)
            except psutil.Error:
                continue
        time.sleep(0.5)
        busy = []
        for proc in workers:
            try:
                if proc.cpu_percent(None) > 1:
                    busy.append(proc)
            except psutil.Error:
                continue
        victim = self.rng.choice(sorted(busy or workers, key=lambda p: p.pid))
        try:
            victim.kill()
            self.log_event(
                f"kill -9 of cron worker {victim.pid} ({'busy' if busy else 'idle'})"
            )
        except psutil.Error:
            self.log_event("the cron worker chosen was gone")

    def kill_server(self):
        self.server.kill()
        self.log_event("kill -9 of the whole server")
        time.sleep(self.rng.uniform(1, 5))
        self.server.start()
        self.log_event("server restarted")

    # -- the run ----------------------------------------------------------

    def run(self):
        self.started = time.time()
        self.setup()
        print(
            f"{self.args.participants} participants x 3 email steps (1, then opened "
            f"or not opened), a recurring mailing to {len(self.recurring_emails)} "
            f"leads; sink latency {self.args.latency} ms, refusals "
            f"{self.args.refuse_rate:.1%}; --workers 2 --max-cron-threads "
            f"{self.args.cron_threads}, limit_time_real {self.args.limit_time_real} s, "
            f"limit_time_real_cron {self.args.limit_time_real_cron} s; the nurture "
            f"action + 1 copy; {os.cpu_count()} cores; seed {self.args.seed}",
            flush=True,
        )
        self.started = time.time()
        self.server.start()
        self.log_event(f"server up on 127.0.0.1:{self.server.port}")
        self.tracker.start()
        faults = ["worker"] * self.args.worker_kills + [
            "server"
        ] * self.args.server_kills
        self.rng.shuffle(faults)
        next_fault = None  # drawn once the first email is delivered
        advanced = False
        deadline = self.started + self.args.timeout
        last_report = 0
        while time.time() < deadline:
            time.sleep(2)
            left = self.work_left()
            if not advanced and self.step1_settled() and not self.tracker.busy():
                self.advance_branches()
                advanced = True
            if next_fault is None and self.sink.count():
                next_fault = time.time() + self.rng.uniform(*self.args.fault_gap)
            if faults and next_fault and time.time() >= next_fault:
                kind = faults.pop(0)
                self.kill_worker() if kind == "worker" else self.kill_server()
                next_fault = time.time() + self.rng.uniform(*self.args.fault_gap)
            if time.time() - last_report > 30:
                last_report = time.time()
                self.log_event(
                    f"delivered {self.sink.count()}, refused "
                    f"{sum(self.sink.refused.values())}, participants running "
                    f"{left['running']}, queued {left['queued']}, recurring left "
                    f"{left['recurring_left']}, opens/clicks made "
                    f"{len(self.tracker.latencies)}"
                )
            if (
                advanced
                and not left["running"]
                and not left["queued"]
                and not left["recurring_left"]
                and not self.tracker.busy()
            ):
                if not faults:
                    break
                # Work done before every fault happened: no fault is left to
                # inject in the middle of work; the rest are skipped.
                self.log_event(f"all work done; {len(faults)} fault(s) not injected")
                break
        self.finished = time.time()
        self.timed_out = time.time() >= deadline
        self.left_at_end = self.work_left()
        self.tracker.stop.set()
        return self.report()

    # -- the outcome ------------------------------------------------------

    def expected(self):
        """(recipient, subject) that must be delivered once each: step 1 to every
        participant; step 2 to those whose step 1 was opened (an open or a click
        recorded over HTTP), step 3 to the others, none to those whose step 1
        the relay refused; the recurring mailing to its leads."""
        s1, s2, s3 = self.data["subjects"]
        expected, not_expected = [], []
        for email in self.participant_emails.values():
            expected.append((email, s1))
            if self.sink.refused.get((email, s1)) and not self.sink.deliveries.get(
                (email, s1)
            ):
                not_expected += [(email, s2), (email, s3)]
                continue
            opened = (email, s1) in self.tracker.opened
            expected.append((email, s2 if opened else s3))
            not_expected.append((email, s3 if opened else s2))
        expected += [
            (email, self.data["recurring_subject"]) for email in self.recurring_emails
        ]
        return expected, not_expected

    def report(self):
        expected, not_expected = self.expected()
        by_rcpt = collections.Counter()
        for key in expected:
            delivered = self.sink.deliveries.get(key, 0)
            if delivered == 1:
                by_rcpt["once"] += 1
            elif delivered > 1:
                by_rcpt["twice"] += 1
            elif self.sink.refused.get(key):
                by_rcpt["refused"] += 1
            else:
                by_rcpt["never"] += 1
        wrong_branch = sum(self.sink.deliveries.get(key, 0) for key in not_expected)
        # By Message-Id: the mailing traces of the soak's mailings.
        ids = [
            message_id.strip()
            for (message_id,) in self.query(
                """SELECT t.message_id FROM mailing_trace t
                     JOIN mailing_mailing m ON m.id = t.mass_mailing_id
                     LEFT JOIN crm_nurture_step s ON s.mailing_id = m.id
                    WHERE (s.id = ANY(%(steps)s) OR m.id = %(mailing)s)
                      AND t.message_id IS NOT NULL""",
                {"steps": self.data["steps"], "mailing": self.data["mailing"]},
            )
        ]
        by_id = collections.Counter()
        for message_id in ids:
            delivered = self.sink.message_ids.get(message_id, 0)
            if delivered == 1:
                by_id["once"] += 1
            elif delivered > 1:
                by_id["twice"] += 1
            elif self.sink.refused_ids.get(message_id):
                by_id["refused"] += 1
            else:
                by_id["never"] += 1
        stuck = self.query(
            """SELECT COUNT(*) FROM crm_nurture_participant p
                WHERE p.sequence_id = %(seq)s AND p.state = 'running'
                  AND NOT EXISTS (
                      SELECT 1 FROM crm_nurture_trace t
                       WHERE t.participant_id = p.id AND t.state = 'scheduled'
                         AND t.scheduled_date > now() at time zone 'UTC'
                                                - %(grace)s * interval '1 second')""",
            {"seq": self.data["sequence"], "grace": self.args.grace},
        )[0][0]
        running = self.work_left()["running"]
        log = self.server.log()
        timeouts = len(TIMEOUT_RE.findall(log))
        cpu = log.count("CPU time limit")
        kinds = collections.Counter(
            re.sub(r"\d+", "N", line.split(" ERROR ", 1)[1].split(": ", 1)[-1])[:60]
            for line in log.splitlines()
            if " ERROR " in line and "failed sending mail" not in line
        )
        errors = sum(kinds.values())
        if errors:
            errors = f"{errors}: " + "; ".join(
                f"{kind} x{n}" for kind, n in kinds.most_common(4)
            )
        latencies = sorted(self.tracker.latencies)
        p50 = statistics.median(latencies) * 1000 if latencies else 0
        p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else 0
        delivered = self.sink.count()
        first, last = self.tracker.first_arrival, self.tracker.last_arrival
        minutes = max((last - first) / 60, 1 / 60) if first else 1
        rows = [
            (
                "emails expected (by recipient / by Message-Id)",
                f"{len(expected)} / {len(ids)}",
            ),
            ("delivered once", f"{by_rcpt['once']} / {by_id['once']}"),
            ("delivered twice or more", f"{by_rcpt['twice']} / {by_id['twice']}"),
            ("never delivered", f"{by_rcpt['never']} / {by_id['never']}"),
            (
                "refused by the relay (failed in Odoo)",
                f"{by_rcpt['refused']} / {by_id['refused']}",
            ),
            ("emails of a branch not taken", str(wrong_branch)),
            ("participants stuck / still running", f"{stuck} / {running}"),
            ('"WorkerCron ... timeout" lines in the log', str(timeouts)),
            ('"CPU time limit" lines in the log', str(cpu)),
            ("other ERROR lines in the log", str(errors)),
            (
                "tracking requests (opens + clicks): count, p50 / p95",
                f"{len(latencies)}, {p50:.0f} / {p95:.0f} ms "
                f"({self.tracker.failures} failed while the server was down, retried)",
            ),
            (
                "throughput",
                f"{delivered} emails in {minutes:.1f} min (first to last delivery; the "
                f"whole run {(self.finished - self.started) / 60:.1f} min) = "
                f"{delivered / minutes:.0f} emails/min",
            ),
            (
                "faults injected",
                "; ".join(e.split("  ", 1)[1] for e in self.events if "kill" in e)
                or "-",
            ),
            ("server starts", str(self.server.starts)),
        ]
        if self.timed_out:
            left = self.left_at_end
            rows.append(
                (
                    "STOPPED BY --timeout, work left (counted in never)",
                    f"{left['running']} participants running, {left['queued']} "
                    f"emails queued, {left['recurring_left']} recurring recipients",
                )
            )
        print()
        print("| measure | figure |")
        print("| --- | --- |")
        for name, value in rows:
            print(f"| {name} | {value} |")
        ok = not (
            by_rcpt["twice"] or by_rcpt["never"] or wrong_branch or stuck or timeouts
        )
        return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=20, help="ms per message")
    parser.add_argument("--refuse-rate", type=float, default=0.01)
    parser.add_argument("--open-rate", type=float, default=0.5)
    parser.add_argument("--click-rate", type=float, default=0.3, help="of the opens")
    parser.add_argument(
        "--open-delay",
        type=float,
        default=15,
        help="seconds between an email's arrival and its open and click (a reader; "
        "a click within 10 s of the delivery is a scanner's to the addon, and a "
        "fetch at once hits Odoo's own window: see README)",
    )
    parser.add_argument("--worker-kills", type=int, default=2)
    parser.add_argument("--server-kills", type=int, default=1)
    parser.add_argument(
        "--fault-gap",
        type=float,
        nargs=2,
        default=(20, 90),
        help="seconds between two faults: drawn between these",
    )
    parser.add_argument("--cron-threads", type=int, default=3)
    parser.add_argument("--limit-time-real", type=int, default=120)
    parser.add_argument("--limit-time-real-cron", type=int, default=-1)
    parser.add_argument(
        "--notify-cron-changes",
        action="store_true",
        help="ODOO_NOTIFY_CRON_CHANGES=1: a run that reports work left wakes the "
        "cron workers at once (else the next poll, within about a minute)",
    )
    parser.add_argument("--grace", type=int, default=300, help="seconds")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds")
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--log-file", help="keep the server's whole log there")
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    with tempfile.TemporaryDirectory() as tmpdir:
        soak = Soak(args, tmpdir)
        threading.Thread(target=soak.sink.serve_forever, daemon=True).start()
        ok = False
        try:
            ok = soak.run()
        finally:
            soak.tracker.stop.set()
            soak.server.kill()
            soak.sink.shutdown()
            if hasattr(soak, "data"):
                soak.cleanup_crons()
            if os.environ.get("SOAK_KEEP_LOG"):
                print(soak.server.log()[-5000:])
            if args.log_file:
                with open(args.log_file, "w", encoding="utf-8") as log:
                    log.write(soak.server.log())
    if not ok:
        print("SOAK FAILED: see the table")
        sys.exit(1)


if __name__ == "__main__":
    main()
