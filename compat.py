# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where Odoo 18.0 and 19.0 differ for this addon: every seam in one place.

The addon serves both series from one code base. The rest of the code asks this
module instead of testing the series itself, and the data files leave out the
fields one series lacks: ``data/series_data.xml`` calls
:meth:`res.groups._nurture_apply_series_values` (``models/res_groups.py``), which
writes them with the names of the running series (see ``GROUP_FIELDS``).

Each seam says which series needs it and why. When a new series comes, this is
the file to read first (see the README, "Odoo series").
"""

import threading

from odoo import models, release
from odoo.modules import module as odoo_module

try:  # 19.0: domains are objects; ``odoo.osv.expression`` warns on every call.
    from odoo.fields import Domain
except ImportError:  # 18.0
    Domain = None
    from odoo.osv import expression

SERIES = release.version_info[0]

# 19.0 ignores ``_sql_constraints`` (it logs a warning and creates nothing):
# constraints are ``models.Constraint`` class attributes there. 18.0 has no
# ``models.Constraint``. The tag counters' ``ON CONFLICT (lead_id, tag_id)`` and
# the exactly-once (participant, step) of the nurture traces need them.
ORM_CONSTRAINTS = hasattr(models, "Constraint")

# Fields of the addon's groups and window actions whose names changed in 19.0
# (``res.groups``: ``category_id`` became ``privilege_id``, ``users`` became
# ``user_ids``; ``ir.actions.act_window.groups_id`` became ``group_ids``). An XML
# record naming a field the running series lacks does not load, so these are
# written from code (``models/res_groups.py``).
if SERIES >= 19:
    GROUP_FIELDS = {
        "placement": (
            "privilege_id",
            "mass_mailing.res_groups_privilege_email_marketing",
        ),
        "users": "user_ids",
        "action_groups": "group_ids",
    }
else:
    GROUP_FIELDS = {
        "placement": (
            "category_id",
            "base.module_category_marketing_email_marketing",
        ),
        "users": "users",
        "action_groups": "groups_id",
    }

# 19.0 evaluates relative dates in domains itself ("today -90d", in the user's
# timezone: odoo/tools/date_utils.py parse_date) and its filter editor writes
# them; 18.0 reads a mailing's domain as a literal, so the addon evaluates the
# expressions its editor writes (relative_domain.py).
SMART_DATES = SERIES >= 19

# 19.0's pivot view reads its groupings with ``_read_grouping_sets`` (18.0's: one
# ``_read_group`` each), which models that count groups their own way override too.
GROUPING_SETS = hasattr(models.BaseModel, "_read_grouping_sets")

TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)


def testing():
    """Whether Odoo runs tests (engines must not commit then).

    18.0's test runner marks the thread (``threading.current_thread().testing``,
    also while it loads demo data); 19.0 removed that flag (odoo/odoo#186884) and
    sets ``odoo.modules.module.current_test`` only."""
    return bool(
        getattr(odoo_module, "current_test", False)
        or getattr(threading.current_thread(), "testing", False)
    )


def domain_and(domains):
    """The conjunction of ``domains`` (lists or, on 19.0, Domain objects), in the
    running series' own form (a list on 18.0, a Domain on 19.0)."""
    if Domain is not None:
        return Domain.AND(domains)
    return expression.AND([list(domain) for domain in domains])


def normalize_domain(domain):
    """``domain`` as a list in prefix form with every operator explicit."""
    if Domain is not None:
        return list(Domain(list(domain) if isinstance(domain, tuple) else domain))
    return expression.normalize_domain(list(domain))


def is_leaf(term):
    """Whether a term of a normalized domain is a condition (not an operator)."""
    return isinstance(term, list | tuple) and len(term) == 3


def notify_progress(cron, done, remaining):
    """Report a scheduled action's progress to Odoo's cron runner (outside a
    scheduled run, nothing), without committing (the engines commit themselves,
    and never in tests).

    18.0: ``ir.cron._notify_progress``. 19.0 deprecates it (a warning in the log
    at every call) for ``_commit_progress``, which always commits: the progress
    record of the run is written as ``_notify_progress`` does."""
    if not hasattr(type(cron), "_commit_progress"):
        cron._notify_progress(done=done, remaining=remaining)
        return
    progress_id = cron.env.context.get("ir_cron_progress_id")
    if not progress_id:
        return
    cron.env["ir.cron.progress"].sudo().browse(progress_id).write(
        {"done": max(done, 0), "remaining": max(remaining, 0)}
    )


def cron_poll_cursor(args):
    """The cron poll's cursor among the arguments of ``ir.cron._process_job``:
    ``(db, cron_cr, job)`` on 18.0, ``(cron_cr, job)`` on 19.0."""
    return args[-2]


def queue_email_ids(args, kwargs):
    """The emails given to ``mail.mail.process_email_queue``, if any: its first
    argument is ``ids`` on 18.0, ``email_ids`` on 19.0."""
    return (args[0] if args else None) or kwargs.get("ids") or kwargs.get("email_ids")


def restore_lead(leads):
    """Restore lost leads as CRM's Restore button does: 19.0's ``action_restore``
    (``toggle_active`` is deprecated there), 18.0's ``toggle_active``."""
    if hasattr(leads, "action_restore"):
        return leads.action_restore()
    return leads.toggle_active()
