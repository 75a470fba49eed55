# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The project's commands on a machine without Odoo: they fetch Odoo's official source
of the series asked for (here a local git repository stands in for it), find it again
next time, choose among several series, and without network stop with a clear
message."""

import os
import subprocess
import tempfile
import unittest
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent
SERIES_18 = "(18, 0, 0, FINAL, 0, '')"
SERIES_19 = "(19, 0, 0, FINAL, 0, '')"


def make_tree(path, version):
    """A folder shaped like an Odoo source tree of ``version``."""
    (path / "odoo" / "addons" / "base").mkdir(parents=True, exist_ok=True)
    (path / "odoo" / "release.py").write_text(f"version_info = {version}\n")
    (path / "odoo" / "addons" / "base" / "__init__.py").write_text("")
    (path / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    return path


def make_repository(path, branches=None):
    """A git repository shaped like Odoo's source, one branch per series:
    ``branches`` maps a branch name to the version its release.py says."""
    branches = branches or {"18.0": SERIES_18, "19.0": SERIES_19}
    git = [
        "git",
        "-C",
        str(path),
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
    ]
    path.mkdir(parents=True)
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "start"], check=True)
    for branch, version in branches.items():
        subprocess.run([*git, "checkout", "-q", "-B", branch, "main"], check=True)
        make_tree(path, version)
        subprocess.run([*git, "add", "."], check=True)
        subprocess.run([*git, "commit", "-q", "-m", f"odoo {branch}"], check=True)
    return path


class TestFindOdoo(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp())
        self.home = self.tmp / "home"
        self.home.mkdir()
        self.caches = self.home / ".cache" / "mass_mailing_crm_nurture"
        self.cache = self.caches / "odoo-18.0"

    def find_odoo(self, url, candidates=None, **settings):
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.home),
            # None of the documented places unless given: as on a bare machine.
            "ODOO_CANDIDATES": " ".join(map(str, candidates or [self.tmp / "nowhere"])),
            "ODOO_SOURCE_URL": url,
            **settings,
        }
        script = (
            f'source "{TOOLS}/common.sh"; find_odoo; '
            'echo "ROOT=$ODOO_ROOT SERIES=$ODOO_SERIES"'
        )
        return subprocess.run(
            ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120
        )

    def test_fetches_official_source_then_finds_it(self):
        origin = make_repository(self.tmp / "origin")
        first = self.find_odoo(origin.as_uri())
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn(f"ROOT={self.cache} SERIES=18.0", first.stdout)
        self.assertIn("fetching Odoo's official source, branch 18.0", first.stderr)
        self.assertIn("Odoo 18.0 fetched in", first.stderr)
        self.assertTrue((self.cache / "odoo" / "release.py").exists())
        # Next time it is found where it was put, without fetching.
        second = self.find_odoo((self.tmp / "gone").as_uri())
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn(f"ROOT={self.cache} SERIES=18.0", second.stdout)
        self.assertNotIn("fetching", second.stderr)

    def test_fetches_the_series_asked_for(self):
        origin = make_repository(self.tmp / "origin")
        cache_19 = self.caches / "odoo-19.0"
        first = self.find_odoo(origin.as_uri(), ODOO_SERIES="19.0")
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn("fetching Odoo's official source, branch 19.0", first.stderr)
        self.assertIn(f"ROOT={cache_19} SERIES=19.0", first.stdout)
        self.assertIn("(19, 0", (cache_19 / "odoo" / "release.py").read_text())
        self.assertFalse(self.cache.exists())
        # 18.0 asked for next: fetched beside it, each found again by its series.
        self.find_odoo(origin.as_uri(), ODOO_SERIES="18.0")
        gone = (self.tmp / "gone").as_uri()
        for series, root in (("18.0", self.cache), ("19.0", cache_19)):
            with self.subTest(series=series):
                found = self.find_odoo(gone, ODOO_SERIES=series)
                self.assertEqual(found.returncode, 0, found.stderr)
                self.assertIn(f"ROOT={root} SERIES={series}", found.stdout)
                self.assertNotIn("fetching", found.stderr)

    def test_chooses_among_the_trees_present(self):
        tree_19 = make_tree(self.tmp / "opt-odoo19", SERIES_19)
        tree_18 = make_tree(self.tmp / "opt-odoo18", SERIES_18)
        places = [tree_19, tree_18]
        gone = (self.tmp / "gone").as_uri()
        first = self.find_odoo(gone, places)
        self.assertIn(f"ROOT={tree_19} SERIES=19.0", first.stdout)
        chosen = self.find_odoo(gone, places, ODOO_SERIES="18.0")
        self.assertIn(f"ROOT={tree_18} SERIES=18.0", chosen.stdout)
        # ODOO_PATH chooses, whatever else is present.
        path = self.find_odoo(gone, places, ODOO_PATH=str(tree_18))
        self.assertIn(f"ROOT={tree_18} SERIES=18.0", path.stdout)
        wrong = self.find_odoo(gone, places, ODOO_PATH=str(tree_18), ODOO_SERIES="19.0")
        self.assertEqual(wrong.returncode, 2)
        self.assertIn("is Odoo 18.0, not ODOO_SERIES=19.0", wrong.stderr)
        unknown = self.find_odoo(gone, places, ODOO_SERIES="17.0")
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("the addon supports 18.0 19.0", unknown.stderr)

    def test_without_network_says_what_to_do(self):
        result = self.find_odoo((self.tmp / "unreachable").as_uri())
        self.assertEqual(result.returncode, 2)
        self.assertIn("could not fetch Odoo", result.stderr)
        self.assertIn("Odoo 18.0 was not found", result.stderr)
        self.assertIn("ODOO_PATH=/path/to/odoo-18.0", result.stderr)
        self.assertFalse(self.cache.exists())
        self.assertFalse(self.cache.with_name("odoo-18.0.partial").exists())

    def test_refuses_another_version(self):
        origin = make_repository(
            self.tmp / "origin", {"18.0": "(17, 0, 0, FINAL, 0, '')"}
        )
        result = self.find_odoo(origin.as_uri())
        self.assertEqual(result.returncode, 2)
        self.assertIn("is not Odoo 18.0", result.stderr)
        self.assertFalse(self.cache.exists())
