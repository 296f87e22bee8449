"""The class folder: small JSON records of what learners did, for a trainer's class view.

Off by default. When the environment variable ``DEVSIM_CLASS_DIR`` names a folder (a shared
folder of the room, or a local one the trainer collects), every locked prediction of a lesson
(:func:`devsim.widgets.predict`), and later every exercise check, appends **one file** to it:
a small JSON object with the learner's name, the lesson or exercise, the question, what they
did and when. Nothing else is written, and nothing is ever read back or overwritten here.

Why one file per record: learners write at the same time, possibly over a network file
system. Each record is first written to a hidden temporary file in the folder and then
renamed (:func:`os.replace`) to a name no one else uses (learner, time, random part), so a
reader sees either the whole record or nothing, and two writers never touch the same file.

The learner's name comes from ``DEVSIM_LEARNER`` (a team name works too) or else the
operating-system user. A folder that is missing, not a folder or not writable raises
:class:`ClassroomError` with a one-line message; callers show it and carry on.

This module imports nothing from devsim, so any room (widgets, exercise checks) may use it.
"""
from __future__ import annotations

import datetime as _dt
import getpass
import json
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["CLASS_DIR_ENV", "LEARNER_ENV", "ClassroomError", "class_dir", "learner_name",
           "record", "record_prediction", "RECORD_VERSION", "MAX_RECORD_BYTES"]

CLASS_DIR_ENV = "DEVSIM_CLASS_DIR"
LEARNER_ENV = "DEVSIM_LEARNER"
#: Written into every record as ``devsim_class``, so a reader can tell our files from others.
RECORD_VERSION = 1
#: A record is small; a bigger one is refused (a guess is a word or a number, not a file).
MAX_RECORD_BYTES = 4096
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


class ClassroomError(OSError):
    """The class folder cannot take a record (missing, not a folder, not writable)."""


def class_dir() -> Path | None:
    """The class folder named by ``DEVSIM_CLASS_DIR``, or None when recording is off."""
    value = os.environ.get(CLASS_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def learner_name() -> str:
    """``DEVSIM_LEARNER``, else the operating-system user, else ``"anonymous"``."""
    name = os.environ.get(LEARNER_ENV, "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # noqa: BLE001 - no user name in some containers
            name = ""
    return name[:80] or "anonymous"


def _plain(value: Any) -> Any:
    """A JSON value: numbers, text, booleans and None as they are, numpy scalars as Python."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):
        try:
            return _plain(value.item())
        except Exception:  # noqa: BLE001
            pass
    return str(value)


def record(kind: str, fields: dict[str, Any], *, folder: str | os.PathLike | None = None,
           learner: str | None = None, now: _dt.datetime | None = None) -> Path | None:
    """Append one record to the class folder, atomically; None when recording is off.

    Parameters
    ----------
    kind : str
        What happened: ``"prediction"``, ``"check"``, ...
    fields : dict
        The record's own fields (lesson, question, guess, ...): short JSON values.
    folder : path, optional
        The class folder; default ``DEVSIM_CLASS_DIR`` (unset or empty: nothing is written).
    learner : str, optional
        Default :func:`learner_name`.
    now : datetime, optional
        The record's time (default: now, UTC).

    Returns
    -------
    pathlib.Path or None
        The file written.

    Raises
    ------
    ClassroomError
        If the folder is missing, not a folder, or cannot be written (one-line message).
    """
    if not isinstance(kind, str) or not re.fullmatch(r"[a-z_]{1,32}", kind):
        raise ValueError(f"kind: {kind!r} is not allowed; give a short lower-case word")
    target = Path(folder).expanduser() if folder is not None else class_dir()
    if target is None:
        return None
    who = learner if learner is not None else learner_name()
    when = (now or _dt.datetime.now(_dt.timezone.utc)).astimezone(_dt.timezone.utc)
    data = {"devsim_class": RECORD_VERSION, "kind": kind, "learner": str(who)[:80],
            **{str(k): _plain(v) for k, v in fields.items()},
            "time": when.isoformat(timespec="seconds")}
    text = json.dumps(data, ensure_ascii=False, sort_keys=False)
    if len(text.encode("utf-8")) > MAX_RECORD_BYTES:
        raise ValueError(f"fields: the record is over {MAX_RECORD_BYTES} bytes; keep it short")
    if not target.exists():
        raise ClassroomError(f"class folder {target} does not exist; create it or unset "
                             f"{CLASS_DIR_ENV}")
    if not target.is_dir():
        raise ClassroomError(f"class folder {target} is not a folder; unset {CLASS_DIR_ENV} "
                             "or point it at a folder")
    stem = "-".join(_SAFE.sub("_", part).strip("_")[:40] or "x" for part in
                    (kind, str(who), when.strftime("%Y%m%dT%H%M%S"), secrets.token_hex(4)))
    final = target / f"{stem}.json"
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=target)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        tmp = None
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ClassroomError(f"class folder {target} cannot be written ({why.lower()})") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return final


def record_prediction(lesson: str, question: str, guess: Any, *, result: Any = None,
                      folder: str | os.PathLike | None = None,
                      learner: str | None = None) -> Path | None:
    """Record a locked prediction (see :func:`record`): lesson, question id, guess, result.

    ``result`` is the model's answer, shown to the learner after the guess; the class view
    can show the room's spread of guesses around it.
    """
    fields = {"lesson": str(lesson), "question": str(question), "guess": guess}
    if result is not None:
        fields["result"] = result
    return record("prediction", fields, folder=folder, learner=learner)
