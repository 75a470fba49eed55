# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the benchmark scripts need of Odoo, the same on 18.0 and 19.0 (the addon's
own seams are in ``compat.py``; these are the scripts').

- 19.0's ``odoo`` is a namespace package: its submodules are attributes only once
  imported, and it has no ``__file__``.
- Odoo's test mode (no email leaves, the engines do not commit halfway): 18.0
  marks the thread (``threading.current_thread().testing``), 19.0 sets
  ``odoo.modules.module.current_test``.
- A cron worker's poll: ``ir_cron._process_jobs`` on 18.0, the class ``IrCron``
  (a static method) on 19.0.
"""

import os
import threading

import odoo
import odoo.modules.module
import odoo.modules.registry
import odoo.sql_db
import odoo.tools  # noqa: F401  (odoo.tools.config)


def test_mode():
    """Run as Odoo's tests do: no email leaves, nothing commits halfway."""
    threading.current_thread().testing = True
    odoo.modules.module.current_test = True


def odoo_root():
    """The folder holding odoo-bin (a source tree) or the ``odoo`` package."""
    return os.path.dirname(os.path.dirname(os.path.abspath(odoo.sql_db.__file__)))


def process_cron_jobs(database):
    """What a cron worker does when it wakes up: run every due scheduled action of
    the database that no other cron worker holds."""
    from odoo.addons.base.models import ir_cron  # noqa: PLC0415 (registry loaded)

    runner = getattr(ir_cron, "IrCron", None) or ir_cron.ir_cron
    runner._process_jobs(database)
