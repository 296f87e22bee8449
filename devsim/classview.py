"""The class progress view: what a folder of class records says about the room.

With ``DEVSIM_CLASS_DIR`` set, learners' locked predictions (and exercise checks) append one
small JSON file each to a shared folder (:mod:`devsim.classroom` writes them). This module
reads that folder for the trainer and sums it up:

* per exercise, how many learners **attempted** it (a check that was not blank), how many
  got it **correct**, and how many are **stuck**: no correct check yet, and three or more
  incorrect checks (:data:`STUCK_INCORRECT`) or a hint used;
* per prediction question, the room's **spread**: counts per choice, or for a number a
  histogram (each learner's latest guess counts once), with the model's result.

Every file that is not a readable record is named with its reason and skipped (not valid
JSON, not one of devsim's records, a record version this devsim does not read, a missing
field, a folder or a link, too big): one bad file never hides the others. Hidden files are
a writer's records still being written and are passed over silently. A file is read again
only when its size or modification time changed (:class:`ClassFolder` remembers it).

Records read (see :func:`devsim.classroom.record`): every record is a JSON object with
``devsim_class`` (the record version), ``kind``, ``learner`` and ``time``;

* ``kind: "prediction"``: ``lesson``, ``question``, ``guess`` (a choice or a number),
  optional ``result``;
* ``kind: "check"`` (what :meth:`devsim.checks.Exercise.check` writes): ``exercise``,
  ``status`` (``"correct"``, ``"incorrect"``, ``"not_attempted"``; ``outcome`` is read
  too), optional ``hints`` (the highest hint level asked for; ``hints_used`` is read too);
* ``kind: "hint"``: ``exercise`` (a hint was shown: counts as help for "stuck").

Other kinds are named as skipped. This module reads only; it imports only
:mod:`devsim.classroom` (the record format's constants) and draws nothing.
"""
from __future__ import annotations

import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import classroom

__all__ = ["ClassFolder", "ClassSummary", "PredictionSpread", "STUCK_INCORRECT", "read_folder",
           "summarise_records", "MAX_FILES"]

#: Incorrect checks (without a correct one) after which a learner counts as stuck.
STUCK_INCORRECT = 3
#: Files read per look at the folder; more are named as not read (a room writes hundreds).
MAX_FILES = 20_000
#: Bins of a number's histogram when the room gave more different guesses than this.
MAX_BINS = 8
_MAX_BYTES = 4 * classroom.MAX_RECORD_BYTES
_CORRECT, _INCORRECT, _BLANK = "correct", "incorrect", "not_attempted"


@dataclass(frozen=True)
class PredictionSpread:
    """The room's guesses to one prediction question.

    Attributes
    ----------
    lesson, question : str
        Where the question is (``"01"``, ``"gates"``).
    kind : str
        ``"choice"`` (``counts`` per choice) or ``"number"`` (``counts`` per bin label).
    counts : dict of {str: int}
        Learners per choice, or per value range for numbers, in display order.
    learners : int
        Learners who locked a guess (each learner's latest guess counts).
    result : Any
        The model's answer as the records give it (the most common one), or None.
    result_bin : str or None
        For numbers, the label of the bin the result falls in.
    """

    lesson: str
    question: str
    kind: str
    counts: dict[str, int]
    learners: int
    result: Any = None
    result_bin: str | None = None


@dataclass(frozen=True)
class ClassSummary:
    """What the class folder says (see :func:`summarise_records`).

    Attributes
    ----------
    exercises : pandas.DataFrame
        One row per exercise (natural order of its id): ``exercise``, ``attempted``,
        ``correct``, ``stuck`` (learners each).
    predictions : list of PredictionSpread
        One per question, by lesson then question.
    skipped : list of str
        ``"name: reason"`` for every file that was not read as a record.
    records : int
        Records read.
    learners : int
        Different learners in those records.
    """

    exercises: pd.DataFrame
    predictions: list[PredictionSpread]
    skipped: list[str] = field(default_factory=list)
    records: int = 0
    learners: int = 0


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text)))


def _text(rec: dict, *names: str) -> str | None:
    for name in names:
        value = rec.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:80]
    return None


def parse_record(name: str, text: str) -> dict:
    """One record from a file's text, checked; raises ValueError with the reason."""
    try:
        rec = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError("not valid JSON") from None
    if not isinstance(rec, dict) or "devsim_class" not in rec:
        raise ValueError("not a devsim class record (no devsim_class field)")
    version = rec["devsim_class"]
    if version != classroom.RECORD_VERSION or isinstance(version, bool):
        raise ValueError(f"record version {str(version)[:20]!r}; this devsim reads version "
                         f"{classroom.RECORD_VERSION}")
    kind = rec.get("kind")
    need = {"prediction": ("lesson", "question"), "check": ("exercise",),
            "hint": ("exercise",)}
    if kind not in need:
        raise ValueError(f"unknown kind {str(kind)[:32]!r}; reads prediction, check, hint")
    if _text(rec, "learner") is None:
        raise ValueError("no learner")
    for f in need[kind]:
        if _text(rec, f) is None:
            raise ValueError(f"no {f}")
    if kind == "prediction" and "guess" not in rec:
        raise ValueError("no guess")
    if kind == "check" and _text(rec, "outcome", "status") not in (_CORRECT, _INCORRECT, _BLANK):
        raise ValueError("no outcome (correct, incorrect or not_attempted)")
    return rec


class ClassFolder:
    """Reads a class folder, remembering each file by size and modification time.

    Parameters
    ----------
    folder : str or Path
        The class folder (``DEVSIM_CLASS_DIR``).
    """

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._cache: dict[str, tuple[tuple, dict | str]] = {}

    def signature(self) -> tuple:
        """Names, sizes and modification times of the folder's entries (what changes)."""
        try:
            with os.scandir(self.folder) as it:
                entries = []
                for e in it:
                    try:
                        st = e.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    entries.append((e.name, st.st_size, st.st_mtime_ns))
        except OSError:
            return ("missing",)
        return tuple(sorted(entries))

    def read(self) -> tuple[list[dict], list[str]]:
        """Every record in the folder, and ``"name: reason"`` per file skipped.

        Raises
        ------
        FileNotFoundError, NotADirectoryError, PermissionError
            If the folder itself cannot be listed (one-line messages).
        """
        if not self.folder.exists():
            raise FileNotFoundError(f"class folder {self.folder} does not exist")
        if not self.folder.is_dir():
            raise NotADirectoryError(f"class folder {self.folder} is not a folder")
        try:
            names = sorted(os.listdir(self.folder))
        except OSError as exc:
            raise PermissionError(f"class folder {self.folder} cannot be read "
                                  f"({(exc.strerror or type(exc).__name__).lower()})") from None
        records, skipped, seen = [], [], {}
        visible = [n for n in names if not n.startswith(".")]
        if len(visible) > MAX_FILES:
            skipped.append(f"{len(visible) - MAX_FILES} files: not read, over {MAX_FILES} "
                           "files in the folder")
            visible = visible[:MAX_FILES]
        for name in visible:
            path = self.folder / name
            try:
                st = path.lstat()
            except OSError:
                continue  # gone since the listing
            key = (st.st_size, st.st_mtime_ns, st.st_mode)
            hit = self._cache.get(name)
            if hit is not None and hit[0] == key:
                got = hit[1]
            else:
                got = self._read_one(path, st)
            seen[name] = (key, got)
            if isinstance(got, dict):
                records.append(got)
            else:
                skipped.append(f"{name}: {got}")
        self._cache = seen
        return records, skipped

    @staticmethod
    def _read_one(path: Path, st: os.stat_result) -> dict | str:
        if stat.S_ISLNK(st.st_mode):
            return "a link, not read"
        if stat.S_ISDIR(st.st_mode):
            return "a folder, not a record"
        if not stat.S_ISREG(st.st_mode):
            return "not a regular file"
        if not path.name.endswith(".json"):
            return "not a .json record"
        if st.st_size > _MAX_BYTES:
            return f"{st.st_size} bytes, too big for a record"
        try:
            with open(path, "rb") as fh:
                data = fh.read(_MAX_BYTES + 1)
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return "not UTF-8 text"
        except OSError as exc:
            return f"cannot be read ({(exc.strerror or type(exc).__name__).lower()})"
        try:
            rec = parse_record(path.name, text)
        except ValueError as exc:
            return str(exc)
        # Records carry whole seconds; the file's time orders two within one second.
        rec["_written_ns"] = st.st_mtime_ns
        return rec

    def summary(self) -> ClassSummary:
        """:func:`summarise_records` of what :meth:`read` finds."""
        records, skipped = self.read()
        return summarise_records(records, skipped)


def read_folder(folder: str | os.PathLike) -> ClassSummary:
    """Read a class folder once and sum it up (see :class:`ClassFolder`)."""
    return ClassFolder(folder).summary()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _spread(lesson: str, question: str, guesses: list[Any], results: list[Any]
            ) -> PredictionSpread:
    result = pd.Series([str(r) for r in results]).mode().iloc[0] if results else None
    if results:
        typed = [r for r in results if str(r) == result]
        result = typed[0]
    numbers = [_number(g) for g in guesses]
    if guesses and all(n is not None for n in numbers):
        values = sorted(numbers)
        distinct = sorted(set(values))
        if len(distinct) <= MAX_BINS:
            counts = {_fmt(v): values.count(v) for v in distinct}
            rnum = _number(result)
            rbin = _fmt(rnum) if rnum is not None and _fmt(rnum) in counts else None
            return PredictionSpread(lesson, question, "number", counts, len(guesses), result,
                                    rbin)
        hist, edges = np.histogram(values, bins=MAX_BINS)
        labels = [f"{_fmt(edges[i])} to {_fmt(edges[i + 1])}" for i in range(MAX_BINS)]
        counts = dict(zip(labels, (int(h) for h in hist)))
        rnum, rbin = _number(result), None
        if rnum is not None and edges[0] <= rnum <= edges[-1]:
            k = min(int(np.searchsorted(edges, rnum, side="right")) - 1, MAX_BINS - 1)
            rbin = labels[k]
        return PredictionSpread(lesson, question, "number", counts, len(guesses), result, rbin)
    words = [str(g) for g in guesses]
    order = sorted(set(words), key=lambda w: (-words.count(w), w))
    if result is not None and str(result) not in order:
        order.append(str(result))
    counts = {w: words.count(w) for w in order}
    return PredictionSpread(lesson, question, "choice", counts, len(guesses), result,
                            str(result) if result is not None else None)


def summarise_records(records: list[dict], skipped: list[str] | None = None) -> ClassSummary:
    """Per exercise attempted / correct / stuck, and each prediction's spread.

    Parameters
    ----------
    records : list of dict
        Records as :func:`parse_record` returns them (any order; ``time``, then the file's
        modification time, orders them: a learner's latest guess is the one that counts).
    skipped : list of str, optional
        Files not read, passed through to the summary.

    Returns
    -------
    ClassSummary
    """
    records = sorted(records, key=lambda r: (str(r.get("time", "")), r.get("_written_ns", 0)))
    learners = {_text(r, "learner") for r in records}
    per: dict[tuple[str, str], dict[str, int]] = {}
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in records:
        who = _text(r, "learner")
        if r["kind"] == "prediction":
            latest.setdefault((_text(r, "lesson"), _text(r, "question")), {})[who] = r
            continue
        s = per.setdefault((_text(r, "exercise"), who),
                           {_CORRECT: 0, _INCORRECT: 0, _BLANK: 0, "hints": 0})
        if r["kind"] == "hint":
            s["hints"] += 1
            continue
        s[_text(r, "outcome", "status")] += 1
        hints = _number(r.get("hints_used", r.get("hints")))
        if hints is not None and hints > 0:
            s["hints"] = max(s["hints"], int(hints))
    rows: dict[str, dict[str, int]] = {}
    for (exercise, _who), s in per.items():
        row = rows.setdefault(exercise, {"attempted": 0, "correct": 0, "stuck": 0})
        row["attempted"] += bool(s[_CORRECT] or s[_INCORRECT])
        row["correct"] += bool(s[_CORRECT])
        row["stuck"] += bool(not s[_CORRECT] and (s[_INCORRECT] >= STUCK_INCORRECT
                                                   or s["hints"] > 0))
    frame = pd.DataFrame(
        [{"exercise": e, **rows[e]} for e in sorted(rows, key=_natural)],
        columns=["exercise", "attempted", "correct", "stuck"])
    spreads = []
    for (lesson, question) in sorted(latest, key=lambda k: (_natural(k[0]), _natural(k[1]))):
        by = latest[(lesson, question)]
        guesses = [r["guess"] for r in by.values()]
        results = [r["result"] for r in by.values() if r.get("result") is not None]
        spreads.append(_spread(lesson, question, guesses, results))
    return ClassSummary(frame, spreads, list(skipped or []), len(records),
                        len(learners - {None}))
