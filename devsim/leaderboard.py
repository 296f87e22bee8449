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
  of ten counts the same on every key, computed for each replication and averaged;
* **ties**: two teams share a rank (shown ``=2``) when the replications cannot order them:
  (a) equal scores, and the tiebreak cannot tell them apart: the teams run on common
  random numbers, so replication *i* of one is paired with replication *i* of the other,
  and they tie when the 95% confidence interval of the mean paired difference of their
  tiebreaks includes 0 (identical files always tie; with one replication only an exactly
  equal tiebreak ties); or (b) different scores that rest on borderline keys: each key
  may score any cluster its 95% CI reaches, and the two teams' ranges of scores overlap
  (a team whose weekly release train sits on DORA's weekly bar scores High or Medium by
  the dice). A team that ties with any team of a group above it joins that group (and the
  groups between), so a tie is never hidden by a team ranked between the two;
* **uncertainty**: every key is shown with its placement (:func:`devsim.dora.place`):
  ``Medium 9/10`` (the mean's cluster, and how many of the 10 runs land in it on their
  own) or ``~High/Medium`` (borderline: the 95% CI of the mean reaches both clusters, so
  more replications could move the key, and the score with it); a mean in a gap between
  two published bands gets a note naming the team and the key (``between High (< 1 day)
  and Low (1 week - 1 month); counted Low by the rule``);
* **not ranked**: a file that is not a valid scenario (listed in the errors, one line
  naming the file and the field), a team over the headcount budget (``max_people``), and
  a team that changes a field the challenge fixes (the work itself, the people's skills,
  the users: only :data:`devsim.design.DESIGN_FIELDS` may change, the batch size only with
  the same demand). Unranked teams are still evaluated and shown, with the reason.

Every team runs for the challenge's simulated period (``horizon_days`` and
``warmup_days`` of the baseline), whatever its file says.

:data:`DEFAULT_N` replications per team are the default of the leaderboard, of ``devsim
leaderboard`` and of the projector: the smallest n at which no two sample teams
(``exercises/sample_teams``) swap ranks between n and 3n replications and no pair is left
tied that 3n orders (on the default seed and two others), measured by
``benchmarks/bench_leaderboard.py`` (figures in ``benchmarks/README.md``).

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
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import numbers
import os
import re
import stat
import sys
import time
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
import yaml  # noqa: F401 - imported here once, so that every reading process inherits it

from .design import DEMAND_TOLERANCE, DESIGN_FIELDS, changed_fields, format_field_value
from .dora import REPORT_YEARS, bands, keys as year_keys, place
from .experiment import DEFAULT_SEED, compare, mean_ci
from .registry import format_value, metric
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["SCORE_RULE", "TIE_RULE", "DEFAULT_N", "evaluate_folder", "format_table", "table_notes",
           "export_table", "folder_signature",
           "team_files", "LeaderboardError", "check_options", "READ_TIMEOUT_S",
           "READ_MEMORY_BYTES", "MAX_FILE_BYTES", "MAX_CHANGES_PER_RUN"]

SCORE_RULE = (
    "Score = the sum over DORA's four keys of the team's cluster in the chosen report year "
    "(Elite 3, High 2, Medium 1, Low 0; a key with nothing to measure scores 0), each key being "
    "the mean over n replications on common random numbers. Equal scores are ordered by the "
    "tiebreak: the sum of log10(deploys per day / 1) + log10(24 h / lead time) + "
    "log10(24 h / time to restore) + log10(15% / change failure rate) (lead time and restore "
    "floored at 0.1 h, deploys at 0.001 a day, failure rate at 1%), so a factor of ten counts "
    "the same on every key, computed per replication and averaged. Ties: two teams share a "
    "rank (shown =2) when their scores are equal and the 95% CI of their paired tiebreak "
    "difference (replication i of one against replication i of the other, on the same random "
    "numbers) includes 0, or when their scores differ only through borderline keys (scoring "
    "each key anywhere its 95% CI reaches, the two ranges of scores overlap). Each key shows "
    "its placement: the mean's cluster and how many runs land in it (Medium 9/10), or "
    "~High/Medium where the 95% CI of the mean reaches both clusters (borderline: more "
    "replications could change the score). Not ranked: invalid files, teams over the "
    "headcount budget, and "
    "teams that change a field the challenge fixes (only design fields may change; the batch "
    "size only with the same demand). Every team runs for the same simulated period.")

#: The tie rule in one line (the table's footer).
TIE_RULE = ("=k: tied, shown as sharing rank k: either equal scores and the 95% CI of the paired "
            "tiebreak difference (replication by replication, same random numbers) includes 0, "
            "or different scores that rest on borderline keys (the scores the keys' 95% CIs "
            "allow overlap), so more replications could swap the teams.")

#: Replications per team by default (leaderboard, ``devsim leaderboard``, projector): the
#: smallest n of 3, 5, 10, 15, 20 at which no two sample teams swap ranks between n and 3n
#: and no pair is left tied that 3n orders, on the default seed and two others, measured by
#: ``benchmarks/bench_leaderboard.py`` (figures in benchmarks/README.md).
DEFAULT_N = 15

# Reference and floor of each key in the tiebreak: log10(value / ref) where higher is
# better, log10(ref / value) where lower is (the direction is the registry's). Floors stop
# one perfect key from dominating.
_TIEBREAK = {
    "deploy_frequency_per_day": (1.0, 0.001),
    "lead_time_hours": (24.0, 0.1),
    "time_to_restore_hours": (24.0, 0.1),
    "recovery_time_hours": (24.0, 0.1),
    "change_failure_rate": (0.15, 0.01),
}

_RUN_FIELDS = ("horizon_days", "warmup_days", "cost_per_person_hour")


class LeaderboardError(ValueError):
    """Bad input to the leaderboard (missing folder, bad option); the message is one line."""


# --- budgets ---------------------------------------------------------------------------------
#: Seconds one team file may take to be read and validated (in its own process); a file
#: that takes longer is named as invalid. A real team file takes a few milliseconds.
READ_TIMEOUT_S = 3.0
#: Memory the process reading one team file may add (bytes, Linux: ``RLIMIT_AS``).
READ_MEMORY_BYTES = 512 * 2**20
#: Largest team file read (bytes); a complete scenario file is about 2 kB.
MAX_FILE_BYTES = 256 * 1024
#: Most changes one run of a team may simulate, estimated as arrival_rate_per_day x the
#: challenge's horizon_days (arrivals drive the events; about 4 s a run at this size on a
#: laptop core). A challenge whose own baseline is larger allows twice the baseline's.
MAX_CHANGES_PER_RUN = 20_000
#: Longest message line about one file (a quoted value never fills the screen).
_MESSAGE_CHARS = 200

_KIND = {stat.S_IFDIR: "a folder, not a file", stat.S_IFIFO: "a named pipe (FIFO), not a file",
         stat.S_IFSOCK: "a socket, not a file", stat.S_IFCHR: "a device, not a file",
         stat.S_IFBLK: "a device, not a file"}


def _shown(name: str) -> str:
    """A file name as it can be shown on one line (undecodable bytes and controls as ?)."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join(c if c.isprintable() else "?" for c in text)


def _clean(text: str) -> str:
    line = " ".join(str(text).split())
    line = "".join(c if c.isprintable() else "?" for c in line)
    return line if len(line) <= _MESSAGE_CHARS else line[:_MESSAGE_CHARS - 1] + "…"


def _is_team_name(name: str) -> bool:
    return (os.path.splitext(name)[1].lower() in (".yaml", ".yml")
            and not name.startswith((".", "~", "#")))


def _scan(folder: Path) -> tuple[list[tuple[Path, str, os.stat_result]], list[str]]:
    """Team files to read and entries skipped.

    Returns ``([(entry, real path, stat of the file read)], ["name: skipped: reason"])``:
    only regular files, and symbolic links whose target lies inside the folder, are read.
    """
    try:
        root = os.path.realpath(folder)
        names = sorted(n for n in os.listdir(folder) if _is_team_name(n))
    except (OSError, ValueError):
        return [], []
    files, skipped = [], []
    for name in names:
        entry = folder / name
        try:
            st = os.lstat(entry)
        except OSError:  # gone between listing and looking: it simply is not there
            continue
        real = str(entry)
        if stat.S_ISLNK(st.st_mode):
            real = os.path.realpath(entry)
            if os.path.commonpath([root, real]) != root:
                # Never stat or open the target: nothing outside the folder is looked at.
                skipped.append(f"{_shown(name)}: skipped: a symbolic link that leads out of "
                               "the folder (only files inside it are read)")
                continue
            try:
                st = os.stat(real)
            except OSError:
                skipped.append(f"{_shown(name)}: skipped: a symbolic link to nothing (its "
                               "target does not exist or is a loop of links)")
                continue
        if not stat.S_ISREG(st.st_mode):
            kind = _KIND.get(stat.S_IFMT(st.st_mode), "not a regular file")
            skipped.append(f"{_shown(name)}: skipped: {kind}")
            continue
        if st.st_size > MAX_FILE_BYTES:
            skipped.append(f"{_shown(name)}: skipped: {st.st_size / 1024:,.0f} kB, more than the "
                           f"{MAX_FILE_BYTES // 1024} kB a team file may have")
            continue
        files.append((entry, real, st))
    return files, skipped


def team_files(path: str | Path) -> list[Path]:
    """The team files of a folder.

    Parameters
    ----------
    path : str or Path
        The shared folder.

    Returns
    -------
    list of Path
        ``*.yaml`` and ``*.yml`` regular files (and symbolic links to one inside the
        folder), sorted; hidden and editor backup files (``.name``, ``~name``, ``#name#``)
        are not team files. Links out of the folder, dangling links, pipes, sockets,
        devices, folders and files over :data:`MAX_FILE_BYTES` are left out
        (:func:`evaluate_folder` names each with its reason). A missing folder gives ``[]``.
    """
    folder = Path(path)
    return [entry for entry, _, _ in _scan(folder)[0]] if folder.is_dir() else []


def folder_signature(path: str | Path) -> tuple[tuple[str, int, int], ...]:
    """What a dashboard compares to know whether it must re-evaluate a folder.

    Parameters
    ----------
    path : str or Path
        The shared folder.

    Returns
    -------
    tuple of (name, mtime_ns, size)
        One entry per team file (see :func:`team_files`; a link gives its target's time and
        size) and ``(name, 0, -1)`` per entry skipped; a missing folder gives ``()``.
    """
    folder = Path(path)
    if not folder.is_dir():
        return ()
    files, skipped = _scan(folder)
    out = [(entry.name, st.st_mtime_ns, st.st_size) for entry, _, st in files]
    out += [(line.split(": skipped: ")[0], 0, -1) for line in skipped]
    return tuple(sorted(out))


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
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= 10_000:
        raise LeaderboardError(f"n: {n!r} is not allowed; give a whole number of replications "
                               "from 1 to 10000")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise LeaderboardError(f"seed: {seed!r} is not allowed; give a whole number >= 0")
    if year not in REPORT_YEARS:
        raise LeaderboardError(f"year: {year!r} is not allowed; choose one of "
                               + ", ".join(map(str, REPORT_YEARS)))
    if max_people is not None and (isinstance(max_people, bool)
                                   or not isinstance(max_people, numbers.Integral)
                                   or max_people < 1):
        raise LeaderboardError(f"max_people: {max_people!r} is not allowed; give a whole number "
                               ">= 1 (or leave it out for no budget)")


def _check_budget(read_timeout_s: Any) -> float:
    if isinstance(read_timeout_s, bool) or not isinstance(read_timeout_s, numbers.Real) \
            or not 0.1 <= read_timeout_s <= 600:
        raise LeaderboardError(f"read_timeout_s: {read_timeout_s!r} is not allowed; give a "
                               "number of seconds from 0.1 to 600")
    return float(read_timeout_s)


# --- reading one file within a time and memory budget ------------------------------------------
def _problem(exc: BaseException, real: str) -> str:
    """What is wrong with a file, without its path and without quoting its lines."""
    if isinstance(exc, ScenarioError):
        msg = str(exc)
        for prefix in (real, os.path.basename(real)):
            if msg.startswith(prefix):
                msg = msg[len(prefix):].lstrip(": ")
        msg = msg.replace(real, "the file")
        m = re.search(r"unknown key '([^']*)'", msg)
        if m:
            # Name a key only when it is a near miss of a field: any other key is the file's
            # text, and the file may not be what its name says.
            valid = [f.name for f in fields(Scenario)]
            close = difflib.get_close_matches(m.group(1), valid, n=1)
            line = re.search(r"\bline \d+", msg)
            where = f" at {line.group(0)}" if line else ""
            msg = (f"unknown key {m.group(1)!r}{where}; did you mean {close[0]!r}?" if close else
                   f"a key{where} that is not a scenario field; see devsim.field_info() for "
                   "the valid keys")
        return _clean(msg)
    if isinstance(exc, MemoryError):
        return f"needs more than {READ_MEMORY_BYTES // 2**20} MB of memory to read"
    if isinstance(exc, RecursionError):
        return "nested too deeply to read (a scenario file is one level of field: value)"
    if isinstance(exc, UnicodeError):
        return "is not UTF-8 text (save it as UTF-8)"
    if isinstance(exc, OSError):
        return f"cannot read the file ({(exc.strerror or type(exc).__name__).lower()})"
    return f"could not be read ({type(exc).__name__})"


def _read(real: str, expected: tuple[int, int]) -> tuple[str, Any]:
    """("ok", Scenario) or ("error", problem); never raises.

    The file must still be the regular file the folder scan saw (same device and inode):
    a file swapped for a pipe or a link after the scan is not read.
    """
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != expected:
                return "error", "changed while being read; save it again"
            return "ok", load_scenario(real)
        finally:
            os.close(fd)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a named problem
        return "error", _problem(exc, real)


def _child(real: str, expected: tuple[int, int], conn: Any, memory_bytes: int) -> None:
    """Body of the reading process: set its memory limit, read, send one answer."""
    if sys.platform.startswith("linux"):
        try:
            import resource

            with open("/proc/self/statm") as f:
                used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            # The limit counts address space, and a forked reader starts with its parent's.
            limit = used + memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (OSError, ValueError, ImportError):
            pass
    try:
        conn.send(_read(real, expected))
    except BaseException:  # noqa: BLE001 - e.g. MemoryError while answering: the parent says so
        pass
    finally:
        conn.close()


def _context() -> Any:
    # fork on Linux (as devsim.experiment's pool): a reader starts in milliseconds with
    # devsim and yaml already imported.
    return mp.get_context("fork") if sys.platform.startswith("linux") else mp.get_context()


def _read_files(files: list[tuple[str, str, tuple[int, int]]], timeout_s: float,
                memory_bytes: int = READ_MEMORY_BYTES) -> dict[str, tuple[str, Any]]:
    """Read each (key, real path, (dev, inode)) in its own process, a few at a time.

    A process that has not answered within ``timeout_s`` is killed and its file named as
    taking too long; one that stops without answering (e.g. out of memory) is named too.
    """
    out: dict[str, tuple[str, Any]] = {}
    pending = list(files)
    running: dict[Any, tuple[str, Any, float]] = {}
    width = max(2, os.cpu_count() or 2)
    ctx = _context()
    try:
        while pending or running:
            while pending and len(running) < width:
                key, real, expected = pending.pop(0)
                recv, send = ctx.Pipe(duplex=False)
                try:
                    proc = ctx.Process(target=_child, args=(real, expected, send, memory_bytes),
                                       daemon=True)
                    proc.start()
                except (OSError, AssertionError, ValueError):
                    # No process can be started here (a daemon, no resources): read in this
                    # process, without the budget, rather than not at all.
                    recv.close()
                    send.close()
                    out[key] = _read(real, expected)
                    continue
                send.close()
                running[recv] = (key, proc, time.monotonic() + timeout_s)
            if not running:
                continue
            wait_s = max(0.0, min(d for _, _, d in running.values()) - time.monotonic())
            ready = mp_connection.wait(list(running), timeout=wait_s)
            now = time.monotonic()
            for conn in list(running):
                key, proc, deadline = running[conn]
                if conn in ready:
                    try:
                        out[key] = conn.recv()
                    except (EOFError, OSError):
                        out[key] = ("error", f"could not be read (the reading process stopped; "
                                             f"it may need more than "
                                             f"{memory_bytes // 2**20} MB of memory)")
                    except Exception as exc:  # noqa: BLE001 - an answer that cannot be unpickled
                        out[key] = ("error", f"could not be read ({type(exc).__name__})")
                elif now >= deadline:
                    out[key] = ("error", f"took longer than {timeout_s:g} s to read (a "
                                         "scenario file reads in milliseconds)")
                else:
                    continue
                del running[conn]
                conn.close()
                if proc.is_alive():
                    proc.kill()
                proc.join(timeout=5)
    finally:  # an interrupt (or any error) leaves no reader behind
        for conn, (_, proc, _) in running.items():
            conn.close()
            if proc.is_alive():
                proc.kill()
            proc.join(timeout=5)
    return out


def _labels(names: Sequence[str]) -> dict[str, str]:
    """A unique team label per file: its stem, or its full name when the stem is ambiguous.

    ``a.yaml``, ``a.yml`` and ``a.yaml.yaml`` are three teams labelled by their full names
    (two share the stem ``a``, and the third's stem is the first one's name).
    """
    stems = [os.path.splitext(n)[0] for n in names]
    taken = set(names)
    out: dict[str, str] = {}
    used: set[str] = set()
    for name, stem in zip(names, stems):
        label = stem if stems.count(stem) == 1 and stem not in taken else name
        label = _shown(label).strip() or _shown(name)
        base, k = label, 2
        while label in used:  # two names that show alike (undecodable bytes)
            label, k = f"{base} ({k})", k + 1
        used.add(label)
        out[name] = label
    return out


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


def _placement_text(p) -> str:
    """A key's cluster with how sure it is: ``Medium 9/10``, ``~High/Medium`` (borderline),
    ``Medium`` (one run), ``n/a`` (nothing to measure)."""
    if p.cluster is None:
        return "n/a"
    if p.borderline:
        return "~" + "/".join(c.capitalize() for c in p.spans)
    return f"{p.label} {p.agreement}" if p.agreement else p.label


def _tied(a, b) -> bool:
    """Whether two teams' per-replication tiebreaks (paired by replication) cannot be told
    apart: every difference 0, or the 95% CI of the mean difference includes 0."""
    diffs = [x - y for x, y in zip(a, b) if not (math.isnan(x) or math.isnan(y))]
    if diffs and all(d == 0 for d in diffs):
        return True
    _, lo, hi = mean_ci(diffs)
    return not math.isnan(lo) and lo <= 0 <= hi


def _score_range(placements, order) -> tuple[int, int]:
    """The lowest and highest score the keys' 95% CIs allow (each key over the clusters
    its CI reaches, :attr:`devsim.dora.Placement.spans`)."""
    lo = hi = 0
    for pl in placements:
        if pl.cluster is None:
            continue
        points = [len(order) - 1 - order.index(c) for c in (pl.spans or (pl.cluster,))]
        lo, hi = lo + min(points), hi + max(points)
    return lo, hi


def _columns(year: int) -> list[str]:
    cols = ["rank", "rank_shown", "tied", "team", "people"]
    for k in year_keys(year):
        cols += [k, f"{k}_ci_low", f"{k}_ci_high", f"{k}_cluster", f"{k}_placement", f"{k}_gap"]
    return cols + ["score", "score_low", "score_high", "tiebreak", "note", "file"]


def evaluate_folder(path: str | Path, *, n: int = DEFAULT_N, seed: int = DEFAULT_SEED,
                    year: int = 2019, max_people: int | None = None,
                    baseline: Scenario | None = None, executor: Any = None,
                    read_timeout_s: float = READ_TIMEOUT_S, cache: dict | None = None
                    ) -> tuple[pd.DataFrame, list[str]]:
    """Evaluate and rank every team file in a folder.

    Parameters
    ----------
    path : str or Path
        Folder of ``*.yaml`` / ``*.yml`` team scenario files.
    n : int
        Replications per team (default :data:`DEFAULT_N`, chosen so that the sample teams
        keep their ranks at three times as many).
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
    read_timeout_s : float
        Seconds each file may take to be read and validated (default
        :data:`READ_TIMEOUT_S`); each is read in its own process, with at most
        :data:`READ_MEMORY_BYTES` of memory on Linux.
    cache : dict, optional
        Pass the same (initially empty) dict on every call to read again only the files
        that changed (same name, device, inode, size and modification time: same answer);
        the projector does. It keeps one entry per file of the folder.

    Returns
    -------
    table : pandas.DataFrame
        One row per valid team, ranked first (``rank`` 1, 2, ...; tied teams, see
        :data:`SCORE_RULE`, share a rank) then unranked (``rank`` missing, ``note`` says
        why). Columns: ``rank``; ``rank_shown`` (``"2"``, ``"=2"`` for a tie, ``""`` when
        not ranked); ``tied`` (the same as a flag, for spreadsheets, which read ``=2`` as
        a formula); ``team, people``; per key of the report year (:func:`devsim.dora.keys`)
        its mean over the replications, ``<key>_ci_low`` and ``<key>_ci_high`` (95% CI),
        ``<key>_cluster`` (the mean's cluster label, which scores), ``<key>_placement``
        (``"Medium 9/10"``, ``"~High/Medium"`` when borderline) and ``<key>_gap`` (the
        :func:`devsim.dora.gap_note` of a mean in a gap between bands, else ``""``); then
        ``score``, ``score_low`` and ``score_high`` (the scores the keys' 95% CIs allow:
        each key scored anywhere its CI reaches), ``tiebreak`` (mean over replications),
        ``note, file``. ``team`` is the
        file's stem, or its full name when another file shares the stem (``a.yaml`` and
        ``a.yml``); ``file`` is always the full name.
        ``table.attrs`` holds n, seed, year, max_people, the score rule and ``scenarios``
        (team -> the Scenario as run).
    errors : list of str
        One line per entry that was not evaluated, naming the file and the problem (never
        quoting its lines): an invalid scenario (the field), a file that took longer than
        ``read_timeout_s`` or more memory than allowed to read, a run over
        :data:`MAX_CHANGES_PER_RUN`, and every ``*.yaml``/``*.yml`` entry skipped (a link
        out of the folder or to nothing, a pipe, socket, device or folder, a file over
        :data:`MAX_FILE_BYTES`).

    Raises
    ------
    LeaderboardError
        If the folder does not exist or an option is out of range.
    """
    folder = Path(path)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise LeaderboardError(f"folder: '{_shown(str(folder))}' {what}")
    check_options(n, seed, year, max_people)
    timeout_s = _check_budget(read_timeout_s)
    n, seed = int(n), int(seed)
    base = baseline if baseline is not None else Scenario()
    run_fields = {k: getattr(base, k) for k in _RUN_FIELDS}
    most_changes = max(MAX_CHANGES_PER_RUN,
                       2 * base.arrival_rate_per_day * base.horizon_days)
    files, errors = _scan(folder)
    errors = list(errors)
    answers = _answers(files, timeout_s, cache)
    labels = _labels([entry.name for entry, _, _ in files])
    teams: list[tuple[str, Path, Scenario, list[str]]] = []
    for entry, _, _ in files:
        shown = _shown(entry.name)
        kind, value = answers[entry.name]
        if kind != "ok":
            errors.append(f"{shown}: {value}")
            continue
        team = labels[entry.name]
        try:
            s = replace(value, name=team, **run_fields)
        except ScenarioError as exc:  # e.g. its warm-up is longer than the challenge's horizon
            errors.append(f"{shown}: {_problem(exc, str(entry))}")
            continue
        changes = s.arrival_rate_per_day * s.horizon_days
        if changes > most_changes:
            errors.append(
                f"{shown}: not run: each run would simulate about {changes:,.0f} changes "
                f"(arrival_rate_per_day {s.arrival_rate_per_day:g} x horizon_days "
                f"{s.horizon_days:g}), over the leaderboard's budget of {most_changes:,.0f} "
                "a run; lower arrival_rate_per_day")
            continue
        teams.append((team, entry, s, _rule_notes(base, s, max_people)))
    errors.sort()  # in file-name order, as the files are listed

    scored = list(year_keys(year))  # the four keys with clusters in that report year
    table = pd.DataFrame(columns=_columns(year))
    if teams:
        res = compare([t[2] for t in teams], n=n, seed=seed, executor=executor, progress=False)
        frame = res.frame.sort_values(["scenario", "replication"], kind="mergesort")
        order = bands(year)["clusters"]
        rows, per_run, score_range = [], {}, {}
        for team, p, s, notes in teams:
            runs = frame.loc[frame["scenario"] == team]
            # Each replication's tiebreak, in replication order: paired across teams.
            per_run[team] = [_tiebreak({k: float(r[k]) for k in scored})
                             for _, r in runs.iterrows()]
            row: dict[str, Any] = {"team": team, "people": s.headcount}
            score = 0
            placements = []
            for k in scored:
                pl = place(k, runs[k], year)
                placements.append(pl)
                row.update({k: pl.mean, f"{k}_ci_low": pl.low, f"{k}_ci_high": pl.high,
                            f"{k}_cluster": pl.label, f"{k}_placement": _placement_text(pl),
                            f"{k}_gap": pl.gap})
                score += len(order) - 1 - order.index(pl.cluster) if pl.cluster else 0
            score_range[team] = _score_range(placements, order)
            tb = mean_ci(per_run[team])[0]
            row.update(score=score, score_low=score_range[team][0],
                       score_high=score_range[team][1], tiebreak=round(tb, 4) if not math.isnan(tb) else 0.0,
                       note=("not ranked: " + "; ".join(notes)) if notes else "",
                       file=_shown(p.name))
            rows.append(row)
        table = pd.DataFrame(rows)
        ranked = table["note"] == ""
        table["_ranked"] = ranked
        table = table.sort_values(["_ranked", "score", "tiebreak", "team"],
                                  ascending=[False, False, False, True], kind="mergesort")
        def tied(a: str, b: str) -> bool:
            (sa, ra), (sb, rb) = scores[a], scores[b]
            if sa == sb:
                return _tied(per_run[a], per_run[b])
            # Different scores, but only through borderline keys: the scores the keys'
            # CIs allow overlap, so more replications could reverse the order.
            return ra[0] <= rb[1] and rb[0] <= ra[1]

        scores = {t: (sc, score_range[t]) for t, sc in zip(table["team"], table["score"])}
        # Groups of tied teams in rank order, as lists of row positions. A team that ties
        # with a team of an earlier group merges that group and every one after it: a tie
        # is never hidden because the teams are not next to each other.
        names = list(table["team"])
        groups: list[list[int]] = []
        for i, (ok, team) in enumerate(zip(table["_ranked"], names)):
            if not ok:
                continue
            hit = next((g for g, members in enumerate(groups)
                        if any(tied(names[j], team) for j in members)), None)
            if hit is None:
                groups.append([i])
            else:
                groups[hit:] = [[j for members in groups[hit:] for j in members] + [i]]
        ranks: list[Any] = [pd.NA] * len(names)
        shown = [""] * len(names)
        for members in groups:
            first = members[0] + 1
            for j in members:
                ranks[j] = first
                shown[j] = f"={first}" if len(members) > 1 else str(first)
        table.insert(0, "rank", pd.array(ranks, dtype="Int64"))
        table.insert(1, "rank_shown", shown)
        # Also as a plain flag: a spreadsheet opening the CSV reads "=2" as a formula.
        table.insert(2, "tied", [x.startswith("=") for x in shown])
        table = table.drop(columns="_ranked").reset_index(drop=True)[_columns(year)]
    table.attrs.update(n=n, seed=seed, year=year, max_people=max_people, score_rule=SCORE_RULE)
    # The scenarios as run (team name, challenge's run settings), so a dashboard can show the
    # same runs; kept out of exports (see export_table).
    table.attrs["scenarios"] = {team: s for team, _, s, _ in teams}
    return table, errors


def _answers(files: list[tuple[Path, str, os.stat_result]], timeout_s: float,
             cache: dict | None) -> dict[str, tuple[str, Any]]:
    """Each file's ("ok", Scenario) or ("error", problem), from ``cache`` when unchanged."""
    if cache is None:
        cache = {}
    keys = {entry.name: (real, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, timeout_s)
            for entry, real, st in files}
    todo = [(entry.name, real, (st.st_dev, st.st_ino)) for entry, real, st in files
            if cache.get(entry.name, (None,))[0] != keys[entry.name]]
    fresh = _read_files(todo, timeout_s) if todo else {}
    for name in list(cache):
        if name not in keys:  # the file went away
            del cache[name]
    for name, answer in fresh.items():
        cache[name] = (keys[name], answer)
    return {name: cache[name][1] for name in keys}


def _keys_of(table: pd.DataFrame) -> list[str]:
    """The scored keys of a leaderboard table (its report year's four), in DORA's order."""
    return [c[:-len("_cluster")] for c in table.columns if c.endswith("_cluster")]


def table_notes(table: pd.DataFrame) -> list[str]:
    """The notes under a leaderboard table (text, terminal and projector alike).

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by :func:`evaluate_folder` (not empty).

    Returns
    -------
    list of str
        How to read a placement (``n/m``; ``~A/B`` when a key is borderline),
        :data:`TIE_RULE`, and one line per mean in a gap between published bands, naming
        the team and the key (``team-e, time to restore: between High (< 1 day) and Low
        (1 week - 1 month); counted Low by the rule.``).
    """
    keys = _keys_of(table)
    n = table.attrs.get("n")
    lines = []
    if n == 1:
        lines.append("1 replication per team: no spread to show and no tie test; run more "
                     "(-n) before trusting a rank.")
    else:
        lines.append("Each key: the mean over the replications, its cluster (which scores) and "
                     "n/m, how many of the m runs land in that cluster on their own.")
    if any(str(v).startswith("~") for k in keys for v in table[f"{k}_placement"]):
        lines.append("~A/B: borderline, the 95% CI of the mean reaches both clusters; more "
                     "replications (-n) could move the key and the score.")
    lines.append(TIE_RULE)
    for team, row in zip(table["team"], table.to_dict("records")):
        for k in keys:
            if row.get(f"{k}_gap"):
                lines.append(f"{team}, {metric(k).short.lower()}: {row[f'{k}_gap']}.")
    return lines


def format_table(table: pd.DataFrame) -> str:
    """The leaderboard as aligned text, with its notes underneath.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by :func:`evaluate_folder`.

    Returns
    -------
    str
        Rank (``=2`` for a tie, ``-`` for an unranked team), team, people, each key as
        its value in a readable unit (:func:`devsim.registry.format_value`) and its
        placement (``Medium 9/10``, ``~High/Medium``), score and tiebreak; then a blank
        line and the notes: how to read a placement, :data:`TIE_RULE` and, for every mean
        in a gap between published bands, a line naming the team and the key.
    """
    if table.empty:
        return "(no team evaluated)"
    shown = pd.DataFrame({
        "rank": [str(s) if s else "-" for s in table["rank_shown"]],
        "team": table["team"],
        "people": table["people"].astype(int),
        **{metric(k).short: [f"{format_value(k, v)} {c}"
                             for v, c in zip(table[k], table[f"{k}_placement"])]
           for k in _keys_of(table)},
        "score": table["score"].astype(int),
        "tiebreak": [f"{t:+.2f}" for t in table["tiebreak"]],
    })
    return shown.to_string(index=False) + "\n\n" + "\n".join(table_notes(table))


def export_table(table: pd.DataFrame, path: str | Path, *, errors: Sequence[str] = (),
                 overwrite: bool = False) -> Path:
    """Write the leaderboard to a file.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by :func:`evaluate_folder`.
    path : str or Path
        ``.csv`` (the table: every column of :func:`evaluate_folder`, placements, ``=``
        ties and gap notes included) or ``.json`` (the table's rows, errors, settings, the
        score rule, the notes under the table and every team's scenario as run).
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
        attrs["notes"] = table_notes(table) if not table.empty else []
        doc = {"devsim_leaderboard": 1, **attrs,
               "teams": json.loads(table.to_json(orient="records")), "errors": list(errors)}
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return path
