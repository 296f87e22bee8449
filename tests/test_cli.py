"""The devsim command line (devsim.cli) and its text tables (devsim.report).

Most tests call ``main([...])`` in this process (fast, output read with capsys); two run
the installed command in a subprocess, as a learner would. Scenario files use a short
horizon so each run takes a fraction of a second.
"""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from devsim import dora, load_results, presets
from devsim.cli import build_parser, cmd_leaderboard, cmd_workspace, main
from devsim.experiment import Results
from devsim.report import describe_changes, dora_table, format_cell, scale_for

CLUSTERS = ("Elite", "High", "Medium", "Low")


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("devsim: error: ")
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def short_yaml(tmp_path) -> Path:
    p = tmp_path / "short.yaml"
    p.write_text("name: short\nhorizon_days: 60\nwarmup_days: 10\n", encoding="utf-8")
    return p


def _command() -> list[str]:
    exe = Path(sys.executable).with_name("devsim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "devsim.cli"]


# --- compare / run -----------------------------------------------------------------------

def test_compare_prints_both_presets_clusters_and_ci(capsys):
    assert main(["compare", "siloed", "collaborative", "-n", "3"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # stderr is not a terminal here: no progress bar
    assert "siloed" in out and "collaborative" in out
    assert "mean [95% CI]" in out
    # every DORA key row carries an interval in brackets and a cluster per scenario
    row = next(line for line in out.splitlines() if line.startswith("Deploy frequency"))
    assert row.count("[") == 2 and sum(row.count(c) for c in CLUSTERS) == 2
    overall = next(line for line in out.splitlines() if line.startswith("Overall (DORA"))
    assert sum(overall.count(c) for c in CLUSTERS) == 2
    assert dora.RULE.split()[0] in out and "Rule:" in out
    assert "Accelerate State of DevOps 2019" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_run_year_with_second_hand_source_says_so(short_yaml, capsys):
    assert main(["run", str(short_yaml), "-n", "2", "--year", "2023", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    assert "short" in out and "seed 7" in out
    assert "second-hand" in out and "DORA 2023" in out
    assert "Recovery time" in out  # DORA's name for time to restore from 2023


def test_run_unknown_preset_is_one_line_listing_presets(capsys):
    assert main(["run", "no-such-preset"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "no-such-preset" in line
    for name in presets():
        assert name in line


@pytest.mark.parametrize("argv, words", [
    (["run", "siloed", "-n", "0"], ["-n", "'0'", "1 to 10000"]),
    (["run", "siloed", "-n", "abc"], ["-n", "'abc'"]),
    (["run", "siloed", "--year", "2020"], ["--year", "2020", "2019", "2024"]),
    (["run", "siloed", "--seed", "-1"], ["--seed", ">= 0"]),
    (["compare", "siloed", "siloed", "-n", "2"], ["siloed", "twice"]),
    (["frobnicate"], ["frobnicate", "compare"]),
    ([], ["command", "run"]),
])
def test_bad_arguments_are_one_line(argv, words, capsys):
    assert main(argv) == 2
    line = _one_error_line(capsys.readouterr().err)
    for w in words:
        assert w in line


def test_negative_headcount_in_file_names_the_field(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("n_developers: -3\n", encoding="utf-8")
    assert main(["run", str(bad), "-n", "2"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "n_developers" in line and "-3" in line and "1 to 500" in line


def test_unknown_key_lists_valid_keys(tmp_path, capsys):
    bad = tmp_path / "typo.yaml"
    bad.write_text("n_developpers: 3\n", encoding="utf-8")
    assert main(["compare", "siloed", str(bad)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "n_developpers" in line and "valid keys" in line
    assert "n_developers" in line and "release_interval_days" in line


def test_invalid_yaml_is_one_line(tmp_path, capsys):
    bad = tmp_path / "broken.yaml"
    bad.write_text("a: [1,\n", encoding="utf-8")
    assert main(["run", str(bad)]) == 2
    assert "not valid YAML" in _one_error_line(capsys.readouterr().err)


# --- presets / validate --------------------------------------------------------------------

def test_presets_describes_changes_computed_from_scenarios(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    # One block per preset: its name, then its description wrapped onto indented lines.
    blocks = {}
    for line in out.splitlines():
        if not line.startswith(" "):
            name, _, text = line.partition("  ")
            blocks[name.strip()] = text.strip()
        else:
            blocks[name.strip()] += " " + line.strip()
    table = presets()
    assert list(blocks) == list(table)
    for name, s in table.items():
        if name == "siloed":
            assert blocks[name].startswith("the baseline")
            continue
        parent, _, changes = blocks[name].partition(" + ")
        assert parent in table and list(table).index(parent) < list(table).index(name)
        assert changes == describe_changes(s, table[parent])
    assert blocks["siloed_automated"].startswith("siloed + ")
    assert "organisation" not in blocks["siloed_automated"]
    assert blocks["collaborative_cab"] == "collaborative + approval=cab"
    assert blocks["devsecops"].startswith("collaborative + ") and "security_scanning=0.9" in blocks["devsecops"]


def test_describe_changes_of_identical_scenarios():
    s = presets()["siloed"]
    assert describe_changes(s, s) == "(baseline)"


def test_validate_ok_and_error(short_yaml, tmp_path, capsys):
    assert main(["validate", str(short_yaml)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"{short_yaml}: ok" and err == ""
    bad = tmp_path / "bad.yaml"
    bad.write_text("approval: sometimes\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "approval" in line and "'sometimes'" in line and "'cab'" in line


# --- export ----------------------------------------------------------------------------------

def test_export_refuses_to_overwrite_and_force_overwrites(short_yaml, tmp_path, capsys):
    out = tmp_path / "results.csv"
    assert main(["export", str(short_yaml), "-n", "2", "-o", str(out)]) == 0
    first = load_results(out)
    assert len(first.frame) == 2 and first.seed == 2026
    capsys.readouterr()

    assert main(["export", str(short_yaml), "-n", "3", "-o", str(out)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "already exists" in line and "--force" in line
    assert len(load_results(out).frame) == 2  # untouched

    assert main(["export", str(short_yaml), "-n", "3", "--seed", "5", "-o", str(out),
                 "--force"]) == 0
    again = load_results(out)
    assert len(again.frame) == 3 and again.seed == 5


def test_export_json_and_bad_suffix(short_yaml, tmp_path, capsys):
    js = tmp_path / "r.json"
    assert main(["export", str(short_yaml), "-n", "2", "-o", str(js)]) == 0
    assert list(load_results(js).scenarios) == ["short"]
    capsys.readouterr()
    assert main(["export", "siloed", "-o", str(tmp_path / "r.txt")]) == 2
    assert ".csv or .json" in _one_error_line(capsys.readouterr().err)


# --- sweep -----------------------------------------------------------------------------------

def test_sweep_table_has_a_row_per_value(short_yaml, capsys):
    assert main(["sweep", str(short_yaml), "release_interval_days", "0", "14", "-n", "2",
                 "--metric", "lead_time_hours", "deploy_frequency_per_day"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line[:1].isdigit()}
    assert set(rows) == {"0", "14"}
    for line in rows.values():
        assert line.count("[") == 2 and any(c in line for c in CLUSTERS)
    assert "release_interval_days" in out and "Lead time" in out


@pytest.mark.parametrize("argv, words", [
    (["n_developers", "-3", "4"], ["n_developers", "-3", "1 to 500"]),
    (["n_developers", "2.5"], ["n_developers", "'2.5'", "whole number"]),
    (["approval", "cab", "weekly"], ["approval", "'weekly'", "'peer'"]),
    (["n_developer", "4"], ["'n_developer'", "did you mean 'n_developers'"]),
    (["n_developers", "4", "4"], ["n_developers", "twice"]),
    (["n_developers", "4", "--metric", "speed"], ["metric", "'speed'", "lead_time_hours"]),
    (["n_developers", "4", "--keep-demand"], ["--keep-demand", "change_size_person_hours"]),
])
def test_sweep_bad_field_or_value_is_one_line(argv, words, short_yaml, capsys):
    assert main(["sweep", str(short_yaml), *argv, "-n", "2"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    for w in words:
        assert w in line


# --- leaderboard and workspace -----------------------------------------------------------------

TEAM = "organisation: collaborative\non_call: you_build_it\nn_teams: 2\nrelease_interval_days: 0\n"


def test_leaderboard_and_workspace_options_are_the_cli_own():
    args = build_parser().parse_args(["leaderboard", "teams", "--max-people", "12",
                                      "--export", "x.csv"])
    assert args.func is cmd_leaderboard
    from devsim.leaderboard import DEFAULT_N

    assert (args.dir, args.n, args.seed, args.year) == ("teams", DEFAULT_N, 2026, 2019)
    assert args.max_people == 12 and args.export == "x.csv" and args.force is False
    args = build_parser().parse_args(["workspace", "mine", "--source", "course"])
    assert args.func is cmd_workspace and (args.dest, args.source) == ("mine", "course")
    assert build_parser().parse_args(["workspace", "mine"]).source is None


def test_leaderboard_ranks_prints_and_exports(tmp_path, capsys):
    (tmp_path / "team-x.yaml").write_text(TEAM)
    (tmp_path / "team-y.yaml").write_text("n_developers: -2\n")
    out = tmp_path / "board.json"
    assert main(["leaderboard", str(tmp_path), "-n", "2", "--export", str(out)]) == 0
    cap = capsys.readouterr()
    assert "team-x" in cap.out and "rank" in cap.out and "exported to" in cap.out
    assert "1 ranked, 0 not ranked, 1 invalid (n=2, seed=2026, DORA 2019 clusters)" in cap.out
    assert "team-y.yaml: n_developers: -2" in cap.err
    assert out.exists()
    before = out.read_text()
    # an existing export is refused before anything runs, unless --force
    assert main(["leaderboard", str(tmp_path), "-n", "2", "--export", str(out)]) == 2
    assert "already exists; pass --force" in _one_error_line(capsys.readouterr().err)
    assert out.read_text() == before
    assert main(["leaderboard", str(tmp_path), "-n", "2", "--export", str(out), "--force"]) == 0


def test_leaderboard_bad_input_is_one_line(tmp_path, capsys):
    assert main(["leaderboard", str(tmp_path / "missing")]) == 2
    assert "does not exist" in _one_error_line(capsys.readouterr().err)
    assert main(["leaderboard", str(tmp_path)]) == 2
    assert "no team files" in _one_error_line(capsys.readouterr().err)
    (tmp_path / "a.yaml").write_text(TEAM)
    assert main(["leaderboard", str(tmp_path), "--export", str(tmp_path / "x.txt")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "export" in line and ".csv or .json" in line
    assert main(["leaderboard", str(tmp_path), "--year", "2020"]) == 2
    assert "--year" in _one_error_line(capsys.readouterr().err)


def test_leaderboard_returns_1_when_nobody_is_ranked(tmp_path, capsys):
    (tmp_path / "big.yaml").write_text(TEAM)
    assert main(["leaderboard", str(tmp_path), "-n", "1", "--max-people", "5"]) == 1
    assert "over the budget of 5" in capsys.readouterr().out


def _course(root: Path) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "01_lesson.ipynb").write_text("{}", encoding="utf-8")
    return root


def test_workspace_prints_report_or_one_line_error(tmp_path, capsys):
    course = _course(tmp_path / "course")
    dest = tmp_path / "mine"
    assert main(["workspace", str(dest), "--source", str(course)]) == 0
    out = capsys.readouterr().out
    assert "1 added" in out and str(dest) in out
    assert (dest / "notebooks" / "01_lesson.ipynb").read_text(encoding="utf-8") == "{}"
    (tmp_path / "file").write_text("x")
    assert main(["workspace", str(tmp_path / "file"), "--source", str(course)]) == 2
    assert "dest:" in _one_error_line(capsys.readouterr().err)
    assert main(["workspace", str(dest), "--source", str(tmp_path / "nowhere")]) == 2
    assert "source:" in _one_error_line(capsys.readouterr().err)


# --- real subprocess -------------------------------------------------------------------------

def test_installed_command_bad_file_one_line_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("n_developers: -3\n", encoding="utf-8")
    proc = subprocess.run([*_command(), "run", str(bad), "-n", "2"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    line = _one_error_line(proc.stderr)
    assert "n_developers" in line and "-3" in line


def test_installed_command_runs_a_scenario(short_yaml):
    proc = subprocess.run([*_command(), "run", str(short_yaml), "-n", "2"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # a pipe is not a terminal: no progress bar
    assert "short" in proc.stdout and "Overall (DORA 2019)" in proc.stdout


# --- report formatting (no simulation) ---------------------------------------------------------

def _fake_results() -> Results:
    """Two scenarios with known means, so clusters and units are certain."""
    good = dict(deploy_frequency_per_day=3.0, lead_time_hours=10.0, lead_time_p90_hours=30.0,
                change_failure_rate=0.05, time_to_restore_hours=0.5, rework_rate=0.02,
                flow_lead_time_hours=20.0, throughput_per_day=3.0, mean_wip=4.0,
                flow_efficiency=0.6, unplanned_work_share=0.1, cost_per_change=2500.0)
    poor = dict(deploy_frequency_per_day=0.02, lead_time_hours=24 * 40.0,
                lead_time_p90_hours=24 * 60.0, change_failure_rate=0.7,
                time_to_restore_hours=float("nan"), rework_rate=0.5,
                flow_lead_time_hours=24 * 50.0, throughput_per_day=0.5, mean_wip=30.0,
                flow_efficiency=0.1, unplanned_work_share=0.3, cost_per_change=9000.0)
    rows = []
    for name, base in (("good", good), ("poor", poor)):
        for r, wobble in enumerate((0.9, 1.1)):
            rows.append({"scenario": name, "replication": r, "seed": 1,
                         **{k: v * wobble for k, v in base.items()}})
    return Results(frame=pd.DataFrame(rows), scenarios={}, seed=1)


def test_dora_table_clusters_units_and_footer():
    text = dora_table(_fake_results(), 2019)
    lines = text.splitlines()
    overall = next(line for line in lines if line.startswith("Overall"))
    assert overall.split()[-2:] == ["Elite", "Low"]
    freq = next(line for line in lines if line.startswith("Deploy frequency"))
    assert "3.00/day [" in freq and "/year" in freq
    lead = next(line for line in lines if line.startswith("Lead time "))
    assert "10.0 h" in lead and "40.0 days" in lead and "Elite" in lead
    cfr = next(line for line in lines if line.startswith("Change failure"))
    assert "5.0%" in cfr and "Low*" in cfr  # 70% is worse than 2019's low band (46-60%)
    ttr = next(line for line in lines if line.startswith("Time to restore"))
    assert "30.0 min" in ttr and "n/a" in ttr  # no incident: no value and no cluster
    assert "Rule: " + dora.RULE.split(";")[0][:40] in text.replace("\n  ", " ")
    assert "dora.dev" in text and "second-hand" not in text
    assert max(len(line) for line in lines) <= 100
    narrow = dora_table(_fake_results(), 2022, width=80)
    assert max(len(line) for line in narrow.splitlines()) <= 80
    assert "second-hand" in narrow


def test_format_cell_units_and_missing_values():
    assert scale_for("deploy_frequency_per_day", 0.5) == (7.0, "/week")
    assert scale_for("lead_time_hours", 72.0) == (1 / 24, " days")
    assert format_cell("change_failure_rate", 0.123, 0.1, 0.146) == "12% [10, 15]"
    assert format_cell("lead_time_hours", 5.0) == "5.00 h"  # one replication: no interval
    assert format_cell("lead_time_hours", math.nan, 1.0, 2.0) == "n/a"


# --- hardening (issue 14) -----------------------------------------------------------------------

def test_validate_reports_every_file(short_yaml, tmp_path, capsys):
    bad = tmp_path / "latin.yaml"
    bad.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    dup = tmp_path / "dup.yaml"
    dup.write_text("n_ops: 2\nn_ops: 3\n", encoding="utf-8")
    assert main(["validate", str(bad), str(short_yaml), str(dup)]) == 2
    out, err = capsys.readouterr()
    assert out.strip() == f"{short_yaml}: ok"
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in err
    assert f"{bad}: line 1: is not UTF-8" in lines[0]
    assert f"{dup}: line 2: duplicate key 'n_ops'" in lines[1]


@pytest.mark.parametrize("value", ["-inf", "-1", "-0.5"])
def test_sweep_reads_a_negative_number_as_a_value(value, short_yaml, capsys):
    assert main(["sweep", str(short_yaml), "release_interval_days", "0", value, "-n", "1"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"release_interval_days: '{value}'" in line and "0.0 to 180.0" in line


def test_workspace_refuses_an_empty_destination(capsys):
    assert main(["workspace", ""]) == 2
    assert "dest: '' is not allowed" in _one_error_line(capsys.readouterr().err)
