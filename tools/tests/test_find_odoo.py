# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The project's commands on a machine without Odoo: they fetch Odoo's official 18.0
source (here a local git repository stands in for it), find it again next time, and
without network stop with a clear message."""

import os
import subprocess
import tempfile
import unittest
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent


def make_repository(path, version="(18, 0, 0, FINAL, 0, '')", branch="18.0"):
    """A git repository shaped like Odoo's source on ``branch``."""
    (path / "odoo" / "addons" / "base").mkdir(parents=True)
    (path / "odoo" / "release.py").write_text(f"version_info = {version}\n")
    (path / "odoo" / "addons" / "base" / "__init__.py").write_text("")
    (path / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    git = [
        "git",
        "-C",
        str(path),
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
    ]
    subprocess.run([*git, "init", "-q", "-b", branch], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "odoo"], check=True)
    return path


class TestFindOdoo(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp())
        self.home = self.tmp / "home"
        self.home.mkdir()
        self.cache = self.home / ".cache" / "mass_mailing_crm_nurture" / "odoo-18.0"

    def find_odoo(self, url):
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.home),
            # None of the documented places: as on a bare machine.
            "ODOO_CANDIDATES": str(self.tmp / "nowhere"),
            "ODOO_SOURCE_URL": url,
        }
        script = f'source "{TOOLS}/common.sh"; find_odoo; echo "ROOT=$ODOO_ROOT"'
        return subprocess.run(
            ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120
        )

    def test_fetches_official_source_then_finds_it(self):
        origin = make_repository(self.tmp / "origin")
        first = self.find_odoo(origin.as_uri())
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn(f"ROOT={self.cache}", first.stdout)
        self.assertIn("fetching Odoo's official source, branch 18.0", first.stderr)
        self.assertIn("Odoo 18.0 fetched in", first.stderr)
        self.assertTrue((self.cache / "odoo" / "release.py").exists())
        # Next time it is found where it was put, without fetching.
        second = self.find_odoo((self.tmp / "gone").as_uri())
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn(f"ROOT={self.cache}", second.stdout)
        self.assertNotIn("fetching", second.stderr)

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
            self.tmp / "origin", version="(17, 0, 0, FINAL, 0, '')"
        )
        result = self.find_odoo(origin.as_uri())
        self.assertEqual(result.returncode, 2)
        self.assertIn("is not Odoo 18.0", result.stderr)
        self.assertFalse(self.cache.exists())
