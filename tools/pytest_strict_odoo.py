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
- Odoo's own tests of the apps the addon extends run in the same session, as Odoo's
  runner would choose them (tests tagged ``standard``, the default); those listed in
  ODOO_TEST_DIFFERENCES (deliberate differences, with their reason) are left out,
  and the summary says how many of each were run, failed and left out.
"""

import os
import threading
from collections import Counter
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
        report.longrepr = (
            f"test skipped, which this project treats as a failure: {reason}"
        )


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


# ----------------------------------------------------------------------
# Odoo's own tests
# ----------------------------------------------------------------------

_odoo_counts = Counter()


def _read_differences():
    """{"module/tests/file.py::Class::test": reason} from ODOO_TEST_DIFFERENCES,
    those of the series the tests run on (ODOO_SERIES): a line may start with
    one, e.g. ``19.0: crm/tests/...``, and then holds on that series only."""
    path = os.environ.get("ODOO_TEST_DIFFERENCES")
    series = os.environ.get("ODOO_SERIES", "")
    differences = {}
    if not path or not os.path.exists(path):
        return differences
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _sep, rest = line.partition(" ")
        if head.endswith(":"):
            if head[:-1] != series:
                continue
            line = rest.strip()
        test, _sep, reason = line.partition(" ")
        if not reason.strip():
            raise pytest.UsageError(f"{path}: no reason given for {test}")
        differences[test] = reason.strip()
    return differences


def _odoo_test_id(item):
    """``module/tests/file.py::Class::test`` for a test of an Odoo module, else None."""
    checkout = os.environ.get("ODOO_ADDON_DIR")
    path = Path(str(item.path)).resolve()
    if checkout and (
        path == Path(checkout).resolve() or Path(checkout).resolve() in path.parents
    ):
        return None
    if path.parent.name != "tests":
        return None
    module = path.parent.parent.name
    return "::".join([f"{module}/tests/{path.name}", *item.nodeid.split("::")[1:]])


def pytest_collection_modifyitems(session, config, items):
    differences = _read_differences()
    kept, left_out = [], []
    for item in items:
        test_id = _odoo_test_id(item)
        if test_id is None:
            _odoo_counts["addon"] += 1
            kept.append(item)
            continue
        tags = getattr(getattr(item, "cls", None), "test_tags", None) or {"standard"}
        if test_id in differences:
            _odoo_counts["difference"] += 1
            left_out.append(item)
        elif "standard" not in tags:
            # Odoo's runner leaves out tests not tagged standard unless asked.
            _odoo_counts["not_standard"] += 1
            left_out.append(item)
        else:
            _odoo_counts["odoo"] += 1
            item.user_properties.append(("odoo_test", True))
            kept.append(item)
    unknown = set(differences) - {_odoo_test_id(item) for item in items}
    if unknown and _odoo_counts["odoo"]:
        raise pytest.UsageError(
            "listed as deliberate differences but not found: "
            + ", ".join(sorted(unknown))
        )
    if left_out:
        config.hook.pytest_deselected(items=left_out)
    items[:] = kept


_odoo_failed = set()


def pytest_runtest_logreport(report):
    # A test fails when any of its phases (setup, call, teardown) fails.
    if report.failed and ("odoo_test", True) in report.user_properties:
        _odoo_failed.add(report.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not (_odoo_counts["odoo"] or _odoo_counts["difference"]):
        return
    modules = os.environ.get("ODOO_TEST_MODULES", "").split()
    write = terminalreporter.write_line
    write("")
    write(
        f"Odoo's own tests ({', '.join(modules)}), with the addon installed: "
        f"{_odoo_counts['odoo']} run, {len(_odoo_failed)} failed; "
        f"{_odoo_counts['difference']} left out as deliberate differences "
        f"(tools/odoo_test_differences.txt), "
        f"{_odoo_counts['not_standard']} left out as Odoo's runner does (not tagged "
        f"standard)"
    )
    write(f"The addon's own tests: {_odoo_counts['addon']} collected")
