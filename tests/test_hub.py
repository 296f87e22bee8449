"""The workshop's JupyterHub (workshop/jupyterhub_config.py), started for real on 127.0.0.1.

Marked ``workshop``: CI runs it in the step of that name, after ``hub-setup``
(scripts/ensure_hub.sh installs JupyterHub and configurable-http-proxy). A hub that is
missing fails these tests with the command that installs it; it never skips silently.

* the load test (benchmarks/bench_hub.py) with 3 learners and one more whose server cannot
  start: the three log in, start, run lesson 00 and move the slider; the fourth is named
  with the reason, and the run goes on;
* a hub that cannot start says so in one line, with the fix: port taken, proxy missing,
  root without WORKSHOP_ALLOW_ROOT=1.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONFIG = ROOT / "workshop" / "jupyterhub_config.py"
pytestmark = pytest.mark.workshop


@pytest.fixture(scope="module", autouse=True)
def hub_installed():
    missing = [p for p in ("jupyterhub", "jupyterhub-singleuser") if not (BIN / p).exists()]
    proxy = ROOT / "workshop" / ".proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    if missing or not (proxy.exists() or shutil.which("configurable-http-proxy")):
        pytest.fail(f"the hub is not installed ({missing or 'configurable-http-proxy'}); "
                    "run: bash scripts/ensure_hub.sh")


def test_three_learners_and_one_broken_server(tmp_path):
    report = tmp_path / "hub.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_hub.py"), "-n", "4", "-k", "3",
         "--think", "0.5", "--timeout", "90", "--max-seconds", "420",
         "--sabotage", "learner-04", "--json", str(report)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(report.read_text())
    assert r["finished"] == 3, proc.stdout
    assert list(r["failed"]) == ["learner-04"], r["failed"]
    assert "server start" in r["failed"]["learner-04"]
    assert "is a file, not a folder" in r["failed"]["learner-04"], r["failed"]
    assert "FAILED learner-04: server start" in proc.stdout
    assert r["latency_s"]["n"] == 9
    assert 0 < r["latency_s"]["p50"] <= r["latency_s"]["p95"] < 30
    assert 0 < r["start_s"]["p50"] < 240
    assert 50 < r["memory_mb"]["per_learner_uss_mean"] < 2000
    assert r["memory_mb"]["hub_rss"] > 0 and r["memory_mb"]["proxy_rss"] > 0
    assert 0 <= r["cpu"]["hub_core_share"] < 2
    for key in ("p50", "p95"):
        assert f"{key} " in proc.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path, **settings) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env.update(WORKSHOP_STATE=str(tmp_path / "state"), WORKSHOP_IP="127.0.0.1",
               WORKSHOP_PORT=str(_free_port()), WORKSHOP_HUB_PORT=str(_free_port()),
               WORKSHOP_API_PORT=str(_free_port()), WORKSHOP_PASSWORD="a-long-password",
               WORKSHOP_ALLOW_ROOT="1")
    env.update(settings)
    # Every case fails during the config's checks, before anything listens: bounded anyway.
    return subprocess.run([str(BIN / "jupyterhub"), "-f", str(CONFIG)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def _one_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("workshop: "), proc.stderr[-2000:]
    return lines[0]


def test_a_taken_port_is_named_with_the_fix(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        line = _one_line(_start(tmp_path, WORKSHOP_PORT=str(port)))
    assert f"port {port}" in line and "taken" in line and "WORKSHOP_PORT=" in line


def test_a_missing_proxy_is_named_with_the_fix(tmp_path):
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if not (Path(p) / "configurable-http-proxy").exists())
    line = _one_line(_start(tmp_path, WORKSHOP_PROXY=str(tmp_path / "no-proxy"), PATH=path))
    assert "configurable-http-proxy" in line and "scripts/ensure_hub.sh" in line


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_root_without_the_flag_is_named_with_the_fix(tmp_path):
    line = _one_line(_start(tmp_path, WORKSHOP_ALLOW_ROOT=""))
    assert "running as root" in line and "WORKSHOP_ALLOW_ROOT=1" in line
