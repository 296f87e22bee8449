"""Team challenge: rank a folder of team scenario files on DORA's four keys.

Each team writes one YAML scenario file (``team-a.yaml``) into a shared folder; the file
holds only the fields the team changes, the rest take the challenge's values (the
:class:`~devsim.scenario.Scenario` defaults unless a facilitator passes ``baseline=``).
:func:`evaluate_folder` runs every valid file with the same seed and replications
(common random numbers: every team meets the same arrivals, change sizes and dice, so the
ranking shows the design, not luck) and ranks them by :data:`SCORE_RULE`:

* **score**: per key, the team's DORA cluster in the chosen report year (Elite 3, High 2,
  Medium 1, Low 0; a key with nothing to measure scores 0), summed over the four keys;
* **tiebreak**: on equal scores, a continuous measure: the sum over the four keys of
  log10 of how much better the value is than a reference (deploys per day / 1,
  24 h / lead time, 24 h / time to restore, 15% / change failure rate), so that a factor
  of ten counts the same on every key;
* **not ranked**: a file that is not a valid scenario (listed in the errors, one line
  naming the file and the field), a team over the headcount budget (``max_people``), and
  a team that changes a field the challenge fixes (the work itself, the people's skills,
  the users: only :data:`devsim.design.DESIGN_FIELDS` may change, the batch size only with
  the same demand). Unranked teams are still evaluated and shown, with the reason.

Every team runs for the challenge's simulated period (``horizon_days`` and
``warmup_days`` of the baseline), whatever its file says.

This module owns the challenge's rules of ranking and its table (:func:`evaluate_folder`,
:func:`format_table`, :func:`export_table`); :func:`folder_signature` lets a dashboard
(:mod:`devsim.projector`) refresh when a file appears or changes. The ``devsim leaderboard
DIR`` command is :mod:`devsim.cli`'s. It may import :mod:`devsim.experiment` (the runs),
:mod:`devsim.dora` (clusters), :mod:`devsim.design` (which fields a team may change),
:mod:`devsim.registry` (names, directions and numbers as text) and :mod:`devsim.scenario`.
"""
from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from .design import DEMAND_TOLERANCE, DESIGN_FIELDS, changed_fields, format_field_value
from .dora import REPORT_YEARS, bands, classify
from .experiment import DEFAULT_SEED, compare
from .registry import CLUSTERED_KEYS, format_value, metric
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["SCORE_RULE", "evaluate_folder", "format_table", "export_table", "folder_signature",
           "team_files", "LeaderboardError", "check_options"]

SCORE_RULE = (
    "Score = the sum over DORA's four keys of the team's cluster in the chosen report year "
    "(Elite 3, High 2, Medium 1, Low 0; a key with nothing to measure scores 0), each key being "
    "the mean over n replications on common random numbers. Equal scores are ordered by the "
    "tiebreak: the sum of log10(deploys per day / 1) + log10(24 h / lead time) + "
    "log10(24 h / time to restore) + log10(15% / change failure rate) (lead time and restore "
    "floored at 0.1 h, deploys at 0.001 a day, failure rate at 1%), so a factor of ten counts "
    "the same on every key. Not ranked: invalid files, teams over the headcount budget, and "
    "teams that change a field the challenge fixes (only design fields may change; the batch "
    "size only with the same demand). Every team runs for the same simulated period.")

# Reference and floor of each key in the tiebreak: log10(value / ref) where higher is
# better, log10(ref / value) where lower is (the direction is the registry's). Floors stop
# one perfect key from dominating.
_TIEBREAK = {
    "deploy_frequency_per_day": (1.0, 0.001),
    "lead_time_hours": (24.0, 0.1),
    "time_to_restore_hours": (24.0, 0.1),
    "change_failure_rate": (0.15, 0.01),
}

_RUN_FIELDS = ("horizon_days", "warmup_days", "cost_per_person_hour")


class LeaderboardError(ValueError):
    """Bad input to the leaderboard (missing folder, bad option); the message is one line."""


def team_files(path: str | Path) -> list[Path]:
    """The team files of a folder.

    Parameters
    ----------
    path : str or Path
        The shared folder.

    Returns
    -------
    list of Path
        ``*.yaml`` and ``*.yml`` files, sorted; hidden and editor backup files (``.name``,
        ``~name``, ``#name#``) skipped. A missing folder gives ``[]``.
    """
    folder = Path(path)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in (".yaml", ".yml") and p.is_file()
                  and not p.name.startswith((".", "~", "#")))


def folder_signature(path: str | Path) -> tuple[tuple[str, int, int], ...]:
    """What a dashboard compares to know whether it must re-evaluate a folder.

    Parameters
    ----------
    path : str or Path
        The shared folder.

    Returns
    -------
    tuple of (name, mtime_ns, size)
        One entry per team file (see :func:`team_files`); a missing folder gives ``()``.
    """
    out = []
    for p in team_files(path):
        try:
            st = p.stat()
        except OSError:  # deleted between listing and stat: it simply is not there
            continue
        out.append((p.name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def check_options(n: Any, seed: Any, year: Any, max_people: Any) -> None:
    """Check the options of :func:`evaluate_folder` (the projector checks its own with it).

    Parameters
    ----------
    n, seed, year, max_people
        As for :func:`evaluate_folder`.

    Raises
    ------
    LeaderboardError
        Naming the first bad option, its value and what is allowed.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000:
        raise LeaderboardError(f"n: {n!r} is not allowed; give a whole number of replications "
                               "from 1 to 10000")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise LeaderboardError(f"seed: {seed!r} is not allowed; give a whole number >= 0")
    if year not in REPORT_YEARS:
        raise LeaderboardError(f"year: {year!r} is not allowed; choose one of "
                               + ", ".join(map(str, REPORT_YEARS)))
    if max_people is not None and (isinstance(max_people, bool) or not isinstance(max_people, int)
                                   or max_people < 1):
        raise LeaderboardError(f"max_people: {max_people!r} is not allowed; give a whole number "
                               ">= 1 (or leave it out for no budget)")


def _load(path: Path) -> tuple[Scenario | None, str | None]:
    """(scenario, None) or (None, one-line error naming the file and the field)."""
    try:
        return load_scenario(path), None
    except ScenarioError as exc:
        msg = str(exc)
        if msg.startswith(str(path)):
            msg = msg[len(str(path)):].lstrip(": ")
        m = re.match(r"unknown key '([^']*)'", msg)
        if m:
            valid = [f.name for f in fields(Scenario)]
            close = difflib.get_close_matches(m.group(1), valid, n=1)
            msg = (f"unknown key {m.group(1)!r}; "
                   + (f"did you mean {close[0]!r}?" if close else
                      "see devsim.field_info() for the valid keys"))
        return None, f"{path.name}: {msg}"
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{path.name}: cannot read the file ({getattr(exc, 'strerror', None) or exc})"


def _rule_notes(base: Scenario, s: Scenario, max_people: int | None) -> list[str]:
    notes = []
    changes = changed_fields(base, s)
    batch = {"arrival_rate_per_day", "change_size_person_hours"}
    fixed = [k for k in changes if k not in DESIGN_FIELDS and k not in batch]
    if fixed:
        notes.append("changes " + ", ".join(
            f"{k} ({format_field_value(changes[k][0])} → {format_field_value(changes[k][1])})"
            for k in fixed) + ", which the challenge fixes")
    d0, d1 = base.demand_person_hours_per_day, s.demand_person_hours_per_day
    if batch & set(changes) and abs(d1 - d0) > DEMAND_TOLERANCE * d0:
        notes.append(f"demand is {d1:g} person-hours/day, the challenge's is {d0:g} "
                     "(use with_change_size to change the batch size)")
    if max_people is not None and s.headcount > max_people:
        notes.append(f"{s.headcount} people, over the budget of {max_people}")
    return notes


def _tiebreak(values: dict[str, float]) -> float:
    total = 0.0
    for k, (ref, floor) in _TIEBREAK.items():
        v = values.get(k, math.nan)
        if v is None or math.isnan(v):
            continue
        v = max(v, floor)
        total += math.log10(v / ref) if metric(k).better == "higher" else math.log10(ref / v)
    return total


def _columns() -> list[str]:
    cols = ["rank", "team", "people"]
    for k in CLUSTERED_KEYS:
        cols += [k, f"{k}_cluster"]
    return cols + ["score", "tiebreak", "note", "file"]


def evaluate_folder(path: str | Path, *, n: int = 10, seed: int = DEFAULT_SEED, year: int = 2019,
                    max_people: int | None = None, baseline: Scenario | None = None,
                    executor: Any = None) -> tuple[pd.DataFrame, list[str]]:
    """Evaluate and rank every team file in a folder.

    Parameters
    ----------
    path : str or Path
        Folder of ``*.yaml`` / ``*.yml`` team scenario files.
    n : int
        Replications per team.
    seed : int
        Base seed; replication *i* of every team uses ``(seed, i)`` (common random numbers).
    year : int
        DORA report year whose clusters score the keys (see :data:`devsim.dora.REPORT_YEARS`).
    max_people : int or None
        Headcount budget; a team above it is evaluated but not ranked.
    baseline : Scenario or None
        The challenge: fields outside the design set must keep its values, and its run
        length applies to every team. Default: ``Scenario()`` (the field defaults).
    executor : optional
        Passed to :func:`devsim.experiment.compare`.

    Returns
    -------
    table : pandas.DataFrame
        One row per valid team, ranked first (``rank`` 1, 2, ...; equal score and tiebreak
        share a rank) then unranked (``rank`` missing, ``note`` says why). Columns: ``rank,
        team, people``, each key and its ``<key>_cluster`` label, ``score, tiebreak, note,
        file``. ``table.attrs`` holds n, seed, year, max_people, the score rule and
        ``scenarios`` (team -> the Scenario as run).
    errors : list of str
        One line per invalid file, naming the file and the field.

    Raises
    ------
    LeaderboardError
        If the folder does not exist or an option is out of range.
    """
    folder = Path(path)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise LeaderboardError(f"folder: '{folder}' {what}")
    check_options(n, seed, year, max_people)
    base = baseline if baseline is not None else Scenario()
    run_fields = {k: getattr(base, k) for k in _RUN_FIELDS}
    errors: list[str] = []
    teams: list[tuple[str, Path, Scenario, list[str]]] = []
    files = team_files(folder)
    stems = [p.stem for p in files]
    for p in files:
        s, err = _load(p)
        if err:
            errors.append(err)
            continue
        team = p.stem if stems.count(p.stem) == 1 else p.name
        notes = _rule_notes(base, replace(s, **run_fields), max_people)
        try:
            s = replace(s, name=team, **run_fields)
        except ScenarioError as exc:  # e.g. its warm-up is longer than the challenge's horizon
            errors.append(f"{p.name}: {exc}")
            continue
        teams.append((team, p, s, notes))

    table = pd.DataFrame(columns=_columns())
    if teams:
        res = compare([t[2] for t in teams], n=n, seed=seed, executor=executor, progress=False)
        means = res.frame.groupby("scenario", sort=False)[list(CLUSTERED_KEYS)].mean()
        order = bands(year)["clusters"]
        rows = []
        for team, p, s, notes in teams:
            values = {k: float(means.loc[team, k]) for k in CLUSTERED_KEYS}
            row: dict[str, Any] = {"team": team, "people": s.headcount}
            score = 0
            for k in CLUSTERED_KEYS:
                c = classify(k, values[k], year)
                row[k] = values[k]
                row[f"{k}_cluster"] = c.label
                score += len(order) - 1 - order.index(c.cluster) if c.cluster else 0
            row.update(score=score, tiebreak=round(_tiebreak(values), 4),
                       note=("not ranked: " + "; ".join(notes)) if notes else "", file=p.name)
            rows.append(row)
        table = pd.DataFrame(rows)
        ranked = table["note"] == ""
        table["_ranked"] = ranked
        table = table.sort_values(["_ranked", "score", "tiebreak", "team"],
                                  ascending=[False, False, False, True], kind="mergesort")
        ranks, prev, r = [], None, 0
        for i, (ok, sc, tb) in enumerate(zip(table["_ranked"], table["score"], table["tiebreak"])):
            if not ok:
                ranks.append(pd.NA)
                continue
            if (sc, tb) != prev:
                r, prev = i + 1, (sc, tb)
            ranks.append(r)
        table.insert(0, "rank", pd.array(ranks, dtype="Int64"))
        table = table.drop(columns="_ranked").reset_index(drop=True)[_columns()]
    table.attrs.update(n=n, seed=seed, year=year, max_people=max_people, score_rule=SCORE_RULE)
    # The scenarios as run (team name, challenge's run settings), so a dashboard can show the
    # same runs; kept out of exports (see export_table).
    table.attrs["scenarios"] = {team: s for team, _, s, _ in teams}
    return table, errors


def format_table(table: pd.DataFrame) -> str:
    """The leaderboard as aligned text.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by :func:`evaluate_folder`.

    Returns
    -------
    str
        Rank, team, people, each of the four keys as its value in a readable unit
        (:func:`devsim.registry.format_value`) and its cluster label, score and tiebreak;
        unranked teams show ``-`` as their rank.
    """
    if table.empty:
        return "(no team evaluated)"
    shown = pd.DataFrame({
        "rank": ["-" if pd.isna(r) else str(int(r)) for r in table["rank"]],
        "team": table["team"],
        "people": table["people"].astype(int),
        **{metric(k).short: [f"{format_value(k, v)} {c}"
                             for v, c in zip(table[k], table[f"{k}_cluster"])]
           for k in CLUSTERED_KEYS},
        "score": table["score"].astype(int),
        "tiebreak": [f"{t:+.2f}" for t in table["tiebreak"]],
    })
    return shown.to_string(index=False)


def export_table(table: pd.DataFrame, path: str | Path, *, errors: Sequence[str] = (),
                 overwrite: bool = False) -> Path:
    """Write the leaderboard to a file.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by :func:`evaluate_folder`.
    path : str or Path
        ``.csv`` (the table) or ``.json`` (table, errors, settings, the score rule and every
        team's scenario as run).
    errors : sequence of str
        The invalid files' lines (JSON only).
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    LeaderboardError
        For a name not ending in .csv or .json, or a missing folder.
    FileExistsError
        If the file exists and ``overwrite`` is False.
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".json"):
        raise LeaderboardError(f"export: '{path}' must end in .csv or .json")
    if path.exists() and not overwrite:
        raise FileExistsError(f"export: '{path}' already exists; pass --force to replace it")
    if not path.parent.is_dir():
        raise LeaderboardError(f"export: folder '{path.parent}' does not exist")
    if path.suffix.lower() == ".csv":
        table.to_csv(path, index=False)
    else:
        attrs = {k: v for k, v in table.attrs.items() if k != "scenarios"}
        attrs["scenarios"] = {team: s.to_dict()
                              for team, s in table.attrs.get("scenarios", {}).items()}
        doc = {"devsim_leaderboard": 1, **attrs,
               "teams": json.loads(table.to_json(orient="records")), "errors": list(errors)}
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return path
