"""Bad input in the room: a learner's file or a careless click never ends in a traceback.

Generated cases (issue 14):

* the shared folder: every kind of entry (good file, links in and out, dangling link, pipe,
  socket, folder, alias bomb, deep nesting, other encodings, random bytes, huge file, ...)
  under several names, next to one good team. The leaderboard raises nothing, ranks the
  good team, names the bad entry once on one line, quotes nothing of a file outside the
  folder, and writes nothing;
* hypothesis: random bytes and random text as a team file;
* the sandbox: each file callback (save, load, export) with each failure cause, and each
  observer (controls, preset, baseline, replications, year, value stream, reset) with a
  failing run or drawing. No exception escapes; the message or status line gives one line
  in the error colour; no file in the folder is written or changed.

Runs are short (a 30-day challenge, one replication, in this process).
"""
from __future__ import annotations

import errno
import importlib
import os
import socket
import tempfile
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from devsim import experiment, plots, presets  # noqa: E402
from devsim.display import ERROR_COLOUR  # noqa: E402
from devsim.leaderboard import MAX_FILE_BYTES, evaluate_folder  # noqa: E402
from devsim.scenario import Scenario  # noqa: E402
from devsim.widgets import Sandbox  # noqa: E402

# The module, not the function of the same name that devsim.widgets exports.
sandbox_module = importlib.import_module("devsim.widgets.sandbox")

ROOM = Scenario(horizon_days=30.0, warmup_days=5.0)
GOOD = "organisation: collaborative\non_call: you_build_it\nn_teams: 2\n"
SECRET = "hunter2-secret"


def _bomb() -> str:
    lines = ["name:", '  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, c in zip("abcdefgh", "bcdefghi"):
        lines.append(f"  - &{c} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _write(data: str | bytes):
    def make(path: Path, outside: Path) -> None:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return make


def _link_out(path: Path, outside: Path) -> None:
    path.symlink_to(outside)


def _link_out_relative(path: Path, outside: Path) -> None:
    path.symlink_to(os.path.relpath(outside, path.parent))


def _dangling(path: Path, outside: Path) -> None:
    path.symlink_to(path.parent / "no-such-target.yaml")


def _loop(path: Path, outside: Path) -> None:
    path.symlink_to(path.name)


def _fifo(path: Path, outside: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path, outside: Path) -> None:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(path))
    finally:
        s.close()


def _folder(path: Path, outside: Path) -> None:
    path.mkdir()
    (path / "inner.yaml").write_text(GOOD)


def _link_in(path: Path, outside: Path) -> None:
    path.symlink_to("ref.yaml")


#: kind -> (how to make it, the words its error line must hold; None: a valid team)
KINDS = {
    "good": (_write(GOOD + "n_developers: 7\n"), None),
    "link_inside": (_link_in, None),
    "link_out": (_link_out, "leads out of the folder"),
    "link_out_relative": (_link_out_relative, "leads out of the folder"),
    "dangling_link": (_dangling, "link to nothing"),
    "link_loop": (_loop, "link to nothing"),
    "fifo": (_fifo, "named pipe"),
    "socket": (_socket, "socket"),
    "folder": (_folder, "a folder, not a file"),
    "alias_bomb": (_write(_bomb()), ""),
    "nested_2000": (_write("n_developers: " + "[" * 2000 + "]" * 2000 + "\n"), ""),
    "latin1": (_write("name: équipe\n".encode("latin-1")), "UTF-8"),
    "utf16": (_write("name: team\n".encode("utf-16")), ""),
    "random_bytes": (_write(bytes(range(256)) * 4), ""),
    "huge": (_write("# " + "x" * (MAX_FILE_BYTES + 10) + "\n"), "kB"),
    "a_list": (_write("- 1\n- 2\n"), ""),
    "unknown_key": (_write(f"{SECRET}: 1\n"), "not a scenario field"),
    "bad_value": (_write("n_developers: -2\n"), "n_developers"),
    "float_int": (_write(GOOD + "n_teams: 2.5\n"), "n_teams"),
    "broken_yaml": (_write("n_developers: [5\n"), "YAML"),
}
NAMES = ["t.yaml", "t.yml", "T.YAML", "t.yaml.yaml", "ref.yml", "équipe b.yaml",
         "ctrl\x01.yaml"]


def _snapshot(root: Path) -> dict[str, tuple]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            out[p] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def _shown(name: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_of_entry_under_every_name(kind, name, tmp_path):
    make, words = KINDS[kind]
    outside = tmp_path / "outside" / "system.yaml"
    outside.parent.mkdir()
    outside.write_text(f"{SECRET}: x:0:0\n")
    room = tmp_path / "room"
    room.mkdir()
    (room / "ref.yaml").write_text(GOOD)
    make(room / name, outside)
    before = _snapshot(tmp_path)

    table, errors = evaluate_folder(room, n=1, baseline=ROOM, executor="serial")

    assert _snapshot(tmp_path) == before, "the leaderboard wrote or changed a file"
    assert "ref.yaml" in set(table["file"])
    assert table["team"].is_unique
    for line in errors:
        assert "\n" not in line and len(line) < 300 and SECRET not in line
    assert SECRET not in table.to_string()
    mine = [e for e in errors if e.startswith(_shown(name) + ": ")]
    if words is None:
        assert mine == [] and _shown(name) in set(table["file"])
    else:
        assert len(mine) == 1, errors
        assert words in mine[0]
        assert _shown(name) not in set(table["file"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=300).map(str.encode)))
def test_random_files_are_named_or_ranked_never_raised(data):
    with tempfile.TemporaryDirectory() as folder:
        room = Path(folder)
        (room / "ref.yaml").write_text(GOOD)
        (room / "h.yaml").write_bytes(data)
        table, errors = evaluate_folder(room, n=1, baseline=ROOM, executor="serial")
        assert "ref.yaml" in set(table["file"])
        named = [e for e in errors if e.startswith("h.yaml: ")]
        assert ("h.yaml" in set(table["file"])) != bool(named)
        assert all("\n" not in e and len(e) < 300 for e in errors)
        assert (room / "h.yaml").read_bytes() == data


# --- the sandbox -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def box():
    p = presets()
    short = dict(horizon_days=30.0, warmup_days=5.0)
    return Sandbox(replace(p["collaborative"], **short), replace(p["siloed"], **short), n=1,
                   seed=7)


def _denied(*args, **kwargs):
    raise PermissionError(errno.EACCES, "Permission denied")


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _boom(*args, **kwargs):
    raise TypeError("'float' object cannot be interpreted as an integer")


#: cause -> (file name in tmp_path, or a callable of tmp_path; monkeypatch target or None)
FILE_CAUSES = {
    "name_too_long": ("x" * 300 + "{ext}", None),
    "folder_missing": ("no/such/folder/f{ext}", None),
    "permission_denied": ("f{ext}", "denied"),
    "disk_full": ("f{ext}", "full"),
    "a_folder": ("folder{ext}", None),
    "nul_character": ("bad\x00name{ext}", None),
    "empty_name": ("", None),
    "wrong_suffix": ("f.txt", None),
    "existing_file": ("existing{ext}", None),
    "no_such_user": ("~no-such-user-devsim/f{ext}", None),
    "control_characters": ("tab\there\x01{ext}", None),
}
CALLBACKS = {"save": ("scenario_path", "_on_save", ".yaml", "Not saved"),
             "load": ("scenario_path", "_on_load", ".yaml", "Not loaded"),
             "export": ("results_path", "_on_export", ".csv", "Not exported")}


def _patch_failure(monkeypatch, callback: str, how: str) -> None:
    fail = _denied if how == "denied" else _disk_full
    if callback == "save":
        monkeypatch.setattr(sandbox_module, "save_scenario", fail)
    elif callback == "load":
        monkeypatch.setattr(sandbox_module, "load_scenario", fail)
    else:
        monkeypatch.setattr(experiment.Results, "save", fail)


@pytest.mark.parametrize("cause", list(FILE_CAUSES))
@pytest.mark.parametrize("callback", list(CALLBACKS))
def test_file_callbacks_report_each_failure_in_one_line(box, callback, cause, tmp_path,
                                                        monkeypatch):
    box_name, handler, ext, verb = CALLBACKS[callback]
    name, how = FILE_CAUSES[cause]
    monkeypatch.chdir(tmp_path)
    (tmp_path / f"folder{ext}").mkdir()
    (tmp_path / f"existing{ext}").write_text("a learner's own file\n")
    if cause == "permission_denied" or cause == "disk_full" or callback == "load":
        (tmp_path / f"f{ext}").write_text(GOOD)
    if how:
        _patch_failure(monkeypatch, callback, how)
    box.overwrite.value = False
    getattr(box, box_name).value = str(tmp_path / name.format(ext=ext)) if name and \
        not name.startswith("~") else name.format(ext=ext)
    box.message.value = ""
    before = _snapshot(tmp_path)

    getattr(box, handler)(None)  # what a click calls; it must not raise

    message = box.message.value
    assert (tmp_path / f"existing{ext}").read_text() == "a learner's own file\n"
    if callback == "load" and cause in ("existing_file",):
        # a file that is not a scenario: named as such
        assert message.startswith("Not loaded") and box.message.style.text_color == ERROR_COLOUR
        return
    assert _snapshot(tmp_path) == before, "a failed callback wrote a file"
    assert message, "no message"
    assert "\n" not in message and len(message) < 400
    assert box.message.style.text_color == ERROR_COLOUR, message
    assert message.startswith((verb, "Scenario file:", "Results file:")), message


OBSERVERS = {
    "control": lambda b: b._on_control({"new": 0.5}),
    "preset": lambda b: b._on_preset({"new": "collaborative"}),
    "setting": lambda b: b._on_setting({"new": 5}),
    "year": lambda b: b._on_year({"new": 2021}),
    "value_stream": lambda b: b._on_value_stream({"new": True}),
    "reset": lambda b: b._on_reset(None),
}
FAILURES = {
    "run_fails": (experiment, "compare", _boom),
    "pool_breaks": (experiment, "compare", None),
    "drawing_fails": (plots, "dora_tiles_html", _boom),
    "map_fails": (plots, "value_stream_map", _boom),
}


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("observer", list(OBSERVERS))
def test_observers_report_a_failure_and_raise_nothing(box, observer, failure, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    module, attr, fn = FAILURES[failure]
    if fn is None:
        def fn(*args, **kwargs):
            raise BrokenProcessPool("A child process terminated abruptly")
        monkeypatch.setattr(experiment, "shutdown", lambda: None)
    monkeypatch.setattr(module, attr, fn)
    box.show_value_stream.value = failure == "map_fails"
    box._baselines.clear()
    box.results = None  # so that the year redraw runs again

    box.status.value = ""
    OBSERVERS[observer](box)  # must not raise

    status = box.status.value
    if status == "":  # the value stream box runs nothing: only the map's failure concerns it
        assert observer == "value_stream" and failure != "map_fails"
        return
    assert "\n" not in status and len(status) < 400
    if status.startswith("updated in"):  # the dashboard is fine, the map's failure is noted
        assert failure == "map_fails" and "value stream map failed" in status, status
        return
    if status.startswith("DORA"):  # the year's redraw succeeded (only the map failed)
        assert failure == "map_fails" and observer == "year"
        return
    assert box.status.style.text_color == ERROR_COLOUR, status
    assert status.startswith(("Error", "Not run", "value stream map failed")), status


def test_a_scenario_over_the_run_budget_is_refused_in_one_line(box):
    huge = replace(box.scenario, arrival_rate_per_day=200.0, change_size_person_hours=0.5,
                   horizon_days=3650.0)
    assert box.load(huge) is False
    assert box.status.value.startswith("Not run:") and "50,000" in box.status.value


def test_a_file_the_model_cannot_run_is_reported(box, tmp_path, monkeypatch):
    path = tmp_path / "runs-not.yaml"
    path.write_text(GOOD)
    monkeypatch.setattr(experiment, "compare", _boom)
    box.scenario_path.value = str(path)
    box._on_load(None)
    assert box.message.value.startswith("Loaded") and "did not run" in box.message.value
    assert box.status.value.startswith("Error: the model could not run this scenario")
