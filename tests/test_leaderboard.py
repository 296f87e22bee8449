"""Team challenge leaderboard: ranking, invalid files, budget, rules, export, text table.

The ``devsim leaderboard`` command is tested with the command line (tests/test_cli.py).

Speed: the sample folder is evaluated once per module with n=3 (the assertions are about
structure and a wide gap, collaborative teams far ahead of siloed ones, not about close
ranks). Temporary folders use a baseline with a 90-day run.
"""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from devsim.leaderboard import (SCORE_RULE, TIE_RULE, LeaderboardError, evaluate_folder,
                                export_table, folder_signature, format_table, team_files)
from devsim.dora import KEYS
from devsim.registry import format_value, metric
from devsim.scenario import Scenario

SAMPLES = Path(__file__).resolve().parent.parent / "exercises" / "sample_teams"
SHORT = Scenario(horizon_days=90.0, warmup_days=20.0)  # a quick challenge for tmp folders

GOOD = "organisation: collaborative\non_call: you_build_it\nn_teams: 2\nrelease_interval_days: 0\n"
# The collaborative preset's design: far ahead of the defaults (siloed) at any n.
FAR_AHEAD = GOOD + ("approval: peer\ntest_automation: 0.8\ndeployment_automation: 0.9\n"
                    "environment_automation: 0.9\nmonitoring: 0.9\nsecurity_review_share: 0.2\n")


@pytest.fixture(scope="module")
def sample():
    return evaluate_folder(SAMPLES, n=3)


def test_sample_folder_has_teams_and_one_invalid_file():
    files = [p.name for p in team_files(SAMPLES)]
    assert 5 <= len(files) <= 6 and "team-f.yaml" in files
    assert "n_developers: -2" in (SAMPLES / "team-f.yaml").read_text()


def test_sample_folder_is_ranked_and_the_invalid_file_named(sample):
    table, errors = sample
    assert len(errors) == 1
    assert errors[0].startswith("team-f.yaml: n_developers: -2")
    assert "\n" not in errors[0]
    assert list(table["team"]) and "team-f" not in set(table["team"])
    assert len(table) == len(team_files(SAMPLES)) - 1
    assert table["rank"].notna().all()
    assert list(table["rank"]) == sorted(table["rank"])
    assert (table["people"] <= 12).all()
    # ranked by score, then tiebreak; tied teams share the rank of the first of them
    keyed = list(zip(-table["score"], -table["tiebreak"]))
    assert keyed == sorted(keyed)
    for pos, (rank, shown) in enumerate(zip(table["rank"], table["rank_shown"])):
        assert shown == (f"={rank}" if (table["rank"] == rank).sum() > 1 else str(rank))
        assert rank <= pos + 1
    for k in KEYS:
        assert table[f"{k}_cluster"].isin(["Elite", "High", "Medium", "Low", "n/a"]).all()
    assert table["score"].between(0, 12).all()
    ranks = dict(zip(table["team"], table["rank"]))
    # collaborative teams (b, c) beat the siloed ones (a, e) by a wide margin
    assert max(ranks["team-b"], ranks["team-c"]) < min(ranks["team-a"], ranks["team-e"])
    assert table.attrs["score_rule"] == SCORE_RULE and table.attrs["n"] == 3


def test_format_table_shows_keys_with_placements_and_notes(sample):
    table = sample[0]
    text = format_table(table)
    lines = text.splitlines()
    assert all(metric(k).short in lines[0] for k in KEYS) and "score" in lines[0]
    # Each key reads in the registry's unit, followed by its placement: the mean's cluster
    # and how many of the 3 runs land in it, or ~A/B where the CI reaches two clusters.
    placement = re.compile(r"^((Elite|High|Medium|Low) [0-3]/3|~(Elite|High|Medium|Low)"
                           r"(/(Elite|High|Medium|Low))+|n/a)$")
    for line, (_, row) in zip(lines[1:], table.iterrows()):
        assert row["team"] in line and line.lstrip().startswith(row["rank_shown"])
        for k in KEYS:
            shown = row[f"{k}_placement"]
            assert placement.match(shown), shown
            if not shown.startswith("~"):
                assert shown.split()[0] == row[f"{k}_cluster"]
            assert f"{format_value(k, row[k])} {shown}" in line, (row["team"], k)
            assert row[f"{k}_ci_low"] <= row[k] <= row[f"{k}_ci_high"]
        assert row["score_low"] <= row["score"] <= row["score_high"]
    assert "Elite" in text and "/day" in text
    # Under the table: how to read it, and the tie rule.
    notes = text.split("\n\n", 1)[1]
    assert TIE_RULE in notes and "n/m" in notes
    assert ("~A/B: borderline" in notes) == (text.count(" ~") > 0)


def test_a_mean_in_a_gap_is_noted_under_the_table_naming_team_and_key(sample, tmp_path):
    table, errors = sample
    gaps = [(row["team"], k, row[f"{k}_gap"]) for _, row in table.iterrows() for k in KEYS
            if row[f"{k}_gap"]]
    # The siloed teams' change failure rates (about 27%) lie between Elite (0-15%) and
    # Low (46-60%) in 2019: counted Low.
    assert any(k == "change_failure_rate" for _, k, _ in gaps), gaps
    text = format_table(table)
    js = json.loads(export_table(table, tmp_path / "b.json", errors=errors).read_text())
    csv = pd.read_csv(export_table(table, tmp_path / "b.csv"), keep_default_na=False)
    for team, k, gap in gaps:
        assert gap.startswith("between ") and "counted" in gap and "by the rule" in gap
        line = f"{team}, {metric(k).short.lower()}: {gap}."
        assert line in text.splitlines() and line in js["notes"]
        assert csv.set_index("team").loc[team, f"{k}_gap"] == gap
    for _, row in table.iterrows():  # a key inside its band has no note
        for k in KEYS:
            if not row[f"{k}_gap"]:
                assert f"{row['team']}, {metric(k).short.lower()}:" not in text


def test_over_budget_team_is_shown_but_not_ranked(tmp_path):
    (tmp_path / "small.yaml").write_text(GOOD)
    (tmp_path / "big.yaml").write_text(GOOD + "n_developers: 12\n")  # 17 people
    table, errors = evaluate_folder(tmp_path, n=2, max_people=12, baseline=SHORT)
    assert errors == []
    big = table.set_index("team").loc["big"]
    assert pd.isna(big["rank"]) and "17 people, over the budget of 12" in big["note"]
    assert table.set_index("team").loc["small", "rank"] == 1
    assert list(table["team"]) == ["small", "big"]  # unranked teams come last
    assert "-" in format_table(table).splitlines()[-1]


def test_invalid_files_each_give_one_line_naming_file_and_field(tmp_path):
    (tmp_path / "ok.yml").write_text(GOOD)
    (tmp_path / "typo.yaml").write_text("n_developer: 5\n")
    (tmp_path / "range.yaml").write_text("test_automation: 1.5\n")
    (tmp_path / "broken.yaml").write_text("n_developers: [5\n")
    (tmp_path / "choice.yaml").write_text("organisation: matrix\n")
    (tmp_path / "notes.txt").write_text("not a team file")
    table, errors = evaluate_folder(tmp_path, n=2, baseline=SHORT)
    assert list(table["team"]) == ["ok"] and table["rank"].tolist() == [1]
    by_file = {e.split(":")[0]: e for e in errors}
    assert set(by_file) == {"typo.yaml", "range.yaml", "broken.yaml", "choice.yaml"}
    assert "unknown key 'n_developer'" in by_file["typo.yaml"]
    assert "did you mean 'n_developers'?" in by_file["typo.yaml"]
    assert "test_automation: 1.5 is out of range" in by_file["range.yaml"]
    assert "not valid YAML" in by_file["broken.yaml"] and "line" in by_file["broken.yaml"]
    assert "organisation" in by_file["choice.yaml"]
    assert all("\n" not in e for e in errors)


def test_team_that_changes_the_challenge_is_not_ranked(tmp_path):
    (tmp_path / "fair.yaml").write_text(GOOD)
    (tmp_path / "cheat.yaml").write_text(GOOD + "defect_rate_per_hour: 0.0\n")
    (tmp_path / "less-work.yaml").write_text(GOOD + "arrival_rate_per_day: 0.5\n")
    (tmp_path / "long-run.yaml").write_text(GOOD + "horizon_days: 2000\n")
    table, errors = evaluate_folder(tmp_path, n=2, baseline=SHORT)
    notes = dict(zip(table["team"], table["note"]))
    assert "defect_rate_per_hour" in notes["cheat"] and "challenge fixes" in notes["cheat"]
    assert "demand" in notes["less-work"]
    assert notes["fair"] == "" and notes["long-run"] == ""  # run length is the challenge's
    assert table.set_index("team")["rank"].notna().to_dict() == {
        "fair": True, "long-run": True, "cheat": False, "less-work": False}


def test_common_random_numbers_make_identical_teams_tie(tmp_path):
    (tmp_path / "twin-1.yaml").write_text(FAR_AHEAD)
    (tmp_path / "twin-2.yaml").write_text(FAR_AHEAD)
    (tmp_path / "siloed.yaml").write_text("n_developers: 8\n")  # the defaults: far behind
    table, errors = evaluate_folder(tmp_path, n=3, baseline=SHORT, executor="serial")
    assert errors == []
    assert table["team"].tolist() == ["twin-1", "twin-2", "siloed"]
    assert table["rank"].tolist() == [1, 1, 3]
    assert table["rank_shown"].tolist() == ["=1", "=1", "3"]
    assert table["tied"].tolist() == [True, True, False]
    assert table["lead_time_hours"].iloc[0] == table["lead_time_hours"].iloc[1]
    # The text table and both exports show the tie.
    lines = format_table(table).splitlines()
    assert lines[1].split()[:2] == ["=1", "twin-1"] and lines[2].split()[:2] == ["=1", "twin-2"]
    assert lines[3].split()[:2] == ["3", "siloed"]
    csv = pd.read_csv(export_table(table, tmp_path / "t.csv"), dtype={"rank_shown": str})
    assert csv["rank_shown"].tolist() == ["=1", "=1", "3"] and csv["tied"].tolist() == [
        True, True, False]
    js = json.loads(export_table(table, tmp_path / "t.json").read_text())
    assert [t["rank_shown"] for t in js["teams"]] == ["=1", "=1", "3"]
    assert TIE_RULE in js["notes"]
    for k in KEYS:
        assert [t[f"{k}_placement"] for t in js["teams"]] == table[f"{k}_placement"].tolist()


def test_a_clearly_better_team_does_not_tie(tmp_path):
    (tmp_path / "good.yaml").write_text(FAR_AHEAD)
    (tmp_path / "better.yaml").write_text(FAR_AHEAD.replace("test_automation: 0.8",
                                                            "test_automation: 0.9")
                                          + "security_scanning: 0.9\n")
    (tmp_path / "siloed.yaml").write_text("n_developers: 8\n")
    table, _ = evaluate_folder(tmp_path, n=3, baseline=SHORT, executor="serial")
    ranks = dict(zip(table["team"], table["rank_shown"]))
    assert ranks["siloed"] == "3" and not table.set_index("team").loc["siloed", "tied"]
    assert "=" not in format_table(table).splitlines()[3]


def test_tie_rule_pairs_replications_and_reads_score_ranges():
    from devsim.leaderboard import _tied

    assert _tied([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])            # identical: a tie at any n
    assert _tied([0.5], [0.5]) and not _tied([0.5], [0.4])    # one run: only equal ties
    # Paired: a constant small lead is a real lead, whatever the spread of the runs.
    assert not _tied([1.0, 5.0, 9.0], [0.9, 4.9, 8.9])
    assert _tied([1.0, 5.0, 9.0], [1.2, 4.7, 9.1])            # differences straddle 0
    assert SCORE_RULE.count("95% CI") >= 2 and "=2" in SCORE_RULE and "=k" in TIE_RULE


def test_ties_never_hide_a_borderline_score(sample):
    """Two teams in different groups have scores the keys' CIs cannot swap."""
    table = sample[0]
    rows = table.to_dict("records")
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            if a["rank"] == b["rank"]:
                continue
            assert a["rank"] < b["rank"]
            if a["score"] != b["score"]:
                assert a["score_low"] > b["score_high"], (a["team"], b["team"])


def test_bad_options_and_folders_raise(tmp_path):
    with pytest.raises(LeaderboardError, match="does not exist"):
        evaluate_folder(tmp_path / "nope")
    (tmp_path / "a.yaml").write_text(GOOD)
    with pytest.raises(LeaderboardError, match="year: 2020"):
        evaluate_folder(tmp_path, year=2020)
    with pytest.raises(LeaderboardError, match="n: 0"):
        evaluate_folder(tmp_path, n=0)
    with pytest.raises(LeaderboardError, match="max_people"):
        evaluate_folder(tmp_path, max_people=0)
    empty = tmp_path / "empty"
    empty.mkdir()
    table, errors = evaluate_folder(empty)
    assert table.empty and errors == []


def test_export_refuses_to_overwrite(sample, tmp_path):
    table, errors = sample
    out = tmp_path / "board.csv"
    export_table(table, out)
    first = out.read_text()
    assert pd.read_csv(out)["team"].tolist() == table["team"].tolist()
    with pytest.raises(FileExistsError, match="--force"):
        export_table(table.head(1), out)
    assert out.read_text() == first
    export_table(table.head(1), out, overwrite=True)
    assert len(pd.read_csv(out)) == 1
    js = export_table(table, tmp_path / "board.json", errors=errors)
    doc = json.loads(js.read_text())
    assert doc["errors"] == errors and doc["score_rule"] == SCORE_RULE
    assert doc["notes"] == format_table(table).split("\n\n", 1)[1].splitlines()
    assert [t["rank_shown"] for t in doc["teams"]] == table["rank_shown"].tolist()
    assert [t["team"] for t in doc["teams"]] == table["team"].tolist()
    with pytest.raises(LeaderboardError, match=r"\.csv or \.json"):
        export_table(table, tmp_path / "board.xlsx")


def test_folder_signature_changes_when_a_file_appears_or_changes(tmp_path):
    assert folder_signature(tmp_path / "missing") == ()
    sig0 = folder_signature(tmp_path)
    (tmp_path / "notes.md").write_text("ignored")
    assert folder_signature(tmp_path) == sig0
    team = tmp_path / "team-a.yaml"
    team.write_text(GOOD)
    sig1 = folder_signature(tmp_path)
    assert sig1 != sig0 and sig1[0][0] == "team-a.yaml"
    later = time.time() + 5
    os.utime(team, (later, later))
    assert folder_signature(tmp_path) != sig1
    assert folder_signature(tmp_path) == folder_signature(tmp_path)


def test_json_export_carries_each_team_scenario_as_run(sample, tmp_path):
    """The export reproduces the ranking: every team's scenario as run, field by field."""
    from devsim.scenario import scenario_from_dict

    table, errors = sample
    path = export_table(table, tmp_path / "board.json", errors=errors)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert set(doc["scenarios"]) == set(table["team"])
    for team, fields in doc["scenarios"].items():
        assert scenario_from_dict(fields) == table.attrs["scenarios"][team]


# --- bad input: the shared folder is the room's, and a learner's file cannot stop it ----------

def _bomb(key: str = "name") -> str:
    """A YAML 'billion laughs' under a real field (9**9 values once expanded)."""
    lines = [f"{key}:", '  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for c in "bcdefghi":
        lines.append(f"  - &{c} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = c
    return "\n".join(lines) + "\n"


def _room(folder: Path, outside: Path) -> None:
    """Three teams sharing a stem, a link inside, and every kind of bad entry."""
    (folder / "a.yaml").write_text(GOOD)
    (folder / "a.yml").write_text("n_developers: 8\n")            # siloed, the defaults
    (folder / "a.yaml.yaml").write_text(GOOD + "test_automation: 0.9\n")
    (folder / "inside.yml").symlink_to("a.yaml")
    (folder / "out.yaml").symlink_to(outside)
    (folder / "dangling.yaml").symlink_to(folder / "nowhere.yaml")
    os.mkfifo(folder / "pipe.yaml")
    (folder / "x.yaml").mkdir()
    (folder / "bomb.yaml").write_text(_bomb())
    (folder / "deep.yaml").write_text("n_developers: " + "[" * 2000 + "]" * 2000 + "\n")
    (folder / "latin.yaml").write_bytes("name: équipe café\n".encode("latin-1"))


SECRET = "root-password-line: hunter2"


def test_a_room_of_bad_entries_names_each_and_ranks_the_rest(tmp_path):
    outside = tmp_path / "system.yaml"
    outside.write_text(SECRET + "\n")
    folder = tmp_path / "room"
    folder.mkdir()
    _room(folder, outside)
    t0 = time.monotonic()
    table, errors = evaluate_folder(folder, n=2, baseline=SHORT, executor="serial")
    took = time.monotonic() - t0
    assert took < 30, f"one folder took {took:.0f} s"
    assert set(table["team"]) == {"a.yaml", "a.yml", "a.yaml.yaml", "inside"}
    assert table["rank"].notna().all()
    by_file = {e.split(": ")[0]: e for e in errors}
    assert set(by_file) == {"out.yaml", "dangling.yaml", "pipe.yaml", "x.yaml", "bomb.yaml",
                            "deep.yaml", "latin.yaml"}, errors
    assert "leads out of the folder" in by_file["out.yaml"]
    assert "link to nothing" in by_file["dangling.yaml"]
    assert "named pipe" in by_file["pipe.yaml"]
    assert "a folder, not a file" in by_file["x.yaml"]
    assert "UTF-8" in by_file["latin.yaml"]
    for e in errors:
        assert "\n" not in e and len(e) < 300
        assert "hunter2" not in e and "root-password" not in e
        assert "lol" not in e and "équipe" not in e
    assert "hunter2" not in table.to_string()
    assert outside.read_text() == SECRET + "\n"


def test_three_files_with_one_stem_each_show_their_own_numbers(tmp_path):
    from devsim.experiment import DEFAULT_SEED, compare
    from devsim.scenario import load_scenario

    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "a.yml").write_text("n_developers: 8\n")
    (tmp_path / "a.yaml.yaml").write_text(GOOD + "test_automation: 0.9\n")
    table, errors = evaluate_folder(tmp_path, n=2, baseline=SHORT, executor="serial")
    assert errors == []
    assert sorted(table["team"]) == ["a.yaml", "a.yaml.yaml", "a.yml"]
    assert list(table["team"]) == list(table["file"])
    lead = dict(zip(table["file"], table["lead_time_hours"]))
    run = {k: getattr(SHORT, k) for k in ("horizon_days", "warmup_days", "cost_per_person_hour")}
    for name in lead:
        s = replace(load_scenario(tmp_path / name), name=name, **run)
        direct = compare([s], n=2, seed=DEFAULT_SEED, executor="serial", progress=False)
        assert lead[name] == pytest.approx(direct.frame["lead_time_hours"].mean(), rel=1e-12), name
    assert len(set(lead.values())) == 3


def test_a_file_over_the_time_or_memory_budget_is_named_and_the_rest_rank(tmp_path,
                                                                         monkeypatch):
    import devsim.leaderboard as lb

    real_load = lb.load_scenario

    def hostile(path):  # the reader process inherits this (fork)
        name = Path(path).name
        if name == "slow.yaml":
            time.sleep(60)
        if name == "hog.yaml":
            return bytearray(4 * 2**30)
        return real_load(path)

    monkeypatch.setattr(lb, "load_scenario", hostile)
    for name in ("slow.yaml", "hog.yaml", "ok.yaml"):
        (tmp_path / name).write_text(GOOD)
    t0 = time.monotonic()
    table, errors = evaluate_folder(tmp_path, n=1, baseline=SHORT, executor="serial",
                                    read_timeout_s=1.0)
    assert time.monotonic() - t0 < 20
    assert list(table["team"]) == ["ok"]
    by_file = {e.split(": ")[0]: e for e in errors}
    assert "took longer than 1 s to read" in by_file["slow.yaml"]
    assert "MB of memory" in by_file["hog.yaml"]
    with pytest.raises(LeaderboardError, match="read_timeout_s"):
        evaluate_folder(tmp_path, read_timeout_s=0)


def test_a_run_over_the_size_budget_is_refused_with_the_file_named(tmp_path):
    from devsim.leaderboard import MAX_CHANGES_PER_RUN

    (tmp_path / "huge.yaml").write_text(GOOD + "arrival_rate_per_day: 200\n"
                                        "change_size_person_hours: 0.5\n")
    t0 = time.monotonic()
    table, errors = evaluate_folder(tmp_path, n=5)  # a year's challenge: 73,000 changes a run
    assert time.monotonic() - t0 < 10 and table.empty
    assert errors[0].startswith("huge.yaml: not run: each run would simulate about 73,000")
    assert f"{MAX_CHANGES_PER_RUN:,}" in errors[0]


def test_only_changed_files_are_read_again_with_a_cache(tmp_path, monkeypatch):
    import devsim.leaderboard as lb

    read: list[list[str]] = []
    real = lb._read_files
    monkeypatch.setattr(lb, "_read_files", lambda todo, *a, **k: (
        read.append(sorted(t[0] for t in todo)), real(todo, *a, **k))[1])
    (tmp_path / "one.yaml").write_text(GOOD)
    (tmp_path / "two.yaml").write_text(GOOD + "n_developers: 7\n")
    cache: dict = {}
    first, _ = evaluate_folder(tmp_path, n=1, baseline=SHORT, executor="serial", cache=cache)
    evaluate_folder(tmp_path, n=1, baseline=SHORT, executor="serial", cache=cache)
    (tmp_path / "two.yaml").write_text(GOOD + "n_developers: 9\n")
    (tmp_path / "one.yaml").unlink()
    table, _ = evaluate_folder(tmp_path, n=1, baseline=SHORT, executor="serial", cache=cache)
    assert read == [["one.yaml", "two.yaml"], ["two.yaml"]]
    assert set(cache) == {"two.yaml"} and list(table["team"]) == ["two"]
    assert table["people"].iloc[0] == first.set_index("team").loc["two", "people"] + 2


def test_folder_signature_names_skipped_entries_without_following_links_out(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(GOOD)
    room = tmp_path / "room"
    room.mkdir()
    (room / "out.yaml").symlink_to(outside)
    (room / "team.yaml").write_text(GOOD)
    sig = folder_signature(room)
    assert ("out.yaml", 0, -1) in sig
    assert [p.name for p in team_files(room)] == ["team.yaml"]
