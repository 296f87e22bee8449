"""The course in Voila, in Chromium: the projector follows its folder; the Sandbox responds.

Voila serves a temporary copy of the course folder; ``notebooks/projector.ipynb`` reads
its folder from ``DEVSIM_TEAMS_DIR`` (unset for the test servers) or the default
``"../exercises/sample_teams"`` relative to itself, that is the copy's team folder, which
the projector test adds a team file to.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import expected
import harness
from devsim.scenario import ScenarioError, load_scenario

SLIDER = "Test automation (share)"
# A new team is on the board one watcher interval after its file lands, plus the time to
# run it (3 replications) and redraw: about a second here, more on a loaded CI machine.
MARGIN_S = 45
RENDER_TIMEOUT_MS = 180_000  # Voila runs the whole notebook before it sends the page


def _render(context, voila, notebook: str, console):
    page = context.new_page()
    console.attach(page)
    page.goto(f"{voila.url}voila/render/notebooks/{notebook}", timeout=RENDER_TIMEOUT_MS)
    return page


def _board_teams(page) -> list[str]:
    """Team names in the leaderboard's rows, in rank order."""
    return page.locator("table:has(th:text-is('Team')) tbody tr td:nth-child(2) b") \
        .all_inner_texts()


def _status(page) -> str:
    return page.locator(".widget-html-content:has-text('Last updated')").first.inner_text()


def test_projector_shows_the_teams_and_a_new_file_in_voila(voila, context, console, screenshot):
    teams_dir = voila.root / "exercises" / "sample_teams"
    valid, invalid = [], []
    for f in sorted(teams_dir.glob("*.yaml")):
        try:
            load_scenario(f)
            valid.append(f.stem)
        except ScenarioError:
            invalid.append(f.name)
    assert valid and invalid, "the sample folder should hold valid teams and a broken file"

    page = _render(context, voila, "projector.ipynb", console)
    page.locator("table:has(th:text-is('Team'))").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert sorted(_board_teams(page)) == valid
    problems = page.locator(".widget-html-content:has-text('could not be read')").inner_text()
    for name in invalid:
        assert name in problems, f"{name} is not reported as unreadable: {problems!r}"
    status = _status(page)
    assert f"{len(valid)} ranked" in status, status
    watching = re.search(r"watching the folder every ([0-9.]+) s", status)
    assert watching, f"the projector is not watching its folder: {status!r}"
    interval = float(watching.group(1))
    assert len(page.locator(".jp-OutputArea-output img").all()) >= 1 + len(valid), \
        "expected the lead-time chart and one row of tiles per team"
    screenshot(page, "voila-projector")

    # A new team saves its file: written under another name, then renamed, as an editor's
    # "save" does, so the watcher never reads half a file.
    new_team = "team-new"
    tmp = teams_dir / f".{new_team}.partial"
    tmp.write_text((teams_dir / f"{valid[0]}.yaml").read_text())
    t0 = time.monotonic()
    os.replace(tmp, teams_dir / f"{new_team}.yaml")
    try:
        harness.wait_for(lambda: new_team in _board_teams(page), interval + MARGIN_S,
                         f"{new_team} on the board ({interval:g} s interval + {MARGIN_S} s)")
        waited = time.monotonic() - t0
        print(f"projector: new team on the board {waited:.1f} s after its file appeared "
              f"(watcher interval {interval:g} s)")
        harness.wait_for(lambda: f"{len(valid) + 1} ranked" in _status(page), 30,
                         "the status line to count the new team")
        assert sorted(_board_teams(page)) == sorted(valid + [new_team])
        screenshot(page, "voila-projector-new-team")
    finally:
        (teams_dir / f"{new_team}.yaml").unlink(missing_ok=True)

    assert not harness.page_problems(page), harness.page_problems(page)
    assert not console.errors, "JavaScript errors:\n" + "\n".join(console.errors)


def test_sandbox_slider_updates_the_tiles_in_voila(voila, context, console, screenshot):
    page = _render(context, voila, "08_sandbox.ipynb", console)
    root = harness.sandbox_root(page)
    root.wait_for(timeout=RENDER_TIMEOUT_MS)
    harness.wait_for(lambda: harness.sandbox_status(root).startswith("updated in"), 60,
                     "the Sandbox's first update")
    assert harness.tiles(root) == expected.sandbox_tiles("collaborative")

    harness.open_group(root, "Automation")
    move = harness.move_slider(root, SLIDER, "ArrowRight", "lead_time_hours")
    print(f"Voila: slider released -> tile updated in {move.browser_s:.2f} s "
          f"(kernel: {move.kernel_s:.2f} s)")
    assert harness.slider_readout(root, SLIDER) == "0.85"
    assert harness.tiles(root) == expected.sandbox_tiles("collaborative", test_automation=0.85)
    root.evaluate("e => e.scrollIntoView({block: 'start'})")
    screenshot(page, "voila-sandbox")

    assert not harness.page_problems(page), harness.page_problems(page)
    assert not console.errors, "JavaScript errors:\n" + "\n".join(console.errors)


def test_the_sample_teams_are_where_the_projector_looks():
    # The projector notebook names its folder relative to itself; the tests above rely on it.
    notebook = harness.REPO / "notebooks" / "projector.ipynb"
    found = [m.group(1) for src in harness.code_sources(notebook)
             for m in re.finditer(
                 r'^FOLDER = (?:os\.environ\.get\("DEVSIM_TEAMS_DIR", )?"([^"]+)"\)?', src, re.M)]
    assert found, f"{notebook.name} has no FOLDER = \"...\" line (or its DEVSIM_TEAMS_DIR default)"
    target = (notebook.parent / found[0]).resolve()
    assert target == (harness.REPO / "exercises" / "sample_teams").resolve()
    assert any(Path(target).glob("*.yaml"))
