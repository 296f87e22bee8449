"""Predict, then reveal (devsim.widgets.predict) and the class folder (devsim.classroom)."""
from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from devsim import classroom
from devsim.widgets import Prediction, predict


@pytest.fixture(autouse=True)
def no_class_dir(monkeypatch):
    monkeypatch.delenv(classroom.CLASS_DIR_ENV, raising=False)
    monkeypatch.setenv(classroom.LEARNER_ENV, "ada")


def _choice(calls):
    def reveal():
        calls.append("reveal")
        return ["The model says **higher**.", pd.DataFrame({"x": [1.5]})]
    return predict("Higher or lower?", id="q1", lesson="01", choices=["lower", "higher"],
                   reveal=reveal, answer=lambda: ("higher", "+2 pts [1, 3]"))


def test_nothing_is_revealed_before_the_guess_is_locked():
    calls = []
    p = _choice(calls)
    assert isinstance(p, Prediction)
    assert p.out.outputs == () and p.comparison.value == "" and calls == []
    assert p.button.disabled, "the lock button waits for a choice"
    assert p.lock() is False and calls == [], "no guess, no reveal"
    p.control.value = "lower"
    assert not p.button.disabled and calls == [] and p.out.outputs == ()
    p.button.click()
    assert p.locked and calls == ["reveal"]
    kinds = [set(o["data"]) for o in p.out.outputs]
    assert {"text/markdown"} <= kinds[0] and "text/html" in kinds[1]
    assert "Your guess: <b>lower</b>" in p.comparison.value
    assert "The model: <b>higher</b> (+2 pts [1, 3])" in p.comparison.value
    assert "Not this time" in p.comparison.value
    assert p.control.disabled and p.button.disabled
    assert p.lock() is False and calls == ["reveal"], "locked once"


def test_a_slider_guess_is_set_beside_the_result():
    p = predict("How many days?", id="days", lesson="02",
                slider={"min": 0, "max": 60, "step": 1, "value": 10.3, "unit": "days"},
                reveal=lambda: "shown", answer=lambda: 29.0)
    assert p.control.value == 10.0, "the value sits on the step grid"
    assert not p.button.disabled
    assert p.lock(12)
    assert p.guess == 12 and p.result == 29.0
    assert "12 days" in p.comparison.value and "29 days" in p.comparison.value
    assert "17 days below" in p.comparison.value


def test_a_failing_reveal_is_one_line_in_the_status():
    def boom():
        raise RuntimeError("no data\nsecond line")
    p = predict("Q?", id="q", lesson="03", choices=["a", "b"], reveal=boom)
    assert p.lock("a")
    assert p.status.value == "Error: RuntimeError: no data"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="choices, slider"):
        predict("Q?", id="q", lesson="01", reveal=lambda: "x")
    with pytest.raises(ValueError, match="choices"):
        predict("Q?", id="q", lesson="01", choices=["a"], reveal=lambda: "x")
    with pytest.raises(ValueError, match="slider: unknown keys"):
        predict("Q?", id="q", lesson="01", slider={"min": 0, "max": 1, "step": 1, "colour": 1},
                reveal=lambda: "x")


def test_no_record_without_the_class_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = _choice([])
    p.lock("higher")
    assert p.record_path is None and list(tmp_path.iterdir()) == []
    assert classroom.record("prediction", {"guess": 1}) is None


def test_a_locked_guess_is_recorded_atomically(tmp_path, monkeypatch):
    monkeypatch.setenv(classroom.CLASS_DIR_ENV, str(tmp_path))
    replaced = []
    real = os.replace

    def spy(src, dst):
        # The record reaches its final name only by a rename from a temporary file in the
        # same folder, so a reader never sees half a record.
        assert os.path.dirname(src) == str(tmp_path) and os.path.basename(src).startswith(".tmp-")
        assert json.loads(open(src, encoding="utf-8").read())["guess"] == "higher"
        replaced.append(dst)
        real(src, dst)

    monkeypatch.setattr(classroom.os, "replace", spy)
    p = _choice([])
    p.lock("higher")
    files = sorted(tmp_path.iterdir())
    assert len(files) == 1 and replaced == [files[0]] == [p.record_path]
    rec = json.loads(files[0].read_text(encoding="utf-8"))
    assert rec["kind"] == "prediction" and rec["learner"] == "ada"
    assert (rec["lesson"], rec["question"], rec["guess"], rec["result"]) == \
        ("01", "q1", "higher", "higher")
    assert rec["devsim_class"] == classroom.RECORD_VERSION and rec["time"].endswith("+00:00")
    assert "✔ Right." in p.comparison.value and p.status.value == ""


def test_records_never_share_a_name(tmp_path):
    paths = {classroom.record_prediction("01", "q", i, folder=tmp_path, learner="a b/c")
             for i in range(20)}
    assert len(paths) == 20 and all(p.parent == tmp_path and "/" not in p.name for p in paths)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_learner_defaults_to_the_os_user(monkeypatch):
    monkeypatch.delenv(classroom.LEARNER_ENV)
    assert classroom.learner_name()


@pytest.mark.parametrize("bad", ["missing", "file", "readonly"])
def test_a_bad_folder_gives_one_line_and_the_lesson_goes_on(tmp_path, monkeypatch, bad):
    folder = tmp_path / "class"
    if bad == "file":
        folder.write_text("not a folder")
    elif bad == "readonly":
        if os.geteuid() == 0:
            pytest.skip("root can write into a read-only folder")
        folder.mkdir()
        folder.chmod(0o500)
    monkeypatch.setenv(classroom.CLASS_DIR_ENV, str(folder))
    calls = []
    p = _choice(calls)
    try:
        assert p.lock("higher")
    finally:
        if bad == "readonly":
            folder.chmod(0o700)
    assert calls == ["reveal"] and p.out.outputs, "the reveal still shows"
    assert p.status.value.startswith("Your guess was not recorded: class folder")
    assert "\n" not in p.status.value and p.record_path is None
    if bad == "readonly":
        assert list(folder.iterdir()) == []
