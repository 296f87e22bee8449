"""Progress of long runs: the same results with a bar, an estimate that grows with the work,
and a bar only where someone watches (a terminal or a notebook), never in a log or a pipe."""
from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from devsim import experiment, presets
from devsim.cli import main
from devsim.experiment import compare, estimate_seconds
from devsim.model import run

SHORT = replace(presets()["siloed"], horizon_days=60.0, warmup_days=10.0)


def _rows(log):
    return log.item_rows, log.stage_rows, log.deploy_rows, log.incident_rows


@pytest.mark.parametrize("name", ["siloed", "collaborative_cab"])
def test_progress_gives_the_same_log_and_increasing_fractions(name):
    s = replace(presets()[name], horizon_days=90.0, warmup_days=10.0)
    fractions = []
    with_progress = run(s, 7, 2, progress=fractions.append)
    assert _rows(with_progress) == _rows(run(s, 7, 2))
    assert len(fractions) > 10
    assert all(a < b for a, b in zip(fractions, fractions[1:]))
    assert 0 < fractions[0] and fractions[-1] == 1.0


def test_progress_false_and_true_give_the_same_log(capsys):
    plain = run(SHORT, 3, 0)
    assert _rows(run(SHORT, 3, 0, progress=False)) == _rows(plain)
    assert _rows(run(SHORT, 3, 0, progress=True)) == _rows(plain)


def test_run_rejects_a_progress_that_is_neither_a_flag_nor_a_function():
    with pytest.raises(TypeError, match="progress: "):
        run(SHORT, 3, 0, progress="yes")


def test_estimate_grows_with_arrival_rate_times_horizon():
    base = estimate_seconds(SHORT)
    assert base > 0
    double_rate = estimate_seconds(replace(SHORT, arrival_rate_per_day=2.0))
    double_days = estimate_seconds(replace(SHORT, horizon_days=120.0))
    assert double_rate == pytest.approx(2 * base) and double_days == pytest.approx(2 * base)
    same_work = replace(SHORT, arrival_rate_per_day=2.0, horizon_days=30.0, warmup_days=5.0)
    assert estimate_seconds(same_work) == pytest.approx(base)
    # The largest organisation for 10 years is minutes, a preset's year well under 1 s.
    large = replace(presets()["collaborative"], n_developers=500, n_teams=50,
                    arrival_rate_per_day=200.0, horizon_days=3650.0)
    assert estimate_seconds(large) > 60 > 1 > estimate_seconds("siloed")
    # Long runs cost a little more per change (the log stays in memory): never less.
    a_year = replace(large, horizon_days=365.0)
    assert estimate_seconds(large) >= 10 * estimate_seconds(a_year)
    assert estimate_seconds("siloed") == estimate_seconds(presets()["siloed"])


@pytest.fixture
def always_long(monkeypatch):
    """Every piece of work counts as long, so only 'is someone watching?' decides."""
    monkeypatch.setattr(experiment, "PROGRESS_AFTER_SECONDS", 0.0)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)


def test_no_bar_on_a_stderr_that_is_not_a_terminal(always_long, capsys):
    compare([SHORT], n=1, seed=1, executor="serial")
    assert capsys.readouterr().err == ""


def test_a_bar_on_a_terminal_and_in_a_notebook(always_long, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    compare([SHORT], n=1, seed=1, executor="serial")
    err = capsys.readouterr().err
    assert "devsim: simulating siloed, 60 days" in err and "<" in err  # tqdm's time left
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    monkeypatch.setitem(sys.modules, "ipykernel", sys.modules["pytest"])  # a kernel is loaded
    compare([SHORT], n=1, seed=1, executor="serial")
    assert "devsim: simulating siloed" in capsys.readouterr().err


def test_progress_true_writes_a_bar_over_runs_with_the_same_numbers(capsys):
    quiet = compare([SHORT], n=2, seed=1, executor="serial", progress=False)
    assert capsys.readouterr().err == ""
    shown = compare([SHORT], n=2, seed=1, executor="serial", progress=True)
    err = capsys.readouterr().err
    assert "devsim: simulating siloed, 60 days, 2 runs" in err
    assert shown.frame.equals(quiet.frame)


def test_progress_true_on_the_pool(capsys):
    other = replace(SHORT, name="other", release_interval_days=7.0)
    quiet = compare([SHORT, other], n=2, seed=1, progress=False)
    shown = compare([SHORT, other], n=2, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "devsim: simulating siloed, other, 60 days, 4 runs" in err and "0/4 runs" in err
    assert shown.frame.equals(quiet.frame)


def test_cli_bar_only_on_a_terminal(capsys, monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert main(["run", "siloed", "-n", "10"]) == 0
    assert capsys.readouterr().err == ""  # a pipe or a log: no bar
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["run", "siloed", "-n", "10"]) == 0
    assert "devsim: simulating siloed, 365 days, 10 runs" in capsys.readouterr().err
