"""Reading a team's records (devsim.records): the three formats, and every kind of bad input.

Bad input comes in two kinds. A file that cannot be read at all (missing, empty, not UTF-8,
a missing column, a ragged row, not a git repository) raises ``RecordsError``: one line
naming the file (and the line where there is one). A bad row is skipped and named in
``Records.problems`` (file, line, reason), and nothing else is dropped: the test checks the
exact file, line and reason, and that the other rows still count.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devsim.cli import main
from devsim.metrics import dora_metrics
from devsim.records import RecordsError, read_records

DATA = Path(__file__).parent / "data"

DEP = ("deploy_id,time_created,changes\n"
       "d1,2024-01-02T10:00:00Z,c1;c2\n"
       "d2,2024-01-09T10:00:00Z,c3\n")
CHG = ("change_id,time_created\n"
       "c1,2024-01-01T10:00:00Z\n"
       "c2,2024-01-01T12:00:00Z\n"
       "c3,2024-01-08T10:00:00Z\n")
INC = ("incident_id,time_created,time_resolved\n"
       "i1,2024-01-03T10:00:00Z,2024-01-03T12:00:00Z\n")
FLAT = ("deploy_id,deploy_time,commit_sha,commit_time\n"
        "r1,2024-01-02T10:00:00Z,a1,2024-01-01T10:00:00Z\n"
        "r1,2024-01-02T10:00:00Z,a2,2024-01-01T12:00:00Z\n"
        "r2,2024-01-09T10:00:00Z,a3,2024-01-08T10:00:00Z\n")


def fourkeys(tmp_path: Path, **files) -> Path:
    """A Four Keys folder: the valid files, with any of them replaced (None: left out)."""
    contents = {"deployments.csv": DEP, "changes.csv": CHG, "incidents.csv": INC}
    contents.update({k.replace("_", ".", 1) if "." not in k else k: v for k, v in files.items()})
    folder = tmp_path / "records"
    folder.mkdir()
    for name, text in contents.items():
        if text is None:
            continue
        (folder / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


def _one_line(message: str) -> None:
    assert "\n" not in message and message.strip() == message, message
    assert "Traceback" not in message


# --- valid input ----------------------------------------------------------------------------

def test_fourkeys_valid_reads_every_row(tmp_path):
    r = read_records(fourkeys(tmp_path))
    assert r.kind == "fourkeys" and not len(r.problems)
    assert len(r.log.deploys) == 2 and len(r.log.items) == 3 and len(r.log.incidents) == 1
    assert r.origin == pd.Timestamp("2024-01-02T00:00:00Z")
    assert r.log.end_hours == 8 * 24
    # c1: committed 2024-01-01 10:00, deployed 2024-01-02 10:00: 24 hours.
    lead = (r.log.items["deployed"] - r.log.items["committed"]).tolist()
    assert lead == [24.0, 22.0, 24.0]
    # The incident has no change ids: DevLake's rule links it to d1, the deploy before it.
    assert r.log.incidents["deploy_id"].tolist() == [0.0]


def test_naive_times_are_utc_and_offsets_are_honoured(tmp_path):
    dep = ("deploy_id,time_created,changes\n"
           "d1,2024-01-02T12:00:00+02:00,c1\n"      # 10:00 UTC
           "d2,2024-01-02 10:00,c2\n")              # naive: 10:00 UTC
    chg = "change_id,time_created\nc1,2024-01-02T09:00:00Z\nc2,2024-01-02T09:00:00\n"
    r = read_records(fourkeys(tmp_path, deployments_csv=dep, changes_csv=chg, incidents_csv=None))
    assert (r.log.items["deployed"] - r.log.items["committed"]).tolist() == [1.0, 1.0]


def test_flat_commits_file(tmp_path):
    path = tmp_path / "deploys.csv"
    path.write_text(FLAT, encoding="utf-8")
    r = read_records(path)
    assert r.kind == "commits" and not len(r.problems)
    assert r.log.deploys["n_items"].tolist() == [2, 1]
    assert len(r.log.items) == 3


def test_flat_file_with_incidents_file(tmp_path):
    path = tmp_path / "deploys.csv"
    path.write_text(FLAT, encoding="utf-8")
    inc = tmp_path / "inc.csv"
    inc.write_text(INC, encoding="utf-8")
    r = read_records(path, incidents=inc)
    assert len(r.log.incidents) == 1 and r.log.incidents["deploy_id"].tolist() == [0.0]


def test_sample_files_shipped_with_the_tests_read_cleanly():
    r = read_records(DATA / "team")
    assert r.kind == "fourkeys" and not len(r.problems)
    r = read_records(DATA / "commits.csv")
    assert r.kind == "commits" and not len(r.problems)


def test_reading_is_vectorised_enough_for_a_large_file(tmp_path):
    n = 20_000
    ids = [f"c{i}" for i in range(n)]
    dep = pd.DataFrame({"deploy_id": [f"d{i}" for i in range(n // 10)],
                        "time_created": pd.date_range("2024-01-01T01:00Z", periods=n // 10,
                                                      freq="h").strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "changes": [";".join(ids[i:i + 10]) for i in range(0, n, 10)]})
    chg = pd.DataFrame({"change_id": ids, "time_created": "2024-01-01T00:00:00Z"})
    folder = tmp_path / "big"
    folder.mkdir()
    dep.to_csv(folder / "deployments.csv", index=False)
    chg.to_csv(folder / "changes.csv", index=False)
    r = read_records(folder)
    assert len(r.log.items) == n and int(r.log.deploys["n_items"].sum()) == n


# --- git ------------------------------------------------------------------------------------

def _git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(repo), "PATH": "/usr/bin:/bin"}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for i, day in enumerate(["01", "02", "03", "08", "09"]):
        (repo / f"f{i}.txt").write_text(str(i))
        _git(repo, "add", ".")
        _git(repo, "commit", "-q", "-m", f"c{i}", date=f"2024-01-{day}T10:00:00+00:00")
        if day in ("03", "09"):
            _git(repo, "tag", "-a", "-m", "release", f"v{i}", date=f"2024-01-{day}T16:00:00+00:00")
    return repo


def test_git_tags_are_deploys(repo):
    r = read_records(repo)
    assert r.kind == "git tags"
    assert r.log.deploys["n_items"].tolist() == [3, 2]
    lead = sorted((r.log.items["deployed"] - r.log.items["committed"]).tolist())
    assert lead == [6.0, 6.0, 30.0, 30.0, 54.0]


def test_git_commits_as_deploys(repo):
    r = read_records(repo, deploys="commits")
    assert r.kind == "git commits" and len(r.log.deploys) == 5
    # Author date = commit date: every lead time is zero and skipped (Four Keys' rule), counted.
    assert len(r.log.items) == 0
    assert r.notes["changes with a lead time of zero or less: skipped (Four Keys' rule)"] == 5


def test_git_repo_without_tags_says_to_use_commits(repo):
    _git(repo, "tag", "-d", "v2")
    _git(repo, "tag", "-d", "v4")
    with pytest.raises(RecordsError, match="no tags.*--deploys commits") as e:
        read_records(repo)
    _one_line(str(e.value))


# --- a file that cannot be read: one line naming it --------------------------------------------

UTF16 = "deploy_id,time_created,changes\nd1,2024-01-02,c1\n".encode("utf-16")
FATAL = {
    "deployments empty": ({"deployments.csv": ""}, "deployments.csv: the file is empty"),
    "changes empty": ({"changes.csv": ""}, "changes.csv: the file is empty"),
    "incidents empty": ({"incidents.csv": ""}, "incidents.csv: the file is empty"),
    "deployments blank lines only": ({"deployments.csv": "\n\n  \n"}, "deployments.csv: the file is empty"),
    "deployments header only": ({"deployments.csv": "deploy_id,time_created,changes\n"},
                                "deployments.csv: no rows after the header"),
    "deployments no changes column": ({"deployments.csv": "deploy_id,time_created\nd1,2024-01-02\n"},
                                      "deployments.csv: line 1: missing column changes"),
    "deployments no time column": ({"deployments.csv": "deploy_id,changes\nd1,c1\n"},
                                   "deployments.csv: line 1: missing column time_created"),
    "deployments no id column": ({"deployments.csv": "id,time_created,changes\nd1,2024-01-02,c1\n"},
                                 "deployments.csv: line 1: missing column deploy_id"),
    "changes no id column": ({"changes.csv": "sha,time_created\nc1,2024-01-01\n"},
                             "changes.csv: line 1: missing column change_id"),
    "changes no time column": ({"changes.csv": "change_id\nc1\n"},
                               "changes.csv: line 1: missing column time_created"),
    "incidents no resolved column": ({"incidents.csv": "incident_id,time_created\ni1,2024-01-03\n"},
                                     "incidents.csv: line 1: missing column time_resolved"),
    "incidents no id column": ({"incidents.csv": "time_created,time_resolved\n2024-01-03,2024-01-04\n"},
                               "incidents.csv: line 1: missing column incident_id"),
    "deployments utf-16": ({"deployments.csv": UTF16}, "deployments.csv: is UTF-16"),
    "changes latin-1": ({"changes.csv": b"change_id,time_created\nc1,2024-01-01\nc\xe9,2024-01-01\n"},
                        "changes.csv: line 3: byte 0xe9 is not UTF-8"),
    "incidents cp1252": ({"incidents.csv": b"incident_id,time_created,time_resolved\n\x93i1\x94,2024-01-03,\n"},
                         "incidents.csv: line 2: byte 0x93 is not UTF-8"),
    "deployments binary": ({"deployments.csv": b"\x89PNG\r\n\x1a\n\x00\x00"},
                           "deployments.csv: line 1: byte 0x89 is not UTF-8"),
    "deployments NUL byte": ({"deployments.csv": DEP.encode() + b"d3,2024-01-10,c3\x00\n"},
                             "deployments.csv: line 4: a NUL byte"),
    "deployments ragged row": ({"deployments.csv": DEP + "d3,2024-01-10,c3,extra\n"},
                               "deployments.csv: Expected 3 fields in line 4, saw 4"),
    "changes ragged row": ({"changes.csv": CHG + "c4,2024-01-01,x,y\n"},
                           "changes.csv: Expected 2 fields in line 5, saw 4"),
    "deployments semicolons": ({"deployments.csv": "deploy_id;time_created;changes\nd1;2024-01-02;c1\n"},
                               "deployments.csv: line 1: missing columns deploy_id, time_created, changes; the header has deploy_id;time_created;changes (the fields seem separated by ';'"),
    "changes missing": ({"changes.csv": None}, "changes.csv: not found"),
    "deployments every row bad": (
        {"deployments.csv": "deploy_id,time_created,changes\nd1,soon,c1\nd2,later,c2\n"},
        "deployments.csv: no deploys to measure; every row was skipped"),
    "no production deploys": (
        {"deployments.csv": "deploy_id,time_created,changes,environment\nd1,2024-01-02,c1,staging\n"},
        "deployments.csv: no row has environment 'production'"),
    "incidents only a header row with wrong names": (
        {"incidents.csv": "id,opened,closed\n"}, "incidents.csv: line 1: missing columns incident_id"),
}


@pytest.mark.parametrize("case", sorted(FATAL))
def test_an_unreadable_file_is_one_line_naming_it(tmp_path, case):
    files, expected = FATAL[case]
    folder = fourkeys(tmp_path, **files)
    with pytest.raises(RecordsError) as e:
        read_records(folder)
    _one_line(str(e.value))
    assert expected in str(e.value)


@pytest.mark.parametrize("case", sorted(FATAL))
def test_the_cli_reports_an_unreadable_file_in_one_line(tmp_path, case, capsys):
    files, expected = FATAL[case]
    folder = fourkeys(tmp_path, **files)
    assert main(["measure", str(folder), "--resamples", "0"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("devsim: error: ") and expected in err


def test_a_directory_in_place_of_a_file(tmp_path):
    folder = fourkeys(tmp_path, changes_csv=None)
    (folder / "changes.csv").mkdir()
    with pytest.raises(RecordsError, match="changes.csv: is a folder"):
        read_records(folder)


OTHER_FATAL = {
    "folder neither Four Keys nor git": (lambda p: p, "not a git repository"),
    "flat file missing commit_time": (
        lambda p: _write(p / "d.csv", "deploy_id,deploy_time,commit_sha\nr1,2024-01-02,a1\n"),
        "d.csv: line 1: missing column commit_time"),
    "flat file empty": (lambda p: _write(p / "d.csv", ""), "d.csv: the file is empty"),
    "flat file header only": (
        lambda p: _write(p / "d.csv", "deploy_id,deploy_time,commit_sha,commit_time\n"),
        "d.csv: no rows after the header"),
    "Four Keys table given as a file": (
        lambda p: _write(p / "deploys.csv", DEP), "looks like Four Keys' deployments table"),
    "flat file not UTF-8": (
        lambda p: _write(p / "d.csv", b"deploy_id,deploy_time,commit_sha,commit_time\n\xff\n"),
        "d.csv: line 2: byte 0xff is not UTF-8"),
}


def _write(path: Path, text) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize("case", sorted(OTHER_FATAL))
def test_other_unreadable_inputs(tmp_path, case, capsys):
    make, expected = OTHER_FATAL[case]
    path = make(tmp_path)
    with pytest.raises(RecordsError) as e:
        read_records(path)
    _one_line(str(e.value))
    assert expected in str(e.value)
    assert main(["measure", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


def test_missing_path_and_bad_options(tmp_path, capsys):
    with pytest.raises(FileNotFoundError):
        read_records(tmp_path / "nowhere")
    assert main(["measure", str(tmp_path / "nowhere")]) == 2
    assert "No such file or directory" in capsys.readouterr().err
    folder = fourkeys(tmp_path)
    for kwargs, expected in [({"since": "last week"}, "since: 'last week' is not an ISO 8601"),
                             ({"since": "2024-02-01", "until": "2024-01-01"}, "is not after since"),
                             ({"deploys": "weekly"}, "deploys: 'weekly' is not allowed")]:
        with pytest.raises(RecordsError, match=expected):
            read_records(folder, **kwargs)
    for argv in (["--since", "soon"], ["--year", "2020"], ["--resamples", "-1"],
                 ["--problems", "many"], ["--deploys", "daily"]):
        assert main(["measure", str(folder), *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err


# --- a bad row: skipped, named with its file, line and reason, nothing else dropped ----------

ROW = {
    # case: (files, file named, line, reason, deploys left, changes left, incidents left)
    "deploy time not ISO": ({"deployments.csv": DEP.replace("2024-01-09T10:00:00Z", "yesterday")},
                            "deployments.csv", 3, "time_created not ISO 8601", 1, 2, 1),
    "deploy time empty": ({"deployments.csv": DEP.replace("2024-01-09T10:00:00Z", "")},
                          "deployments.csv", 3, "time_created empty", 1, 2, 1),
    "deploy time month 13": ({"deployments.csv": DEP.replace("2024-01-09T10:00:00Z", "2024-13-09")},
                             "deployments.csv", 3, "time_created not ISO 8601", 1, 2, 1),
    "deploy time as epoch": ({"deployments.csv": DEP.replace("2024-01-09T10:00:00Z", "1704794400")},
                             "deployments.csv", 3, "time_created not ISO 8601", 1, 2, 1),
    "deploy time bad offset": ({"deployments.csv": DEP.replace("2024-01-09T10:00:00Z", "2024-01-09T10:00:00+25:00")},
                               "deployments.csv", 3, "time_created not ISO 8601", 1, 2, 1),
    "deploy time US format": ({"deployments.csv": DEP.replace("2024-01-09T10:00:00Z", "01/09/2024 10:00")},
                              "deployments.csv", 3, "time_created not ISO 8601", 1, 2, 1),
    "deploy id empty": ({"deployments.csv": DEP.replace("d2,", ",")},
                        "deployments.csv", 3, "deploy_id empty", 1, 2, 1),
    "deploy lists unknown change": ({"deployments.csv": DEP.replace("c1;c2", "c1;c9")},
                                    "deployments.csv", 2, "unknown change", 2, 2, 1),
    "deploy result unknown": ({"deployments.csv": DEP.replace("changes\n", "changes,result\n")
                               .replace("c1;c2\n", "c1;c2,success\n").replace("c3\n", "c3,maybe\n")},
                              "deployments.csv", 3, "result unknown", 1, 2, 1),
    "deploy unplanned unknown": ({"deployments.csv": DEP.replace("changes\n", "changes,unplanned\n")
                                  .replace("c1;c2\n", "c1;c2,perhaps\n").replace("c3\n", "c3,no\n")},
                                 "deployments.csv", 2, "unplanned unknown", 1, 1, 1),
    "deploy blank line": ({"deployments.csv": DEP.replace("c1;c2\n", "c1;c2\n,,\n")},
                          "deployments.csv", 3, "blank line", 2, 3, 1),
    "change time not ISO": ({"changes.csv": CHG.replace("2024-01-08T10:00:00Z", "last monday")},
                            "changes.csv", 4, "time_created not ISO 8601", 2, 2, 1),
    "change time empty": ({"changes.csv": CHG.replace("2024-01-08T10:00:00Z", "")},
                          "changes.csv", 4, "time_created empty", 2, 2, 1),
    "change time 30 February": ({"changes.csv": CHG.replace("2024-01-08T10:00:00Z", "2024-02-30T10:00:00Z")},
                                "changes.csv", 4, "time_created not ISO 8601", 2, 2, 1),
    "change id empty": ({"changes.csv": CHG.replace("c3,", ",")},
                        "changes.csv", 4, "change_id empty", 2, 2, 1),
    "change blank line": ({"changes.csv": CHG.replace("\nc2,", "\n,\nc2,")},
                          "changes.csv", 3, "blank line", 2, 3, 1),
    "incident resolved before opened": (
        {"incidents.csv": INC.replace("2024-01-03T12:00:00Z", "2024-01-03T08:00:00Z")},
        "incidents.csv", 2, "resolved before opened", 2, 3, 0),
    "incident opened not ISO": ({"incidents.csv": INC.replace("2024-01-03T10:00:00Z", "noon")},
                                "incidents.csv", 2, "time_created not ISO 8601", 2, 3, 0),
    "incident opened empty": ({"incidents.csv": INC.replace("2024-01-03T10:00:00Z", "")},
                              "incidents.csv", 2, "time_created empty", 2, 3, 0),
    "incident resolved not ISO": ({"incidents.csv": INC.replace("2024-01-03T12:00:00Z", "fixed")},
                                  "incidents.csv", 2, "time_resolved not ISO 8601", 2, 3, 0),
    "incident id empty": ({"incidents.csv": INC.replace("i1,", ",")},
                          "incidents.csv", 2, "incident_id empty", 2, 3, 0),
    "incident lists unknown change": (
        {"incidents.csv": INC.replace("time_resolved\n", "time_resolved,changes\n")
         .replace("12:00:00Z\n", "12:00:00Z,c9\n")},
        "incidents.csv", 2, "unknown change", 2, 3, 1),
}


@pytest.mark.parametrize("case", sorted(ROW))
def test_a_bad_row_is_skipped_and_named(tmp_path, case):
    files, name, line, reason, n_dep, n_chg, n_inc = ROW[case]
    r = read_records(fourkeys(tmp_path, **files))
    p = r.problems[r.problems["file"] == name]
    assert len(p) == 1, r.problem_lines(None)
    # A skipped change also leaves its deploy with an unknown reference: named too.
    others = r.problems[r.problems["file"] != name]
    assert set(others["reason"]) <= {"unknown change"}, r.problem_lines(None)
    row = p.iloc[0]
    assert (row["file"], int(row["line"]), row["reason"]) == (name, line, reason)
    text = [t for t in r.problem_lines() if t.startswith(name)][0]
    assert text.startswith(f"{name}: line {line}: ") and ("skipped" in text)
    _one_line(text)
    assert [name, reason, 1] in r.skipped()[["file", "reason", "rows"]].values.tolist()
    assert len(r.log.deploys) == n_dep
    assert int(r.log.items["deployed"].notna().sum()) == n_chg
    assert len(r.log.incidents) == n_inc
    dora_metrics(r.log)   # the metric functions still read what is left


@pytest.mark.parametrize("case", sorted(ROW))
def test_the_cli_names_a_bad_row_on_stderr(tmp_path, case, capsys):
    files, name, line, reason, *_ = ROW[case]
    assert main(["measure", str(fourkeys(tmp_path, **files)), "--resamples", "0"]) == 0
    out, err = capsys.readouterr()
    assert f"devsim: skipped: {name}: line {line}: " in err
    assert f"- {name}: {reason}: 1" in out


FLAT_ROW = {
    "commit time not ISO": (FLAT.replace("2024-01-08T10:00:00Z", "tuesday"), 4,
                            "commit_time not ISO 8601"),
    "deploy time not ISO": (FLAT.replace("r2,2024-01-09T10:00:00Z", "r2,next week"), 4,
                            "deploy_time not ISO 8601"),
    "commit sha empty": (FLAT.replace(",a2,", ",,"), 3, "commit_sha empty"),
    "deploy id empty": (FLAT.replace("r2,", ","), 4, "deploy_id empty"),
    "result unknown": (FLAT.replace("commit_time\n", "commit_time,result\n")
                       .replace("Z\n", "Z,ok\n").replace("a3,2024-01-08T10:00:00Z,ok",
                                                         "a3,2024-01-08T10:00:00Z,bad"), 4,
                       "result unknown"),
}


@pytest.mark.parametrize("case", sorted(FLAT_ROW))
def test_a_bad_row_of_the_flat_file(tmp_path, case):
    text, line, reason = FLAT_ROW[case]
    r = read_records(_write(tmp_path / "deploys.csv", text))
    assert r.problems[["file", "line", "reason"]].values.tolist() == [["deploys.csv", line, reason]]


def test_many_bad_rows_are_all_counted_and_the_lines_capped(tmp_path):
    rows = "".join(f"d{i},not-a-time,c1\n" for i in range(100))
    r = read_records(fourkeys(tmp_path, deployments_csv=DEP + rows))
    assert len(r.problems) == 100
    lines = r.problem_lines(5)
    assert len(lines) == 6 and lines[-1].startswith("... and 95 more")
    assert lines[0] == ("deployments.csv: line 4: time_created 'not-a-time' is not an ISO 8601 "
                        "time; row skipped")
    assert len(r.problem_lines(None)) == 100


def test_a_long_value_is_quoted_short(tmp_path):
    r = read_records(fourkeys(tmp_path, deployments_csv=DEP.replace("2024-01-09T10:00:00Z",
                                                                    "x" * 500)))
    assert len(r.problem_lines()[0]) < 160


# --- the rules ---------------------------------------------------------------------------------

def test_duplicates_are_collapsed_and_counted(tmp_path):
    dep = DEP + "d2,2024-01-09T10:00:00Z,c3\n"
    chg = CHG + "c3,2024-01-07T10:00:00Z\n"
    inc = INC + "i1,2024-01-03T10:00:00Z,2024-01-03T15:00:00Z\n"
    r = read_records(fourkeys(tmp_path, deployments_csv=dep, changes_csv=chg, incidents_csv=inc))
    assert len(r.log.deploys) == 2 and len(r.log.incidents) == 1
    notes = r.notes
    assert notes["deployments.csv: duplicate deploy events collapsed (first row kept)"] == 1
    assert notes["changes.csv: duplicate change events collapsed (earliest time kept)"] == 1
    assert notes["incidents.csv: duplicate incident events collapsed (earliest opening and "
                 "latest resolution kept)"] == 1
    # The earliest change time and the latest resolution were kept.
    assert r.log.incidents["restored"].iloc[0] - r.log.incidents["start"].iloc[0] == 5.0
    assert sorted((r.log.items["deployed"] - r.log.items["committed"]).tolist()) == [22, 24, 48]


def test_lead_time_zero_or_less_is_skipped_and_counted(tmp_path):
    chg = CHG.replace("c3,2024-01-08T10:00:00Z", "c3,2024-01-09T10:00:00Z") + "c4,2024-01-10T10:00:00Z\n"
    dep = DEP.replace("d2,2024-01-09T10:00:00Z,c3", "d2,2024-01-09T10:00:00Z,c3;c4")
    r = read_records(fourkeys(tmp_path, deployments_csv=dep, changes_csv=chg))
    assert r.notes["changes with a lead time of zero or less: skipped (Four Keys' rule)"] == 2
    assert len(r.log.items) == 2


def test_failed_deploy_then_success_lead_time_to_the_success(tmp_path):
    dep = ("deploy_id,time_created,changes,result\n"
           "d1,2024-01-02T10:00:00Z,c1,failure\n"
           "d2,2024-01-02T12:00:00Z,c1,success\n")
    chg = "change_id,time_created\nc1,2024-01-02T09:00:00Z\n"
    r = read_records(fourkeys(tmp_path, deployments_csv=dep, changes_csv=chg, incidents_csv=None))
    assert (r.log.items["deployed"] - r.log.items["committed"]).tolist() == [3.0]
    assert r.log.deploys["failed"].tolist() == [True, False]


def test_incident_linking_by_changes_then_devlake_rule(tmp_path):
    dep = ("deploy_id,time_created,changes\n"
           "d1,2024-01-02T10:00:00Z,c1\n"
           "d2,2024-01-04T10:00:00Z,c2\n"
           "d3,2024-01-06T10:00:00Z,c3\n")
    chg = ("change_id,time_created\nc1,2024-01-01T10:00:00Z\nc2,2024-01-03T10:00:00Z\n"
           "c3,2024-01-05T10:00:00Z\n")
    inc = ("incident_id,time_created,time_resolved,changes\n"
           "i1,2024-01-07T10:00:00Z,2024-01-07T11:00:00Z,c1\n"    # by change: d1
           "i2,2024-01-05T10:00:00Z,2024-01-05T11:00:00Z,\n"      # DevLake: d2
           "i3,2024-01-05T12:00:00Z,2024-01-05T13:00:00Z,c3\n"    # c3 not out yet: DevLake d2
           "i4,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,\n")     # before any deploy
    r = read_records(fourkeys(tmp_path, deployments_csv=dep, changes_csv=chg, incidents_csv=inc))
    by_start = r.log.incidents.sort_values("start")["deploy_id"].tolist()
    assert by_start[0] != by_start[0]           # i4: NaN, nothing before it
    assert by_start[1:] == [1.0, 1.0, 0.0]      # i2, i3, i1
    assert r.notes["incidents linked through their change ids"] == 1
    assert r.notes["  of which listed change ids not deployed before the incident"] == 1
    assert r.notes["incidents before any successful deploy: no deploy linked (time to "
                   "restore only)"] == 1


def test_other_environments_are_counted_not_dropped_silently(tmp_path):
    dep = ("deploy_id,time_created,changes,environment\n"
           "d1,2024-01-02T10:00:00Z,c1;c2,production\n"
           "s1,2024-01-03T10:00:00Z,c3,staging\n"
           "d2,2024-01-09T10:00:00Z,c3,Production\n")
    r = read_records(fourkeys(tmp_path, deployments_csv=dep))
    assert len(r.log.deploys) == 2
    assert r.notes["deployments.csv rows of other environments (staging): not counted"] == 1
    r = read_records(fourkeys(tmp_path / "x", deployments_csv=dep) if (tmp_path / "x").mkdir() is None
                     else None, environment="staging")
    assert len(r.log.deploys) == 1


def test_change_failure_rate_counts_deploys_not_change_ids(tmp_path):
    # One failed deploy of ten changes, one good deploy of one change: 1 of 2 deploys, not 10/11.
    ids = [f"c{i}" for i in range(11)]
    dep = ("deploy_id,time_created,changes,result\n"
           f"d1,2024-01-02T10:00:00Z,{';'.join(ids[:10])},failure\n"
           f"d2,2024-01-03T10:00:00Z,{ids[10]},success\n")
    chg = "change_id,time_created\n" + "".join(f"{c},2024-01-01T10:00:00Z\n" for c in ids)
    r = read_records(fourkeys(tmp_path, deployments_csv=dep, changes_csv=chg, incidents_csv=None))
    assert dora_metrics(r.log)["change_failure_rate"] == 0.5


def test_since_until_narrow_the_period(tmp_path):
    r = read_records(fourkeys(tmp_path), since="2024-01-05", until="2024-01-12")
    assert r.start == pd.Timestamp("2024-01-05T00:00Z") and r.end == pd.Timestamp("2024-01-12T00:00Z")
    assert r.notes["deploys outside the period (since/until): not counted"] == 1
    m = dora_metrics(r.log)
    assert np.isclose(m["deploy_frequency_per_day"], 1 / 7)
