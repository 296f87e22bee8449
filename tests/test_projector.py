"""The projector dashboard ranks a folder of team files, follows changes, explains bad files.

Every test uses a temporary copy of some of ``exercises/sample_teams``, n=2 replications and
the serial executor (one process, nothing left running), and never starts the watcher unless
it tests the watcher itself (inside ``asyncio.run``).
"""
from __future__ import annotations

import asyncio
import html
import inspect
import json
import os
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import devsim.projector as projector_module  # noqa: E402
from devsim.display import ERROR_COLOUR  # noqa: E402
from devsim.dora import KEYS  # noqa: E402
from devsim.leaderboard import LeaderboardError, evaluate_folder  # noqa: E402
from devsim.projector import Projector  # noqa: E402
from devsim.registry import format_value, metric  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "exercises" / "sample_teams"
N = 2


def _copy(folder: Path, *names: str) -> None:
    for name in names:
        shutil.copy(SAMPLES / name, folder / name)


def _make(folder: Path, **kwargs) -> Projector:
    kwargs = {"n": N, "executor": "serial", "watch": False, **kwargs}
    return Projector(folder, **kwargs)


def _png_count(out) -> int:
    return sum("image/png" in o.get("data", {}) for o in out.outputs)


@pytest.fixture()
def two_teams(tmp_path):
    _copy(tmp_path, "team-b.yaml", "team-e.yaml")
    return tmp_path


def test_refresh_ranks_the_teams(two_teams, capsys):
    # 3 replications: at 2, Student's t makes team-e's borderline keys range so widely
    # that it ties with team-b.
    p = _make(two_teams, n=3)
    assert p.refreshes == 1 and p.last_updated is not None
    table = p.table
    assert list(table["team"]) == ["team-b", "team-e"]  # collaborative beats siloed-with-CD
    assert list(table["rank"]) == [1, 2]
    # The page shows the same order: team-b's row comes first.
    board = p.board.value
    assert board.index("team-b") < board.index("team-e")
    assert "Elite" in board and "<table" in board
    # Column titles and numbers come from the metric registry, one formatter for all rooms.
    assert all(f">{metric(k).short}</th>" in board for k in KEYS)
    for _, row in table.iterrows():
        for k in KEYS:
            assert html.escape(format_value(k, row[k])) in board, (row["team"], k)
    # One row of DORA tiles per team, one lead-time chart for all of them.
    assert _png_count(p.tiles_out) == 2
    assert _png_count(p.lead_time_out) == 1
    assert set(p.logs) == {"team-b", "team-e"}
    assert p.problems.value == ""
    status = p.status_text()
    assert "Last updated" in status and "2 ranked" in status and "0 invalid" in status
    out = capsys.readouterr()
    assert out.out == "", f"the projector printed: {out.out!r}"


def test_tiles_show_the_leaderboard_runs(two_teams):
    p = _make(two_teams)
    # The tiles come from the same runs as the table: the means agree exactly, and no
    # team was run twice (runs = teams x n; the lead-time logs are counted apart).
    frame = p.results.frame.groupby("scenario")[list(KEYS)].mean()
    for _, row in p.table.iterrows():
        for k in KEYS:
            assert np.isclose(frame.loc[row["team"], k], row[k], equal_nan=True), (row["team"], k)
    assert p.runs == 2 * N
    # The table is the leaderboard's own.
    table, errors = evaluate_folder(two_teams, n=N, executor="serial")
    assert list(table["team"]) == list(p.table["team"]) and errors == p.errors


def test_poll_shows_a_new_team_and_runs_only_that_team(two_teams, capsys, monkeypatch):
    from devsim import experiment

    p = _make(two_teams)
    runs = p.runs
    assert p.poll() is False  # nothing changed: nothing evaluated
    assert p.refreshes == 1 and p.runs == runs
    _copy(two_teams, "team-c.yaml")
    model_runs = []
    real = experiment.run
    monkeypatch.setattr(experiment, "run", lambda *a, **k: model_runs.append(a) or real(*a, **k))
    assert p.poll() is True
    # The new team's n replications (table and tiles share them) and its chart run; the
    # other teams' runs, tiles and chart runs all come from memory.
    assert len(model_runs) == N + 1
    monkeypatch.undo()
    assert p.refreshes == 2
    assert "team-c" in list(p.table["team"])
    assert p.table.loc[p.table["team"] == "team-c", "rank"].iloc[0] == 1
    assert "team-c" in p.board.value
    assert _png_count(p.tiles_out) == 3
    assert p.runs == runs + N  # the two unchanged teams came from memory
    assert set(p.logs) == {"team-b", "team-c", "team-e"}
    assert "3 ranked" in p.status_text()
    assert p.poll() is False
    # A team that edits its file is evaluated again.
    path = two_teams / "team-e.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "wip_limit: 8\n", encoding="utf-8")
    assert p.poll() is True and p.runs == runs + 2 * N
    # A team that deletes its file leaves the board.
    (two_teams / "team-b.yaml").unlink()
    assert p.poll() is True
    assert "team-b" not in list(p.table["team"]) and "team-b" not in p.board.value
    assert capsys.readouterr().out == ""


def test_invalid_file_is_listed_with_its_reason(two_teams, capsys):
    p = _make(two_teams)
    (two_teams / "team-x.yaml").write_text("n_developers: -2\n", encoding="utf-8")
    (two_teams / "team-y.yml").write_text("monitring: 0.9\n", encoding="utf-8")
    assert p.poll() is True
    assert len(p.errors) == 2
    problems = p.problems.value
    assert "team-x.yaml: n_developers: -2 is out of range" in problems
    assert "team-y.yml: unknown key &#x27;monitring&#x27;" in problems
    assert "did you mean &#x27;monitoring&#x27;?" in problems
    assert "2 invalid" in p.status_text()
    assert list(p.table["team"]) == ["team-b", "team-e"]  # the valid teams are still ranked
    assert capsys.readouterr().out == ""


def test_team_over_budget_is_shown_not_ranked(tmp_path):
    _copy(tmp_path, "team-b.yaml", "team-c.yaml")  # team-c has 12 people
    p = _make(tmp_path, max_people=11, tiles=False)
    row = p.table.set_index("team").loc["team-c"]
    assert pd.isna(row["rank"]) and "over the budget" in row["note"]
    assert "12 people, over the budget of 11" in p.problems.value
    assert "over the budget" in p.board.value
    assert "budget 11 people" in p.heading.value
    assert p.tiles_out.outputs == () and _png_count(p.lead_time_out) == 1


def test_missing_then_empty_then_filled_folder(tmp_path):
    folder = tmp_path / "shared"
    p = _make(folder)
    assert p.table is None
    assert "does not exist" in p.status_text()
    folder.mkdir()
    p.refresh()
    assert p.table.empty and "No team files yet" in p.board.value
    assert p.tiles_out.outputs == () and p.lead_time_out.outputs == ()
    _copy(folder, "team-b.yaml")
    assert p.poll() is True
    assert list(p.table["team"]) == ["team-b"]


def test_refresh_now_button(two_teams):
    p = _make(two_teams)
    p.button.click()
    assert p.refreshes == 2


def test_bad_options_are_refused_with_the_field(tmp_path):
    with pytest.raises(LeaderboardError, match="n: 0 is not allowed"):
        Projector(tmp_path, n=0, watch=False)
    with pytest.raises(LeaderboardError, match="year: 1999"):
        Projector(tmp_path, year=1999, watch=False)
    with pytest.raises(ValueError, match="interval_s: 0 is not allowed"):
        Projector(tmp_path, interval_s=0, watch=False)
    with pytest.raises(ValueError, match="executor: 'threads' is not allowed"):
        Projector(tmp_path, executor="threads", watch=False)


def test_watcher_follows_the_folder_on_the_event_loop(two_teams, capsys):
    async def scenario():
        p = _make(two_teams, watch=True, interval_s=0.5, tiles=False, lead_times=False)
        assert p.watching and "watching the folder every 0.5 s" in p.status_text()
        _copy(two_teams, "team-c.yaml")
        for _ in range(40):  # the watcher runs between awaits, as in a kernel
            await asyncio.sleep(0.25)
            if p.refreshes >= 2:
                break
        p.stop()
        await asyncio.sleep(0)
        return p

    p = asyncio.run(scenario())
    assert p.refreshes == 2 and "team-c" in list(p.table["team"])
    assert not p.watching and "not watching" in p.status_text()
    assert capsys.readouterr().out == ""


def test_without_an_event_loop_the_page_says_it_is_not_watching(two_teams):
    p = _make(two_teams, watch=True, tiles=False, lead_times=False)
    assert not p.watching
    assert "not watching the folder (no event loop)" in p.status_text()


def test_output_areas_are_assigned_never_captured():
    # `with out:` and clear_output() leak as cell output under nbval (see STYLE.md).
    source = inspect.getsource(projector_module)
    assert "clear_output" not in source and "with self.tiles_out" not in source
    assert "print(" not in source


def test_bad_entries_are_listed_and_nothing_outside_is_shown(two_teams, tmp_path_factory):
    import os

    outside = tmp_path_factory.mktemp("system") / "passwd.yaml"
    outside.write_text("secret-account: x:0:0:hunter2\n")
    (two_teams / "out.yaml").symlink_to(outside)
    os.mkfifo(two_teams / "pipe.yaml")
    (two_teams / "x.yaml").mkdir()
    p = _make(two_teams, tiles=False, lead_times=False)
    page = p.board.value + p.problems.value + p.status.value
    assert "hunter2" not in page and "secret-account" not in page
    for name, why in [("out.yaml", "leads out of the folder"), ("pipe.yaml", "named pipe"),
                      ("x.yaml", "a folder, not a file")]:
        assert html.escape(name) in p.problems.value and why in p.problems.value
    assert "2 ranked" in p.status_text() and "3 invalid" in p.status_text()
    # Polling an unchanged folder reads nothing again; a new file is read alone.
    assert not p.poll()
    (two_teams / "pipe.yaml").unlink()
    assert p.poll() and "pipe.yaml" not in p.problems.value


def test_board_shows_placements_ties_and_notes(tmp_path):
    from devsim.leaderboard import TIE_RULE, table_notes

    _copy(tmp_path, "team-b.yaml", "team-e.yaml")
    shutil.copy(SAMPLES / "team-b.yaml", tmp_path / "team-b2.yaml")  # twins: common numbers
    p = _make(tmp_path, n=3, tiles=False, lead_times=False)  # n=3: see test_refresh_ranks
    board = p.board.value
    assert p.table.set_index("team").loc[["team-b", "team-b2"], "rank_shown"].tolist() == [
        "=1", "=1"]
    assert board.count(">=1</td>") == 2
    for _, row in p.table.iterrows():
        for k in KEYS:
            assert f">{html.escape(row[f'{k}_placement'])}</b>" in board, (row["team"], k)
    # The notes under the table are the text table's: tie rule and every gap note.
    assert html.escape(TIE_RULE) in board
    for line in table_notes(p.table):
        assert html.escape(line) in board
    # One <b> per team cell: what the browser test reads as the team's name.
    assert board.count("<b>team-") == 3


def test_default_n_ranks_the_sample_teams_as_three_times_as_many(tmp_path):
    """At its default n the projector ranks the sample teams as the leaderboard does at
    3n (a pair tied at either is not a swap), and team-c's restore time is settled."""
    import itertools

    from devsim.experiment import MemoExecutor
    from devsim.leaderboard import DEFAULT_N

    assert inspect.signature(Projector).parameters["n"].default == DEFAULT_N
    # Devsim's shared pool (this is 3n one-year runs per team); the 3n evaluation reuses
    # the projector's n runs.
    memo = MemoExecutor(None)
    p = Projector(SAMPLES, executor=memo, watch=False, tiles=False, lead_times=False)
    assert p.n == DEFAULT_N
    wide, _ = evaluate_folder(SAMPLES, n=3 * DEFAULT_N, executor=memo)
    a = dict(zip(p.table["team"], p.table["rank"]))
    b = dict(zip(wide["team"], wide["rank"]))
    for x, y in itertools.combinations(sorted(a), 2):
        if a[x] != a[y] and b[x] != b[y]:
            assert (a[x] < a[y]) == (b[x] < b[y]), (x, y, a, b)
    restore = "time_to_restore_hours"
    c_n = p.table.set_index("team").loc["team-c"]
    c_3n = wide.set_index("team").loc["team-c"]
    assert not c_n[f"{restore}_placement"].startswith("~")
    assert c_n[f"{restore}_cluster"] == c_3n[f"{restore}_cluster"]
    assert c_n["score"] == c_3n["score"]


# --- the class view, the room's screen, the offline page ---------------------------------------

def _class_folder(folder: Path) -> Path:
    from devsim import classroom

    folder.mkdir(exist_ok=True)
    for who, outcomes, hints in [("ann", ["correct"], 0), ("bob", ["incorrect"] * 3, 0),
                                 ("cat", ["incorrect", "correct"], 1), ("dan", ["incorrect"], 2),
                                 ("eve", ["incorrect", "incorrect"], 0)]:
        for outcome in outcomes:
            classroom.record("check", {"exercise": "ex01", "outcome": outcome,
                                       "hints_used": hints}, learner=who, folder=folder)
    classroom.record("check", {"exercise": "ex10", "outcome": "not_attempted"}, learner="ann",
                     folder=folder)
    classroom.record("check", {"exercise": "ex2", "status": "incorrect"}, learner="ann",
                     folder=folder)
    classroom.record("hint", {"exercise": "ex2"}, learner="ann", folder=folder)
    for who, guess in [("ann", "Yes"), ("bob", "No"), ("cat", "No")]:
        classroom.record_prediction("01", "gates", guess, result="No", learner=who,
                                    folder=folder)
    for k in range(12):  # twelve different numbers: a histogram of 8 bins
        classroom.record_prediction("03", "lead", float(k), result=4.0, learner=f"l{k}",
                                    folder=folder)
    # The same learner guessing again: only the latest guess counts.
    classroom.record_prediction("01", "gates", "Yes", result="No", learner="bob", folder=folder,
                                )
    (folder / "broken.json").write_text('{"devsim_class": 1, "kind": ')
    (folder / "list.json").write_text("[1, 2, 3]")
    (folder / "other.json").write_text(json.dumps({"user": "x"}))
    (folder / "future.json").write_text(json.dumps({"devsim_class": 99, "kind": "check"}))
    (folder / "odd.json").write_text(json.dumps({"devsim_class": 1, "kind": "vote",
                                                 "learner": "x"}))
    (folder / "nofield.json").write_text(json.dumps({"devsim_class": 1, "kind": "check",
                                                     "learner": "x", "outcome": "correct"}))
    (folder / "latin1.json").write_bytes(b'{"learner": "\xe9"}')
    (folder / "notes.txt").write_text("shopping list\n")
    (folder / "sub").mkdir()
    (folder / ".tmp-abc.part").write_text("{half")  # a writer still writing: passed over
    return folder


def test_class_view_sums_up_a_folder_and_names_every_bad_file(tmp_path):
    from devsim import classview

    summary = classview.read_folder(_class_folder(tmp_path / "class"))
    ex = summary.exercises.set_index("exercise")
    assert list(ex.index) == ["ex01", "ex2", "ex10"]  # natural order
    # ann right; bob 3 wrong (stuck); cat right after a hint (not stuck); dan a hint
    # (stuck); eve 2 wrong, no hint (not yet stuck).
    assert ex.loc["ex01"].tolist() == [5, 2, 2]
    assert ex.loc["ex2"].tolist() == [1, 0, 1]  # a hint record counts as help
    assert ex.loc["ex10"].tolist() == [0, 0, 0]  # a blank check is not an attempt
    spreads = {(s.lesson, s.question): s for s in summary.predictions}
    gates = spreads[("01", "gates")]
    assert gates.kind == "choice" and gates.counts == {"No": 1, "Yes": 2}
    assert gates.learners == 3 and gates.result == "No" and gates.result_bin == "No"
    lead = spreads[("03", "lead")]
    assert lead.kind == "number" and len(lead.counts) == classview.MAX_BINS
    assert sum(lead.counts.values()) == 12 and lead.result_bin in lead.counts
    skipped = dict(line.split(": ", 1) for line in summary.skipped)
    assert skipped == {
        "broken.json": "not valid JSON",
        "list.json": "not a devsim class record (no devsim_class field)",
        "other.json": "not a devsim class record (no devsim_class field)",
        "future.json": "record version '99'; this devsim reads version 1",
        "odd.json": "unknown kind 'vote'; reads prediction, check, hint",
        "nofield.json": "no exercise",
        "latin1.json": "not UTF-8 text",
        "notes.txt": "not a .json record",
        "sub": "a folder, not a record",
    }
    assert summary.learners == 5 + 12


def test_class_tab_shows_the_folder_and_follows_it(two_teams, tmp_path, capsys):
    from devsim import classroom

    folder = _class_folder(tmp_path / "class")
    p = _make(two_teams, tiles=False, lead_times=False, class_dir=folder)
    assert p.tabs.titles == ("Leaderboard", "Class", "Debrief")
    view = p.class_view.value
    assert "devsim-class-exercises" in view and ">ex01</b>" in view
    for name in ("broken.json", "notes.txt", "latin1.json"):
        assert name in view
    assert "Lesson 01 · gates" in view and "Lesson 03 · lead" in view
    assert p.poll() is False  # nothing changed anywhere
    classroom.record("check", {"exercise": "ex07", "outcome": "correct"}, learner="zed",
                     folder=folder)
    assert p.poll() is True and ">ex07</b>" in p.class_view.value
    assert p.refreshes == 1  # the leaderboard was not evaluated again
    shutil.rmtree(folder)  # a folder that goes away is a line on the tab, not a crash
    assert p.poll() is True and "does not exist" in p.class_view.value
    assert capsys.readouterr().out == ""


def test_class_view_is_off_by_default(two_teams):
    p = _make(two_teams, tiles=False, lead_times=False)
    assert p.class_folder is None and p.class_summary is None
    assert "class view is off" in p.class_view.value and "DEVSIM_CLASS_DIR" in p.class_view.value


def test_trainer_notes_and_paths_are_hidden_under_voila(two_teams, monkeypatch):
    from devsim.projector import in_voila, trainer_note

    for k in ("VOILA_KERNEL_ID", "VOILA_BASE_URL", "VOILA_APP_PORT", "VOILA_SERVER_URL",
              "SERVER_SOFTWARE"):
        monkeypatch.delenv(k, raising=False)
    assert not in_voila()
    note = trainer_note("## For the trainer\n`/srv/teams`")
    assert "/srv/teams" in note._repr_markdown_()
    p = _make(two_teams, tiles=False, lead_times=False)
    assert str(two_teams) in p.heading.value  # in JupyterLab the trainer sees the path
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc")
    assert in_voila() and trainer_note("## For the trainer") is None
    p = _make(two_teams, tiles=False, lead_times=False)
    assert str(two_teams) not in p.heading.value and two_teams.name in p.heading.value
    missing = two_teams / "gone"
    p = _make(missing, tiles=False, lead_times=False)
    assert str(missing) not in p.status.value and "gone" in p.status_text()
    monkeypatch.delenv("VOILA_KERNEL_ID")
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    assert in_voila()


def test_the_notebook_shows_trainer_notes_only_through_trainer_note():
    nb = json.loads((SAMPLES.parent.parent / "notebooks" / "projector.ipynb").read_text())
    markdown = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert not markdown, "Voila renders markdown cells: trainer notes go through trainer_note"
    notes = ["".join(c["source"]) for c in nb["cells"] if "trainer_note(" in "".join(c["source"])]
    assert any("For the trainer" in n for n in notes)
    assert any("class_dir=CLASS_DIR" in "".join(c["source"]) for c in nb["cells"])


def test_projector_is_sized_for_the_back_row_and_uses_no_icon(two_teams):
    import re

    p = _make(two_teams, tiles=False, lead_times=False)
    assert p.button.icon == ""
    sizes = [int(x) for x in re.findall(r"font-size:(\d+)px", p.board.value + p.status.value
                                        + p.heading.value + p.class_view.value)]
    assert sizes and min(sizes) >= 18
    numbers = re.findall(r"class='devsim-number' style='[^']*font-size:(\d+)px", p.board.value)
    assert numbers and min(int(n) for n in numbers) >= 24
    assert not re.search(r"font-size:0\.\d+em", p.board.value)


def test_the_offline_voila_template_links_no_other_host(tmp_path):
    from devsim.projector import VOILA_TEMPLATE, voila_command, write_voila_template

    folder = write_voila_template(tmp_path)
    text = (folder / "index.html.j2").read_text()
    assert "cdn.jsdelivr.net" not in text and "{{ super() }}" in text
    assert json.loads((folder / "conf.json").read_text()) == {"base_template": "lab"}
    cmd, env = voila_command("notebooks/projector.ipynb", tmp_path, ["--port=1"])
    assert f"--template={VOILA_TEMPLATE}" in cmd and cmd[-1] == "--port=1"
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(tmp_path)


def test_class_view_reads_what_an_exercise_check_writes(tmp_path, monkeypatch):
    """The record format is classroom's: a real check (blank, after a hint) is read back."""
    from devsim import classview
    from devsim.checks import exercises

    monkeypatch.setenv("DEVSIM_CLASS_DIR", str(tmp_path))
    monkeypatch.setenv("DEVSIM_LEARNER", "ann")
    ex = exercises()["ex03"]
    ex.hint(1)
    assert ex.check(None).status == "not_attempted"
    summary = classview.read_folder(tmp_path)
    assert summary.skipped == [] and summary.records == 1 and summary.learners == 1
    row = summary.exercises.set_index("exercise").loc[ex.id]
    assert row.tolist() == [0, 0, 1]  # not attempted yet, but asked for a hint: stuck


# --- the debrief: why is a team faster than the start? ------------------------------------------

def _one_line(text: str) -> bool:
    return "\n" not in text and "Traceback" not in text and text.strip() != ""


def test_debrief_shares_add_up_to_the_difference_the_room_sees(tmp_path, capsys):
    from devsim import experiment
    from devsim.registry import format_difference

    _copy(tmp_path, "team-b.yaml", "team-e.yaml")
    p = _make(tmp_path, tiles=False, lead_times=False, debrief_n=N)
    assert p.tabs.titles == ("Leaderboard", "Class", "Debrief")
    # Defaults: the leader and lead time; nothing is run before the button.
    assert p.debrief_team.value == ("team", p.table["team"].iloc[0])
    assert p.debrief_key.value == "lead_time_hours"
    assert p.shares is None and p.debrief_out.outputs == ()
    assert "Why the difference?" in p.debrief_status_text()
    p.debrief_team.value = ("team", "team-e")
    assert "16 mixes" in p.debrief_status_text()  # 4 groups differ: 2**4 mixtures
    assert p.debrief_now() is True
    shares = p.shares
    team = p.table.attrs["scenarios"]["team-e"]
    direct = experiment.compare([p.debrief_start, team], n=N, seed=p.seed, executor="serial")
    for key in KEYS:
        rows = shares[shares["metric"] == key]
        total = rows.loc[rows["group"] == "total", "mean"].iloc[0]
        # Shapley efficiency: the shares add up to the whole difference...
        assert rows.loc[rows["group"] != "total", "mean"].sum() == pytest.approx(total,
                                                                                 abs=1e-9)
        # ... which is the paired difference between the start and the team's runs.
        assert total == pytest.approx(direct.difference(key, "start", "team-e")[0],
                                      rel=1e-12, abs=1e-12), key
    assert set(shares["group"]) == {"structure", "approval", "release cadence", "automation",
                                    "total"}
    # The page: the sentences (the total as the registry writes it) and the waterfall.
    lead = shares[(shares["metric"] == "lead_time_hours") & (shares["group"] == "total")].iloc[0]
    text = html.unescape(p.debrief_text.value)
    assert "team-e against start: " + format_difference(
        "lead_time_hours", lead["mean"], lead["ci_low"], lead["ci_high"]) in text
    assert _png_count(p.debrief_out) == 1
    status = p.debrief_status_text()
    assert status.startswith("team-e against the start · 4 groups, 16 mixes x 2 runs in ")
    # Sized for the back row: numbers >= 26 px, labels >= 20 px.
    import re

    page = p.debrief_text.value + p.debrief_status.value
    assert min(int(x) for x in re.findall(r"font-size:(\d+)px", page)) >= 20
    numbers = re.findall(r"font-size:(\d+)px[^>]*>\s*<div class='devsim-number'",
                         p.debrief_text.value)
    assert numbers and min(int(x) for x in numbers) >= 26
    # Another key is drawn from memory: no run.
    runs = p._debrief_executor.runs
    p.debrief_key.value = "time_to_restore_hours"
    assert p._debrief_executor.runs == runs and "from memory" in p.debrief_status_text()
    assert "Time to restore service (median), team-e" in html.unescape(p.debrief_text.value)
    # The team saves a new version: the page says its debrief is out of date.
    path = tmp_path / "team-e.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "test_automation: 0.5\n",
                    encoding="utf-8")
    assert p.poll() is True
    assert "changed or went away" in p.debrief_status_text()
    assert p.shares is None and p.debrief_out.outputs == ()
    assert capsys.readouterr().out == ""


def test_debrief_of_a_bad_file_is_one_line_and_runs_nothing(tmp_path, capsys):
    _copy(tmp_path, "team-e.yaml", "team-f.yaml")  # team-f has -2 developers
    # A valid file that changes what the challenge fixes (shown, not ranked).
    (tmp_path / "team-z.yaml").write_text("defect_rate_per_hour: 0.05\n", encoding="utf-8")
    p = _make(tmp_path, tiles=False, lead_times=False, debrief_n=N)
    labels = dict(p.debrief_team.options)
    assert "team-f.yaml (cannot be read)" in labels and "team-z (not ranked)" in labels
    p.debrief_team.value = labels["team-f.yaml (cannot be read)"]
    p.debrief_button.click()  # no event loop: the button works synchronously
    status = p.debrief_status_text()
    assert _one_line(status) and "team-f.yaml: n_developers: -2 is out of range" in status
    assert ERROR_COLOUR in p.debrief_status.value and p.debrief_out.outputs == ()
    p.debrief_team.value = labels["team-z (not ranked)"]
    assert p.debrief_now() is False
    status = p.debrief_status_text()
    assert _one_line(status), status
    assert "team-z: changes defect_rate_per_hour, which the challenge fixes" in status
    assert p._debrief_executor.runs == 0 and p.shares is None
    assert capsys.readouterr().out == ""


def test_debrief_function_reports_every_problem_in_one_line(tmp_path):
    from devsim.projector import DebriefError, debrief
    from devsim.scenario import Scenario

    bad = tmp_path / "team-x.yaml"
    bad.write_text("n_developers: [1, 2\n", encoding="utf-8")
    cases = [(bad, "team-x.yaml"), (tmp_path / "gone.yaml", "gone.yaml"),
             (Scenario(name="same"), "same: the same organisation as the start")]
    for team, said in cases:
        with pytest.raises(DebriefError) as info:
            debrief(Scenario(), team, n=N, executor="serial")
        assert _one_line(str(info.value)) and said in str(info.value), str(info.value)
    with pytest.raises(DebriefError, match="keys: no_such_key"):
        debrief(Scenario(), "collaborative", ["no_such_key"], n=N, executor="serial")


def test_debrief_merges_groups_a_mixture_cannot_split(tmp_path):
    from dataclasses import replace

    from devsim.projector import debrief, debrief_groups
    from devsim.scenario import Scenario, ScenarioError

    start = Scenario(horizon_days=120.0, warmup_days=20.0)
    # No testers, every test automated: its people without its automation is no organisation.
    team = replace(start, name="team-t", n_testers=0, test_automation=1.0,
                   release_interval_days=7.0)
    with pytest.raises(ScenarioError):
        replace(start, n_testers=0)
    groups = debrief_groups(start, team)
    assert "automation + people" in groups and "release cadence" in groups
    shares = debrief(start, team, ["lead_time_hours"], n=N, executor="serial")
    assert set(shares["group"]) == {"automation + people", "release cadence", "total"}
    assert shares.attrs["merged"] == ["automation + people"]
    parts = shares[shares["group"] != "total"]["mean"].sum()
    assert parts == pytest.approx(shares[shares["group"] == "total"]["mean"].iloc[0], abs=1e-9)


def test_debrief_button_in_a_kernel_runs_in_a_thread_and_counts_the_runs(tmp_path, capsys):
    _copy(tmp_path, "team-e.yaml")

    async def scenario():
        p = _make(tmp_path, tiles=False, lead_times=False, debrief_n=N)
        seen = []
        p.debrief_status.observe(lambda c: seen.append(p.debrief_status_text()), "value")
        p.debrief_button.click()
        assert p.debrief_button.disabled and p.debrief_button.description == "Running…"
        for _ in range(240):  # the loop stays free while the runs go on
            await asyncio.sleep(0.25)
            if not p.debrief_button.disabled:
                break
        return p, seen

    p, seen = asyncio.run(scenario())
    assert seen[0].startswith("Sharing out the difference between the start and team-e: "
                              "16 mixes x 2 runs = 32 runs")
    assert p.debrief_button.description == "Why the difference?"
    assert p.shares is not None and _png_count(p.debrief_out) == 1
    assert p.debrief_status_text().startswith("team-e against the start · 4 groups")
    assert capsys.readouterr().out == ""


def test_debrief_sentences_call_a_share_larger_only_where_the_cis_allow():
    from devsim.report import explain_shares

    def table(rows):
        t = pd.DataFrame([dict(metric="lead_time_hours", group=g, fields="", mean=m,
                               ci_low=lo, ci_high=hi) for g, m, lo, hi in rows])
        t.attrs.update(a="start", b="team", n=5)
        return t

    clear = table([("release cadence", -300, -320, -280), ("automation", -100, -120, -80),
                   ("batch size", 50, 30, 70), ("people", 3, -2, 8),
                   ("total", -347, -360, -330)])
    text = " ".join(explain_shares(clear))
    assert "Groups that make it better: release cadence" in text
    assert "Groups that make it worse: batch size" in text
    assert "No clear effect (the 95% CI includes 0): people" in text
    assert "release cadence has the largest share" in text
    close = table([("release cadence", -300, -400, -200), ("automation", -250, -330, -170),
                   ("total", -550, -600, -500)])
    text = " ".join(explain_shares(close))
    assert "largest share:" not in text
    assert "release cadence and automation have the largest shares; their 95% CIs overlap" \
        in text
    unsure = table([("release cadence", -30, -80, 20), ("total", -30, -80, 20)])
    assert "not clear" in " ".join(explain_shares(unsure))
