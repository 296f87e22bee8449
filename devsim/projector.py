"""The team challenge on a projector: a live leaderboard of a shared folder of team files.

Teams save their scenario as YAML (``team-a.yaml``) into a folder the trainer shares; the
:class:`Projector` shows the room, in large type,

* the leaderboard (:func:`devsim.leaderboard.evaluate_folder`: every team on the same seed
  and replications, ranked by :data:`devsim.leaderboard.SCORE_RULE`), each key coloured by
  its DORA cluster and labelled with its placement as the text table shows it
  (``High 9/10``; ``~High/Medium`` when the 95% CI reaches both clusters; its CI in the
  cell's tooltip), tied teams sharing a rank (``=3``), and under the table the notes of
  :func:`devsim.leaderboard.table_notes` (the tie rule, and every mean in a gap between
  published bands, naming the team and the key);
* the files that could not be read and the teams that are not ranked, each with its one-line
  reason, so a team sees at once what to fix;
* the lead-time distributions of all teams on one chart
  (:func:`devsim.plots.lead_time_distribution`, one run per team);
* one row of DORA tiles per team (:func:`devsim.plots.dora_dashboard`);
* when it last updated;
* with a class folder (``class_dir``, the trainer's ``DEVSIM_CLASS_DIR``), a **Class** tab
  beside the **Leaderboard** tab: per exercise how many learners attempted it, got it right
  or are stuck, and the room's spread of guesses per prediction question
  (:mod:`devsim.classview`), every unreadable file named;
* a **Debrief** tab for after the challenge: "why is this team faster than the start?" The
  trainer picks a team (default the leader) and a key (default lead time) and presses the
  button; :func:`debrief` shares the difference between the challenge's starting
  organisation and the team's out among the groups of design fields
  (:func:`devsim.decompose`: Shapley values on common random numbers, each share with its
  95% CI), and the tab shows :func:`devsim.plots.waterfall` with the sentences of
  :func:`devsim.report.explain_shares`, which call a share the largest only where the CIs
  allow. In a kernel the runs go to a worker thread, so the status line counts them as
  they finish and the page keeps watching the folder; a file that could not be read, or a
  team that changed a field the challenge fixes, gets a one-line reason instead.

Made for the back row of a room at 1920x1080: numbers are at least 24 px and labels at
least 18 px, the leaderboard of up to 8 teams and the status line fit one screen, the charts
are drawn as wide as the page, the page uses no icon font, and under Voila (:func:`in_voila`)
it shows no server path; the notebook's trainer notes use :func:`trainer_note`, which shows
them in JupyterLab only. Voila's own "lab" template links Font Awesome from a CDN; serve the
page with ``python -m devsim.projector`` (:func:`main`), which runs Voila with a copy of
that template without the link (:func:`write_voila_template`), so the page fetches nothing
from another host.

It watches the folder: every ``interval_s`` seconds it compares
:func:`devsim.leaderboard.folder_signature` (names, sizes, modification times) with the last
one and re-evaluates when a file appeared, changed or went away. The watcher is an asyncio
task on the kernel's event loop, so it runs in JupyterLab and in Voila alike
(``voila notebooks/projector.ipynb``); a "Refresh now" button forces an update, and
:meth:`Projector.refresh` / :meth:`Projector.poll` do the same synchronously (for tests).

A learner's file cannot stop the page: the leaderboard reads each file in its own process
within a time and memory budget (:data:`devsim.leaderboard.READ_TIMEOUT_S`,
:data:`devsim.leaderboard.READ_MEMORY_BYTES`), refuses runs over
:data:`devsim.leaderboard.MAX_CHANGES_PER_RUN`, follows no link out of the folder and lists
every entry it skips with the reason; the page remembers what each file read as, so a poll
reads again only the files that changed.

Runs are remembered per team scenario, seed and replication
(:class:`devsim.experiment.MemoExecutor` for the leaderboard and the tiles,
:class:`devsim.experiment.LogCache` for the chart's runs): when one team saves a new
version, only that team is run again, and the tiles reuse the leaderboard's runs instead of
repeating them. Like the lesson widgets, output areas are updated by assigning
``Output.outputs`` (never ``with out:``; :mod:`devsim.display` renders the figures), every
error is shown as a line on the page, and nothing is printed.

This module owns the projector page (its layout, HTML and folder watcher) and the debrief
of a team. It may import :mod:`devsim.leaderboard` (the ranking), :mod:`devsim.experiment`
(runs and their memory), :mod:`devsim.attribution` and :mod:`devsim.design` (the debrief's
shares and groups), :mod:`devsim.plots`, :mod:`devsim.registry` (names and numbers),
:mod:`devsim.report` (the debrief's sentences), :mod:`devsim.scenario`,
:mod:`devsim.classview` (the class folder) and :mod:`devsim.display`; it does not run the
model itself.
"""
from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any, Sequence

import ipywidgets as W
import pandas as pd

from . import classview, experiment, leaderboard, plots
from .attribution import decompose
from .design import DESIGN_GROUPS
from .display import ERROR_COLOUR, error_text, figure_bundle, one_line
from .dora import keys as year_keys
from .experiment import DEFAULT_SEED, LogCache, MemoExecutor, Results
from .log import EventLog
from .registry import format_value, is_metric, metric
from .report import explain_shares
from .scenario import Scenario, ScenarioError, resolve_scenario

__all__ = ["Projector", "projector", "in_voila", "trainer_note", "write_voila_template",
           "VOILA_TEMPLATE", "main", "debrief", "debrief_groups", "DebriefError", "DEBRIEF_N"]

# Readable from the back of a training room (issue 11: numbers >= 24 px, labels >= 18 px).
_NUMBER_PX = 26     # every number on the board and the class view
_LABEL_PX = 20      # labels, status line, button, tab titles, cluster words
_SMALL_PX = 18      # the smallest text: notes under the table, a team's note
_BASE_FONT = f"{_LABEL_PX}px"
#: Width in pixels the charts are drawn at (the page is about 1850 px wide at 1920x1080;
#: the page's CSS scales them down on a narrower screen).
_CHART_PX = 1800
#: Voila's environment variables in a kernel it started (VOILA_KERNEL_ID is set by the
#: first code Voila runs, the others in the kernel's environment, preheated or not).
_VOILA_ENV = ("VOILA_KERNEL_ID", "VOILA_BASE_URL", "VOILA_APP_PORT", "VOILA_SERVER_URL")
#: The offline Voila template :func:`main` serves the page with.
VOILA_TEMPLATE = "devsim-projector"
# Scoped to the projector: big tab titles, pictures as wide as the page.
_STYLE = f"""<style>
.devsim-projector .widget-tab > .lm-TabBar, .devsim-projector .widget-tab > .p-TabBar {{
  min-height: 2.4em; font-size: {_LABEL_PX}px; }}
.devsim-projector .widget-tab > .lm-TabBar .lm-TabBar-tab,
.devsim-projector .widget-tab > .p-TabBar .p-TabBar-tab {{
  font-size: {_LABEL_PX}px; min-height: 2.2em; line-height: 2.2em; flex: 0 0 10em;
  max-height: none; }}
.devsim-projector .widget-tab > .lm-TabBar .lm-TabBar-tabLabel {{ line-height: 2.2em; }}
.devsim-projector .widget-tab > .widget-tab-contents {{ padding: 0.4em 0.2em; }}
.devsim-projector .jp-OutputArea-output img {{ width: 100%; max-width: {_CHART_PX}px;
  height: auto; }}
.devsim-projector .widget-button {{ font-size: {_LABEL_PX}px; }}
.devsim-projector .devsim-debrief .widget-label,
.devsim-projector .devsim-debrief .widget-dropdown select {{ font-size: {_LABEL_PX}px; }}
.devsim-projector .devsim-debrief .widget-dropdown select {{ height: 2.2em; }}
</style>"""
#: The Debrief tab's button.
_DEBRIEF_BUTTON = "Why the difference?"
#: Event logs kept for the lead-time chart: one per team, with room for a class of teams
#: each saving new versions between refreshes.
_LOGS_KEPT = 64


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _cluster_key(label: str) -> str:
    key = str(label).split()[0].lower() if str(label).strip() else "n/a"
    return key if key in plots.CLUSTER_COLOURS else "n/a"


def _tint(colour: str, amount: float = 0.25) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - amount * (255 - c)) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def in_voila() -> bool:
    """True when this kernel was started by Voila (the page is on a screen for the room)."""
    if any(os.environ.get(k) for k in _VOILA_ENV):
        return True
    return os.environ.get("SERVER_SOFTWARE", "").lower().startswith("voila")


def trainer_note(markdown: str) -> Any:
    """A note for the trainer: shown in JupyterLab, nothing at all under Voila.

    Parameters
    ----------
    markdown : str
        The note (Markdown).

    Returns
    -------
    IPython.display.Markdown or None
        The note to display, or None under Voila (a cell whose value is None shows nothing).
    """
    if in_voila():
        return None
    from IPython.display import Markdown

    return Markdown(markdown)


def _duration(seconds: float) -> str:
    """A wait as a room hears it: "5 s", "40 s", "2 min"."""
    if seconds < 90:
        return f"{max(1, round(seconds / 5) * 5 if seconds >= 10 else round(seconds))} s"
    return f"{round(seconds / 60)} min"


def _wide(fig: Any) -> dict[str, Any]:
    """``fig`` as a PNG output drawn :data:`_CHART_PX` wide (text scales with it)."""
    fig.set_dpi(_CHART_PX / fig.get_figwidth())
    return figure_bundle(fig)


# --- the debrief: why is a team faster than the start? ----------------------------------------

#: Replications of each mixture in the debrief: a team that changed all seven groups of
#: :data:`devsim.design.DESIGN_GROUPS` needs 2**7 = 128 mixtures, and 128 x 5 runs take
#: about 20 s on 2 cores (``benchmarks/bench_decompose.py``); fewer groups, far less.
DEBRIEF_N = 5
#: Debriefs remembered per page (one per team scenario): choosing another key, or a team
#: debriefed before, redraws at once.
_DEBRIEFS_KEPT = 16


class DebriefError(ValueError):
    """Why a team cannot be debriefed, in one line that names the team."""


def _merge(groups: dict[str, tuple[str, ...]], g: str, h: str) -> dict[str, tuple[str, ...]]:
    """``groups`` with ``h`` folded into ``g`` (named "g + h", in g's place)."""
    out = {}
    for name, fields_ in groups.items():
        if name == g:
            out[f"{g} + {h}"] = fields_ + groups[h]
        elif name != h:
            out[name] = fields_
    return out


def _invalid_mixtures(start: Scenario, team: Scenario,
                      groups: dict[str, tuple[str, ...]]) -> tuple[list[str], list[set[str]]]:
    """The groups that differ, and each set of them whose mixture is not an organisation."""
    da, db = start.to_dict(), team.to_dict()
    names = [g for g, fs in groups.items() if any(da[f] != db[f] for f in fs)]
    bad = []
    for size in range(1, len(names)):
        for chosen in combinations(names, size):
            try:
                replace(start, **{f: db[f] for g in chosen for f in groups[g]})
            except ScenarioError:
                bad.append(set(chosen))
    return names, bad


def debrief_groups(start: Scenario, team: Scenario,
                   groups: dict[str, Any] | None = None) -> dict[str, tuple[str, ...]]:
    """The groups of fields a debrief shares a difference among.

    :data:`devsim.design.DESIGN_GROUPS`, except that two groups are merged where taking one
    from ``team`` and the other from ``start`` is not a valid organisation (a team with no
    testers and full test automation, say: its people without its automation cannot be
    run). Each merge is the pair that leaves the fewest invalid mixtures, until none is left
    (at worst one group holds every change, and it gets the whole difference).

    Parameters
    ----------
    start, team : Scenario
        The starting organisation and the team's.
    groups : mapping, optional
        Group name -> fields (default :data:`devsim.design.DESIGN_GROUPS`).

    Returns
    -------
    dict
        Group name -> fields; a merged group is named ``"people + automation"``.
    """
    current = {g: tuple(fs) for g, fs in (groups or DESIGN_GROUPS).items()}
    while True:
        names, bad = _invalid_mixtures(start, team, current)
        if not bad:
            return current
        chosen = bad[0]
        best: tuple[int, dict] | None = None
        for g in names:
            for h in names:
                if (g in chosen) == (h in chosen) or names.index(g) > names.index(h):
                    continue
                merged = _merge(current, g, h)
                count = len(_invalid_mixtures(start, team, merged)[1])
                if best is None or count < best[0]:
                    best = (count, merged)
        current = best[1]


def debrief(start: Scenario | str, team: Scenario | str,
            keys: Sequence[str] = ("lead_time_hours",), *, n: int = DEBRIEF_N,
            seed: int = DEFAULT_SEED, executor: Any = None) -> pd.DataFrame:
    """Why is ``team`` faster (or slower) than ``start``? :func:`devsim.decompose` for a room.

    The difference ``team - start`` of each key is shared out among the groups of design
    fields that differ (:func:`debrief_groups`: :data:`devsim.design.DESIGN_GROUPS`, merged
    where a mixture would not be a valid organisation), by Shapley values on common random
    numbers, each share with its paired 95% CI. Anything a team file can get wrong is
    reported as a :class:`DebriefError` of one line that names the team, never a traceback.

    Parameters
    ----------
    start, team : Scenario or str
        The starting organisation and the team's (Scenarios, preset names or YAML paths).
    keys : sequence of str
        Metric keys (every mixture's runs give all of them at once).
    n : int
        Replications of each mixture (default :data:`DEBRIEF_N`).
    seed : int
        Base seed (common random numbers).
    executor : optional
        As for :func:`devsim.experiment.compare`.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`devsim.decompose` (``metric, group, fields, mean, ci_low,
        ci_high``; the shares of each key add up to its ``"total"`` row); ``attrs`` also
        holds ``merged``, the names of merged groups.

    Raises
    ------
    DebriefError
        The team file cannot be read or is not a valid scenario, the team changes a field
        that no group holds (a field the challenge fixes, such as the defect rate), or it
        is the start unchanged.
    """
    who = team.name if isinstance(team, Scenario) else os.path.basename(str(team))
    unknown = [str(k) for k in keys if not is_metric(k)]
    if isinstance(keys, str) or not list(keys) or unknown:
        raise DebriefError(f"keys: {', '.join(unknown) or repr(keys)} is not a list of "
                           "metric keys (such as lead_time_hours)")
    try:
        a = resolve_scenario(start)
    except (ScenarioError, OSError, ValueError) as exc:
        raise DebriefError(f"start: {one_line(exc)}") from None
    try:
        b = resolve_scenario(team)
    except (ScenarioError, OSError, ValueError) as exc:
        raise DebriefError(f"{who}: {one_line(exc)}") from None
    groups = dict(DESIGN_GROUPS)
    held = {f for fs in groups.values() for f in fs}
    da, db = a.to_dict(), b.to_dict()
    fixed = [f for f in da if f != "name" and f not in held and da[f] != db[f]]
    if fixed:
        raise DebriefError(f"{who}: changes {', '.join(fixed)}, which the challenge fixes; "
                           "the debrief shares out only changes of design")
    if all(da[f] == db[f] for f in held):
        raise DebriefError(f"{who}: the same organisation as the start; nothing to share out")
    groups = debrief_groups(a, b, groups)
    try:
        shares = decompose(a, b, keys, n=n, seed=seed, groups=groups, executor=executor,
                           progress=False)
    except ValueError as exc:  # n or seed out of range
        raise DebriefError(f"{who}: {one_line(exc)}") from None
    shares.attrs["merged"] = [g for g in groups if " + " in g and g in set(shares["group"])]
    return shares


class _Counting(MemoExecutor):
    """A :class:`MemoExecutor` that counts the runs finished (the debrief's progress)."""

    def __init__(self, inner: Any = None):
        super().__init__(inner)
        self.asked = 0
        self.finished = 0

    def submit(self, fn, /, *args, **kwargs):
        fut = super().submit(fn, *args, **kwargs)
        self.asked += 1
        fut.add_done_callback(self._one_finished)
        return fut

    def _one_finished(self, _future) -> None:
        self.finished += 1


class Projector(W.VBox):
    """A live leaderboard of a folder of team scenario files, for a projector.

    Parameters
    ----------
    folder : str or Path
        The shared folder of team files (``*.yaml``, ``*.yml``); relative paths are relative
        to the kernel's working folder (in Voila and Jupyter, the notebook's folder).
    n : int
        Replications per team (default :data:`devsim.leaderboard.DEFAULT_N`, the
        leaderboard's: measured so that the sample teams keep their ranks at three times as
        many). More replications give a steadier ranking and take longer; every team uses
        the same ``n`` and ``seed`` (common random numbers).
    seed : int
        Base seed; replication *i* of every team uses ``(seed, i)``.
    year : int
        DORA report year whose clusters score the keys (see :data:`devsim.dora.REPORT_YEARS`).
    max_people : int or None
        Headcount budget; a team above it is shown but not ranked.
    baseline : Scenario or None
        The challenge (see :func:`devsim.leaderboard.evaluate_folder`); default ``Scenario()``.
    interval_s : float
        How often the watcher looks at the folder, in seconds (at least 0.5).
    title : str
        The heading the room sees.
    tiles, lead_times : bool
        Show the DORA tiles of every team and the lead-time chart (each costs a few hundred
        milliseconds per team to draw).
    watch : bool
        Start watching the folder at once (needs a running event loop, as in a Jupyter or
        Voila kernel; elsewhere the page says it is not watching and :meth:`poll` still works).
    executor : optional
        Where the runs go: None (devsim's shared process pool), ``"serial"`` or an Executor.
    class_dir : str, Path or None
        The class folder (``DEVSIM_CLASS_DIR``) whose records the Class tab sums up; None
        (the default) leaves the class view off and the tab says how to turn it on.
    show_paths : bool or None
        Show the folders' paths on the page; default: only outside Voila (the room sees the
        folder's name, not where it is on the server).
    debrief_n : int
        Replications of each mixture in the Debrief tab (default :data:`DEBRIEF_N`, at
        least 2 for confidence intervals).

    Attributes
    ----------
    table : pandas.DataFrame or None
        The last leaderboard (see :func:`devsim.leaderboard.evaluate_folder`).
    errors : list of str
        One line per file that could not be read.
    results : Results or None
        Every team's replications (the tiles' data), ranked order.
    logs : dict of {str: EventLog}
        Replication 0 of every team (the lead-time chart's data).
    signature : tuple
        The folder signature of the last evaluation.
    last_updated : datetime or None
        When the page last changed.
    runs : int
        Simulation runs made so far (runs remembered from earlier evaluations are not
        counted again).
    refreshes : int
        How many evaluations have been made.
    status : ipywidgets.HTML
        The "last updated" line, or the error of the last attempt.
    tabs : ipywidgets.Tab
        "Leaderboard", "Class" and "Debrief".
    class_view : ipywidgets.HTML
        The Class tab's content.
    class_summary : devsim.classview.ClassSummary or None
        What the class folder held at the last look (None when off or unreadable).
    debrief_start : Scenario
        The starting organisation the Debrief tab compares a team with (the challenge's
        baseline, named "start").
    debrief_team, debrief_key : ipywidgets.Dropdown
        The Debrief tab's team (default the leader; files that could not be read are listed
        too, and give their one-line reason) and key (default lead time).
    debrief_button : ipywidgets.Button
        "Why the difference?": shares out the difference (:func:`debrief`), with the runs
        done so far on :attr:`debrief_status` while it runs.
    debrief_status, debrief_text : ipywidgets.HTML
        The tab's status line, and the sentences of :func:`devsim.report.explain_shares`.
    debrief_out : ipywidgets.Output
        The waterfall (:func:`devsim.plots.waterfall`).
    shares : pandas.DataFrame or None
        The debrief on the page (every key of the report year), or None.
    """

    def __init__(self, folder: str | Path, *, n: int = leaderboard.DEFAULT_N,
                 seed: int = DEFAULT_SEED,
                 year: int = 2019, max_people: int | None = None,
                 baseline: Scenario | None = None, interval_s: float = 5.0,
                 title: str = "Team challenge: DORA leaderboard", tiles: bool = True,
                 lead_times: bool = True, watch: bool = True, executor: Any = None,
                 class_dir: str | Path | None = None, show_paths: bool | None = None,
                 debrief_n: int = DEBRIEF_N):
        super().__init__(layout=W.Layout(width="100%"))
        self.add_class("devsim-projector")
        # Options fail here, with the leaderboard's own messages, not on the first refresh.
        leaderboard.check_options(n, seed, year, max_people)
        if isinstance(interval_s, bool) or not isinstance(interval_s, (int, float)) \
                or not interval_s >= 0.5:
            raise ValueError(f"interval_s: {interval_s!r} is not allowed; give a number of "
                             "seconds >= 0.5")
        if isinstance(debrief_n, bool) or not isinstance(debrief_n, int) \
                or not 2 <= debrief_n <= 100:
            raise ValueError(f"debrief_n: {debrief_n!r} is not allowed; give a whole number "
                             "of replications from 2 to 100")
        self.folder = Path(folder)
        self.n, self.seed, self.year, self.max_people = n, seed, year, max_people
        self.baseline = baseline
        self.interval_s = float(interval_s)
        self.show_tiles, self.show_lead_times = tiles, lead_times
        self._executor = MemoExecutor(executor)
        self._logs = LogCache(_LOGS_KEPT)
        # Per team scenario (n, seed and year are fixed for the life of the page).
        self._tile_cache: dict[Scenario, dict[str, Any]] = {}
        # What each team file read as, per file signature: a file is read again (in its own
        # process, within the leaderboard's time and memory budget) only when it changed.
        self._read_cache: dict = {}
        self._task: asyncio.Task | None = None
        self.table: pd.DataFrame | None = None
        self.errors: list[str] = []
        self.results: Results | None = None
        self.logs: dict[str, EventLog] = {}
        self.signature: tuple | None = None
        self.last_updated: datetime | None = None
        self.refreshes = 0
        self._line, self._line_is_error = "", False
        self.watch_note = ""
        self.show_paths = (not in_voila()) if show_paths is None else bool(show_paths)
        self.class_folder = (classview.ClassFolder(class_dir)
                             if class_dir is not None and str(class_dir).strip() else None)
        self.class_summary: classview.ClassSummary | None = None
        self._class_signature: tuple | None = None
        self.debrief_n = debrief_n
        self.debrief_start = replace(baseline if baseline is not None else Scenario(),
                                     name="start")
        self.shares: pd.DataFrame | None = None
        self._shown_team: tuple[str, Scenario] | None = None
        self._debriefs: dict[Scenario, pd.DataFrame] = {}
        self._debrief_executor = _Counting(executor)
        self._serial = executor == "serial"
        self._debrief_task: asyncio.Task | None = None
        self._debrief_busy = False
        self._quiet = False  # options being set by the page, not chosen by the trainer

        font = f"font-size:{_BASE_FONT}; line-height:1.35"
        self.heading = W.HTML(
            _STYLE +
            f"<div style='font-size:40px; font-weight:bold; margin:0.1em 0'>{_e(title)}</div>"
            f"<div style='{font}; color:#333'>Folder <code>{self._where(self.folder)}</code> · "
            f"{n} replication{'s' if n != 1 else ''} per team, seed {seed} · "
            f"DORA {year} clusters"
            + (f" · budget {max_people} people" if max_people is not None else "")
            + "</div>")
        self.status = W.HTML("")
        # No icon: ipywidgets draws icons with Font Awesome, which Voila's template fetches
        # from a CDN (a projector room may be offline).
        self.button = W.Button(description="Refresh now", button_style="primary",
                               tooltip="Evaluate every team file again now",
                               layout=W.Layout(width="9em", height="2.2em"))
        self.button.style.font_size = _BASE_FONT
        self.button.on_click(self._on_button)
        self.board = W.HTML("")
        self.problems = W.HTML("")
        self.lead_time_out = W.Output()
        self.tiles_out = W.Output()
        self.rule = W.HTML(
            f"<details style='{font}'><summary><b>How the score works</b></summary>"
            f"<p>{_e(leaderboard.SCORE_RULE)}</p></details>")
        self.class_view = W.HTML("")
        self._build_debrief()
        section = "font-size:28px; font-weight:bold; margin:0.8em 0 0.2em 0"
        board = [self.board, self.problems]
        if lead_times:
            board += [W.HTML(f"<div style='{section}'>Lead time for changes, all teams</div>"),
                      self.lead_time_out]
        if tiles:
            board += [W.HTML(f"<div style='{section}'>Each team's DORA keys</div>"),
                      self.tiles_out]
        self.tabs = W.Tab(children=[W.VBox(board + [self.rule]), W.VBox([self.class_view]),
                                    self.debrief_view],
                          titles=("Leaderboard", "Class", "Debrief"),
                          layout=W.Layout(width="100%"))
        self.children = [self.heading, W.HBox([self.button, self.status],
                                              layout=W.Layout(align_items="center")),
                         self.tabs]
        self.refresh()
        if watch:
            self.start()

    # --- evaluating -------------------------------------------------------------------------
    @property
    def runs(self) -> int:
        """Simulation runs made for the leaderboard and the tiles (remembered runs excluded)."""
        return self._executor.runs

    def _say(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` (HTML) and, after it, whether the folder is being watched."""
        self._line, self._line_is_error = text, error
        colour = ERROR_COLOUR if error else "#333"
        self.status.value = (f"<div class='devsim-status' style='font-size:{_BASE_FONT}; "
                             f"color:{colour}; margin-left:1em; line-height:1.3'>"
                             f"{text}{_e(self.watch_note)}</div>")

    def _where(self, path: Path) -> str:
        """A folder as the page shows it (HTML): its path, or under Voila only its name."""
        return _e(path if self.show_paths else (path.name or path))

    def _private(self, text: str) -> str:
        """``text`` with the folders' paths cut to their names when paths are not shown."""
        if self.show_paths:
            return text
        folders = [self.folder] + ([self.class_folder.folder] if self.class_folder else [])
        for folder in folders:
            for form in {str(folder.resolve()), str(folder.absolute()), str(folder)}:
                if form and form != ".":
                    text = text.replace(form, folder.name or "folder")
        return text

    def status_text(self) -> str:
        """The status line as plain text (what the room reads next to the button)."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value))

    def _team_scenarios(self, table: pd.DataFrame) -> list[Scenario]:
        """The scenarios the leaderboard ran (so the remembered runs are found again)."""
        return [table.attrs["scenarios"][team] for team in table["team"]]

    def _tile(self, results: Results, scenario: Scenario) -> dict[str, Any]:
        # Same scenario, n, seed and year: same runs, same picture; draw only what changed.
        if scenario not in self._tile_cache:
            fig = plots.dora_dashboard(results, scenario.name, year=self.year)
            self._tile_cache[scenario] = _wide(fig)
        return self._tile_cache[scenario]

    def refresh(self) -> bool:
        """Evaluate the folder now and redraw everything (synchronously).

        Returns
        -------
        bool
            True if the page was updated; False if the evaluation failed (the status line
            says why and the last good leaderboard stays on the page).
        """
        t0 = time.perf_counter()
        signature = leaderboard.folder_signature(self.folder)
        n_files = len(signature)
        self._say(f"Evaluating {n_files} team file{'s' if n_files != 1 else ''}…")
        self._executor.begin()
        try:
            table, errors = leaderboard.evaluate_folder(
                self.folder, n=self.n, seed=self.seed, year=self.year,
                max_people=self.max_people, baseline=self.baseline, executor=self._executor,
                cache=self._read_cache)
            results, logs, tiles, chart = None, {}, [], []
            if not table.empty and (self.show_tiles or self.show_lead_times):
                scenarios = self._team_scenarios(table)
                current = set(scenarios)
                if self.show_tiles:
                    results = experiment.compare(scenarios, n=self.n, seed=self.seed,
                                                 executor=self._executor, progress=False)
                    tiles = [self._tile(results, s) for s in scenarios]
                    self._tile_cache = {k: v for k, v in self._tile_cache.items()
                                        if k in current}
                if self.show_lead_times:
                    logs = {s.name: self._logs.get(s, self.seed, 0) for s in scenarios}
                    chart = [_wide(plots.lead_time_distribution(logs))]
            self._executor.prune()
        except Exception as exc:  # noqa: BLE001 - a page on a projector reports, never raises
            self.signature = signature  # retried when the folder changes or on the button
            what = "" if isinstance(exc, leaderboard.LeaderboardError) \
                else f"{type(exc).__name__}: "
            self._say(f"Not updated: {_e(self._private(what + one_line(exc)))}", error=True)
            self.refresh_class()
            return False
        self.table, self.errors, self.results, self.logs = table, errors, results, logs
        self.signature = signature
        self.board.value = self._board_html(table)
        self.problems.value = self._problems_html(table, errors)
        self.lead_time_out.outputs = tuple(chart)
        self.tiles_out.outputs = tuple(tiles)
        self._debrief_options()
        self.refresh_class()
        self.refreshes += 1
        self.last_updated = datetime.now()
        ranked = int(table["rank"].notna().sum()) if not table.empty else 0
        self._say(f"Last updated {self.last_updated:%H:%M:%S} · {ranked} ranked, "
                  f"{len(table) - ranked} not ranked, {len(errors)} invalid · "
                  f"updated in {time.perf_counter() - t0:.1f} s")
        return True

    def poll(self) -> bool:
        """Refresh if the folder changed since the last evaluation (one watcher step).

        Returns
        -------
        bool
            True if the folder had changed and the page was refreshed.
        """
        if leaderboard.folder_signature(self.folder) == self.signature:
            return self.poll_class()
        self.refresh()
        return True

    # --- the class view -------------------------------------------------------------------------
    def poll_class(self) -> bool:
        """Redraw the Class tab if the class folder changed; True if it was redrawn."""
        if self.class_folder is None:
            if not self.class_view.value:
                self.refresh_class()
                return True
            return False
        if self.class_folder.signature() == self._class_signature:
            return False
        self.refresh_class()
        return True

    def refresh_class(self) -> None:
        """Read the class folder now and redraw the Class tab (never raises)."""
        font = f"font-size:{_LABEL_PX}px; line-height:1.4"
        if self.class_folder is None:
            self.class_summary = None
            self.class_view.value = (
                f"<div style='{font}; padding:0.6em 0'>The class view is off. To see the "
                "room's exercise checks and predictions here, set <code>DEVSIM_CLASS_DIR</code> "
                "to a shared folder for the learners' kernels and for this page.</div>")
            return
        self._class_signature = self.class_folder.signature()
        try:
            summary = self.class_folder.summary()
        except Exception as exc:  # noqa: BLE001 - a page on a projector reports, never raises
            self.class_summary = None
            self.class_view.value = (
                f"<div style='{font}; color:{ERROR_COLOUR}; padding:0.6em 0'>Class view not "
                f"updated: {_e(self._private(one_line(exc)))}</div>")
            return
        self.class_summary = summary
        self.class_view.value = self._class_html(summary)

    # --- watching -----------------------------------------------------------------------------
    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                self.poll()
            except Exception as exc:  # noqa: BLE001 - keep watching whatever happens
                self._say(f"Watcher: {_e(type(exc).__name__)}: {_e(one_line(exc))}",
                          error=True)

    @property
    def watching(self) -> bool:
        """True while the folder is being watched."""
        return self._task is not None and not self._task.done()

    def start(self) -> "Projector":
        """Watch the folder every ``interval_s`` seconds on the running event loop.

        In a Jupyter or Voila kernel the loop is the kernel's own. Without a running loop
        (a plain script) nothing is started and the status line says so.
        """
        if self.watching:
            return self
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.watch_note = " · not watching the folder (no event loop): use Refresh now"
        else:
            self._task = loop.create_task(self._watch())
            self.watch_note = f" · watching the folder every {self.interval_s:g} s"
        self._say(self._line, error=self._line_is_error)
        return self

    def stop(self) -> None:
        """Stop watching the folder (the page stays as it is)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.watch_note = " · not watching the folder"
        self._say(self._line, error=self._line_is_error)

    def close(self) -> None:
        """Stop watching, forget the remembered runs and close the widgets."""
        self.stop()
        if self._debrief_task is not None:
            self._debrief_task.cancel()
        self._executor.shutdown()
        self._debrief_executor.shutdown()
        self._debriefs.clear()
        self._logs.clear()
        super().close()

    def _on_button(self, _button=None) -> None:
        try:
            self.refresh()
        except Exception as exc:  # noqa: BLE001
            self._say(_e(error_text(exc)), error=True)

    # --- the debrief ------------------------------------------------------------------------------
    def _build_debrief(self) -> None:
        font = f"font-size:{_LABEL_PX}px; line-height:1.35"
        keys = list(year_keys(self.year))
        wide = {"description_width": "initial"}
        self.debrief_team = W.Dropdown(description="Team", options=[], style=wide,
                                       layout=W.Layout(width="26em", height="2.4em"))
        self.debrief_key = W.Dropdown(
            description="Key", options=[(metric(k).short, k) for k in keys],
            value="lead_time_hours" if "lead_time_hours" in keys else keys[0], style=wide,
            layout=W.Layout(width="18em", height="2.4em"))
        self.debrief_button = W.Button(description=_DEBRIEF_BUTTON, button_style="primary",
                                       tooltip="Share the difference between the start and "
                                               "this team out among the groups of design fields",
                                       layout=W.Layout(width="13em", height="2.2em"))
        self.debrief_button.style.font_size = _BASE_FONT
        self.debrief_button.on_click(self._on_debrief)
        self.debrief_status = W.HTML("")
        self.debrief_text = W.HTML("")
        self.debrief_out = W.Output()
        intro = W.HTML(
            f"<div style='{font}; color:#333; margin:0.2em 0 0.4em 0'>Why is a team faster "
            "than the start? Every mix of the two designs (each group of fields taken from "
            "one or the other) runs on the same random numbers, and each group gets its "
            "share of the difference (Shapley value) with its 95% CI.</div>")
        self.debrief_team.observe(self._on_debrief_choice, "value")
        self.debrief_key.observe(self._on_debrief_choice, "value")
        controls = W.HBox([self.debrief_team, self.debrief_key, self.debrief_button],
                          layout=W.Layout(align_items="center", grid_gap="1.5em"))
        self.debrief_view = W.VBox([intro, controls, self.debrief_status, self.debrief_text,
                                    self.debrief_out])
        self.debrief_view.add_class("devsim-debrief")

    def _debrief_say(self, text: str, *, error: bool = False) -> None:
        colour = ERROR_COLOUR if error else "#333"
        self.debrief_status.value = (
            f"<div class='devsim-debrief-status' style='font-size:{_BASE_FONT}; "
            f"color:{colour}; margin:0.4em 0; line-height:1.3'>{text}</div>")

    def debrief_status_text(self) -> str:
        """The Debrief tab's status line as plain text."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.debrief_status.value))

    def _team_scenario(self, team: str) -> Scenario | None:
        """The team's scenario as the leaderboard last ran it (None: not on the board)."""
        if self.table is None:
            return None
        return self.table.attrs.get("scenarios", {}).get(team)

    def _debrief_options(self) -> None:
        """The teams to choose from, after an evaluation: ranked, then not ranked, then the
        files that could not be read; the choice is kept, else the leader is chosen."""
        options: list[tuple[str, tuple[str, str]]] = []
        if self.table is not None and not self.table.empty:
            for team, shown in zip(self.table["team"], self.table["rank_shown"]):
                label = f"{shown}. {team}" if shown else f"{team} (not ranked)"
                options.append((label, ("team", team)))
        for line in self.errors:
            line = self._private(line)
            options.append((f"{line.split(': ', 1)[0]} (cannot be read)", ("file", line)))
        values = [v for _, v in options]
        old = self.debrief_team.value
        self._quiet = True
        try:
            self.debrief_team.options = options
            self.debrief_team.value = old if old in values else (values[0] if values else None)
        finally:
            self._quiet = False
        if self._debrief_busy:
            return
        if self._shown_team is not None:
            name, scenario = self._shown_team
            if self._team_scenario(name) != scenario:
                self._debrief_clear()
                self._debrief_say(f"{_e(name)}'s file changed or went away since its "
                                  "debrief: choose the team and press the button again.")
                return
        if self._shown_team is None:
            self._show_chosen()

    def _debrief_clear(self) -> None:
        self.shares, self._shown_team = None, None
        self.debrief_text.value = ""
        self.debrief_out.outputs = ()

    def _debrief_plan(self, scenario: Scenario) -> tuple[int, int]:
        """(mixtures, runs) of debriefing ``scenario``."""
        da, db = self.debrief_start.to_dict(), scenario.to_dict()
        groups = debrief_groups(self.debrief_start, scenario)
        k = sum(any(da[f] != db[f] for f in fs) for fs in groups.values())
        return 2 ** k, 2 ** k * self.debrief_n

    def _on_debrief_choice(self, _change: Any = None) -> None:
        if self._quiet or self._debrief_busy:
            return
        try:
            self._show_chosen()
        except Exception as exc:  # noqa: BLE001 - a page on a projector reports, never raises
            self._debrief_say(_e(self._private(error_text(exc))), error=True)

    def _show_chosen(self) -> None:
        """Show the chosen team's debrief from memory, or say what pressing the button does."""
        value = self.debrief_team.value
        if value is None:
            self._debrief_clear()
            self._debrief_say("No team to debrief yet: the teams of the leaderboard appear "
                              "here.")
            return
        kind, what = value
        scenario = self._team_scenario(what) if kind == "team" else None
        if scenario is not None and scenario in self._debriefs:
            self._debrief_show(what, scenario, self._debriefs[scenario])
            self._debrief_say(f"{_e(what)} against the start · from memory")
            return
        self._debrief_clear()
        if scenario is None:
            self._debrief_say(f"Press <b>{_DEBRIEF_BUTTON}</b> to see why.")
            return
        try:
            mixtures, runs = self._debrief_plan(scenario)
        except Exception:  # noqa: BLE001 - the button will say what is wrong
            self._debrief_say(f"Press <b>{_DEBRIEF_BUTTON}</b> to share out the difference "
                              f"between the start and {_e(what)}.")
            return
        self._debrief_say(f"Press <b>{_DEBRIEF_BUTTON}</b> to share out the difference "
                          f"between the start and {_e(what)} ({mixtures} mixes x "
                          f"{self.debrief_n} runs = {runs} runs).")

    def _on_debrief(self, _button: Any = None) -> None:
        if self._debrief_busy:
            return
        try:
            job = self._debrief_job()
            if job is None:
                return
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (a script, a test): run it here
                self._debrief_run(job)
                return
            # In a kernel: run in a thread, so the page shows progress and keeps watching.
            self._debrief_begin(job[0], job[2])
            self._debrief_task = loop.create_task(self._debrief_async(job))
        except Exception as exc:  # noqa: BLE001 - a page on a projector reports, never raises
            self._debrief_end()
            self._debrief_say(_e(self._private(error_text(exc))), error=True)

    def debrief_now(self) -> bool:
        """Debrief the chosen team now, synchronously (what the button does, for tests and
        scripts).

        Returns
        -------
        bool
            True if a waterfall of the chosen team is on the page; False if the status line
            says why not.
        """
        job = self._debrief_job()
        if job is not None:
            self._debrief_run(job)
        return self._shown_team is not None

    def _debrief_job(self) -> tuple[str, Scenario, tuple[int, int]] | None:
        """What the button is to compute, or None when the page already said why not."""
        value = self.debrief_team.value
        if value is None:
            self._debrief_clear()
            self._debrief_say("No team to debrief yet: the teams of the leaderboard appear "
                              "here.", error=True)
            return None
        kind, what = value
        if kind == "file":
            self._debrief_clear()
            self._debrief_say(f"{_e(what)} · fix the file and save it again", error=True)
            return None
        scenario = self._team_scenario(what)
        if scenario is None:
            self._debrief_clear()
            self._debrief_say(f"{_e(what)}: no longer on the leaderboard", error=True)
            return None
        if scenario in self._debriefs:
            self._show_chosen()
            return None
        try:
            plan = self._debrief_plan(scenario)
        except Exception:  # noqa: BLE001 - debrief() names the problem
            plan = (0, 0)
        return what, scenario, plan

    def _debrief_begin(self, name: str, plan: tuple[int, int]) -> None:
        self._debrief_busy = True
        self.debrief_button.disabled = True
        self.debrief_button.description = "Running…"
        self._debrief_clear()
        mixtures, runs = plan
        what = f": {mixtures} mixes x {self.debrief_n} runs = {runs} runs" if runs else ""
        self._debrief_say(f"Sharing out the difference between the start and {_e(name)}{what}…")

    def _debrief_progress(self, name: str, plan: tuple[int, int], t0: float) -> None:
        runs = plan[1] or self._debrief_executor.asked
        done = min(self._debrief_executor.finished, runs)
        took = time.perf_counter() - t0
        left = ""
        if runs and done >= max(1, runs // 20):  # a rate measured on enough runs
            left = f", about {_duration(took * (runs - done) / done)} left"
        self._debrief_say(f"Sharing out the difference between the start and {_e(name)}: "
                          f"{done} of {runs} runs done · {took:.0f} s{left}")

    def _debrief_end(self) -> None:
        self._debrief_busy = False
        self.debrief_button.disabled = False
        self.debrief_button.description = _DEBRIEF_BUTTON

    def _debrief_compute(self, scenario: Scenario) -> pd.DataFrame:
        """The debrief's runs (in a worker thread when the page runs in a kernel)."""
        ex = self._debrief_executor
        ex.begin()
        ex.asked = ex.finished = 0
        shares = debrief(self.debrief_start, scenario, list(year_keys(self.year)),
                         n=self.debrief_n, seed=self.seed, executor=ex)
        ex.prune()
        return shares

    def _debrief_run(self, job: tuple[str, Scenario, tuple[int, int]]) -> None:
        name, scenario, plan = job
        self._debrief_begin(name, plan)
        t0 = time.perf_counter()
        try:
            shares = self._debrief_compute(scenario)
        except Exception as exc:  # noqa: BLE001 - a page on a projector reports, never raises
            self._debrief_end()
            self._debrief_failed(name, exc)
            return
        self._debrief_end()
        self._debrief_done(name, scenario, shares, time.perf_counter() - t0)

    async def _debrief_async(self, job: tuple[str, Scenario, tuple[int, int]]) -> None:
        """The runs in a worker thread, the page updated on the event loop (after
        :meth:`_debrief_begin`)."""
        name, scenario, plan = job
        t0 = time.perf_counter()
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(None, self._debrief_compute, scenario)
            while not future.done():
                await asyncio.wait({future}, timeout=0.5)
                if not future.done():
                    self._debrief_progress(name, plan, t0)
            shares = future.result()
        except asyncio.CancelledError:
            self._debrief_end()
            raise
        except Exception as exc:  # noqa: BLE001 - a page on a projector reports, never raises
            self._debrief_end()
            self._debrief_failed(name, exc)
            return
        self._debrief_end()
        try:
            self._debrief_done(name, scenario, shares, time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001
            self._debrief_failed(name, exc)

    def _debrief_failed(self, name: str, exc: BaseException) -> None:
        self._debrief_clear()
        text = one_line(exc) if isinstance(exc, DebriefError) else \
            f"{name}: {type(exc).__name__}: {one_line(exc)}"
        self._debrief_say(f"No debrief: {_e(self._private(text))}", error=True)

    def _debrief_done(self, name: str, scenario: Scenario, shares: pd.DataFrame,
                      took: float) -> None:
        self._debriefs[scenario] = shares
        while len(self._debriefs) > _DEBRIEFS_KEPT:
            del self._debriefs[next(iter(self._debriefs))]
        self._debrief_show(name, scenario, shares)
        groups = int((shares["group"] != "total").sum() / shares["metric"].nunique())
        merged = shares.attrs.get("merged", [])
        note = (" · shared out together (one without the other is not a valid "
                f"organisation): {', '.join(merged)}" if merged else "")
        self._debrief_say(f"{_e(name)} against the start · {groups} groups, {2 ** groups} "
                          f"mixes x {self.debrief_n} runs in {took:.1f} s{_e(note)}")

    def _debrief_show(self, name: str, scenario: Scenario, shares: pd.DataFrame) -> None:
        """Draw the chosen key of a debrief: its sentences and its waterfall."""
        key = self.debrief_key.value
        self.shares, self._shown_team = shares, (name, scenario)
        lines = explain_shares(shares, key)
        first, rest = lines[0], lines[1:]
        self.debrief_text.value = (
            f"<div class='devsim-debrief-text' style='font-size:{_NUMBER_PX}px; "
            "line-height:1.3; margin:0.2em 0 0.4em 0'>"
            f"<div class='devsim-number' style='font-weight:bold'>{_e(first)}</div>"
            + "".join(f"<div class='devsim-number'>{_e(line)}</div>" for line in rest)
            + "</div>")
        total = shares[(shares["metric"] == key) & (shares["group"] == "total")]["mean"]
        if total.notna().all() and (shares["metric"] == key).sum() > 1:
            self.debrief_out.outputs = (_wide(plots.waterfall(shares, key)),)
        else:
            self.debrief_out.outputs = ()

    # --- HTML -----------------------------------------------------------------------------------
    def _board_html(self, table: pd.DataFrame) -> str:
        font = f"font-size:{_BASE_FONT}"
        if table.empty:
            return (f"<div style='{font}; padding:0.6em 0'>No team files yet in "
                    f"<code>{self._where(self.folder)}</code>. Each team saves one YAML file there "
                    "(for example <code>team-a.yaml</code>); the board updates when it "
                    "appears.</div>")
        cell = "padding:0.2em 0.6em; border-bottom:1px solid #ddd; text-align:left"
        num = f"font-size:{_NUMBER_PX}px"
        scored = year_keys(self.year)
        titles = ["Rank", "Team", "People", *(metric(k).short for k in scored),
                  "Score", "Tiebreak"]
        head = "".join(f"<th style='{cell}; font-size:{_LABEL_PX}px; "
                       f"border-bottom:2px solid #333'>{h}</th>" for h in titles)
        rows = []
        for _, r in table.iterrows():
            ranked = not pd.isna(r["rank"])
            rank = str(r["rank_shown"]) if ranked else "–"
            style = "" if ranked else "color:#777"
            team = f"<b>{_e(r['team'])}</b>"
            if r["note"]:
                team += (f"<br><span style='font-size:{_SMALL_PX}px; color:{ERROR_COLOUR}'>"
                         f"{_e(r['note'])}</span>")
            keys = []
            for k in scored:
                colour = plots.CLUSTER_COLOURS[_cluster_key(str(r[f"{k}_cluster"]))]
                tip = ("" if pd.isna(r[f"{k}_ci_low"]) else
                       f"95% CI {format_value(k, r[f'{k}_ci_low'])} to "
                       f"{format_value(k, r[f'{k}_ci_high'])}")
                if r[f"{k}_gap"]:
                    tip += ("; " if tip else "") + r[f"{k}_gap"]
                keys.append(
                    f"<td style='{cell}; background:{_tint(colour)}; "
                    f"border-left:6px solid {colour}; line-height:1.15' title='{_e(tip)}'>"
                    f"<span class='devsim-number' style='{num}'>{_e(format_value(k, r[k]))}"
                    f"</span><br><b class='devsim-label' style='font-size:{_LABEL_PX}px'>"
                    f"{_e(r[f'{k}_placement'])}</b></td>")
            rows.append(
                f"<tr style='{style}'><td class='devsim-number' style='{cell}; "
                f"font-size:{_NUMBER_PX + 6}px; font-weight:bold'>{rank}</td>"
                f"<td class='devsim-team' style='{cell}; {num}'>{team}</td>"
                f"<td class='devsim-number' style='{cell}; {num}'>{int(r['people'])}</td>"
                f"{''.join(keys)}"
                f"<td class='devsim-number' style='{cell}; font-size:{_NUMBER_PX + 4}px; "
                f"font-weight:bold'>{int(r['score'])}</td>"
                f"<td class='devsim-number' style='{cell}; {num}'>{r['tiebreak']:+.2f}</td></tr>")
        notes = "".join(f"<div>{_e(line)}</div>" for line in leaderboard.table_notes(table))
        return (f"<table class='devsim-board' style='{font}; border-collapse:collapse; "
                f"margin:0.3em 0; width:100%'>"
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"<div style='font-size:{_SMALL_PX}px; color:#333; line-height:1.3'>{notes}</div>")

    def _problems_html(self, table: pd.DataFrame, errors: list[str]) -> str:
        font = f"font-size:{_BASE_FONT}"
        unranked = [] if table.empty else [
            f"{t}: {note.removeprefix('not ranked: ')}"
            for t, note in zip(table["team"], table["note"]) if note]
        if not errors and not unranked:
            return ""
        parts = [f"<div style='{font}; border-left:6px solid {ERROR_COLOUR}; "
                 "padding:0.2em 0.8em; "
                 "margin:0.6em 0; background:#fdf0f2'>"]
        if errors:
            parts.append("<b>Files that could not be read</b> (fix the file and save it again):"
                         "<ul style='margin:0.2em 0'>"
                         + "".join(f"<li><code>{_e(self._private(line))}</code></li>"
                                   for line in errors)
                         + "</ul>")
        if unranked:
            parts.append("<b>Not ranked</b>:<ul style='margin:0.2em 0'>"
                         + "".join(f"<li>{_e(line)}</li>" for line in unranked) + "</ul>")
        parts.append("</div>")
        return "".join(parts)

    def _class_html(self, summary: classview.ClassSummary) -> str:
        font = f"font-size:{_LABEL_PX}px; line-height:1.35"
        cell = "padding:0.2em 0.8em; border-bottom:1px solid #ddd; text-align:left"
        num = f"font-size:{_NUMBER_PX}px"
        parts = [f"<div style='{font}; color:#333; margin:0.2em 0 0.4em 0'>"
                 f"Class folder <code>{self._where(self.class_folder.folder)}</code> · "
                 f"{summary.records} record{'s' if summary.records != 1 else ''} from "
                 f"{summary.learners} learner{'s' if summary.learners != 1 else ''} · "
                 f"stuck: no correct check yet and {classview.STUCK_INCORRECT} or more "
                 "incorrect, or a hint used</div>"]
        ex = summary.exercises
        left = ["<div style='font-size:28px; font-weight:bold; margin:0.2em 0'>Exercises</div>"]
        if ex.empty:
            left.append(f"<div style='{font}'>No exercise checked yet.</div>")
        else:
            head = "".join(f"<th style='{cell}; font-size:{_LABEL_PX}px; "
                           f"border-bottom:2px solid #333'>{h}</th>"
                           for h in ("Exercise", "Attempted", "Correct", "Stuck"))
            rows = "".join(
                f"<tr><td style='{cell}; {num}'><b>{_e(r.exercise)}</b></td>"
                f"<td class='devsim-number' style='{cell}; {num}'>{r.attempted}</td>"
                f"<td class='devsim-number' style='{cell}; {num}; color:#1a7a3a'>"
                f"{r.correct}</td>"
                f"<td class='devsim-number' style='{cell}; {num}; "
                f"color:{ERROR_COLOUR if r.stuck else '#333'}; "
                f"font-weight:{'bold' if r.stuck else 'normal'}'>{r.stuck}</td></tr>"
                for r in ex.itertuples())
            left.append(f"<table class='devsim-class-exercises' style='{font}; "
                        f"border-collapse:collapse'><thead><tr>{head}</tr></thead>"
                        f"<tbody>{rows}</tbody></table>")
        right = ["<div style='font-size:28px; font-weight:bold; margin:0.2em 0'>"
                 "Predictions: the room's guesses</div>"]
        if not summary.predictions:
            right.append(f"<div style='{font}'>No prediction locked yet.</div>")
        for sp in summary.predictions:
            right.append(self._spread_html(sp))
        parts.append("<div style='display:flex; gap:3em; flex-wrap:wrap; align-items:flex-start'>"
                     f"<div style='flex:0 1 auto'>{''.join(left)}</div>"
                     f"<div style='flex:1 1 40em'>{''.join(right)}</div></div>")
        if summary.skipped:
            parts.append(
                f"<div style='{font}; border-left:6px solid {ERROR_COLOUR}; padding:0.2em 0.8em; "
                "margin:0.6em 0; background:#fdf0f2'><b>Files skipped in the class folder</b>"
                "<ul style='margin:0.2em 0'>"
                + "".join(f"<li><code>{_e(line)}</code></li>" for line in summary.skipped[:20])
                + (f"<li>and {len(summary.skipped) - 20} more</li>"
                   if len(summary.skipped) > 20 else "") + "</ul></div>")
        return "".join(parts)

    @staticmethod
    def _spread_html(sp: classview.PredictionSpread) -> str:
        font = f"font-size:{_LABEL_PX}px"
        top = max(sp.counts.values(), default=0) or 1
        result = ""
        if sp.result is not None:
            result = f" · the model: <b>{_e(sp.result)}</b>"
        rows = []
        for label, count in sp.counts.items():
            mark = label == sp.result_bin
            bar = (f"<div style='height:0.9em; width:{max(count / top * 100, 0.5):.1f}%; "
                   f"background:{'#1a7a3a' if mark else '#3b6fb6'}'></div>")
            rows.append(
                f"<tr><td style='padding:0.1em 0.6em 0.1em 0; white-space:nowrap'>"
                f"{'&#10004; ' if mark else ''}{_e(label)}</td>"
                f"<td class='devsim-number' style='padding:0.1em 0.6em; text-align:right; "
                f"font-size:{_NUMBER_PX}px'>{count}</td>"
                f"<td style='width:60%'>{bar}</td></tr>")
        return (f"<div class='devsim-spread' style='margin:0.3em 0 0.8em 0'>"
                f"<div style='{font}'><b>Lesson {_e(sp.lesson)} · {_e(sp.question)}</b> · "
                f"{sp.learners} guess{'es' if sp.learners != 1 else ''}{result}</div>"
                f"<table style='{font}; border-collapse:collapse; width:100%'>{''.join(rows)}"
                "</table></div>")


def projector(folder: str | Path, **kwargs: Any) -> Projector:
    """A :class:`Projector` on ``folder`` (keyword arguments as for the class)."""
    return Projector(folder, **kwargs)


# --- serving the page offline ----------------------------------------------------------------

_EXTERNAL = re.compile(r"""<(?:link|script)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?//""",
                       re.I)


def _lab_template() -> Path:
    """Voila's installed "lab" page template (``index.html.j2``)."""
    from jupyter_core.paths import jupyter_path

    for root in jupyter_path("voila", "templates", "lab"):
        path = Path(root) / "index.html.j2"
        if path.is_file():
            return path
    raise FileNotFoundError("Voila's lab template (voila/templates/lab/index.html.j2) was not "
                            "found; is voila installed in this environment?")


def write_voila_template(data_dir: str | os.PathLike) -> Path:
    """Write the offline Voila template :data:`VOILA_TEMPLATE` under ``data_dir``.

    It is Voila's own "lab" template without the lines that link a stylesheet or script
    from another host (Font Awesome from cdn.jsdelivr.net: Voila's scripts bundle the icons
    anyway, and the projector uses none). Put ``data_dir`` on ``JUPYTER_PATH`` and start
    Voila with ``--template=devsim-projector`` (:func:`main` does both).

    Parameters
    ----------
    data_dir : path
        A Jupyter data folder; the template goes to ``voila/templates/devsim-projector``.

    Returns
    -------
    pathlib.Path
        The template's folder.

    Raises
    ------
    FileNotFoundError
        If Voila's lab template is not installed.
    RuntimeError
        If a link to another host is left (a Voila release changed its template).
    """
    source = _lab_template().read_text(encoding="utf-8")
    kept = [line for line in source.splitlines(keepends=True) if not _EXTERNAL.search(line)]
    text = "".join(kept)
    if _EXTERNAL.search(text):
        raise RuntimeError("Voila's lab template still links another host after the "
                           f"filter ({_lab_template()}); update devsim.projector")
    folder = Path(data_dir) / "voila" / "templates" / VOILA_TEMPLATE
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html.j2").write_text(text, encoding="utf-8")
    (folder / "conf.json").write_text('{"base_template": "lab"}\n', encoding="utf-8")
    return folder


def voila_command(notebook: str | os.PathLike, data_dir: str | os.PathLike,
                  args: list[str] | tuple[str, ...] = ()) -> tuple[list[str], dict[str, str]]:
    """The command and environment that serve ``notebook`` with the offline template.

    Writes the template (:func:`write_voila_template`) into ``data_dir`` and puts that
    folder first on ``JUPYTER_PATH``; ``args`` go to Voila unchanged (``--port=8866``,
    ``--no-browser``, ...).
    """
    write_voila_template(data_dir)
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(data_dir)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--template={VOILA_TEMPLATE}",
           *args]
    return cmd, env


def main(argv: list[str] | None = None) -> int:
    """``python -m devsim.projector [NOTEBOOK] [VOILA ARGS...]``: serve the projector offline.

    Runs Voila on ``NOTEBOOK`` (default ``notebooks/projector.ipynb``) with the template of
    :func:`write_voila_template`, so the page asks no other host for anything; every other
    argument goes to Voila (``--port=8866``, ``--no-browser``). Set ``DEVSIM_TEAMS_DIR``
    and ``DEVSIM_CLASS_DIR`` as for ``voila notebooks/projector.ipynb``.
    """
    ap = argparse.ArgumentParser(
        prog="python -m devsim.projector",
        description="Serve the team challenge's projector page with Voila, fetching nothing "
                    "from another host. Other arguments go to Voila.")
    ap.add_argument("notebook", nargs="?", default="notebooks/projector.ipynb",
                    help="the notebook or folder to serve (default notebooks/projector.ipynb)")
    args, rest = ap.parse_known_args(argv)
    if not Path(args.notebook).exists():
        sys.stderr.write(f"devsim.projector: error: {args.notebook} does not exist\n")
        return 2
    data_dir = tempfile.mkdtemp(prefix="devsim-voila-")
    try:
        cmd, env = voila_command(args.notebook, data_dir, rest)
    except (OSError, RuntimeError) as exc:
        sys.stderr.write(f"devsim.projector: error: {one_line(exc)}\n")
        return 2
    if os.name == "nt":  # no exec on Windows: wait for Voila instead
        return subprocess.call(cmd, env=env)
    os.execve(cmd[0], cmd, env)  # Voila takes this process: Ctrl+C and SIGTERM reach it
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
