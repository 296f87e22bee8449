"""The projector dashboard ranks a folder of team files, follows changes, explains bad files.

Every test uses a temporary copy of some of ``exercises/sample_teams``, n=2 replications and
the serial executor (one process, nothing left running), and never starts the watcher unless
it tests the watcher itself (inside ``asyncio.run``).
"""
from __future__ import annotations

import asyncio
import html
import inspect
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import devsim.projector as projector_module  # noqa: E402
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
    p = _make(two_teams)
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
    p = _make(tmp_path, tiles=False, lead_times=False)
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
