"""Bad input through the command line: every command and option, malformed YAML files.

Each case asserts what issue 14 asks of ``devsim``: exit status 2 (130 for Ctrl-C), exactly
one line on stderr, ``devsim: error: ...``, naming the problem, never a traceback; nothing
written outside the target folder and no existing file overwritten. Most cases call
``main`` in this process; a few run the installed command. Runs that do start use a short
scenario file and one replication.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devsim import cli
from devsim.cli import main
from devsim.yamlsafe import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES

SHORT_YAML = "name: short\nhorizon_days: 20\nwarmup_days: 2\n"
TEAM_YAML = ("organisation: collaborative\non_call: you_build_it\nn_teams: 2\n"
             "horizon_days: 20\nwarmup_days: 2\n")


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("devsim: error: "), err
    return lines[0]


def _tree(root: Path) -> dict[str, bytes | None]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_fifo():
            out[str(p.relative_to(root))] = b"<fifo>"
        elif p.is_file():
            out[str(p.relative_to(root))] = p.read_bytes()
        else:
            out[str(p.relative_to(root))] = None
    return out


@pytest.fixture
def room(tmp_path, monkeypatch):
    """A working folder with a short scenario, a team folder and an existing result file;
    the test runs inside it so a relative path cannot land anywhere else."""
    (tmp_path / "short.yaml").write_text(SHORT_YAML, encoding="utf-8")
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "a.yaml").write_text(TEAM_YAML, encoding="utf-8")
    (tmp_path / "mine.csv").write_text("my own numbers\n", encoding="utf-8")
    (tmp_path / "mine.json").write_text("{}", encoding="utf-8")
    (tmp_path / "adir.yaml").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- every command and option: bad arguments --------------------------------------------------

BAD_ARGV = [
    # (argv, words the one line must hold)
    ([], ["give a command"]),
    (["frobnicate"], ["frobnicate"]),
    (["--nope"], ["--nope"]),
    (["presets", "extra"], ["extra"]),
    (["run"], ["SCENARIO"]),
    (["run", "nosuch"], ["'nosuch'", "siloed"]),
    (["run", "short.yaml", "extra.yaml"], ["extra.yaml"]),
    (["run", "missing.yaml"], ["missing.yaml", "no such scenario file"]),
    (["run", "adir.yaml"], ["adir.yaml", "folder"]),
    (["run", "."], ["."]),
    (["run", ""], ["''"]),
    (["run", "x" * 5000], ["scenario"]),
    (["run", "short.yaml", "-n"], ["-n"]),
    (["run", "short.yaml", "-n", "0"], ["-n", "'0'", "1 to 10000"]),
    (["run", "short.yaml", "-n", "-1"], ["-n", "'-1'"]),
    (["run", "short.yaml", "-n", "1.5"], ["-n", "'1.5'"]),
    (["run", "short.yaml", "-n", "1e3"], ["-n", "'1e3'"]),
    (["run", "short.yaml", "-n", "10001"], ["-n", "'10001'"]),
    (["run", "short.yaml", "-n", "inf"], ["-n", "'inf'"]),
    (["run", "short.yaml", "-n", "-inf"], ["-n", "'-inf'"]),
    (["run", "short.yaml", "-n", ""], ["-n", "''"]),
    (["run", "short.yaml", "--seed", "-1"], ["--seed", ">= 0"]),
    (["run", "short.yaml", "--seed", "-inf"], ["--seed", "'-inf'"]),
    (["run", "short.yaml", "--seed", "1.5"], ["--seed", "'1.5'"]),
    (["run", "short.yaml", "--seed", "abc"], ["--seed", "'abc'"]),
    (["run", "short.yaml", "--seed"], ["--seed"]),
    (["run", "short.yaml", "--year", "2020"], ["--year", "2020", "2019"]),
    (["run", "short.yaml", "--year", "-2019"], ["--year", "'-2019'"]),
    (["run", "short.yaml", "--year", "x"], ["--year", "'x'"]),
    (["run", "short.yaml", "--bogus"], ["--bogus"]),
    (["compare"], ["SCENARIO"]),
    (["compare", "short.yaml", "short.yaml"], ["twice"]),
    (["compare", "short.yaml", "nosuch"], ["'nosuch'"]),
    (["compare", "short.yaml", "-n", "0"], ["-n", "'0'"]),
    (["compare", "short.yaml", "--year", "1999"], ["--year", "1999"]),
    (["sweep"], ["SCENARIO"]),
    (["sweep", "short.yaml"], ["FIELD"]),
    (["sweep", "short.yaml", "n_ops"], ["VALUE"]),
    (["sweep", "short.yaml", "n_op", "2"], ["'n_op'", "did you mean 'n_ops'"]),
    (["sweep", "short.yaml", "name", "x"], ["'name'"]),
    (["sweep", "short.yaml", "n_ops", "2.5"], ["n_ops", "'2.5'", "whole number"]),
    (["sweep", "short.yaml", "n_ops", "x"], ["n_ops", "'x'"]),
    (["sweep", "short.yaml", "n_ops", "2", "2"], ["twice"]),
    (["sweep", "short.yaml", "n_ops", "201"], ["n_ops", "'201'", "0 to 200"]),
    (["sweep", "short.yaml", "approval", "weekly"], ["approval", "'weekly'", "'cab'"]),
    (["sweep", "short.yaml", "n_ops", "2", "--metric", "speed"], ["metric", "'speed'"]),
    (["sweep", "short.yaml", "n_ops", "2", "--metric"], ["--metric"]),
    (["sweep", "short.yaml", "n_ops", "2", "--keep-demand"], ["--keep-demand"]),
    (["sweep", "short.yaml", "change_size_person_hours", "0.1", "--keep-demand"],
     ["change_size_person_hours", "0.1"]),
    (["sweep", "short.yaml", "warmup_days", "30"], ["warmup_days", "horizon_days"]),
    (["validate"], ["FILE"]),
    (["validate", "missing.yaml"], ["missing.yaml", "no such scenario file"]),
    (["validate", "adir.yaml"], ["adir.yaml", "folder"]),
    (["export", "short.yaml"], ["-o"]),
    (["export", "short.yaml", "-o", "r.txt"], ["output", ".csv or .json"]),
    (["export", "short.yaml", "-o", ""], ["output", "''"]),
    (["export", "short.yaml", "-o", "mine.csv"], ["mine.csv", "already exists", "--force"]),
    (["export", "short.yaml", "-o", "mine.json"], ["mine.json", "already exists", "--force"]),
    (["export", "short.yaml", "-o", "nowhere/r.csv"], ["nowhere", "does not exist"]),
    (["export", "short.yaml", "-o", "adir.yaml"], ["output", ".csv or .json"]),
    (["export", "short.yaml", "short.yaml", "-o", "r.csv"], ["twice"]),
    (["export", "short.yaml", "-o", "r.csv", "--year", "2019"], ["--year"]),
    (["export", "short.yaml", "-o", "r.csv", "-n", "0"], ["-n"]),
    (["leaderboard"], ["DIR"]),
    (["leaderboard", "nowhere"], ["nowhere", "does not exist"]),
    (["leaderboard", "short.yaml"], ["short.yaml", "not a folder"]),
    (["leaderboard", "teams", "--max-people", "0"], ["--max-people", "'0'"]),
    (["leaderboard", "teams", "--max-people", "-3"], ["--max-people", "'-3'"]),
    (["leaderboard", "teams", "--max-people", "x"], ["--max-people", "'x'"]),
    (["leaderboard", "teams", "--year", "2020"], ["--year"]),
    (["leaderboard", "teams", "-n", "0"], ["-n"]),
    (["leaderboard", "teams", "--export", "b.txt"], ["export", ".csv or .json"]),
    (["leaderboard", "teams", "--export", "mine.csv"], ["mine.csv", "already exists"]),
    (["leaderboard", "teams", "--export", "nowhere/b.json"], ["nowhere", "does not exist"]),
    (["workspace"], ["DEST"]),
    (["workspace", ""], ["dest", "''"]),
    (["workspace", "   "], ["dest"]),
    (["workspace", "short.yaml"], ["dest", "short.yaml"]),
    (["workspace", "ws", "--source", ""], ["--source", "''"]),
    (["workspace", "ws", "--source", "nowhere"], ["source", "nowhere"]),
    (["workspace", "ws", "--source", "teams"], ["source", "teams"]),
]


@pytest.mark.parametrize("argv, words", BAD_ARGV, ids=[" ".join(a)[:60] or "(none)"
                                                      for a, _ in BAD_ARGV])
def test_bad_arguments_are_one_line_and_write_nothing(argv, words, room, capsys):
    before = _tree(room)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    line = _one_error_line(err)
    for w in words:
        assert w in line, (w, line)
    assert len(line) < 1500
    assert _tree(room) == before  # nothing written, nothing overwritten


# --- malformed YAML through every command that reads a scenario -----------------------------

def _bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BAD_FILES = {
    "syntax.yaml": (b"name: [unclosed\n", "not valid YAML"),
    "tabs.yaml": (b"name: x\n\tn_ops: 2\n", "tabs"),
    "duplicate.yaml": (b"n_ops: 2\nn_ops: 3\n", "duplicate key 'n_ops'"),
    "bomb.yaml": (_bomb().encode(), f"over {MAX_NODES:,} values"),
    "deep.yaml": (b"[" * 2000 + b"]" * 2000, f"deeper than {MAX_DEPTH}"),
    "deep_block.yaml": (b"- " * 2000 + b"x\n", f"deeper than {MAX_DEPTH}"),
    "latin1.yaml": ("name: caf\u00e9\n".encode("latin-1"), "not UTF-8"),
    "utf16.yaml": ("name: x\n".encode("utf-16"), "UTF-16"),
    "random.yaml": (bytes(range(128, 256)), "not UTF-8"),
    "empty_list.yaml": (b"[]\n", "expected a mapping"),
    "list.yaml": (b"- a\n- b\n", "expected a mapping"),
    "huge.yaml": (b"#" * (MAX_FILE_BYTES + 1), f"{MAX_FILE_BYTES:,} bytes"),
    "float_team.yaml": (b"organisation: collaborative\non_call: you_build_it\nn_teams: 2.5\n",
                        "n_teams: 2.5"),
    "typo.yaml": (b"n_developer: 3\n", "did you mean 'n_developers'"),
    "long.yaml": (b"approval: " + b"q" * 100_000 + b"\n", "100000 characters"),
    "nul.yaml": (b"name: a\x00b\n", "#x0000"),
}


@pytest.mark.parametrize("command", ["validate", "run", "compare", "sweep", "export"])
@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_one_line_naming_it(name, command, room, capsys):
    data, part = BAD_FILES[name]
    (room / name).write_bytes(data)
    argv = {"validate": ["validate", name], "run": ["run", name, "-n", "1"],
            "compare": ["compare", "short.yaml", name, "-n", "1"],
            "sweep": ["sweep", name, "n_ops", "2", "-n", "1"],
            "export": ["export", name, "-o", "out.csv", "-n", "1"]}[command]
    before = _tree(room)
    assert main(argv) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"devsim: error: {name}: " in line and part in line, line
    assert len(line) < 1500
    assert _tree(room) == before


def test_validate_checks_every_file_and_prints_warnings(room, capsys):
    for name in ("bomb.yaml", "latin1.yaml", "duplicate.yaml"):
        (room / name).write_bytes(BAD_FILES[name][0])
    (room / "siloed_teams.yaml").write_text("name: s\nn_teams: 4\n", encoding="utf-8")
    files = ["bomb.yaml", "short.yaml", "latin1.yaml", "siloed_teams.yaml", "duplicate.yaml",
             "missing.yaml"]
    assert main(["validate", *files]) == 2
    out, err = capsys.readouterr()
    errors = err.strip().splitlines()
    assert [e.split(": ")[2] for e in errors] == ["bomb.yaml", "latin1.yaml", "duplicate.yaml",
                                                  "missing.yaml"]
    assert all(e.startswith("devsim: error: ") for e in errors) and "Traceback" not in err
    lines = out.strip().splitlines()
    assert lines[0] == "short.yaml: ok" and lines[1] == "siloed_teams.yaml: ok"
    assert lines[2].startswith("siloed_teams.yaml: warning: n_teams: 4 has no effect")
    assert main(["validate", "short.yaml", "siloed_teams.yaml"]) == 0


def test_a_warning_elsewhere_is_one_line_too(room, capsys):
    (room / "w.yaml").write_text(SHORT_YAML + "n_teams: 3\n", encoding="utf-8")
    assert main(["run", "w.yaml", "-n", "1"]) == 0
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "devsim: warning: w.yaml: n_teams: 3 has no effect unless "
        "organisation='collaborative' (here 'siloed'); it is ignored"]


def test_an_unreadable_file_is_one_line(room, capsys):
    path = room / "secret.yaml"
    path.write_text(SHORT_YAML)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who reads every file")
        assert main(["validate", "secret.yaml"]) == 2
        assert "cannot read it" in _one_error_line(capsys.readouterr().err)
    finally:
        path.chmod(0o600)


def test_a_fifo_is_refused_without_blocking(room, capsys):
    os.mkfifo(room / "pipe.yaml")
    assert main(["validate", "pipe.yaml"]) == 2
    assert "not a regular file" in _one_error_line(capsys.readouterr().err)


def test_a_file_name_that_is_not_utf8_is_shown_not_crashed_on(room, capsys):
    name = os.fsdecode(b"caf\xe9.yaml")
    assert main(["validate", name]) == 2
    assert "caf\\xe9.yaml" in _one_error_line(capsys.readouterr().err)


# --- sweep: negative numbers are values ---------------------------------------------------------

@pytest.mark.parametrize("field", ["release_interval_days", "n_ops", "monitoring",
                                   "handoff_delay_hours", "wip_limit"])
@pytest.mark.parametrize("value", ["-inf", "-1", "-0.5", "-1e3", "-.5", "inf", "nan",
                                   "1e999", "-INF", "-Infinity"])
def test_sweep_reads_negative_numbers_as_values_and_refuses_them(field, value, room, capsys):
    assert main(["sweep", "short.yaml", field, "1", value, "-n", "1"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"{field}: {value!r}" in line, line
    assert "allowed" in line and " to " in line  # the range
    assert "unrecognized" not in line and "expected" not in line


def test_sweep_takes_a_negative_looking_value_between_options(room, capsys):
    assert main(["sweep", "short.yaml", "release_interval_days", "0", "-n", "1", "--seed",
                 "3"]) == 0
    assert "release_interval_days" in capsys.readouterr().out


# --- interruptions and the unexpected ---------------------------------------------------------

@pytest.mark.parametrize("argv", [["run", "short.yaml", "-n", "1"],
                                  ["compare", "short.yaml", "siloed", "-n", "1"],
                                  ["sweep", "short.yaml", "n_ops", "2", "-n", "1"],
                                  ["export", "short.yaml", "-o", "r.csv", "-n", "1"]])
def test_ctrl_c_is_one_line_and_exit_130(argv, room, capsys, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    for name in ("compare", "replicate", "sweep"):
        monkeypatch.setattr(cli.experiment, name, interrupt)
    assert main(argv) == 130
    assert "interrupted" in _one_error_line(capsys.readouterr().err)
    assert not (room / "r.csv").exists()


def test_an_unexpected_error_is_still_one_line(room, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("something\ninternal")

    monkeypatch.setattr(cli.experiment, "replicate", broken)
    monkeypatch.delenv("DEVSIM_DEBUG", raising=False)
    assert main(["run", "short.yaml", "-n", "1"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "TypeError" in line and "something internal" in line


# --- workspace and overwriting -------------------------------------------------------------------

def test_workspace_refuses_an_empty_destination_and_copies_nothing(room, capsys):
    course = room / "course"
    (course / "notebooks").mkdir(parents=True)
    (course / "notebooks" / "01.ipynb").write_text("{}")
    before = _tree(room)
    for dest in ("", " ", "\t"):
        assert main(["workspace", dest, "--source", str(course)]) == 2
        assert "dest" in _one_error_line(capsys.readouterr().err)
    assert _tree(room) == before


def test_export_with_force_is_the_only_way_over_a_file(room, capsys):
    assert main(["export", "short.yaml", "-n", "1", "-o", "mine.csv"]) == 2
    capsys.readouterr()
    assert (room / "mine.csv").read_text() == "my own numbers\n"
    assert main(["export", "short.yaml", "-n", "1", "-o", "mine.csv", "--force"]) == 0
    assert (room / "mine.csv").read_text().startswith("# devsim results")


# --- generated argument lists ------------------------------------------------------------------

_TOKENS = st.sampled_from([
    "short.yaml", "nosuch", "missing.yaml", "adir.yaml", "teams", "", "-n", "--seed", "--year",
    "--metric", "--keep-demand", "--force", "--max-people", "--export", "-o", "1", "0", "-1",
    "2.5", "-inf", "nan", "2019", "2020", "n_ops", "n_op", "approval", "cab", "lead_time_hours",
    "x.txt", "nowhere/r.csv", "mine.csv", "--", "-", "--bogus", "\u00e9", "a" * 300,
])
_COMMANDS = st.sampled_from(["run", "compare", "sweep", "validate", "export", "leaderboard",
                             "presets", "bogus"])


@given(_COMMANDS, st.lists(_TOKENS, max_size=7))
@settings(max_examples=150)
def test_any_argument_list_ends_in_a_result_or_one_error_line(command, tokens):
    import contextlib
    import io
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "short.yaml").write_text(SHORT_YAML)
        (root / "teams").mkdir()
        (root / "teams" / "a.yaml").write_text(TEAM_YAML)
        (root / "mine.csv").write_text("my own numbers\n")
        (root / "adir.yaml").mkdir()
        old = os.getcwd()
        os.chdir(root)
        out, err = io.StringIO(), io.StringIO()
        try:
            # -n 1 last (argparse keeps the last): whatever runs is short.
            tail = ["-n", "1"] if command not in ("validate", "presets", "bogus") else []
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main([command, *tokens, *tail])
        finally:
            os.chdir(old)
        assert code in (0, 1, 2), code
        assert "Traceback" not in err.getvalue()
        if code == 2:
            errors = [line for line in err.getvalue().splitlines()
                      if line.startswith("devsim: error: ")]
            assert len(errors) >= 1
            if command != "validate":  # validate reports each file; others stop at one
                assert len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
        assert (root / "mine.csv").read_text() == "my own numbers\n" or "--force" in tokens
        made = {p.name for p in root.iterdir()}
        assert made <= {"short.yaml", "teams", "mine.csv", "adir.yaml", "x.txt", "r.csv",
                        "nowhere"} | {t for t in tokens}, made


# --- the installed command ---------------------------------------------------------------------

def _command() -> list[str]:
    exe = Path(sys.executable).with_name("devsim")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "devsim.cli"]


@pytest.mark.parametrize("name", ["bomb.yaml", "deep.yaml", "latin1.yaml", "utf16.yaml"])
def test_installed_command_rejects_a_hostile_file_at_once(name, tmp_path):
    (tmp_path / name).write_bytes(BAD_FILES[name][0])
    proc = subprocess.run([*_command(), "validate", str(tmp_path / name)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    line = _one_error_line(proc.stderr)
    assert str(tmp_path / name) in line and BAD_FILES[name][1] in line
