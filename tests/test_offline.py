"""A room without internet: the wheelhouse recipe, end to end.

scripts/wheelhouse.sh downloads devsim's wheel (built from this checkout) and every
dependency into a folder (plus nbval and pytest, to test the result). A brand-new
environment then installs from that folder alone, with pip's index switched off and no pip
configuration read, gets the course with ``devsim workspace`` and runs lesson 00 under nbval.
Marked ``workshop`` (CI step of that name); it needs PyPI only to build the wheelhouse.
"""
from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.workshop


def test_wheelhouse_installs_and_runs_lesson_00_with_no_index(tmp_path):
    house = tmp_path / "wheelhouse"
    env = dict(os.environ, DEVSIM_BIN=str(Path(sys.executable).parent))
    build = subprocess.run(["bash", str(ROOT / "scripts" / "wheelhouse.sh"), str(house),
                            "nbval", "pytest"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=900)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    assert len(list(house.glob("devsim-*.whl"))) == 1
    assert not list(house.glob("*.tar.gz")), "the wheelhouse must hold wheels only"

    room = tmp_path / "room"
    venv.EnvBuilder(with_pip=True).create(room)
    bindir = room / ("Scripts" if os.name == "nt" else "bin")
    offline = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    offline["PIP_CONFIG_FILE"] = os.devnull   # no configured index, mirror or find-links
    install = subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet",
                              "--disable-pip-version-check", "--no-index", "--find-links",
                              str(house), "devsim", "nbval", "pytest"],
                             env=offline, capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]

    course = tmp_path / "my-course"
    ws = subprocess.run([str(bindir / "devsim"), "workspace", str(course)], cwd=tmp_path,
                        env=offline, capture_output=True, text=True, timeout=120)
    assert ws.returncode == 0, ws.stderr
    assert str(room) in ws.stdout.splitlines()[0], "the course must come from the installed wheel"
    nb = subprocess.run([str(bindir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                         "--nbval-lax", "--nbval-current-env", "--nbval-sanitize-with",
                         "notebooks/sanitize.cfg", "notebooks/00_welcome.ipynb"],
                        cwd=course, env=offline, capture_output=True, text=True, timeout=600)
    assert nb.returncode == 0, nb.stdout[-3000:]
    assert " passed" in nb.stdout and "failed" not in nb.stdout
