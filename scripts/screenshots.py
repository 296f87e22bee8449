"""Regenerate the screenshots in docs/img by driving the course in a real browser.

* ``docs/img/sandbox.png``: the Sandbox of lesson 08 as Voila shows it (no code), with the
  "Automation" controls open and "Test automation" moved one step down from the
  collaborative preset, so the tiles show a change against the siloed baseline.
* ``docs/img/projector.png``: the team-challenge projector (``notebooks/projector.ipynb``)
  on the sample teams at a projector's 1920 px width, from the title to the lead-time chart:
  the leaderboard, the file it could not read and the chart, as the room sees it.

Voila serves a temporary copy of the course on 127.0.0.1; Chromium is Debian's
(``bash scripts/ensure_chromium.sh``), through Playwright, as in the browser tests.

Run: ``.venv/bin/python scripts/screenshots.py [--out docs/img] [--only projector]``
"""
from __future__ import annotations

import argparse
import struct
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The servers and page helpers are the browser tests' own.
sys.path.insert(0, str(REPO / "tests" / "browser"))
import harness  # noqa: E402

# Wide enough for the five tiles in one row and the whole leaderboard; tall enough that
# each picture is inside the window (an element taller than the window is cut off).
SANDBOX_VIEWPORT = {"width": 1100, "height": 2400}
# A projector's 1920 px width (the page is made for 1920x1080), tall enough for the chart.
PROJECTOR_VIEWPORT = {"width": 1920, "height": 2800}


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def sandbox(browser, voila, out: Path) -> Path:
    context = harness.new_context(browser, SANDBOX_VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{voila.url}voila/render/notebooks/08_sandbox.ipynb", timeout=180_000)
        root = harness.sandbox_root(page)
        root.wait_for(timeout=180_000)
        harness.wait_for(lambda: harness.sandbox_status(root).startswith("updated in"), 60,
                         "the Sandbox's first update")
        harness.open_group(root, "Automation")
        harness.move_slider(root, "Test automation (share)", "ArrowLeft", "lead_time_hours")
        page.mouse.move(0, 0)  # no hover highlight or tooltip in the picture
        path = out / "sandbox.png"
        root.screenshot(path=str(path))
        return path
    finally:
        context.close()


def projector(browser, voila, out: Path) -> Path:
    context = harness.new_context(browser, PROJECTOR_VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{voila.url}voila/render/notebooks/projector.ipynb", timeout=180_000)
        page.locator("table:has(th:text-is('Team'))").wait_for(timeout=180_000)
        chart = page.locator(".jp-OutputArea-output img").first
        chart.wait_for()
        harness.wait_for(lambda: chart.evaluate("i => i.complete && i.naturalWidth > 0"), 30,
                         "the lead-time chart")
        page.mouse.move(0, 0)
        top = page.locator(".widget-html-content:has-text('Team challenge')").first.bounding_box()
        bottom = chart.bounding_box()
        left = 0
        width = PROJECTOR_VIEWPORT["width"]
        clip = {"x": left, "y": max(0, top["y"] - 12), "width": width,
                "height": bottom["y"] + bottom["height"] + 12 - max(0, top["y"] - 12)}
        path = out / "projector.png"
        page.screenshot(path=str(path), clip=clip)
        return path
    finally:
        context.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "img",
                    help="folder for sandbox.png and projector.png (default docs/img)")
    ap.add_argument("--only", choices=("sandbox", "projector"), action="append",
                    help="take only this picture (repeatable; default: both)")
    args = ap.parse_args(argv)
    if not harness.CHROMIUM.exists():
        print(harness.MISSING_CHROMIUM, file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="devsim-screenshots-") as tmp, \
            sync_playwright() as p:
        root = harness.copy_course(Path(tmp) / "course")
        voila = harness.start_voila(root, Path(tmp) / "server")
        browser = harness.launch_browser(p)
        try:
            for shoot in (sandbox, projector):
                if args.only and shoot.__name__ not in args.only:
                    continue
                path = shoot(browser, voila, args.out)
                w, h = _png_size(path)
                print(f"wrote {path} ({w} x {h} px)")
        finally:
            browser.close()
            voila.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
