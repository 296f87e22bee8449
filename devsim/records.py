"""A real team's delivery records, read into devsim's event log.

Three kinds of input, each turned into the same :class:`~devsim.log.EventLog` that a
simulated run writes, so the same metric functions (:func:`devsim.metrics.dora_metrics`)
compute the keys:

* **Four Keys' three tables** as CSV files in one folder: ``deployments.csv``
  (``deploy_id, time_created, changes``, the change ids separated by ``;``),
  ``changes.csv`` (``change_id, time_created``) and, optionally, ``incidents.csv``
  (``incident_id, time_created, time_resolved``, optional ``changes``). Deployments may
  have the optional columns ``environment`` (only ``production`` rows count), ``result``
  (``success`` or ``failure``) and ``unplanned`` (``true`` for a hotfix).
* **A flat CSV with one row per deployed commit**: ``deploy_id, deploy_time, commit_sha,
  commit_time`` (the same optional columns, per row), which covers squash-merge and
  trunk-based teams.
* **A local git repository** (read with the ``git`` command): each release tag is a deploy
  at the tag's date carrying the commits since the previous tag; or, with
  ``deploys="commits"``, each commit on the main branch (first parent) is a deploy at its
  commit date. A change's time is the commit's author date.

Times are ISO 8601 with or without an offset (``2024-03-01``, ``2024-03-01T09:30``,
``2024-03-01T09:30:00+02:00``, ``...Z``); **a time without an offset is read as UTC**, and
the period, days and months are UTC. In the log, times are hours from the start of the
period (midnight UTC of the first deploy's day, or ``since``).

The rules (stated again in every report, with their counts):

* a change's lead time runs from its time to the first *successful* deploy that carries it;
  a change with a lead time of zero or less is skipped (Four Keys' rule) and counted;
* every deploy row is one deployment (``deploy_id``); a failed one (``result`` failure)
  or one linked to an incident is a failed deployment, so the change failure rate is
  distinct failed deploys over distinct deploys (never per change id);
* an incident listing change ids is linked to the latest successful deploy, at or before
  the incident, that first carried one of them; an incident with no change ids (or none
  that was deployed before it) is linked to the latest successful production deploy before
  it (Apache DevLake's rule);
* duplicate events are collapsed and counted: a deploy id seen again keeps its first row, a
  change id its earliest time, an incident id its earliest opening and latest resolution;
* a bad row (an unparseable or missing time, an empty id, an unknown ``result``, an
  incident resolved before it opened) is skipped, and a deploy or incident listing an
  unknown change loses that reference; each is one line in :attr:`Records.problems`
  (file, line, problem) and counted by reason. A problem with a whole file (missing, empty,
  not UTF-8, a missing column, not a git repository) raises :class:`RecordsError`, one line.

Everything is vectorised with pandas (no loop over rows), so a million changes read in a
few seconds.
"""
from __future__ import annotations

import io
import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from .log import EventLog

__all__ = ["RecordsError", "Records", "read_records", "read_fourkeys", "read_commits",
           "write_fourkeys", "EXPORT_START",
           "read_git", "FOURKEYS_COLUMNS", "COMMITS_COLUMNS", "INCIDENT_COLUMNS",
           "NAIVE_TIME"]

#: Required columns of each input file.
FOURKEYS_COLUMNS = {"deployments.csv": ("deploy_id", "time_created", "changes"),
                    "changes.csv": ("change_id", "time_created")}
INCIDENT_COLUMNS = ("incident_id", "time_created", "time_resolved")
COMMITS_COLUMNS = ("deploy_id", "deploy_time", "commit_sha", "commit_time")
#: What a time without an offset means.
NAIVE_TIME = "UTC"

_OK = frozenset({"", "success", "succeeded", "successful", "ok", "pass", "passed"})
_FAILED = frozenset({"failure", "failed", "fail", "error", "errored", "rollback",
                     "rolled back", "rolled_back"})
_TRUE = frozenset({"true", "yes", "y", "t", "1"})
_FALSE = frozenset({"", "false", "no", "n", "f", "0"})
_HOUR = pd.Timedelta(hours=1)
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_QUOTE = 40


class RecordsError(ValueError):
    """A file (or repository) that cannot be read at all; the message is one line naming it."""


@dataclass
class Records:
    """A team's records as an event log, with everything that was skipped or collapsed.

    Attributes
    ----------
    log : EventLog
        Times in hours from :attr:`origin`; the window is the period measured.
    kind : str
        ``"fourkeys"``, ``"commits"`` (a flat CSV), ``"git tags"`` or ``"git commits"``.
    source : str
        What was read (a folder, a file or a repository).
    origin : pandas.Timestamp
        Hour 0 of the log (UTC).
    problems : pandas.DataFrame
        One row per skipped row or reference: ``file, line, reason, detail`` (``line`` is
        the line in the file, the header being line 1; empty for git).
    notes : dict
        Counts of what the rules did (duplicates collapsed, lead times skipped, incidents
        linked by each rule, rows of other environments, ...), in the order to report them.
    ids : dict
        The records' own ids by position: ``deploys`` (deploy id of ``deploy_id`` 0, 1, ...),
        ``changes`` and ``incidents``.
    """

    log: EventLog
    kind: str
    source: str
    origin: pd.Timestamp
    problems: pd.DataFrame
    notes: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict, repr=False)
    change_time: str = "time_created"

    @property
    def start(self) -> pd.Timestamp:
        return self.origin + self.log.start_hours * _HOUR

    @property
    def end(self) -> pd.Timestamp:
        return self.origin + self.log.end_hours * _HOUR

    def problem_lines(self, limit: int | None = 20) -> list[str]:
        """One line per problem (``file: line N: what; what was done``), the first ``limit``
        (all with None), then a line saying how many more there are."""
        p = self.problems if limit is None else self.problems.head(limit)
        lines = [_problem_text(r.file, r.line, r.detail) for r in p.itertuples(index=False)]
        more = len(self.problems) - len(p)
        if more > 0:
            lines.append(f"... and {more:,} more problem lines (all of them: "
                         "Records.problem_lines(None), or devsim measure --problems all)")
        return lines

    def skipped(self) -> pd.DataFrame:
        """Problems counted by file and reason (``file, reason, rows``), in order of first seen."""
        if not len(self.problems):
            return pd.DataFrame(columns=["file", "reason", "rows"])
        g = self.problems.groupby(["file", "reason"], sort=False).size()
        return g.rename("rows").reset_index()


def _problem_text(file: str, line, detail: str) -> str:
    where = f"line {int(line)}: " if line is not None and not _isnan(line) else ""
    return f"{file}: {where}{detail}"


def _epoch_hours(t) -> np.ndarray:
    """Hours since 1970 (UTC) as floats, NaN for a missing time (no Timestamp objects)."""
    return ((t - _EPOCH) / _HOUR).to_numpy(dtype=float, na_value=np.nan)


def _isnan(x) -> bool:
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


class _Problems:
    """Problems collected as frames (vectorised: a million bad rows cost no Python loop)."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, file: str, lines, reason: str, detail) -> None:
        lines = pd.Series(lines).reset_index(drop=True) if not isinstance(lines, pd.Series) \
            else lines.reset_index(drop=True)
        if not len(lines):
            return
        detail = detail.reset_index(drop=True) if isinstance(detail, pd.Series) else detail
        self.parts.append(pd.DataFrame({"file": file, "line": lines.astype("float64"),
                                        "reason": reason, "detail": detail}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({"file": pd.Series(dtype=object), "line": pd.Series(dtype=float),
                                 "reason": pd.Series(dtype=object),
                                 "detail": pd.Series(dtype=object)})
        out = pd.concat(self.parts, ignore_index=True)
        return out.sort_values(["file", "line"], kind="mergesort", na_position="last",
                               ignore_index=True)


def _quoted(values: pd.Series) -> pd.Series:
    """Values quoted for a message, cut to 40 characters."""
    v = values.astype(str)
    long = v.str.len() > _QUOTE
    return "'" + v.str.slice(0, _QUOTE) + "'" + np.where(long, "...", "")


# --- reading a CSV file ------------------------------------------------------------------------

def _read_csv(path: Path, required: Iterable[str], name: str | None = None) -> pd.DataFrame:
    """A CSV file as text columns (names stripped and lower-cased) plus ``_line``.

    Raises RecordsError for a file that cannot be read: empty, UTF-16 or other non-UTF-8
    bytes, NUL bytes, a ragged row, a missing required column.
    """
    name = name or path.name
    required = tuple(required)
    if path.is_dir():
        raise RecordsError(f"{name}: is a folder, not a CSV file")
    if not path.exists():
        raise RecordsError(f"{name}: not found (expected in {path.parent}); it needs the "
                           f"columns {', '.join(required)}")
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RecordsError(f"{name}: is UTF-16 text; save it as UTF-8 CSV")
    if not raw.strip():
        raise RecordsError(f"{name}: the file is empty; expected a header line with the "
                           f"columns {', '.join(required)}")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise RecordsError(f"{name}: line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8; "
                           "save the file as UTF-8 CSV") from None
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise RecordsError(f"{name}: line {line}: a NUL byte; this is not a text CSV file")
    try:
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False,
                            skip_blank_lines=False, encoding="utf-8-sig", engine="c")
    except pd.errors.EmptyDataError:
        raise RecordsError(f"{name}: the file is empty; expected a header line with the "
                           f"columns {', '.join(required)}") from None
    except pd.errors.ParserError as exc:
        text = " ".join(str(exc).split()).replace("Error tokenizing data. C error: ", "")
        raise RecordsError(f"{name}: {text}; every row needs as many fields as the header "
                           "(quote a field that holds a comma)") from None
    del raw
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        has = ", ".join(frame.columns) if len(frame.columns) else "nothing"
        s = "s" if len(missing) > 1 else ""
        hint = ""
        if len(frame.columns) == 1 and (";" in has or "\t" in has):
            hint = " (the fields seem separated by ';' or tabs; devsim reads commas)"
        raise RecordsError(f"{name}: line 1: missing column{s} {', '.join(missing)}; the header "
                           f"has {has[:200]}{hint}; required: {', '.join(required)}")
    frame["_line"] = np.arange(len(frame), dtype=np.int64) + 2
    return frame


def _blank_rows(frame: pd.DataFrame, name: str, problems: _Problems) -> pd.DataFrame:
    cols = [c for c in frame.columns if c != "_line"]
    blank = np.ones(len(frame), dtype=bool)
    for c in cols:
        blank &= (frame[c] == "").to_numpy()
    if blank.any():
        problems.add(name, frame.loc[blank, "_line"], "blank line", "a blank line; skipped")
    return frame[~blank]


def _ids(frame: pd.DataFrame, col: str, name: str, problems: _Problems) -> pd.DataFrame:
    frame = frame.assign(**{col: frame[col].str.strip()})
    empty = frame[col] == ""
    if empty.any():
        problems.add(name, frame.loc[empty, "_line"], f"{col} empty",
                     f"{col} is empty; row skipped")
    return frame[~empty]


def _times(frame: pd.DataFrame, col: str, name: str, problems: _Problems, *,
           empty_ok: bool = False) -> tuple[pd.DataFrame, pd.Series]:
    """Rows with a readable time in ``col``, and those times (UTC)."""
    text = frame[col].str.strip()
    t = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    empty = text == ""
    bad = t.isna() & ~empty
    if bad.any():
        problems.add(name, frame.loc[bad, "_line"], f"{col} not ISO 8601",
                     col + " " + _quoted(text[bad]) + " is not an ISO 8601 time; row skipped")
    drop = bad
    if not empty_ok and empty.any():
        problems.add(name, frame.loc[empty, "_line"], f"{col} empty",
                     f"{col} is empty; row skipped")
        drop = drop | empty
    keep = ~drop
    return frame[keep], t[keep]


def _flag(frame: pd.DataFrame, col: str, name: str, problems: _Problems, true: frozenset,
          false: frozenset, words: str) -> tuple[pd.DataFrame, pd.Series]:
    """A yes/no column read through two word lists; other words skip the row."""
    if col not in frame.columns:
        return frame, pd.Series(False, index=frame.index)
    text = frame[col].str.strip().str.lower()
    is_true, is_false = text.isin(true), text.isin(false)
    bad = ~(is_true | is_false)
    if bad.any():
        problems.add(name, frame.loc[bad, "_line"], f"{col} unknown",
                     col + " " + _quoted(frame.loc[bad, col].str.strip())
                     + f" is not allowed; give {words}; row skipped")
    return frame[~bad], is_true[~bad]


def _environment(frame: pd.DataFrame, name: str, environment: str, notes: dict) -> pd.DataFrame:
    if "environment" not in frame.columns or environment is None:
        return frame
    env = frame["environment"].str.strip().str.lower()
    empty = env == ""
    other = ~empty & (env != environment.lower())
    if other.any():
        seen = ", ".join(sorted(env[other].unique())[:5])
        notes[f"{name} rows of other environments ({seen}): not counted"] = int(other.sum())
    if empty.any():
        notes[f"{name} rows with an empty environment: taken as {environment}"] = int(empty.sum())
    if not (~other).any():
        raise RecordsError(f"{name}: no row has environment {environment!r} (found "
                           f"{', '.join(sorted(env.unique())[:5])}); choose the environment "
                           "to measure (devsim measure --environment NAME)")
    return frame[~other]


def _deploy_flags(frame: pd.DataFrame, name: str, problems: _Problems) -> pd.DataFrame:
    frame, failed = _flag(frame, "result", name, problems, _FAILED, _OK,
                          "success or failure (empty = success)")
    frame = frame.assign(failed=failed.to_numpy())
    frame, unplanned = _flag(frame, "unplanned", name, problems, _TRUE, _FALSE,
                             "true or false (empty = false)")
    return frame.assign(rework=unplanned.to_numpy())


def _split_ids(frame: pd.DataFrame, key: str, col: str) -> pd.DataFrame:
    """One row per (key, id) from a ``;``-separated column, with the row's ``_line``."""
    if col not in frame.columns or not len(frame):
        return pd.DataFrame({key: pd.Series(dtype=object), "change": pd.Series(dtype=object),
                             "_line": pd.Series(dtype=np.int64)})
    # One join and one split of the whole column (C speed), then each piece's row by count.
    text = frame[col].astype(str)
    counts = text.str.count(";").to_numpy(dtype=np.int64) + 1
    joined = ";".join(text.tolist())
    pieces = joined.split(";")
    row = np.repeat(np.arange(len(frame)), counts)
    change = pd.Series(pieces, dtype=object)
    if " " in joined or "\t" in joined:
        change = change.str.strip()
    nonempty = (change != "").to_numpy()
    return pd.DataFrame({key: frame[key].to_numpy()[row[nonempty]],
                         "change": change.to_numpy()[nonempty],
                         "_line": frame["_line"].to_numpy()[row[nonempty]]})


# --- the three readers -------------------------------------------------------------------------

@dataclass
class _Parts:
    """What every reader hands to :func:`_assemble` (times are UTC Timestamps)."""

    deploys: pd.DataFrame     # key, time, failed, rework, _line
    links: pd.DataFrame       # key (deploy), change, _line
    changes: pd.DataFrame     # change, time, _line
    incidents: pd.DataFrame   # key, start, restored, _line
    inc_links: pd.DataFrame   # key (incident), change, _line
    files: dict               # role -> file name in messages
    notes: dict


def _read_deployments(path: Path, name: str, problems: _Problems, notes: dict,
                      environment: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _read_csv(path, FOURKEYS_COLUMNS["deployments.csv"], name)
    if not len(frame):
        raise RecordsError(f"{name}: no rows after the header; nothing to measure")
    frame = _blank_rows(frame, name, problems)
    frame = _ids(frame, "deploy_id", name, problems)
    frame, time = _times(frame, "time_created", name, problems)
    frame = frame.assign(time=time)
    frame = _environment(frame, name, environment, notes)
    frame = _deploy_flags(frame, name, problems)
    dup = frame["deploy_id"].duplicated(keep="first")
    if dup.any():
        notes[f"{name}: duplicate deploy events collapsed (first row kept)"] = int(dup.sum())
    frame = frame[~dup]
    deploys = pd.DataFrame({"key": frame["deploy_id"], "time": frame["time"],
                            "failed": frame["failed"], "rework": frame["rework"],
                            "_line": frame["_line"]})
    if "retry_of" in frame.columns:
        deploys["retry_of"] = frame["retry_of"].str.strip()
    return deploys, _split_ids(frame.rename(columns={"deploy_id": "key"}), "key", "changes")


def _read_changes(path: Path, name: str, problems: _Problems, notes: dict,
                  id_col: str = "change_id", time_col: str = "time_created") -> pd.DataFrame:
    frame = _read_csv(path, (id_col, time_col), name)
    frame = _blank_rows(frame, name, problems)
    frame = _ids(frame, id_col, name, problems)
    frame, time = _times(frame, time_col, name, problems)
    changes = pd.DataFrame({"change": frame[id_col], "time": time, "_line": frame["_line"]})
    return _dedupe_changes(changes, f"{name}: duplicate change events collapsed (earliest "
                                    "time kept)", notes)


def _dedupe_changes(changes: pd.DataFrame, note: str, notes: dict) -> pd.DataFrame:
    dup = changes["change"].duplicated(keep=False)
    if not dup.any():
        return changes
    changes = changes.sort_values(["time", "_line"], kind="mergesort")
    dup = changes["change"].duplicated(keep="first")
    notes[note] = int(dup.sum())
    return changes[~dup]


def _read_incidents(path: Path, name: str, problems: _Problems,
                    notes: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _read_csv(path, INCIDENT_COLUMNS, name)
    frame = _blank_rows(frame, name, problems)
    frame = _ids(frame, "incident_id", name, problems)
    frame, start = _times(frame, "time_created", name, problems)
    frame = frame.assign(start=start)
    frame, restored = _times(frame, "time_resolved", name, problems, empty_ok=True)
    frame = frame.assign(restored=restored)
    before = frame["restored"] < frame["start"]
    if before.any():
        b = frame[before]
        problems.add(name, b["_line"], "resolved before opened",
                     "time_resolved " + _quoted(b["time_resolved"].str.strip())
                     + " is before time_created " + _quoted(b["time_created"].str.strip())
                     + "; row skipped")
        frame = frame[~before]
    open_ = frame["restored"].isna()
    if open_.any():
        notes[f"{name}: incidents with no time_resolved (still open): no restore time"] = \
            int(open_.sum())
    links = _split_ids(frame.rename(columns={"incident_id": "key"}), "key", "changes")
    dup = frame["incident_id"].duplicated(keep=False)
    if dup.any():
        n_dup = int(frame["incident_id"].duplicated(keep="first").sum())
        notes[f"{name}: duplicate incident events collapsed (earliest opening and latest "
              "resolution kept)"] = n_dup
        g = frame.groupby("incident_id", sort=False)
        extra = {c: g[c].first() for c in ("deploy_id", "cause") if c in frame.columns}
        frame = pd.DataFrame({"incident_id": g["incident_id"].first(),
                              "start": g["start"].min(), "restored": g["restored"].max(),
                              "_line": g["_line"].min(), **extra}).reset_index(drop=True)
        links = links.drop_duplicates(["key", "change"])
    incidents = pd.DataFrame({"key": frame["incident_id"], "start": frame["start"],
                              "restored": frame["restored"],
                              "_line": frame["_line"]}).reset_index(drop=True)
    # Optional columns (devsim's export writes them): the deploy that caused the incident,
    # and its cause ("failed_deploy": a failed deploy's own rollback, not a service incident).
    if "deploy_id" in frame.columns:
        incidents["deploy_ref"] = frame["deploy_id"].astype(str).str.strip().to_numpy()
    if "cause" in frame.columns:
        cause = frame["cause"].astype(str).str.strip().str.lower().to_numpy()
        incidents["cause"] = np.where(cause == "", "defect", cause)
    return incidents, links


def _no_incidents() -> tuple[pd.DataFrame, pd.DataFrame]:
    inc = pd.DataFrame({"key": pd.Series(dtype=object),
                        "start": pd.Series(dtype="datetime64[us, UTC]"),
                        "restored": pd.Series(dtype="datetime64[us, UTC]"),
                        "_line": pd.Series(dtype=np.int64)})
    links = pd.DataFrame({"key": pd.Series(dtype=object), "change": pd.Series(dtype=object),
                          "_line": pd.Series(dtype=np.int64)})
    return inc, links


def read_fourkeys(folder, *, incidents=None, environment: str = "production",
                  since=None, until=None) -> Records:
    """Read Four Keys' tables (``deployments.csv``, ``changes.csv``, optional
    ``incidents.csv``) from ``folder``.

    Parameters
    ----------
    folder : str or Path
        The folder holding the CSV files.
    incidents : str or Path, optional
        An incidents CSV elsewhere (default: ``incidents.csv`` in the folder, if there).
    environment : str
        With an ``environment`` column, the deploys that count (default ``production``).
    since, until : str or Timestamp, optional
        The period to measure (ISO 8601; naive = UTC); default from midnight of the first
        deploy's day to the midnight after the last deploy or incident.

    Returns
    -------
    Records
    """
    folder = Path(folder)
    problems, notes = _Problems(), {}
    dep_name, chg_name = "deployments.csv", "changes.csv"
    deploys, links = _read_deployments(folder / dep_name, dep_name, problems, notes, environment)
    changes = _read_changes(folder / chg_name, chg_name, problems, notes)
    inc_path = Path(incidents) if incidents is not None else folder / "incidents.csv"
    inc_name = inc_path.name if incidents is None else str(inc_path)
    if incidents is not None or inc_path.exists():
        inc, inc_links = _read_incidents(inc_path, inc_name, problems, notes)
    else:
        inc, inc_links = _no_incidents()
        notes["no incidents.csv: no incidents (time to restore is n/a)"] = 0
    parts = _Parts(deploys, links, changes, inc, inc_links,
                   {"deploys": dep_name, "changes": chg_name, "incidents": inc_name}, notes)
    return _assemble(parts, problems, kind="fourkeys", source=str(folder), since=since,
                     until=until, change_time="changes.time_created")


def _commit_rows(frame: pd.DataFrame, name: str, problems: _Problems, notes: dict,
                 environment: str | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Deploys, links and changes from rows of ``deploy_id, deploy_time, commit_sha,
    commit_time`` (a flat CSV, or what git gave)."""
    frame = _blank_rows(frame, name, problems)
    frame = _ids(frame, "deploy_id", name, problems)
    frame = _ids(frame, "commit_sha", name, problems)
    frame, dtime = _times(frame, "deploy_time", name, problems)
    frame = frame.assign(time=dtime)
    frame, ctime = _times(frame, "commit_time", name, problems)
    frame = frame.assign(ctime=ctime)
    if environment is not None:
        frame = _environment(frame, name, environment, notes)
    frame = _deploy_flags(frame, name, problems)
    dup = frame.duplicated(["deploy_id", "commit_sha"], keep="first")
    if dup.any():
        notes[f"{name}: duplicate rows (same deploy and commit) collapsed"] = int(dup.sum())
        frame = frame[~dup]
    g = frame.groupby("deploy_id", sort=False)
    first = g.head(1)
    span = g["time"].agg(["min", "max"])
    conflict = int((span["min"] != span["max"]).sum())
    if conflict:
        notes[f"{name}: deploys whose rows give different deploy_time (earliest kept)"] = conflict
    deploys = pd.DataFrame({"key": first["deploy_id"].to_numpy(),
                            "time": span["min"].reindex(first["deploy_id"]).reset_index(drop=True),
                            "failed": first["failed"].to_numpy(),
                            "rework": first["rework"].to_numpy(),
                            "_line": first["_line"].to_numpy()})
    links = pd.DataFrame({"key": frame["deploy_id"].to_numpy(),
                          "change": frame["commit_sha"].to_numpy(),
                          "_line": frame["_line"].to_numpy()})
    changes = pd.DataFrame({"change": frame["commit_sha"], "time": frame["ctime"],
                            "_line": frame["_line"]}).reset_index(drop=True)
    changes = changes.sort_values(["time", "_line"], kind="mergesort")
    changes = changes[~changes["change"].duplicated(keep="first")]
    return deploys, links, changes


def read_commits(path, *, incidents=None, environment: str = "production", since=None,
                 until=None) -> Records:
    """Read a flat CSV with one row per deployed commit (``deploy_id, deploy_time,
    commit_sha, commit_time``; optional ``result``, ``unplanned``, ``environment``).

    A commit listed by several deploys counts from the first successful one; an incidents
    CSV in Four Keys' format may be given. See :func:`read_fourkeys` for the other
    parameters.
    """
    path = Path(path)
    problems, notes = _Problems(), {}
    name = path.name
    frame = _read_csv(path, COMMITS_COLUMNS, name)
    if not len(frame):
        raise RecordsError(f"{name}: no rows after the header; nothing to measure")
    return _assemble_commits(frame, name, problems, notes, environment, incidents,
                             kind="commits", source=str(path), since=since, until=until,
                             change_time="commit_time")


def _assemble_commits(frame, name, problems, notes, environment, incidents, *, kind, source,
                      since, until, change_time):
    """One row per deployed commit (a CSV or git's history) plus an optional incidents file,
    into the event log."""
    deploys, links, changes = _commit_rows(frame, name, problems, notes, environment)
    if incidents is not None:
        inc_name = str(incidents)
        inc, inc_links = _read_incidents(Path(incidents), inc_name, problems, notes)
    else:
        inc_name = "incidents"
        inc, inc_links = _no_incidents()
        notes["no incidents file given: no incidents (time to restore is n/a)"] = 0
    parts = _Parts(deploys, links, changes, inc, inc_links,
                   {"deploys": name, "changes": name, "incidents": inc_name}, notes)
    return _assemble(parts, problems, kind=kind, source=source, since=since, until=until,
                     change_time=change_time)


# --- git -------------------------------------------------------------------------------------

def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                              timeout=300, check=False)
    except FileNotFoundError:
        raise RecordsError("git: the git command is not installed; install git, or export "
                           "the records as CSV") from None
    except subprocess.TimeoutExpired:
        raise RecordsError(f"{repo}: git {args[0]} took longer than 300 s") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = err[0] if err else f"exit status {done.returncode}"
        raise RecordsError(f"{repo}: git {' '.join(args[:2])} failed: {first[:200]}")
    return done.stdout.decode("utf-8", "replace")


def _is_git(path: Path) -> bool:
    try:
        done = subprocess.run(["git", "-C", str(path), "rev-parse", "--git-dir"],
                              capture_output=True, timeout=60, check=False)
    except FileNotFoundError:
        raise RecordsError("git: the git command is not installed; install git, or export "
                           "the records as CSV") from None
    return done.returncode == 0


def _tsv(text: str, columns: list[str]) -> pd.DataFrame:
    if not text.strip():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.read_csv(io.StringIO(text), sep="\t", header=None, names=columns, dtype=str,
                       keep_default_na=False, quoting=3, engine="c")


def read_git(repo, *, deploys: str = "tags", branch: str = "HEAD", incidents=None,
             since=None, until=None) -> Records:
    """Read a local git repository: release tags (or commits) as deploys.

    Parameters
    ----------
    repo : str or Path
        A folder inside a git work tree.
    deploys : {"tags", "commits"}
        ``tags``: each tag is a deploy at the tag's date (the tagger's date for an annotated
        tag, else its commit's date), carrying the commits reachable from it and not from
        the previous tag. ``commits``: each commit on ``branch``'s first-parent line is a
        deploy at its commit date, carrying itself (and, for a merge, the merged commits).
    branch : str
        The main branch for ``deploys="commits"`` (default ``HEAD``).

    A change's time is its author date, so with ``deploys="commits"`` a commit written and
    committed at once has a lead time of zero and is skipped (Four Keys' rule); the report
    counts them.
    """
    repo = Path(repo)
    if deploys not in ("tags", "commits"):
        raise RecordsError(f"deploys: {deploys!r} is not allowed; choose tags or commits")
    if not repo.is_dir():
        raise RecordsError(f"{repo}: is not a folder")
    if not _is_git(repo):
        raise RecordsError(f"{repo}: not a git repository, and no deployments.csv (Four Keys "
                           "tables) in it; give a Four Keys folder, a CSV of deployed commits, "
                           "or a git repository")
    fmt = "%H%x09%aI"
    rows = []
    if deploys == "tags":
        tags = _tsv(_git(repo, "for-each-ref", "--sort=creatordate",
                         "--format=%(refname:short)%09%(creatordate:iso-strict)%09"
                         "%(objectname)%09%(*objectname)%09%(objecttype)%09%(*objecttype)",
                         "refs/tags"), ["tag", "time", "object", "target", "type", "ttype"])
        if not len(tags):
            raise RecordsError(f"{repo}: the repository has no tags to take as deploys; pass "
                               "--deploys commits (API: deploys='commits') to take each commit "
                               f"on {branch} as a deploy")
        commit = np.where(tags["type"] == "tag", tags["target"], tags["object"])
        kinds = np.where(tags["type"] == "tag", tags["ttype"], tags["type"])
        tags = tags.assign(commit=commit, kind=kinds)
        notes_pre = {}
        not_commit = tags["kind"] != "commit"
        if not_commit.any():
            notes_pre["tags that do not point at a commit: not deploys"] = int(not_commit.sum())
        tags = tags[~not_commit]
        prev = None
        # One git call per tag: git walks the history, not Python.
        for tag, time, sha in zip(tags["tag"], tags["time"], tags["commit"]):
            args = ["log", "--format=" + fmt, sha] + ([f"^{prev}"] if prev else [])
            part = _tsv(_git(repo, *args), ["commit_sha", "commit_time"])
            rows.append(part.assign(deploy_id=tag, deploy_time=time))
            prev = sha
        kind = "git tags"
    else:
        notes_pre = {}
        line = _tsv(_git(repo, "log", "--first-parent", "--format=%H%x09%aI%x09%cI%x09%P",
                         branch), ["sha", "atime", "ctime", "parents"])
        if not len(line):
            raise RecordsError(f"{repo}: {branch} has no commits")
        rows.append(pd.DataFrame({"deploy_id": line["sha"], "deploy_time": line["ctime"],
                                  "commit_sha": line["sha"], "commit_time": line["atime"]}))
        merges = line[line["parents"].str.count(" ") >= 1]
        for sha, time, parents in zip(merges["sha"], merges["ctime"], merges["parents"]):
            part = _tsv(_git(repo, "log", "--format=" + fmt, sha, "^" + parents.split()[0]),
                        ["commit_sha", "commit_time"])
            rows.append(part.assign(deploy_id=sha, deploy_time=time))
        kind = "git commits"
        notes_pre["each commit is its own deploy at its commit date: its lead time is the time "
                  "from its author date, zero unless it was rebased, amended or merged later; "
                  "tags or a deploy log give real lead times"] = 0
    frame = pd.concat(rows, ignore_index=True)
    frame = frame[["deploy_id", "deploy_time", "commit_sha", "commit_time"]].astype(str)
    frame["_line"] = np.nan
    problems, notes = _Problems(), dict(notes_pre)
    name = f"git {repo}"
    return _assemble_commits(frame, name, problems, notes, None, incidents, kind=kind,
                             source=str(repo), since=since, until=until,
                             change_time="the commit's author date")


# --- from records to the event log -----------------------------------------------------------

def _when(value, what: str) -> pd.Timestamp | None:
    if value is None:
        return None
    t = pd.to_datetime(pd.Series([str(value)]), utc=True, format="ISO8601", errors="coerce")[0]
    if pd.isna(t):
        raise RecordsError(f"{what}: {str(value)[:_QUOTE]!r} is not an ISO 8601 time "
                           "(e.g. 2024-03-01 or 2024-03-01T09:30:00+02:00)")
    return t


def _retries(dep: pd.DataFrame, dep_index: pd.Index, name: str, problems: _Problems,
             notes: dict) -> tuple[np.ndarray, np.ndarray]:
    """Each deploy's deployment (the position of its first attempt) and attempt number.

    A deploy naming an earlier deploy in the optional ``retry_of`` column is another attempt
    of that deployment (a failed deploy rolled back and tried again), as in the model.
    """
    n = len(dep)
    deployment = np.arange(n, dtype=np.int64)
    if "retry_of" not in dep.columns:
        return deployment, np.ones(n, dtype=np.int64)
    ref = dep["retry_of"].fillna("").astype(str).to_numpy()
    has = ref != ""
    if has.any():
        at = dep_index.get_indexer(ref[has])
        rows = np.flatnonzero(has)
        bad = (at < 0) | (at >= rows)
        if bad.any():
            problems.add(name, dep["_line"].to_numpy()[rows[bad]], "unknown retry_of",
                         "retry_of " + _quoted(pd.Series(ref[rows[bad]])) + " is not an earlier "
                         "deploy; counted as a deployment of its own")
        deployment[rows[~bad]] = at[~bad]
        for _ in range(8):       # a retry of a retry belongs to the first attempt
            deployment = deployment[deployment]
        notes[f"{name}: deploys that retry an earlier one (retry_of): one deployment with "
              "it"] = int((~bad).sum())
    attempt = pd.Series(deployment).groupby(deployment).cumcount().to_numpy() + 1
    return deployment, attempt.astype(np.int64)


def _direct_links(inc: pd.DataFrame, dep_index: pd.Index, name: str,
                  problems: _Problems) -> np.ndarray:
    """Position of the deploy an incident names in its optional ``deploy_id`` column (-1:
    none or unknown; an unknown one is a problem and the other rules link it)."""
    n = len(inc)
    out = np.full(n, -1, dtype=np.int64)
    if "deploy_ref" not in inc.columns or not n:
        return out
    ref = inc["deploy_ref"].fillna("").astype(str).to_numpy()
    has = ref != ""
    if has.any():
        at = dep_index.get_indexer(ref[has])
        rows = np.flatnonzero(has)
        bad = at < 0
        if bad.any():
            problems.add(name, inc["_line"].to_numpy()[rows[bad]], "unknown deploy",
                         "deploy_id " + _quoted(pd.Series(ref[rows[bad]])) + " is not in the "
                         "deploys; linked by the other rules")
        out[rows[~bad]] = at[~bad]
    return out


def _assemble(parts: _Parts, problems: _Problems, *, kind: str, source: str, since, until,
              change_time: str) -> Records:
    # Ids become positions once (deploys and incidents in time order), so every later step
    # works on integer arrays: a million changes cost no string lookups beyond the first.
    notes = parts.notes
    files = parts.files
    dep = parts.deploys.sort_values(["time", "_line"], kind="mergesort", ignore_index=True)
    if not len(dep):
        problems_frame = problems.frame()
        why = (f"; every row was skipped ({len(problems_frame)} problems, first: "
               f"{_problem_text(*problems_frame.iloc[0][['file', 'line', 'detail']])})"
               if len(problems_frame) else "")
        raise RecordsError(f"{files['deploys']}: no deploys to measure{why}")
    n_dep = len(dep)
    dep_index = pd.Index(dep["key"])
    dep_failed = dep["failed"].to_numpy(dtype=bool)
    changes = parts.changes.reset_index(drop=True)
    n_chg = len(changes)
    chg_index = pd.Index(changes["change"])

    # Deploys' change lists: unknown ids are problems; a change twice in one deploy is one.
    links = parts.links
    d = dep_index.get_indexer(links["key"])
    c = chg_index.get_indexer(links["change"]) if n_chg else np.full(len(links), -1)
    unknown = (d >= 0) & (c < 0)
    if unknown.any():
        bad = links[unknown]
        problems.add(files["deploys"], bad["_line"], "unknown change",
                     "deploy " + _quoted(bad["key"]) + " lists change " + _quoted(bad["change"])
                     + f" that {files['changes']} does not have (or whose row was skipped); that "
                     "reference skipped")
    keep = (d >= 0) & (c >= 0)
    d, c = d[keep].astype(np.int64), c[keep].astype(np.int64)
    dup = pd.Series(d * max(n_chg, 1) + c).duplicated().to_numpy()
    if dup.any() and files["deploys"] != files["changes"]:
        notes[f"{files['deploys']}: a change listed twice by one deploy (counted once)"] = \
            int(dup.sum())
    d, c = d[~dup], c[~dup]
    n_items = np.bincount(d, minlength=n_dep)

    # A change's lead time ends at the first successful deploy carrying it (the smallest
    # position, deploys being in time order).
    ok_link = ~dep_failed[d]
    first = np.full(n_chg, n_dep, dtype=np.int64)
    np.minimum.at(first, c[ok_link], d[ok_link])
    deployed_ok = first < n_dep
    again = int((np.bincount(c[ok_link], minlength=n_chg) > 1).sum())
    if again:
        notes["changes carried by more than one successful deploy (lead time to the first)"] = again
    dep_time = dep["time"]
    dep_abs = _epoch_hours(dep_time)
    chg_abs = _epoch_hours(changes["time"])
    deployed_abs = np.where(deployed_ok, dep_abs[np.minimum(first, n_dep - 1)], np.nan)
    with np.errstate(invalid="ignore"):
        nonpositive = (deployed_abs - chg_abs) <= 0
    if nonpositive.any():
        notes["changes with a lead time of zero or less: skipped (Four Keys' rule)"] = \
            int(nonpositive.sum())
    if (~deployed_ok).any():
        notes["changes no successful deploy carried (not yet deployed): no lead time"] = \
            int((~deployed_ok).sum())

    # Incidents: linked through their change ids, else to the latest successful deploy before.
    inc = parts.incidents.sort_values(["start", "_line"], kind="mergesort", ignore_index=True)
    n_inc = len(inc)
    inc_deploy = np.full(n_inc, -1, dtype=np.int64)
    inc_abs = _epoch_hours(inc["start"])
    fell_back = 0
    ilinks = parts.inc_links
    if len(ilinks) and n_inc:
        i = pd.Index(inc["key"]).get_indexer(ilinks["key"])
        ic = chg_index.get_indexer(ilinks["change"]) if n_chg else np.full(len(ilinks), -1)
        unknown = (i >= 0) & (ic < 0)
        if unknown.any():
            bad = ilinks[unknown]
            problems.add(files["incidents"], bad["_line"], "unknown change",
                         "incident " + _quoted(bad["key"]) + " lists change "
                         + _quoted(bad["change"]) + f" that {files['changes']} does not have (or whose "
                         "row was skipped); that reference skipped")
        listed = np.zeros(n_inc, dtype=bool)
        listed[i[i >= 0]] = True
        known = (i >= 0) & (ic >= 0)
        i, fd = i[known], first[ic[known]]
        valid = fd < n_dep
        i, fd = i[valid], fd[valid]
        before = dep_abs[fd] <= inc_abs[i]
        np.maximum.at(inc_deploy, i[before], fd[before])
        fell_back = int((listed & (inc_deploy < 0)).sum())
    direct = _direct_links(inc, dep_index, files["incidents"], problems)
    n_direct = int((direct >= 0).sum())
    by_change = (inc_deploy >= 0) & (direct < 0)
    inc_deploy = np.where(direct >= 0, direct, inc_deploy)
    n_by_change = int(by_change.sum())
    # An incident no change caused (cause "operational") is linked to no deploy.
    not_a_change = ((inc["cause"] == "operational").to_numpy() if "cause" in inc.columns
                    else np.zeros(n_inc, dtype=bool))
    if not_a_change.any():
        notes["incidents not caused by a change (cause operational): no deploy linked"] = \
            int(not_a_change.sum())
    rest = (inc_deploy < 0) & ~not_a_change
    ok_pos = np.flatnonzero(~dep_failed)
    if rest.any() and len(ok_pos):
        at = np.searchsorted(dep_abs[ok_pos], inc_abs[rest], side="right") - 1
        inc_deploy[rest] = np.where(at >= 0, ok_pos[np.maximum(at, 0)], -1)
    n_by_time = int((inc_deploy >= 0).sum()) - n_by_change - n_direct
    unlinked = int(((inc_deploy < 0) & ~not_a_change).sum())
    if n_direct:
        notes["incidents linked to the deploy their deploy_id names"] = n_direct
    if n_inc:
        notes["incidents linked through their change ids"] = n_by_change
        notes["incidents with no usable change id linked to the latest successful deploy "
              "before them (DevLake's rule)"] = n_by_time
        if fell_back:
            notes["  of which listed change ids not deployed before the incident"] = fell_back
        if unlinked:
            notes["incidents before any successful deploy: no deploy linked (time to restore "
                  "only)"] = unlinked

    # The period, and every time in hours from its start.
    t_first = dep_time.iloc[0]
    t_last = max(dep_time.iloc[-1], inc["start"].max() if n_inc else dep_time.iloc[-1])
    start = _when(since, "since")
    start = t_first.floor("D") if start is None else start
    end = _when(until, "until")
    end = t_last.floor("D") + pd.Timedelta(days=1) if end is None else end
    if end <= start:
        raise RecordsError(f"until: {end.isoformat()} is not after since "
                           f"({start.isoformat()}); the period would be empty")
    if since is not None or until is not None:
        out = int(((dep_time < start) | (dep_time >= end)).sum())
        if out:
            notes["deploys outside the period (since/until): not counted"] = out

    start_abs = float((start - _EPOCH) / _HOUR)

    def hours(t: pd.Series) -> np.ndarray:
        return _epoch_hours(t) - start_abs

    kept = ~nonpositive
    committed = chg_abs[kept] - start_abs
    dep_h = dep_abs - start_abs
    items = pd.DataFrame({
        "item_id": np.flatnonzero(kept), "lineage": changes["change"].to_numpy()[kept],
        "kind": "feature", "team": "team", "size_person_hours": np.nan,
        "arrival": committed, "committed": committed, "deployed": deployed_abs[kept] - start_abs,
        "defective": False, "security_flaw": False, "escaped": False})
    positions = np.arange(n_dep, dtype=np.int64)
    deployment, attempt = _retries(dep, dep_index, files["deploys"], problems, notes)
    deploys = pd.DataFrame({
        "deploy_id": positions, "deployment": deployment, "attempt": attempt,
        "kind": np.where(dep["rework"].to_numpy(dtype=bool), "hotfix", "change"),
        "started": dep_h, "time": dep_h, "n_items": n_items, "failed": dep_failed,
        "rework": dep["rework"].to_numpy(dtype=bool)})
    incidents = pd.DataFrame({
        "incident_id": np.arange(n_inc, dtype=np.int64), "item_id": np.nan,
        "deploy_id": np.where(inc_deploy >= 0, inc_deploy, np.nan),
        "cause": inc["cause"].to_numpy() if "cause" in inc.columns else "defect",
        "start": hours(inc["start"]), "detected": hours(inc["start"]),
        "restored": hours(inc["restored"]), "responder": "team", "action": "restored"})
    log = EventLog.from_frames(items=items, deploys=deploys, incidents=incidents,
                               start_hours=0.0, end_hours=(end - start) / _HOUR)
    log.meta = {"source": source, "kind": kind, "origin": start.isoformat()}
    ids = {"deploys": dep["key"].to_numpy(), "changes": changes["change"].to_numpy(),
           "incidents": inc["key"].to_numpy()}
    return Records(log=log, kind=kind, source=source, origin=start, problems=problems.frame(),
                   notes=notes, ids=ids, change_time=change_time)


def read_records(path, *, deploys: str | None = None, branch: str = "HEAD", incidents=None,
                 environment: str = "production", since=None, until=None) -> Records:
    """Read a team's records from whatever ``path`` is.

    * a folder with ``deployments.csv`` (or that file itself): Four Keys' tables
      (:func:`read_fourkeys`);
    * a CSV file with ``deploy_id, deploy_time, commit_sha, commit_time``: one row per
      deployed commit (:func:`read_commits`);
    * a folder in a git repository: release tags as deploys, or with
      ``deploys="commits"`` each commit on ``branch`` (:func:`read_git`).

    Parameters
    ----------
    path : str or Path
    deploys : {"tags", "commits"}, optional
        For a git repository only (default ``"tags"``).
    branch : str
        The main branch, for ``deploys="commits"``.
    incidents : str or Path, optional
        An incidents CSV (Four Keys' format: ``incident_id, time_created, time_resolved``,
        optional ``changes``).
    environment : str
        With an ``environment`` column, the deploys that count.
    since, until : str, optional
        The period (ISO 8601, naive = UTC).

    Raises
    ------
    RecordsError
        A file or repository that cannot be read (one line naming it and the problem).
    FileNotFoundError
        ``path`` does not exist.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path: expected a file or folder name, got {type(path).__name__}")
    if deploys is not None and deploys not in ("tags", "commits"):
        raise RecordsError(f"deploys: {deploys!r} is not allowed; choose tags or commits")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "No such file or directory", str(path))
    common = dict(incidents=incidents, since=since, until=until)
    if path.is_dir():
        if (path / "deployments.csv").exists() and deploys is None:
            return read_fourkeys(path, environment=environment, **common)
        return read_git(path, deploys=deploys or "tags", branch=branch, **common)
    if deploys is not None:
        raise RecordsError(f"--deploys: only for a git repository; {path.name} is a file")
    if path.name.lower() == "deployments.csv":
        return read_fourkeys(path.parent, environment=environment, **common)
    with open(path, "rb") as f:
        head = f.readline(4096)
    header = head.decode("utf-8-sig", "replace").lower()
    if all(c in header for c in FOURKEYS_COLUMNS["deployments.csv"]) and "commit_sha" not in header:
        raise RecordsError(f"{path.name}: looks like Four Keys' deployments table; give the "
                           "folder holding deployments.csv and changes.csv")
    return read_commits(path, environment=environment, **common)


# --- writing an event log as Four Keys' tables -------------------------------------------------

#: Start date of an exported run when none is given (hour 0 of the run, UTC).
EXPORT_START = "2024-01-01"


def _iso(origin: pd.Timestamp, hours) -> np.ndarray:
    """Absolute UTC times (ISO 8601, to the second) of ``hours`` after ``origin``."""
    seconds = np.round(np.asarray(hours, dtype=float) * 3600.0)
    t = origin + pd.to_timedelta(seconds, unit="s")
    return np.asarray(t.strftime("%Y-%m-%dT%H:%M:%SZ"), dtype=object)


def write_fourkeys(log: EventLog, folder, *, start=EXPORT_START,
                   overwrite: bool = False) -> dict:
    """Write an event log (a simulated run) as Four Keys' three tables.

    ``deployments.csv`` (``deploy_id, time_created, changes, result, unplanned,
    retry_of``: one row per deploy attempt; a retry names the deployment's first attempt),
    ``changes.csv`` (``change_id, time_created``: every committed change at its commit) and
    ``incidents.csv`` (``incident_id, time_created, time_resolved, changes, deploy_id,
    cause``; ``cause`` ``failed_deploy`` marks a failed deploy's own rollback, ``operational``
    an incident no change caused (linked to no deploy); ``failed_deploy`` is not a
    service incident). Times are absolute, ISO 8601 in UTC to the second, hour 0 of the run
    being ``start``.

    :func:`read_fourkeys` reads the optional columns back, so measuring the files over the
    run's window (``since``/``until`` returned here) gives the run's own DORA keys, equal up
    to the rounding of times to the second.

    Parameters
    ----------
    log : EventLog
        A run's log (:func:`devsim.run`).
    folder : str or Path
        Created if missing (its parent must exist).
    start : str or Timestamp
        Hour 0 of the run (ISO 8601; naive = UTC). Default 2024-01-01.
    overwrite : bool
        Replace files already there (default: ``FileExistsError``).

    Returns
    -------
    dict
        ``files`` (the three paths), ``start`` (hour 0), ``since`` and ``until`` (the run's measurement window
        as ISO 8601 times), ``deploys``, ``changes``, ``incidents`` (rows written).
    """
    if not isinstance(log, EventLog):
        raise TypeError(f"log: expected a devsim EventLog, got {type(log).__name__}")
    origin = _when(start, "start")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"folder: '{folder}' is a file; give a folder for the three tables")
    if not folder.exists():
        parent = folder.parent if str(folder.parent) else Path(".")
        if not parent.is_dir():
            raise FileNotFoundError(f"{folder}: the folder '{parent}' does not exist; create "
                                    "it first")
        folder.mkdir()
    names = ("deployments.csv", "changes.csv", "incidents.csv")
    paths = [folder / n for n in names]
    there = [p.name for p in paths if p.exists()]
    if there and not overwrite:
        raise FileExistsError(f"{folder}: {', '.join(there)} already there; pass "
                              "overwrite=True (devsim export --force) to replace them")

    items = log.items
    items = items[items["committed"].notna()]
    d = log.deploys.sort_values("deploy_id", kind="mergesort")
    inc = log.incidents

    # Which changes each deployment carried: the model records a change's deploy time, so a
    # change belongs to the successful planned attempt that ended at that instant; a hotfix
    # deployment carries the change whose incident it restored.
    # Deploys ending at the same instant (a CAB approving several changes at once) share
    # that instant's changes in order, each taking as many as it carried.
    ok = d[~d["failed"].astype(bool) & (d["kind"] != "hotfix")].sort_values(
        ["time", "deploy_id"], kind="mergesort")
    slots = ok.loc[ok.index.repeat(ok["n_items"].clip(lower=1).astype(int)),
                   ["time", "deployment"]]
    slots = slots.assign(k=slots.groupby("time").cumcount())
    mine = items[items["deployed"].isin(ok["time"])].sort_values(["deployed", "item_id"],
                                                                kind="mergesort")
    mine = mine.assign(k=mine.groupby("deployed").cumcount())
    carried = mine.merge(slots, left_on=["deployed", "k"], right_on=["time", "k"], how="left")
    first = ok.drop_duplicates("time").set_index("time")["deployment"]
    carried["deployment"] = carried["deployment"].fillna(carried["deployed"].map(first))
    lists = ("c" + carried["item_id"].astype(int).astype(str)).groupby(
        carried["deployment"].astype(int)).agg(";".join)
    hot = d[~d["failed"].astype(bool) & (d["kind"] == "hotfix")]
    if len(hot) and len(inc):
        fixed = inc[inc["action"] == "hotfix"].drop_duplicates("restored")
        fixed = fixed.set_index("restored")["item_id"]
        who = hot["time"].map(fixed).dropna()
        hot_lists = pd.Series("c" + who.astype(int).astype(str).to_numpy(),
                              index=hot.loc[who.index, "deployment"].astype(int).to_numpy())
        lists = pd.concat([lists, hot_lists[~hot_lists.index.isin(lists.index)]])
    changes_col = d["deployment"].astype(int).map(lists).fillna("")
    attempt = d["attempt"].astype(int).to_numpy()
    deployments = pd.DataFrame({
        "deploy_id": "d" + d["deploy_id"].astype(int).astype(str),
        "time_created": _iso(origin, d["time"]),
        "changes": changes_col.to_numpy(),
        "result": np.where(d["failed"].astype(bool), "failure", "success"),
        "unplanned": np.where(d["rework"].astype(bool), "true", "false"),
        "retry_of": np.where(attempt > 1, "d" + d["deployment"].astype(int).astype(str), "")})
    changes = pd.DataFrame({"change_id": "c" + items["item_id"].astype(int).astype(str),
                            "time_created": _iso(origin, items["committed"])})
    known = set(items["item_id"].astype(int))
    item_ref = inc["item_id"].astype("Int64") if len(inc) else pd.Series(dtype="Int64")
    incidents = pd.DataFrame({
        "incident_id": "i" + inc["incident_id"].astype(int).astype(str),
        "time_created": _iso(origin, inc["start"]),
        "time_resolved": _iso(origin, inc["restored"]),
        "changes": ["c" + str(i) if pd.notna(i) and int(i) in known and c != "failed_deploy"
                    else "" for i, c in zip(item_ref, inc["cause"])],
        "deploy_id": ["d" + str(int(x)) if pd.notna(x) else "" for x in inc["deploy_id"]],
        "cause": inc["cause"].astype(str).to_numpy()})
    mode = "w" if overwrite else "x"
    for frame, path in zip((deployments, changes, incidents), paths):
        with path.open(mode, encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False)
    return {"files": paths, "start": origin.isoformat(),
            "since": _iso(origin, [log.start_hours])[0],
            "until": _iso(origin, [log.end_hours])[0],
            "deploys": len(deployments), "changes": len(changes), "incidents": len(incidents)}
