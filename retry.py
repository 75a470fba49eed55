# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the engines do when a unit of work fails: conflicts with another process
are expected (left to it, or tried again at once on the next pass), any other
error is tried again later with a growing delay, a bounded number of times."""

from datetime import timedelta

from psycopg2 import errors

from . import compat

# Another transaction holds or changed the same rows: not an error of the work,
# the work is tried again (or done by the other process).
CONCURRENCY_ERRORS = (
    errors.SerializationFailure,
    errors.LockNotAvailable,
    errors.DeadlockDetected,
)
# Attempts before a unit of work is failed for good.
MAX_ATTEMPTS = 5
# Delay before the second attempt; it doubles at each further attempt.
FIRST_RETRY_DELAY = timedelta(minutes=5)
# Delay before work that met another process is looked at again.
CONFLICT_DELAY = timedelta(seconds=30)


def is_concurrency_error(error):
    return isinstance(error, CONCURRENCY_ERRORS)


def retry_delay(attempt):
    """Delay after the failed attempt number ``attempt`` (1-based)."""
    return FIRST_RETRY_DELAY * 2 ** (attempt - 1)


def error_text(error):
    """One line for users, at most 250 characters."""
    text = str(error).strip().splitlines()
    return (f"{type(error).__name__}: {text[0] if text else ''}")[:250]


def auto_commit_enabled():
    """Whether engines commit their batches: outside tests only (tests forbid it)."""
    return not compat.testing()
