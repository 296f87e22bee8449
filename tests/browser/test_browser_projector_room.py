"""The projector as the back row of a room sees it: Voila at 1920x1080, offline, with a class.

Voila is started the way the trainer notes say (``python -m devsim.projector``: Voila with
the offline template) on a temporary copy of the course, with 8 valid teams (the sample
teams plus copies) and the sample folder's broken file, and ``DEVSIM_CLASS_DIR`` pointing
at a temporary class folder holding records written by :mod:`devsim.classroom` plus a
corrupt and a foreign file. The test

* records every request the page makes and fails on any that leaves 127.0.0.1;
* measures the rendered font size of every text in the projector (labels >= 18 px) and of
  every number on the board (>= 24 px);
* checks that the leaderboard (all 8 rows) and the status line are inside the 1080 px
  viewport without scrolling, and that the charts are drawn as wide as the page;
* checks that the trainer notes and the server's paths are not on the page;
* opens the Class tab and reads the exercise counts, the prediction spread and the skipped
  files, then adds a record and sees the tab follow the folder.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from urllib.parse import urlparse

import pytest

import harness
from devsim import classroom
from devsim.scenario import ScenarioError, load_scenario

VIEWPORT = {"width": 1920, "height": 1080}
RENDER_TIMEOUT_MS = 240_000
N_TEAMS = 8
MIN_NUMBER_PX = 24
MIN_LABEL_PX = 18
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _write_class_records(folder):
    folder.mkdir(parents=True, exist_ok=True)
    when = {"folder": folder}
    # ex01: ann right at once; bob wrong three times (stuck); cat wrong once then right with
    # a hint (not stuck: right in the end); dan wrong once with a hint (stuck).
    for who, outcomes, hints in [("ann", ["correct"], 0),
                                 ("bob", ["incorrect"] * 3, 0),
                                 ("cat", ["incorrect", "correct"], 1),
                                 ("dan", ["incorrect"], 2)]:
        for outcome in outcomes:
            # The fields devsim.checks writes.
            classroom.record("check", {"lesson": "01", "exercise": "ex01", "status": outcome,
                                       "hints": hints}, learner=who, **when)
    classroom.record("check", {"exercise": "ex04", "status": "not_attempted"},
                     learner="ann", **when)
    classroom.record("check", {"exercise": "ex04", "status": "correct"}, learner="bob", **when)
    for who, guess in [("ann", "Yes"), ("bob", "No"), ("cat", "No"), ("dan", "No")]:
        classroom.record_prediction("01", "gates", guess, result="No", learner=who, **when)
    for who, guess in [("ann", 2.0), ("bob", 5.0), ("cat", 5.0)]:
        classroom.record_prediction("02", "utilisation", guess, result=5.0, learner=who, **when)
    (folder / "broken.json").write_text('{"devsim_class": 1, "kind": "check", ')
    (folder / "notes.txt").write_text("the trainer's shopping list\n")
    (folder / "other-tool.json").write_text(json.dumps({"user": "x", "score": 3}))


@pytest.fixture(scope="module")
def room(tmp_path_factory, artifacts):
    """Voila via ``python -m devsim.projector`` on a course copy with 8 teams and a class."""
    base = tmp_path_factory.mktemp("projector-room")
    root = harness.copy_course(base / "course")
    teams = root / "exercises" / "sample_teams"
    valid = []
    for f in sorted(teams.glob("*.yaml")):
        try:
            load_scenario(f)
            valid.append(f)
        except ScenarioError:
            pass
    k = 0
    while len(valid) + k < N_TEAMS:
        shutil.copy(valid[k % len(valid)], teams / f"team-copy{k + 1}.yaml")
        k += 1
    class_dir = base / "class"
    _write_class_records(class_dir)
    port = harness.free_port()
    cmd = [sys.executable, "-m", "devsim.projector", str(root), "--no-browser",
           f"--port={port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
           "--show_tracebacks=True"]
    (base / "server").mkdir()
    before = os.environ.get(classroom.CLASS_DIR_ENV)
    os.environ[classroom.CLASS_DIR_ENV] = str(class_dir)  # the server's kernels inherit it
    try:
        server = harness._start("voila-room", cmd, port=port, token=None, ready="",
                                workdir=base / "server", root=root, timeout=120)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        if before is None:
            os.environ.pop(classroom.CLASS_DIR_ENV, None)
        else:
            os.environ[classroom.CLASS_DIR_ENV] = before
    server.class_dir = class_dir
    server.n_valid = len(valid) + k
    try:
        yield server
    finally:
        server.stop()
        shutil.copy(server.log, artifacts / "voila-room.log")


_FONTS_JS = """root => {
  const px = e => parseFloat(getComputedStyle(e).fontSize);
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const texts = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const t = walker.currentNode;
    const e = t.parentElement;
    if (!t.textContent.trim() || !e || !visible(e) || e.closest('style')) continue;
    texts.push([t.textContent.trim().slice(0, 40), px(e)]);
  }
  const numbers = [...root.querySelectorAll('.devsim-board .devsim-number')]
      .filter(visible).map(e => [e.textContent.trim(), px(e)]);
  return {texts, numbers};
}"""

_BOX_JS = """sel => { const e = document.querySelector(sel);
  if (!e) return null; const r = e.getBoundingClientRect();
  return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, width: r.width}; }"""


def test_projector_room_at_1920x1080(room, browser, console, screenshot):
    context = harness.new_context(browser, VIEWPORT)
    context.set_default_timeout(60_000)
    requests = []
    context.on("request", lambda r: requests.append(r.url))
    try:
        page = context.new_page()
        console.attach(page)
        page.goto(f"{room.url}voila/render/notebooks/projector.ipynb", timeout=RENDER_TIMEOUT_MS)
        board = page.locator("table.devsim-board")
        board.wait_for(timeout=RENDER_TIMEOUT_MS)
        harness.wait_for(lambda: page.locator(".jp-OutputArea-output img").count()
                         >= 1 + room.n_valid, 120, "the chart and every team's tiles")
        harness.wait_for(lambda: page.evaluate(
            "() => [...document.querySelectorAll('.devsim-projector img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"), 60, "the pictures to load")
        page.mouse.move(0, 0)
        page.evaluate("() => window.scrollTo(0, 0)")
        rows = board.locator("tbody tr").count()
        assert rows == room.n_valid == N_TEAMS, rows

        # Font sizes as rendered.
        fonts = page.locator(".devsim-projector").first.evaluate(_FONTS_JS)
        smallest = min(fonts["texts"], key=lambda t: t[1])
        small = [t for t in fonts["texts"] if t[1] < MIN_LABEL_PX]
        assert not small, f"text under {MIN_LABEL_PX} px: {small[:10]}"
        assert fonts["numbers"], "no number found on the board"
        min_number = min(px for _, px in fonts["numbers"])
        assert min_number >= MIN_NUMBER_PX, [n for n in fonts["numbers"] if n[1] < MIN_NUMBER_PX]
        print(f"fonts: {len(fonts['texts'])} texts, smallest {smallest[1]:g} px "
              f"({smallest[0]!r}); {len(fonts['numbers'])} numbers on the board, smallest "
              f"{min_number:g} px")

        # One screen: the leaderboard's rows and the status line without scrolling.
        table_box = page.evaluate(_BOX_JS, ".devsim-board")
        status_box = page.evaluate(_BOX_JS, ".devsim-status")
        print(f"screen fit: status line {status_box['top']:.0f}-{status_box['bottom']:.0f} px, "
              f"leaderboard {table_box['top']:.0f}-{table_box['bottom']:.0f} px of "
              f"{VIEWPORT['height']}")
        for what, box in (("leaderboard", table_box), ("status line", status_box)):
            assert 0 <= box["top"] and box["bottom"] <= VIEWPORT["height"], (what, box)
        status = page.locator(".devsim-status").inner_text()
        assert f"{N_TEAMS} ranked" in status, status

        # Charts use the width.
        widths = page.evaluate(
            "() => [...document.querySelectorAll('.devsim-projector img')]"
            ".map(i => i.getBoundingClientRect().width)")
        print(f"chart widths: {sorted(set(round(w) for w in widths))} px")
        assert min(widths) >= 0.8 * VIEWPORT["width"], widths

        # Nothing for the trainer, no server path, on the room's screen.
        text = page.locator("body").inner_text()
        for hidden in ("For the trainer", "What the room sees", "DEVSIM_TEAMS_DIR",
                       str(room.root), str(room.class_dir), "/srv/"):
            assert hidden not in text, f"{hidden!r} is on the projector page"
        screenshot(page, "projector-room-1920x1080")

        # The Class tab.
        page.locator(".lm-TabBar-tab:has-text('Class')").click()
        exercises = page.locator("table.devsim-class-exercises")
        exercises.wait_for()
        got = exercises.locator("tbody tr").evaluate_all(
            "rs => rs.map(r => [...r.cells].map(c => c.textContent.trim()))")
        assert got == [["ex01", "4", "2", "2"], ["ex04", "1", "1", "0"]], got
        tab = page.locator(".devsim-projector .widget-tab-contents").first.inner_text()
        for name in ("broken.json", "notes.txt", "other-tool.json"):
            assert name in tab, f"{name} is not named as skipped: {tab!r}"
        assert "Lesson 01 · gates" in tab and "Lesson 02 · utilisation" in tab, tab
        spread = page.locator(".devsim-spread").first.inner_text()
        assert "No" in spread and "3" in spread and "the model: No" in spread, spread
        class_fonts = page.locator(".devsim-projector").first.evaluate(_FONTS_JS)
        small = [t for t in class_fonts["texts"] if t[1] < MIN_LABEL_PX]
        assert not small, f"class tab text under {MIN_LABEL_PX} px: {small[:10]}"
        screenshot(page, "projector-room-class-tab")

        # The tab follows the folder with the projector's poll.
        classroom.record("check", {"exercise": "ex07", "status": "incorrect"},
                         learner="eve", folder=room.class_dir)
        harness.wait_for(lambda: "ex07" in exercises.inner_text(), 60,
                         "the Class tab to show a new record")

        assert not harness.page_problems(page), harness.page_problems(page)
        assert not console.errors, "JavaScript errors:\n" + "\n".join(console.errors)
        assert not console.allowed, f"allow-listed errors still happened: {console.allowed}"
    finally:
        context.close()
    elsewhere = sorted({u for u in requests
                        if urlparse(u).scheme in ("http", "https", "ws", "wss")
                        and urlparse(u).hostname not in LOCAL_HOSTS})
    print(f"requests: {len(requests)}, to another host: {len(elsewhere)}")
    assert not elsewhere, f"requests that left the machine: {elsewhere}"
