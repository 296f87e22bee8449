"""Learner workspace sync: copies the course, updates what the learner left alone, and
never overwrites their work. Every test builds its own course in a temporary folder.

The ``devsim workspace`` command is tested with the command line (tests/test_cli.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import devsim
from devsim.workspace import (BESIDE_TAG, MANIFEST, WorkspaceError, default_source,
                              sync_workspace)


def _nb(text: str) -> str:
    return json.dumps({"cells": [{"cell_type": "markdown", "source": text}], "nbformat": 4})


@pytest.fixture
def course(tmp_path) -> Path:
    src = tmp_path / "course"
    (src / "notebooks").mkdir(parents=True)
    (src / "exercises" / "sample_teams").mkdir(parents=True)
    (src / "notebooks" / "01_wall.ipynb").write_text(_nb("lesson 1"))
    (src / "notebooks" / "02_queues.ipynb").write_text(_nb("lesson 2"))
    (src / "exercises" / "sample_teams" / "team-a.yaml").write_text("n_developers: 6\n")
    (src / "notebooks" / ".ipynb_checkpoints").mkdir()
    (src / "notebooks" / ".ipynb_checkpoints" / "01_wall-checkpoint.ipynb").write_text("cache")
    (src / "README.md").write_text("not course content")
    return src


def test_first_sync_copies_the_course(course, tmp_path):
    dest = tmp_path / "mine"
    report = sync_workspace(dest, source=course)
    assert sorted(report.added) == ["exercises/sample_teams/team-a.yaml",
                                    "notebooks/01_wall.ipynb", "notebooks/02_queues.ipynb"]
    assert report.updated == report.kept == report.unchanged == []
    assert (dest / "notebooks" / "01_wall.ipynb").read_text() == _nb("lesson 1")
    assert not (dest / "notebooks" / ".ipynb_checkpoints").exists()
    assert not (dest / "README.md").exists()
    manifest = json.loads((dest / MANIFEST).read_text())
    assert set(manifest["files"]) == set(report.added)
    again = sync_workspace(dest, source=course)
    assert sorted(again.unchanged) == sorted(report.added) and not again.added


def test_run_twice_keeps_an_edited_notebook_and_updates_the_rest(course, tmp_path):
    dest = tmp_path / "mine"
    sync_workspace(dest, source=course)
    mine = dest / "notebooks" / "01_wall.ipynb"
    mine.write_text(_nb("lesson 1 with MY NOTES"))
    # the course changes: both lessons updated, one new exercise file
    (course / "notebooks" / "01_wall.ipynb").write_text(_nb("lesson 1, revised"))
    (course / "notebooks" / "02_queues.ipynb").write_text(_nb("lesson 2, revised"))
    (course / "exercises" / "sample_teams" / "team-b.yaml").write_text("n_ops: 3\n")

    report = sync_workspace(dest, source=course)
    assert mine.read_text() == _nb("lesson 1 with MY NOTES")
    assert report.kept == ["notebooks/01_wall.ipynb"]
    assert report.updated == ["notebooks/02_queues.ipynb"]
    assert (dest / "notebooks" / "02_queues.ipynb").read_text() == _nb("lesson 2, revised")
    assert report.added == ["exercises/sample_teams/team-b.yaml"]
    assert report.unchanged == ["exercises/sample_teams/team-a.yaml"]
    beside = dest / "notebooks" / f"01_wall{BESIDE_TAG}.ipynb"
    assert report.beside == [f"notebooks/01_wall{BESIDE_TAG}.ipynb"]
    assert beside.read_text() == _nb("lesson 1, revised")
    text = str(report)
    assert "Kept" in text and "notebooks/01_wall.ipynb" in text
    assert "01_wall.ipynb" in report._repr_markdown_()

    # a third run: still theirs, nothing new beside, and a later course change reaches the
    # untouched copy beside it
    (course / "notebooks" / "01_wall.ipynb").write_text(_nb("lesson 1, third edition"))
    third = sync_workspace(dest, source=course)
    assert mine.read_text() == _nb("lesson 1 with MY NOTES")
    assert third.kept == ["notebooks/01_wall.ipynb"]
    assert beside.read_text() == _nb("lesson 1, third edition")


def test_edited_file_without_course_change_gets_nothing_beside(course, tmp_path):
    dest = tmp_path / "mine"
    sync_workspace(dest, source=course)
    (dest / "notebooks" / "02_queues.ipynb").write_text(_nb("my version"))
    report = sync_workspace(dest, source=course)
    assert report.kept == ["notebooks/02_queues.ipynb"] and report.beside == []
    assert not list((dest / "notebooks").glob(f"*{BESIDE_TAG}*"))


def test_existing_file_not_in_manifest_is_never_overwritten(course, tmp_path):
    dest = tmp_path / "mine"
    (dest / "notebooks").mkdir(parents=True)
    theirs = dest / "notebooks" / "01_wall.ipynb"
    theirs.write_text(_nb("written before any sync"))
    (dest / "notebooks" / "02_queues.ipynb").write_text(_nb("lesson 2"))  # same as the course
    report = sync_workspace(dest, source=course)
    assert theirs.read_text() == _nb("written before any sync")
    assert report.kept == ["notebooks/01_wall.ipynb"]
    assert report.unchanged == ["notebooks/02_queues.ipynb"]
    assert (dest / "notebooks" / f"01_wall{BESIDE_TAG}.ipynb").exists()


def test_edited_copy_beside_is_kept_too(course, tmp_path):
    dest = tmp_path / "mine"
    sync_workspace(dest, source=course)
    (dest / "notebooks" / "01_wall.ipynb").write_text(_nb("mine"))
    (course / "notebooks" / "01_wall.ipynb").write_text(_nb("v2"))
    sync_workspace(dest, source=course)
    beside = dest / "notebooks" / f"01_wall{BESIDE_TAG}.ipynb"
    beside.write_text(_nb("merging by hand"))
    (course / "notebooks" / "01_wall.ipynb").write_text(_nb("v3"))
    report = sync_workspace(dest, source=course)
    assert beside.read_text() == _nb("merging by hand")
    assert any("left it alone" in w for w in report.warnings)


def test_deleted_file_comes_back(course, tmp_path):
    dest = tmp_path / "mine"
    sync_workspace(dest, source=course)
    (dest / "notebooks" / "02_queues.ipynb").unlink()
    report = sync_workspace(dest, source=course)
    assert report.added == ["notebooks/02_queues.ipynb"]
    assert (dest / "notebooks" / "02_queues.ipynb").read_text() == _nb("lesson 2")


def test_unreadable_manifest_overwrites_nothing(course, tmp_path):
    dest = tmp_path / "mine"
    sync_workspace(dest, source=course)
    (dest / "notebooks" / "01_wall.ipynb").write_text(_nb("mine"))
    (dest / MANIFEST).write_text("{ not json")
    (course / "notebooks" / "01_wall.ipynb").write_text(_nb("v2"))
    (course / "notebooks" / "02_queues.ipynb").write_text(_nb("lesson 2 v2"))
    report = sync_workspace(dest, source=course)
    assert (dest / "notebooks" / "01_wall.ipynb").read_text() == _nb("mine")
    assert (dest / "notebooks" / "02_queues.ipynb").read_text() == _nb("lesson 2")
    assert sorted(report.kept) == ["notebooks/01_wall.ipynb", "notebooks/02_queues.ipynb"]
    assert report.warnings and MANIFEST in report.warnings[0]
    json.loads((dest / MANIFEST).read_text())  # rewritten, readable again


def test_dest_that_is_a_file_is_refused(course, tmp_path):
    dest = tmp_path / "mine.txt"
    dest.write_text("a file")
    with pytest.raises(WorkspaceError, match=r"dest: '.*mine\.txt' is a file"):
        sync_workspace(dest, source=course)
    assert dest.read_text() == "a file"


def test_bad_source_and_dest_inside_course(course, tmp_path):
    with pytest.raises(WorkspaceError, match=r"source: '.*nowhere' does not exist"):
        sync_workspace(tmp_path / "mine", source=tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(WorkspaceError, match="has no notebooks/ or exercises/"):
        sync_workspace(tmp_path / "mine", source=empty)
    with pytest.raises(WorkspaceError, match="inside the course"):
        sync_workspace(course / "notebooks" / "mine", source=course)
    with pytest.raises(WorkspaceError, match="inside the course"):
        sync_workspace(course, source=course)


def test_default_source_is_next_to_the_package():
    assert default_source() == Path(devsim.__file__).resolve().parent.parent


@pytest.mark.parametrize("dest", ["", "  "])
def test_an_empty_destination_is_refused(dest, course, tmp_path, monkeypatch):
    """Path("") is the current folder: an empty name must not copy the course there."""
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(WorkspaceError, match="^dest: "):
        sync_workspace(dest, source=course)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_file_where_a_course_folder_goes_is_named(course, tmp_path):
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "notebooks").write_text("my notes, not a folder")
    with pytest.raises(WorkspaceError, match="cannot be written"):
        sync_workspace(dest, source=course)
    assert (dest / "notebooks").read_text() == "my notes, not a folder"


def test_default_source_prefers_the_course_shipped_in_the_package(tmp_path, monkeypatch):
    """A wheel carries the course as devsim/course/; a checkout has it next to the package."""
    import devsim.workspace as ws
    fake = tmp_path / "site" / "devsim"
    fake.mkdir(parents=True)
    monkeypatch.setattr(ws, "__file__", str(fake / "workspace.py"))
    assert ws.default_source() == fake.parent          # no course inside: the folder above
    (fake / "course" / "notebooks").mkdir(parents=True)
    assert ws.default_source() == fake / "course"


def test_lab_command_opens_lesson_00_with_this_python(course, tmp_path):
    import sys

    from devsim.workspace import WELCOME, lab_command
    dest = tmp_path / "mine"
    cmd = lab_command(dest)
    assert cmd[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert "--LabApp.default_url=/lab" in cmd       # no lesson 00 yet: the file browser
    (dest / "notebooks").mkdir(parents=True)
    (dest / WELCOME).write_text(_nb("welcome"))
    cmd = lab_command(dest, port=8890, open_browser=False, extra=["--debug"])
    assert f"--ServerApp.root_dir={dest.resolve()}" in cmd
    assert f"--LabApp.default_url=/lab/tree/{WELCOME}" in cmd
    assert "--port=8890" in cmd and "--no-browser" in cmd and cmd[-1] == "--debug"


def test_devsim_lab_starts_jupyterlab_without_the_news_pop_up(tmp_path):
    import json

    from devsim.workspace import LAB_SETTINGS, lab_command

    cmd = lab_command(tmp_path)
    assert f"--LabApp.app_settings_dir={LAB_SETTINGS}" in cmd
    overrides = json.loads((LAB_SETTINGS / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
