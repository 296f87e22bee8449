"""A learner's own copy of the course, updated without ever losing their work.

:func:`sync_workspace` copies the course's ``notebooks/`` and ``exercises/`` folders into a
folder of the learner's (``devsim workspace DEST``). It records, in
``DEST/.devsim-workspace.json`` (the *manifest*), the SHA-256 of every file as it copied
it. Run again after the course changes and, per file:

* not in the workspace -> **added** (a file the learner deleted comes back: delete a
  lesson and sync to get a fresh copy);
* unchanged by the learner (its hash equals the manifest's) and changed in the course ->
  **updated** to the course's new version;
* changed by the learner (its hash differs from the manifest's), or present but never
  copied by this tool (no manifest entry) -> **kept**: never overwritten. When the course
  has a different version, that version is written *beside* it as
  ``name.new-from-course.ipynb`` (same rules: that copy is refreshed only while the
  learner leaves it alone), so the learner can compare and merge;
* identical to the course -> **unchanged**.

Files that the course no longer has are left where they are. Caches
(``.ipynb_checkpoints``, ``__pycache__``, ``*.pyc``, ``.DS_Store``) are never copied.
Each file is written to a temporary name and renamed, so an interrupted sync leaves no
half-written notebook.

The course comes from the repository's ``notebooks/`` and ``exercises/`` in a checkout (an
editable install), and from the copy of those two folders that the wheel carries as
``devsim/course/`` after ``pip install devsim`` (:func:`default_source`).

This module owns the sync rules, the manifest and the JupyterLab command line that opens a
workspace (:func:`lab_command`); it imports nothing from devsim. The ``devsim workspace``
and ``devsim lab`` commands are :mod:`devsim.cli`'s.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["sync_workspace", "Report", "WorkspaceError", "MANIFEST", "COURSE_FOLDERS",
           "BESIDE_TAG", "default_source", "lab_command", "WELCOME"]

MANIFEST = ".devsim-workspace.json"
COURSE_FOLDERS = ("notebooks", "exercises")
BESIDE_TAG = ".new-from-course"
#: The lesson JupyterLab opens on, relative to the workspace.
WELCOME = "notebooks/00_welcome.ipynb"
_SKIP_DIRS = {".ipynb_checkpoints", "__pycache__", ".pytest_cache", ".hypothesis", ".git"}
_SKIP_FILES = {".DS_Store", "Thumbs.db"}


class WorkspaceError(ValueError):
    """A bad source or destination; the message names the path and what is wrong."""


@dataclass
class Report:
    """What one sync did. Paths are relative to the workspace, with ``/`` separators.

    Attributes
    ----------
    added : list of str
        Course files copied because the workspace did not have them.
    updated : list of str
        Files the learner had not changed, replaced by the course's newer version.
    kept : list of str
        Files the learner changed (or that were there before this tool), left alone.
    unchanged : list of str
        Files already identical to the course's version.
    beside : list of str
        Course versions written next to a kept file (``name.new-from-course.ext``).
    warnings : list of str
        Anything the learner should know (e.g. an unreadable manifest).
    """

    dest: Path
    source: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    beside: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def _sections(self):
        return (("Added", self.added, "new from the course"),
                ("Updated", self.updated, "you had not changed them"),
                ("Kept", self.kept, "your changes: left alone"),
                ("Course version written beside", self.beside, "compare with yours"),
                ("Unchanged", self.unchanged, ""))

    def __str__(self) -> str:
        lines = [f"Workspace {self.dest} (course: {self.source}): {len(self.added)} added, "
                 f"{len(self.updated)} updated, {len(self.kept)} kept, "
                 f"{len(self.unchanged)} unchanged"]
        for title, items, why in self._sections():
            if items and title != "Unchanged":
                lines.append(f"{title} ({why}):" if why else f"{title}:")
                lines += [f"  {p}" for p in items]
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        out = [f"**Workspace** `{self.dest}`: {len(self.added)} added, {len(self.updated)} "
               f"updated, {len(self.kept)} kept, {len(self.unchanged)} unchanged"]
        for title, items, why in self._sections():
            if items and title != "Unchanged":
                out.append(f"\n*{title}* ({why}):\n" + "\n".join(f"- `{p}`" for p in items))
        out += [f"\n**Warning:** {w}" for w in self.warnings]
        return "\n".join(out)


def default_source() -> Path:
    """The course that came with the installed devsim.

    Returns
    -------
    Path
        ``devsim/course`` inside the installed package when it holds the course (a wheel:
        ``pip install devsim``), otherwise the folder above the ``devsim`` package (a
        checkout of the repository, installed editable).
    """
    package = Path(__file__).resolve().parent
    shipped = package / "course"
    if any((shipped / top).is_dir() for top in COURSE_FOLDERS):
        return shipped
    return package.parent


def lab_command(dest: str | Path, *, port: int | None = None, open_browser: bool = True,
                extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The command that opens JupyterLab on a workspace, at lesson 00.

    It runs JupyterLab with this Python (``sys.executable -m jupyter lab``), so it needs no
    shell and works the same on Linux, macOS and Windows.

    Parameters
    ----------
    dest : str or Path
        The workspace (``sync_workspace``'s ``dest``); JupyterLab's file browser starts there.
    port : int, optional
        The port to try first (JupyterLab takes the next free one when it is busy).
    open_browser : bool
        False adds ``--no-browser`` (a remote or headless machine).
    extra : sequence of str
        More options for ``jupyter lab``.

    Returns
    -------
    list of str
        The command, ready for :func:`subprocess.run`. As root (where Jupyter refuses to run
        unless told) it includes ``--allow-root``.
    """
    root = Path(dest).expanduser().resolve()
    default = f"/lab/tree/{WELCOME}" if (root / WELCOME).is_file() else "/lab"
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}",
           f"--LabApp.default_url={default}",
           # The course's JupyterLab defaults: no news pop-up over lesson 00 on first start.
           f"--LabApp.app_settings_dir={LAB_SETTINGS}"]
    if port is not None:
        cmd.append(f"--port={port}")
    if not open_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd + list(extra)


#: JupyterLab settings of the course (``overrides.json``: no news pop-up, no update check),
#: passed as the application settings folder by ``devsim lab`` and ``make lab``.
LAB_SETTINGS = Path(__file__).resolve().parent / "data" / "lab-settings"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def _course_files(source: Path) -> dict[str, Path]:
    """Relative path -> file, for every course file worth copying."""
    out: dict[str, Path] = {}
    for top in COURSE_FOLDERS:
        root = source / top
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for name in sorted(filenames):
                if name in _SKIP_FILES or name.endswith((".pyc", ".pyo")) or BESIDE_TAG in name:
                    continue
                p = Path(dirpath) / name
                out[p.relative_to(source).as_posix()] = p
    return out


def _beside(rel: str) -> str:
    p = Path(rel)
    return (p.parent / f"{p.stem}{BESIDE_TAG}{p.suffix}").as_posix()


def _write(data: bytes, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_paths(dest: Path, source: Path) -> None:
    if not source.is_dir():
        raise WorkspaceError(f"source: '{source}' does not exist or is not a folder")
    if not any((source / top).is_dir() for top in COURSE_FOLDERS):
        wanted = " or ".join(f"{t}/" for t in COURSE_FOLDERS)
        raise WorkspaceError(f"source: '{source}' has no {wanted} folder; give the folder of "
                             "the devsim course (the repository root)")
    if dest.exists() and not dest.is_dir():
        raise WorkspaceError(f"dest: '{dest}' is a file, not a folder; give a folder for your "
                             "workspace")
    d, s = dest.resolve(), source.resolve()
    if d == s or any(d.is_relative_to((s / top).resolve()) for top in COURSE_FOLDERS):
        raise WorkspaceError(f"dest: '{dest}' is inside the course itself; give a folder outside "
                             f"'{source}'")
    probe = dest
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise WorkspaceError(f"dest: '{dest}' is not writable (no permission to write in "
                             f"'{probe}')")


def _read_manifest(path: Path, report: Report) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ValueError("files is not a mapping of path to hash")
        return dict(files)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Without a manifest nothing counts as "untouched", so nothing is overwritten.
        report.warnings.append(f"could not read {path.name} ({exc}); treating every existing "
                               "file as yours (nothing overwritten)")
        return {}


def sync_workspace(dest: str | Path, *, source: str | Path | None = None) -> Report:
    """Copy or update the course into a learner's workspace without overwriting their work.

    Parameters
    ----------
    dest : str or Path
        The learner's folder (created if missing).
    source : str or Path, optional
        The course folder holding ``notebooks/`` and ``exercises/``. Default: the folder
        above the installed ``devsim`` package (:func:`default_source`).

    Returns
    -------
    Report
        Which files were added, updated, kept (learner's changes) and unchanged, and which
        course versions were written beside a kept file.

    Raises
    ------
    WorkspaceError
        If ``dest`` or ``source`` is empty, ``source`` has no course folders, ``dest`` is a
        file, inside the course, or not writable. The message names the path.
    TypeError
        If ``dest`` or ``source`` is not a folder name.
    """
    for name, value in (("dest", dest), ("source", source)):
        if value is None and name == "source":
            continue
        if not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{name}: expected a folder name, got {type(value).__name__}")
        if not str(value).strip() or "\x00" in str(value):
            # Path("") is the current folder: an empty name would copy the course right here.
            raise WorkspaceError(f"{name}: {str(value)[:40]!r} is not allowed; give a folder "
                                 "name")
    dest = Path(dest).expanduser()
    source = Path(source).expanduser() if source is not None else default_source()
    _check_paths(dest, source)
    report = Report(dest=dest, source=source)
    manifest_path = dest / MANIFEST
    manifest = _read_manifest(manifest_path, report)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        plan = _course_files(source)
        for rel, src in plan.items():
            data = src.read_bytes()
            new = hashlib.sha256(data).hexdigest()
            outcome = _sync_one(dest, rel, data, new, manifest)
            if outcome == "kept":
                report.kept.append(rel)
                side = _beside(rel)
                target = dest / rel
                course_changed = manifest.get(rel) != new
                if course_changed and _sha256(target) != new:
                    side_outcome = _sync_one(dest, side, data, new, manifest)
                    if side_outcome in ("added", "updated"):
                        report.beside.append(side)
                    elif side_outcome == "kept":
                        report.warnings.append(f"{side}: you changed the course copy beside "
                                               f"{rel}; left it alone too")
            else:
                getattr(report, outcome).append(rel)
        _write(json.dumps({"devsim_workspace": 1, "source": str(source), "files": manifest},
                          indent=1, sort_keys=True).encode("utf-8"), manifest_path)
    except PermissionError as exc:
        raise WorkspaceError(f"dest: '{exc.filename or dest}' is not writable ({exc.strerror})") \
            from None
    except OSError as exc:  # a file where a folder should be, a full disk, ...
        raise WorkspaceError(f"dest: '{exc.filename or dest}' cannot be written "
                             f"({exc.strerror or exc})") from None
    return report


def _sync_one(dest: Path, rel: str, data: bytes, new: str, manifest: dict[str, str]) -> str:
    """Apply the rules to one file; returns added / updated / kept / unchanged."""
    target = dest / rel
    if not target.exists():
        _write(data, target)
        manifest[rel] = new
        return "added"
    current = _sha256(target)
    if current == new:
        manifest[rel] = new  # adopt it: a later course change may then update it
        return "unchanged"
    if manifest.get(rel) == current:
        _write(data, target)
        manifest[rel] = new
        return "updated"
    # Changed by the learner, or never copied by us: theirs. The manifest keeps the version
    # it was copied from, so the file still counts as theirs next time.
    return "kept"
