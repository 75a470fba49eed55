# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pytest plugin for this project's test runs, on top of pytest-odoo.

- A skipped test is a failure. Odoo skips a browser tour when no browser can be
  started, and a suite that passes without running its tours proves nothing. No test
  of this addon is meant to be skipped.
- Tests run with the current thread marked ``testing``, as Odoo's own runner does
  (code that commits per batch checks it); pytest-odoo's flag does not survive
  the registry loading.
- The checkout is imported as ``odoo.addons.<addon name>`` whatever the name of the
  folder it was cloned into (pytest-odoo would use the folder's name).
  Set by tools/test: ODOO_ADDON_NAME and ODOO_ADDON_DIR.
"""

import os
import threading
from pathlib import Path

import _pytest.pathlib
import pytest


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_cmdline_main(config):
    # pytest-odoo imports Odoo's test framework before Odoo is in test mode, which
    # logs an ERROR; import it first, in test mode.
    import odoo
    import odoo.tools

    odoo.tools.config["test_enable"] = True
    import odoo.tests  # noqa: F401

    odoo.tools.config["test_enable"] = False
    yield


def pytest_runtest_setup(item):
    threading.current_thread().testing = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped:
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else ""
        report.outcome = "failed"
        report.longrepr = f"test skipped, which this project treats as a failure: {reason}"


def pytest_configure(config):
    name = os.environ.get("ODOO_ADDON_NAME")
    checkout = os.environ.get("ODOO_ADDON_DIR")
    if not (name and checkout):
        return
    checkout = Path(checkout).resolve()
    original = _pytest.pathlib.resolve_pkg_root_and_module_name

    def resolve_pkg_root_and_module_name(path, *, consider_namespace_packages=False):
        real = Path(path).resolve()
        if real == checkout or checkout in real.parents:
            parts = real.relative_to(checkout).with_suffix("").parts
            if parts and parts[-1] == "__init__":
                parts = parts[:-1]
            return checkout.parent, ".".join(("odoo", "addons", name, *parts))
        return original(path, consider_namespace_packages=consider_namespace_packages)

    _pytest.pathlib.resolve_pkg_root_and_module_name = resolve_pkg_root_and_module_name
