"""How long a learner waits in a real browser from releasing a Sandbox slider to new tiles.

Opens ``notebooks/08_sandbox.ipynb`` (a temporary copy) in Voila and in JupyterLab (after
Run All), driven by Debian's Chromium, and moves the "Test automation" slider one step with
the keyboard, alternately left and right, ``--moves`` times after one warm-up move. Each
move is timed inside the page, from the keydown to the DOM change of the lead-time tile
(what the learner sees), so Playwright's own round trips are not counted. Next to it, the
kernel's share: the Sandbox's status line "updated in X s" (scenario built, model run,
metrics, tiles HTML); the difference is the widget messages and the browser's rendering.

Figures are printed, not asserted (a shared machine is too noisy to fail on); exits 0
unless a server, the browser or a move fails.

Run: ``.venv/bin/python benchmarks/bench_browser.py [--moves 12] [--where voila,lab]``
(Chromium at /usr/bin/chromium: ``bash scripts/ensure_chromium.sh``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The servers and page helpers are the browser tests' own, so the benchmark measures
# exactly what the tests check.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import harness  # noqa: E402

SLIDER = "Test automation (share)"
METRIC = "lead_time_hours"


def _open(where: str, context, server):
    if where == "lab":
        page = harness.open_lab_notebook(context, server, "notebooks/08_sandbox.ipynb")
        harness.run_all_cells(page)
        harness.wait_widgets_rendered(page)
    else:
        page = context.new_page()
        page.goto(f"{server.url}voila/render/notebooks/08_sandbox.ipynb", timeout=180_000)
    root = harness.sandbox_root(page)
    root.wait_for(timeout=180_000)
    harness.wait_for(lambda: harness.sandbox_status(root).startswith("updated in"), 60,
                     "the Sandbox's first update")
    harness.open_group(root, "Automation")
    return root


def measure(where: str, browser, base: Path, moves: int) -> tuple[list[float], list[float]]:
    """Browser and kernel seconds per move, in ``where`` ("lab" or "voila")."""
    root_dir = harness.copy_course(base / where / "course")
    start = harness.start_lab if where == "lab" else harness.start_voila
    t0 = time.perf_counter()
    server = start(root_dir, base / where / "server")
    print(f"  {where}: server up in {time.perf_counter() - t0:.1f} s", flush=True)
    context = harness.new_context(browser)
    try:
        t0 = time.perf_counter()
        root = _open(where, context, server)
        print(f"  {where}: sandbox on screen in {time.perf_counter() - t0:.1f} s "
              f"({'open + Run All' if where == 'lab' else 'Voila runs the notebook'})",
              flush=True)
        harness.move_slider(root, SLIDER, "ArrowLeft", METRIC)  # warm-up: caches, fonts
        browser_s, kernel_s = [], []
        for k in range(moves):
            move = harness.move_slider(root, SLIDER, "ArrowRight" if k % 2 == 0 else "ArrowLeft",
                                       METRIC)
            browser_s.append(move.browser_s)
            kernel_s.append(move.kernel_s)
        return browser_s, kernel_s
    finally:
        context.close()
        server.stop()


def _line(name: str, xs: list[float]) -> str:
    q = statistics.quantiles(xs, n=10)
    return (f"{name:<38} median {statistics.median(xs):.3f} s  min {min(xs):.3f}  "
            f"p90 {q[-1]:.3f}  max {max(xs):.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=12, help="timed moves per place (>= 10)")
    ap.add_argument("--where", default="voila,lab",
                    help="comma-separated: voila, lab (default both)")
    args = ap.parse_args(argv)
    places = [w.strip() for w in args.where.split(",") if w.strip()]
    if args.moves < 10:
        ap.error("--moves: give at least 10")
    if not places or set(places) - {"voila", "lab"}:
        ap.error(f"--where: {args.where!r} is not allowed; give voila, lab or both")
    if not harness.CHROMIUM.exists():
        print(harness.MISSING_CHROMIUM, file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright

    print("devsim sandbox in a browser: slider released (keyboard) -> lead-time tile updated")
    print(f"date      {dt.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine   {platform.node()} | {platform.machine()} | {os.cpu_count()} cpus | "
          f"{platform.platform()} | Python {platform.python_version()}")
    load = os.getloadavg()
    print(f"load      {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min; other jobs share "
          "the machine)")
    print("sandbox   collaborative vs siloed (baseline cached), 1 replication, seed 2026; "
          f"'{SLIDER}' one step per move, {args.moves} moves after a warm-up")
    with tempfile.TemporaryDirectory(prefix="devsim-bench-browser-") as tmp, \
            sync_playwright() as p:
        browser = harness.launch_browser(p)
        print(f"browser   {browser.version} ({harness.CHROMIUM}), headless")
        try:
            for where in places:
                browser_s, kernel_s = measure(where, browser, Path(tmp), args.moves)
                label = "JupyterLab" if where == "lab" else "Voila"
                print(_line(f"{label}: key press -> tile changed", browser_s))
                print(_line(f"{label}: kernel ('updated in')", kernel_s))
                rest = [b - k for b, k in zip(browser_s, kernel_s)]
                print(f"{label + ': messages + rendering':<38} median "
                      f"{statistics.median(rest):.3f} s (browser minus kernel, per move)")
        finally:
            browser.close()
    print(f"load      {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
