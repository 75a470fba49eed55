# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How long a scheduled run of the addon's engines may go on.

Odoo kills a cron worker that runs past its real-time limit ("WorkerCron timeout
after 120s"), whatever it is doing: an email accepted by the SMTP server but not
yet committed as sent is then sent again by the next run. And Odoo 18's cron
runner calls an action that reports work left up to ten times in a row
(``ir.cron._run_job``, ``MAX_BATCH_PER_CRON_JOB``) before the worker may poll
again: the limit covers all of these calls together, not each one.

So every engine (nurture steps and enrollment, recurring runs, tag expiry, the
mail queue) stops by itself, after the batch at hand, once the *scheduled run*
has spent its budget, and reports what is left so that Odoo calls it again:

- the limit is the cron worker's: ``limit_time_real_cron`` when set and
  positive, else ``limit_time_real`` (Odoo's rule, ``odoo/service/server.py``:
  the same in prefork and threaded mode); with no limit at all (``0``) Odoo's
  default of 120 s stands in, so that other scheduled actions get their turn;
- a cron worker runs every due action of a poll one after the other, and
  Odoo's watchdog times the whole poll, and in prefork mode the sleep before
  it too (the worker pings the watchdog, then sleeps until its next poll: up to
  ``SLEEP_INTERVAL`` + 9 s, 69 s, when nothing wakes it): so in a scheduled run
  the time counts from the start of the poll (all the addon's actions of one
  poll share it), and in prefork mode the limit is reduced by that longest
  sleep (``POLL_SLEEP``: 120 s leave 50 s to the poll; at least a tenth of the
  limit);
- the budget is half of what is left of the limit (the other half is the
  margin for the batch in flight, its commit and Odoo's own actions of the same
  poll), or the system parameter ``mass_mailing_crm_nurture.cron_time_budget``
  (seconds) within it, never more than the limit minus the longest batch seen
  in the run;
- a new batch starts only if, after the longest batch seen so far, the run would
  still be within its budget;
- the first batch of a run starts when the poll has budget left, or when the
  action was skipped the last time: an action that finds the poll's budget spent
  by the actions before it (a backlog of another engine) does nothing, is
  triggered for the next poll (which starts a new clock) and runs then whatever
  the poll's clock says, so that no action waits more than one poll per cron
  worker (each process remembers the actions it skipped; the first action of a
  poll always has the whole budget) and a poll ends within its budget plus one
  batch of each action it runs;
- the run is Odoo's job run (all its calls, see ``ir.cron._run_job`` in
  ``models/ir_cron.py``), or the call itself when an engine is called directly
  (tests, scripts): the budget is checked the same way whether or not the run
  commits.

Batches are sized to fit the budget: an engine's batch of a given number of
items takes what the machine makes of it (a nurture batch of 500 steps took 1 s
on a quiet machine and 47 s on a loaded one, past the poll's share of the limit
on its own). So each process remembers, per engine, the seconds per item of its
last batch, and the next batch takes the items that fit a quarter of the budget
(``BATCH_SHARE``), never more than the engine's own batch size; a cron worker
that knows nothing yet (started, or restarted after a kill) starts with a tenth
of it (``START_SHARE``) and grows from what it measures. Called directly (tests,
scripts, a benchmark's process), out of Odoo's cron runner, an engine keeps its
own batch size.

A run that spent its budget reports the work it did and what is left with
``ir.cron._notify_progress``: Odoo 18 then calls it again at once (the calls left
do nothing and return) and, after its ten calls, leaves the action ready for the
next poll of any worker; the other actions run in between.
"""

import logging
import threading
import time
import weakref
from contextlib import contextmanager
from datetime import timedelta

from odoo import fields
from odoo.tools import config

from . import compat

_logger = logging.getLogger(__name__)

# Odoo's default real-time limit (``--limit-time-real``), when there is none.
DEFAULT_TIME_LIMIT = 120
# Share of the worker's limit that a run may spend.
BUDGET_SHARE = 0.5
# System parameter: another budget in seconds (bounded by the limit).
BUDGET_PARAM = "mass_mailing_crm_nurture.cron_time_budget"
# The longest sleep of a prefork cron worker between its watchdog's ping and its
# poll (odoo/service/server.py: SLEEP_INTERVAL, 60 s, plus pid % 10 s), which
# the watchdog counts.
POLL_SLEEP = 70
# The least share of the limit a poll is given (a limit below POLL_SLEEP: Odoo
# kills a worker that slept its whole interval and then works at all).
MIN_POLL_SHARE = 0.1


def clock():
    """The clock of the budgets (tests replace it with one they move by hand;
    under freezegun, which stops ``time.monotonic``, budgets never run out)."""
    return time.monotonic()


# Odoo's job run in progress on this thread (set by ``ir.cron._run_job``).
_job_run = threading.local()
# Share of the budget one batch is sized to take, from the last batch's time.
BATCH_SHARE = 0.25
# Share of an engine's batch size a cron worker starts with, knowing nothing.
START_SHARE = 0.1
# Seconds per item of the last batch, per (database, engine), in this process.
_item_seconds = {}
# The actions this process skipped last time, as (database, action id): their
# next run starts whatever the poll's clock says (the bound of the skips).
_skipped = set()
# Odoo's cron poll in progress on this thread (set by ``ir.cron._process_job``).
_poll = threading.local()


def worker_time_limit():
    """Seconds after which Odoo kills a cron worker (or restarts a threaded server
    whose cron thread runs that long), as Odoo computes it; Odoo's default when
    no limit is set."""
    cron_limit = config.get("limit_time_real_cron") or 0
    if cron_limit > 0:
        return cron_limit
    real_limit = config.get("limit_time_real") or 0
    if cron_limit == 0 and config.get("workers"):
        # Prefork with limit_time_real_cron = 0: Odoo never kills cron workers.
        real_limit = 0
    return real_limit if real_limit > 0 else DEFAULT_TIME_LIMIT


def poll_job(cron_cr):
    """Odoo's cron runner takes an action in the poll whose cursor is
    ``cron_cr`` (one per poll): the first action of a poll starts its clock."""
    if current_poll() is not cron_cr:
        _poll.cursor = weakref.ref(cron_cr)
        _poll.started = clock()
        # A prefork cron worker slept before the poll; cron threads do not count
        # their sleep.
        _poll.slept = POLL_SLEEP if config.get("workers") else 0


def current_poll():
    """The cursor of Odoo's cron poll in progress on this thread, if any."""
    ref = getattr(_poll, "cursor", None)
    cursor = ref() if ref else None
    return None if cursor is None or cursor.closed else cursor


@contextmanager
def job_run():
    """Odoo's run of one scheduled action (all its calls): the budgets of the
    engines it calls count from its start. Nested runs keep the outer one."""
    if getattr(_job_run, "run", None) is not None:
        yield _job_run.run
        return
    _job_run.run = _RunState()
    try:
        yield _job_run.run
    finally:
        _job_run.run = None


class _RunState:
    """What the calls of one run share: when it started, its longest batch, the
    work done so far."""

    def __init__(self):
        # In a poll: its start, and the sleep the worker's limit counted before.
        in_poll = current_poll() is not None
        self.started = _poll.started if in_poll else clock()
        self.slept = _poll.slept if in_poll else 0
        self.longest_batch = 0.0
        self.batches = 0
        # Work counted in the batch in progress (its seconds per item).
        self.batch_done = 0
        # Whether the run's first batch was let start, or the run skipped.
        self.admitted = False
        self.skipped = False
        self.triggered = False
        self.done = 0
        self.remaining = 0


class RunBudget:
    """The time budget of the scheduled run in progress (or of a run starting
    now, outside Odoo's cron runner): ask ``allows()`` before each batch, run the
    batch in ``batch()``, count its work with ``add_done()``, report with
    ``notify_progress()``."""

    def __init__(self, env):
        self.run = getattr(_job_run, "run", None) or _RunState()
        # The scheduled action Odoo's cron runner is running, if any.
        self.action = (env.cr.dbname, env.context.get("cron_id"))
        # What the worker's limit leaves to the run from the start of its poll.
        limit = worker_time_limit()
        self.limit = max(limit - self.run.slept, limit * MIN_POLL_SHARE)
        self.seconds = self._get_seconds(env, self.limit)

    @staticmethod
    def _get_seconds(env, limit):
        seconds = limit * BUDGET_SHARE
        value = env["ir.config_parameter"].sudo().get_param(BUDGET_PARAM)
        if value:
            try:
                seconds = min(max(float(value), 1.0), float(limit))
            except ValueError:
                _logger.warning(
                    "System parameter %s is not a number of seconds (%r): ignored",
                    BUDGET_PARAM,
                    value,
                )
        return seconds

    def elapsed(self):
        return clock() - self.run.started

    def allows(self, share=1.0):
        """Whether another batch may start: the first of the run unless the
        poll's budget is spent (``_admits_first_batch``), then only if it would
        end within ``share`` of the budget (and before the limit), judging by the
        longest batch of the run so far."""
        if not self.run.batches:
            return self._admits_first_batch()
        longest = self.run.longest_batch
        return self.elapsed() + longest <= min(
            self.seconds * share, self.limit - longest
        )

    def _admits_first_batch(self):
        """The first batch of a run starts unless earlier actions of the poll
        spent its budget; an action skipped so once runs its next time (see the
        module's docstring): decided once per run."""
        run = self.run
        if not run.admitted and not run.skipped:
            in_action = self.action[1] is not None and current_poll() is not None
            if in_action and self.elapsed() >= self.seconds:
                run.skipped = self.action not in _skipped
            if run.skipped:
                _skipped.add(self.action)
            else:
                _skipped.discard(self.action)
                run.admitted = True
        return run.admitted

    def batch_size(self, engine, size):
        """How many items the next batch of ``engine`` (a name) takes: what fits
        ``BATCH_SHARE`` of the budget at the seconds per item this process last
        measured for it, between 1 and ``size``; a tenth of ``size`` for a cron
        run that measured nothing yet; ``size`` out of Odoo's cron runner (see
        the module's docstring)."""
        if current_poll() is None:
            return size  # called directly: the engine's own size
        seconds = _item_seconds.get((self.action[0], engine))
        if seconds is None:
            return max(1, int(size * START_SHARE))
        fitting = int(self.seconds * BATCH_SHARE / seconds) if seconds else size
        return max(1, min(size, fitting))

    @contextmanager
    def batch(self, engine=None):
        """Time one batch of work (its commit included, when inside); with an
        ``engine`` name, remember its seconds per item (``add_done``) for the
        next batch's size."""
        start = clock()
        self.run.batch_done = 0
        try:
            yield
        finally:
            seconds = clock() - start
            self.run.longest_batch = max(self.run.longest_batch, seconds)
            self.run.batches += 1
            if engine and self.run.batch_done:
                key = (self.action[0], engine)
                _item_seconds[key] = seconds / self.run.batch_done

    def add_done(self, count):
        self.run.done += count
        self.run.batch_done += count

    def notify_progress(self, env, remaining):
        """Report the run's work to Odoo's cron runner: what this run did (all
        its calls) and what is left. Odoo 18 calls the action again at once while
        both are positive; a run that did nothing (the work left is locked by
        another process at work on it) is called again at its next interval."""
        self.run.remaining = max(remaining, 0)
        compat.notify_progress(env["ir.cron"], self.run.done, self.run.remaining)

    def hand_over(self, env):
        """For a call that starts with the run's budget spent (Odoo 18 calls an
        action up to ten times in a row): do nothing, and report the run's work
        and what was left at its last report, so that the action is called again
        at the next poll (of any worker), after the other actions. A run skipped
        before its first batch did no work, which Odoo takes for an action done
        until its next interval: it is triggered for the next poll."""
        if self.run.skipped and not self.run.triggered:
            self.run.triggered = True
            _logger.info(
                "Scheduled action %s skipped: the cron poll spent its budget "
                "(%.1f of %.1f s); triggered for the next poll",
                self.action[1],
                self.elapsed(),
                self.seconds,
            )
            # A second on: Odoo 18 drops the action's triggers older than its
            # poll's transaction when it reschedules an action that did nothing,
            # and a trigger is stored to the second.
            env["ir.cron"].sudo().browse(self.action[1])._trigger(
                fields.Datetime.now() + timedelta(seconds=1)
            )
        self.notify_progress(env, remaining=self.run.remaining or 1)
