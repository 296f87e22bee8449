"""Load test of the workshop's JupyterHub: how many learners one machine holds.

Starts the hub of ``workshop/jupyterhub_config.py`` on 127.0.0.1 (free ports, a throw-away
state folder), then N simulated learners, each in its own thread and all at once:

1. log in through the hub's login form (the shared password) and ask the REST API for a
   token of their own;
2. start their server (``POST /hub/api/users/NAME/server``; the pre-spawn hook runs
   ``devsim workspace``) and wait until it is ready: the **server start time**;
3. open a kernel (REST) and connect to it over the proxy's websocket (the kernel protocol
   a browser speaks), run every code cell of lesson 00 up to and including its sandbox;
4. when every learner is set up, all move the sandbox's test-automation slider K times,
   with a think time of T x uniform(0.5, 1.5) s between moves: each move is code that sets
   the slider's value and prints the status line; its **latency** runs from sending the
   code to the reply and the status line arriving ("updated ...").

It reports start times, p50/p95 slider-to-tiles latency over all moves, memory per learner
(the server and its kernel: USS, memory no other process shares, and RSS), the hub's and
the proxy's memory and their CPU during the moves, and the machine's CPU. A learner that
fails (log-in, start, kernel, set-up or a move) is named with the step and the reason, and
the others go on. Every wait is bounded; the whole run stops after ``--max-seconds``.
All traffic goes to 127.0.0.1. The hub and every server it started are stopped at the end.

    .venv/bin/python benchmarks/bench_hub.py -n 10 -k 10                # about 2 minutes
    .venv/bin/python benchmarks/bench_hub.py -n 30 --json hub-30.json   # the capacity table
    .venv/bin/python benchmarks/bench_hub.py -n 3 -k 3 --sabotage learner-02   # a failure

Needs the hub installed (``bash scripts/ensure_hub.sh``). Exit status 0 when at least one
learner finished, 1 otherwise (2 for bad arguments).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "workshop" / "jupyterhub_config.py"
LESSON = ROOT / "notebooks" / "00_welcome.ipynb"
HOST = "127.0.0.1"
SLIDER = "test_automation"
# Slider values on its 0.05 grid, away from the preset's 0.8, so every move is a change.
GRID = [round(0.05 * i, 2) for i in range(21) if round(0.05 * i, 2) != 0.8]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks; nan for no values."""
    if not values:
        return float("nan")
    v = sorted(values)
    pos = (len(v) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


# --- the hub ---------------------------------------------------------------------------------

class Hub:
    """The workshop hub, started on free ports in a throw-away folder."""

    def __init__(self, state: Path, max_learners: int, timeout_s: float):
        self.state = state
        self.password = secrets.token_urlsafe(9)
        self.port = free_port()
        self.hub_port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        env = dict(os.environ, WORKSHOP_IP=HOST, WORKSHOP_PORT=str(self.port),
                   WORKSHOP_HUB_PORT=str(self.hub_port), WORKSHOP_API_PORT=str(free_port()),
                   WORKSHOP_STATE=str(state), WORKSHOP_PASSWORD=self.password,
                   WORKSHOP_MAX_LEARNERS=str(max_learners))
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            env["WORKSHOP_ALLOW_ROOT"] = "1"
        self.log_path = state / "hub.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)],
            cwd=state, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}): {self.tail(3)}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the hub did not answer within {timeout_s:.0f} s: {self.tail(3)}")

    def tail(self, n: int) -> str:
        self._log.flush()
        lines = self.log_path.read_text(errors="replace").strip().splitlines()
        return " | ".join(lines[-n:])

    def reason(self, name: str) -> str:
        """The hub log's last error line about a learner, as ': ...' (or its file's name)."""
        self._log.flush()
        lines = [ln for ln in self.log_path.read_text(errors="replace").splitlines()
                 if name in ln and ("[E " in ln or "Error" in ln or "failed" in ln)
                 and not re.search(r"\] \d{3} (GET|POST|DELETE) ", ln)]
        if not lines:
            return f" (hub log: {self.log_path})"
        return ": " + " ".join(lines[-1].split("] ", 1)[-1].split())[:240]

    def processes(self) -> dict[str, psutil.Process]:
        """'hub', 'proxy' and the hub's other children, by role."""
        out = {}
        try:
            hub = psutil.Process(self.proc.pid)
            out["hub"] = hub
            for child in hub.children(recursive=True):
                cmd = " ".join(child.cmdline())
                if "configurable-http-proxy" in cmd:
                    out["proxy"] = child
        except psutil.Error:
            pass
        return out

    def learner_processes(self) -> dict[str, list[psutil.Process]]:
        """Each learner's server and kernels: processes whose environment names this hub."""
        api = f"http://{HOST}:{self.hub_port}/hub/api"
        out: dict[str, list[psutil.Process]] = {}
        for p in psutil.process_iter():
            try:
                env = p.environ()
            except psutil.Error:
                continue
            if env.get("JUPYTERHUB_USER") and env.get("JUPYTERHUB_API_URL") == api:
                out.setdefault(env["JUPYTERHUB_USER"], []).append(p)
        return out

    def stop(self, timeout_s: float = 60) -> list[int]:
        """Stop the hub (it stops the servers), then anything of ours still running."""
        ours = {p.pid for procs in self.learner_processes().values() for p in procs}
        ours |= {p.pid for p in self.processes().values()}
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        # The servers stop with the hub; give their kernels a moment to follow.
        end = time.monotonic() + 15
        while time.monotonic() < end and any(psutil.pid_exists(p) for p in ours):
            time.sleep(0.5)
        left = []
        for pid in sorted(ours):
            try:
                p = psutil.Process(pid)
                if p.status() != psutil.STATUS_ZOMBIE:
                    p.kill()
                    left.append(pid)
            except psutil.Error:
                pass
        self._log.close()
        return left


# --- one simulated learner ---------------------------------------------------------------------

class LearnerFailed(Exception):
    """A step of one learner failed; the message says which and why."""


class Kernel:
    """A kernel reached through the hub's proxy, spoken to over its websocket (JSON messages)."""

    def __init__(self, ws_url: str, token: str, timeout_s: float):
        self.session = uuid.uuid4().hex
        self.ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"],
                                              timeout=timeout_s)

    def execute(self, code: str, timeout_s: float) -> tuple[str, str]:
        """Run code; (status of the reply, text printed). Bounded by timeout_s."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": self.session,
                       "username": "bench", "version": "5.3",
                       "date": dt.datetime.now(dt.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        deadline = time.monotonic() + timeout_s
        status, idle, printed, error = None, False, [], ""
        while status is None or not idle:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LearnerFailed(f"no answer within {timeout_s:.0f} s")
            self.ws.settimeout(left)
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                raise LearnerFailed(f"no answer within {timeout_s:.0f} s") from None
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg.get("content", {})
            if kind == "execute_reply":
                status = content.get("status")
                if status == "error":
                    error = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind == "stream" and content.get("name") == "stdout":
                printed.append(content.get("text", ""))
        if status != "ok":
            raise LearnerFailed(f"the code failed ({error or status})")
        return status, "".join(printed)

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing a broken socket is not news
            pass


def lesson_code() -> tuple[list[str], str]:
    """Lesson 00's code cells before its sandbox, and the sandbox cell kept as ``box``."""
    cells = [("".join(c["source"])) for c in json.loads(LESSON.read_text())["cells"]
             if c["cell_type"] == "code"]
    for i, src in enumerate(cells):
        if src.lstrip().startswith("widgets.sandbox("):
            return cells[:i], "box = " + src.strip()
    raise SystemExit(f"{LESSON.name} has no cell starting with widgets.sandbox(: update the bench")


MOVE = """import json as _json, time as _time
_t0 = _time.perf_counter()
box.controls[{slider!r}].value = {value}
print(_json.dumps({{"status": box.status.value, "kernel_s": _time.perf_counter() - _t0}}))
"""


@dataclass
class Learner:
    name: str
    start_s: float | None = None
    setup_s: float | None = None
    latencies_s: list[float] = field(default_factory=list)
    kernel_s: list[float] = field(default_factory=list)
    failed: str = ""

    def run(self, hub: Hub, setup: tuple[list[str], str], go: threading.Event, moves: list[float],
            think_s: list[float], timeout_s: float, deadline: float) -> None:
        step = "log-in"
        kernel = None
        try:
            token = self._login(hub, timeout_s)
            auth = {"Authorization": f"token {token}"}
            step = "server start"
            url = self._start(hub, auth, min(timeout_s * 4, deadline - time.monotonic()))
            step = "kernel"
            r = requests.post(f"{hub.url}{url}api/kernels", headers=auth, json={"name": "python3"},
                              timeout=timeout_s)
            if r.status_code != 201:
                raise LearnerFailed(f"POST api/kernels answered {r.status_code}: {r.text[:120]}")
            ws = f"ws://{HOST}:{hub.port}{url}api/kernels/{r.json()['id']}/channels"
            kernel = Kernel(ws, token, timeout_s)
            step = "lesson 00 set-up"
            t0 = time.monotonic()
            cells, sandbox = setup
            for i, code in enumerate(cells + [sandbox]):
                kernel.execute(code, timeout_s * 2)
            self.setup_s = time.monotonic() - t0
            step = "waiting for the others"
            if not go.wait(max(0.0, deadline - time.monotonic())):
                raise LearnerFailed("the run's time ran out before the slider moves")
            for i, (value, pause) in enumerate(zip(moves, think_s)):
                step = f"slider move {i + 1}"
                if time.monotonic() + pause + timeout_s > deadline:
                    raise LearnerFailed("the run's time ran out")
                time.sleep(pause)
                t0 = time.perf_counter()
                _, printed = kernel.execute(MOVE.format(slider=SLIDER, value=value), timeout_s)
                elapsed = time.perf_counter() - t0
                found = [ln for ln in printed.splitlines() if ln.startswith('{"status"')]
                if not found:
                    raise LearnerFailed(f"no status line in the output: {printed[-120:]!r}")
                line = json.loads(found[-1])
                if not line["status"].startswith("updated"):
                    raise LearnerFailed(f"status line: {line['status'][:120]}")
                self.latencies_s.append(elapsed)
                self.kernel_s.append(line["kernel_s"])
        except LearnerFailed as exc:
            self.failed = f"{step}: {exc}"
        except (requests.RequestException, websocket.WebSocketException, OSError,
                ValueError, KeyError) as exc:
            self.failed = f"{step}: {type(exc).__name__}: {str(exc)[:160]}"
        finally:
            if kernel is not None:
                kernel.close()

    def _login(self, hub: Hub, timeout_s: float) -> str:
        s = requests.Session()
        s.get(f"{hub.url}/hub/login", timeout=timeout_s)
        r = s.post(f"{hub.url}/hub/login", allow_redirects=False, timeout=timeout_s,
                   data={"username": self.name, "password": hub.password,
                         "_xsrf": s.cookies.get("_xsrf", "")})
        if r.status_code != 302:
            raise LearnerFailed(f"the login form answered {r.status_code}")
        r = s.post(f"{hub.url}/hub/api/users/{self.name}/tokens", timeout=timeout_s,
                   json={"note": "bench_hub", "expires_in": 3600},
                   headers={"X-XSRFToken": s.cookies.get("_xsrf", "")})
        if r.status_code != 201:
            raise LearnerFailed(f"asking for a token answered {r.status_code}: {r.text[:120]}")
        return r.json()["token"]

    def _start(self, hub: Hub, auth: dict, timeout_s: float) -> str:
        t0 = time.monotonic()
        r = requests.post(f"{hub.url}/hub/api/users/{self.name}/server", headers=auth,
                          timeout=timeout_s)
        if r.status_code not in (201, 202):
            raise LearnerFailed(f"the hub answered {r.status_code}"
                                f"{hub.reason(self.name)}")
        while time.monotonic() - t0 < timeout_s:
            u = requests.get(f"{hub.url}/hub/api/users/{self.name}", headers=auth, timeout=30)
            server = u.json().get("servers", {}).get("")
            if server and server.get("ready"):
                self.start_s = time.monotonic() - t0
                return server["url"]
            if not server or not server.get("pending"):
                if time.monotonic() - t0 > 2:  # the spawn failed: the hub forgot the server
                    raise LearnerFailed("the server stopped while starting"
                                        f"{hub.reason(self.name)}")
            time.sleep(0.5)
        raise LearnerFailed(f"not ready within {timeout_s:.0f} s")


# --- the run --------------------------------------------------------------------------------

def memory(hub: Hub, names: list[str]) -> dict:
    """USS and RSS (MB) of each learner's processes, and of the hub and the proxy."""
    per = {}
    found = hub.learner_processes()
    for name in names:
        uss = rss = 0
        for p in found.get(name, []):
            try:
                info = p.memory_full_info()
                uss, rss = uss + info.uss, rss + info.rss
            except psutil.Error:
                pass
        if rss:
            per[name] = {"uss_mb": uss / 2**20, "rss_mb": rss / 2**20,
                         "processes": len(found.get(name, []))}
    own = {}
    for role, p in hub.processes().items():
        try:
            own[role] = p.memory_info().rss / 2**20
        except psutil.Error:
            pass
    return {"learners": per, "rss_mb": own}


def cpu_seconds(procs: dict[str, psutil.Process]) -> dict[str, float]:
    out = {}
    for role, p in procs.items():
        try:
            t = p.cpu_times()
            out[role] = t.user + t.system
        except psutil.Error:
            pass
    return out


def run(n: int, k: int, think_s: float, timeout_s: float, max_seconds: float,
        sabotage: list[str], seed: int, log_copy: str | None = None) -> dict:
    started = time.monotonic()
    load_start = os.getloadavg()
    deadline = started + max_seconds
    names = [f"learner-{i + 1:02d}" for i in range(n)]
    rng = random.Random(seed)
    setup = lesson_code()
    with tempfile.TemporaryDirectory(prefix="devsim-bench-hub-") as tmp:
        state = Path(tmp)
        for name in sabotage:  # a file where the learner's folder goes: its start must fail
            (state / "learners").mkdir(exist_ok=True)
            (state / "learners" / name).write_text("not a folder\n")
        hub = Hub(state, max_learners=max(n, 1), timeout_s=min(90, max_seconds))
        learners = [Learner(name) for name in names]
        go = threading.Event()
        threads = []
        try:
            t_room = time.monotonic()
            for i, learner in enumerate(learners):
                moves = [GRID[(i * 3 + 7 * j) % len(GRID)] for j in range(k)]
                pauses = [think_s * rng.uniform(0.5, 1.5) for _ in range(k)]
                th = threading.Thread(target=learner.run, name=learner.name, daemon=True,
                                      args=(hub, setup, go, moves, pauses, timeout_s, deadline))
                th.start()
                threads.append(th)
            # Set-up ends when every learner is set up or failed (bounded by the deadline).
            while time.monotonic() < deadline and not all(
                    l.setup_s is not None or l.failed for l in learners):
                time.sleep(0.5)
            room_ready_s = time.monotonic() - t_room
            mem_idle = memory(hub, names)
            procs = hub.processes()
            cpu0, t0 = cpu_seconds(procs), time.monotonic()
            psutil.cpu_percent(None)
            go.set()
            for th in threads:
                th.join(max(0.0, deadline - time.monotonic()) + 1)
            wall = time.monotonic() - t0
            cpu1 = cpu_seconds(procs)
            machine_cpu = psutil.cpu_percent(None)
            mem_after = memory(hub, names)
        finally:
            left = hub.stop()
            if log_copy:
                shutil.copyfile(hub.log_path, log_copy)
        for th in threads:
            if th.is_alive():
                th.join(1)
    lat = [x for l in learners for x in l.latencies_s]
    ker = [x for l in learners for x in l.kernel_s]
    starts = [l.start_s for l in learners if l.start_s is not None]
    uss = [m["uss_mb"] for m in mem_after["learners"].values()]
    rss = [m["rss_mb"] for m in mem_after["learners"].values()]
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total
                                                                 / 2**30, 1),
                    "platform": platform.platform(), "python": platform.python_version()},
        "n": n, "k": k, "think_s": think_s, "seed": seed,
        "finished": sum(1 for l in learners if not l.failed and len(l.latencies_s) == k),
        "failed": {l.name: l.failed for l in learners if l.failed},
        "start_s": {"p50": statistics.median(starts) if starts else None,
                    "max": max(starts) if starts else None},
        "room_ready_s": room_ready_s,
        "setup_s_p50": statistics.median([l.setup_s for l in learners if l.setup_s]) if any(
            l.setup_s for l in learners) else None,
        "latency_s": {"n": len(lat), "p50": percentile(lat, 50), "p95": percentile(lat, 95),
                      "max": max(lat) if lat else None},
        "kernel_s": {"p50": percentile(ker, 50), "p95": percentile(ker, 95)},
        "memory_mb": {"per_learner_uss_mean": statistics.mean(uss) if uss else None,
                      "per_learner_uss_max": max(uss) if uss else None,
                      "per_learner_rss_mean": statistics.mean(rss) if rss else None,
                      "per_learner_uss_mean_before_moves": statistics.mean(
                          [m["uss_mb"] for m in mem_idle["learners"].values()] or [0]),
                      "hub_rss": mem_after["rss_mb"].get("hub"),
                      "proxy_rss": mem_after["rss_mb"].get("proxy")},
        "cpu": {"moves_wall_s": wall,
                "hub_core_share": (cpu1.get("hub", 0) - cpu0.get("hub", 0)) / wall,
                "proxy_core_share": (cpu1.get("proxy", 0) - cpu0.get("proxy", 0)) / wall,
                "machine_percent": machine_cpu},
        "killed_after_hub_stop": left,
        "load_average": {"start": load_start, "end": os.getloadavg()},
        "took_s": time.monotonic() - started,
    }


def report(r: dict) -> str:
    f = lambda x, spec=".2f": "-" if x is None else format(x, spec)  # noqa: E731
    m, c, lat = r["memory_mb"], r["cpu"], r["latency_s"]
    lines = [
        f"devsim workshop hub load test, {r['date']}",
        f"  machine: {r['machine']['cores']} cores, {r['machine']['memory_gb']} GB, "
        f"{r['machine']['platform']}, Python {r['machine']['python']}; load average "
        f"{r['load_average']['start'][0]:.1f} at start, {r['load_average']['end'][0]:.1f} at end",
        f"  {r['n']} learners, {r['k']} slider moves each, think time {r['think_s']} s x "
        f"uniform(0.5, 1.5); finished: {r['finished']} of {r['n']}",
        f"  server start (log-in to ready): p50 {f(r['start_s']['p50'], '.1f')} s, "
        f"max {f(r['start_s']['max'], '.1f')} s; whole room set up (lesson 00 run) after "
        f"{r['room_ready_s']:.0f} s",
        f"  slider -> tiles over the websocket: p50 {f(lat['p50'], '.3f')} s, p95 "
        f"{f(lat['p95'], '.3f')} s, max {f(lat['max'], '.3f')} s ({lat['n']} moves); in the "
        f"kernel p50 {f(r['kernel_s']['p50'], '.3f')} s",
        f"  memory per learner (server, kernel and its workers): USS {f(m['per_learner_uss_mean'], '.0f')} MB "
        f"mean, {f(m['per_learner_uss_max'], '.0f')} MB max (RSS "
        f"{f(m['per_learner_rss_mean'], '.0f')} MB); hub {f(m['hub_rss'], '.0f')} MB, proxy "
        f"{f(m['proxy_rss'], '.0f')} MB (RSS)",
        f"  CPU during the moves: hub {c['hub_core_share']:.1%} of a core, proxy "
        f"{c['proxy_core_share']:.1%}; machine {c['machine_percent']:.0f}%",
    ]
    for name, why in r["failed"].items():
        lines.append(f"  FAILED {name}: {why}")
    if r["killed_after_hub_stop"]:
        lines.append(f"  (killed {len(r['killed_after_hub_stop'])} processes left after the "
                     "hub stopped)")
    lines.append(f"  took {r['took_s']:.0f} s")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--learners", type=int, default=10, help="simulated learners (1-200)")
    ap.add_argument("-k", "--moves", type=int, default=10,
                    help=f"slider moves per learner (1-{len(GRID)})")
    ap.add_argument("--think", type=float, default=2.0,
                    help="mean think time between moves, seconds (0-60; default 2)")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="longest wait for one request or cell, seconds (default 60; a "
                         "server start gets 4 times this)")
    ap.add_argument("--max-seconds", type=float, default=900.0,
                    help="the whole run stops after this (default 900)")
    ap.add_argument("--sabotage", nargs="*", default=[], metavar="NAME",
                    help="learners (learner-01, ...) whose server must fail to start, to see "
                         "a failure named in the report")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--json", metavar="PATH", help="also write the figures to this file")
    ap.add_argument("--hub-log", metavar="PATH", help="keep a copy of the hub's log")
    args = ap.parse_args(argv)
    if not 1 <= args.learners <= 200:
        ap.error("--learners: give 1 to 200")
    if not 1 <= args.moves <= len(GRID):
        ap.error(f"--moves: give 1 to {len(GRID)}")
    if not 0 <= args.think <= 60 or not 1 <= args.timeout <= 600 or not 10 <= args.max_seconds <= 7200:
        ap.error("--think 0-60, --timeout 1-600, --max-seconds 10-7200")
    result = run(args.learners, args.moves, args.think, args.timeout, args.max_seconds,
                 args.sabotage, args.seed, args.hub_log)
    print(report(result), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0 if result["finished"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
