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
* when it last updated.

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

This module owns the projector page (its layout, HTML and folder watcher). It may import
:mod:`devsim.leaderboard` (the ranking), :mod:`devsim.experiment` (runs and their memory),
:mod:`devsim.plots`, :mod:`devsim.registry` (names and numbers), :mod:`devsim.scenario` and
:mod:`devsim.display`; it does not run the model itself.
"""
from __future__ import annotations

import asyncio
import html
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as W
import pandas as pd

from . import experiment, leaderboard, plots
from .display import ERROR_COLOUR, error_text, figure_bundle, one_line
from .dora import keys as year_keys
from .experiment import DEFAULT_SEED, LogCache, MemoExecutor, Results
from .log import EventLog
from .registry import format_value, metric
from .scenario import Scenario

__all__ = ["Projector", "projector"]

_BASE_FONT = "20px"  # readable from the back of a training room
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
    """

    def __init__(self, folder: str | Path, *, n: int = leaderboard.DEFAULT_N,
                 seed: int = DEFAULT_SEED,
                 year: int = 2019, max_people: int | None = None,
                 baseline: Scenario | None = None, interval_s: float = 5.0,
                 title: str = "Team challenge: DORA leaderboard", tiles: bool = True,
                 lead_times: bool = True, watch: bool = True, executor: Any = None):
        super().__init__(layout=W.Layout(width="100%"))
        # Options fail here, with the leaderboard's own messages, not on the first refresh.
        leaderboard.check_options(n, seed, year, max_people)
        if isinstance(interval_s, bool) or not isinstance(interval_s, (int, float)) \
                or not interval_s >= 0.5:
            raise ValueError(f"interval_s: {interval_s!r} is not allowed; give a number of "
                             "seconds >= 0.5")
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

        font = f"font-size:{_BASE_FONT}; line-height:1.35"
        self.heading = W.HTML(
            f"<div style='font-size:2.4em; font-weight:bold; margin:0.2em 0'>{_e(title)}</div>"
            f"<div style='{font}; color:#333'>Folder <code>{_e(self.folder)}</code> · "
            f"{n} replication{'s' if n != 1 else ''} per team, seed {seed} · "
            f"DORA {year} clusters"
            + (f" · budget {max_people} people" if max_people is not None else "")
            + "</div>")
        self.status = W.HTML("")
        self.button = W.Button(description="Refresh now", icon="refresh", button_style="primary",
                               tooltip="Evaluate every team file again now",
                               layout=W.Layout(width="12em", height="3em"))
        self.button.style.font_size = "18px"
        self.button.on_click(self._on_button)
        self.board = W.HTML("")
        self.problems = W.HTML("")
        self.lead_time_out = W.Output()
        self.tiles_out = W.Output()
        self.rule = W.HTML(
            f"<details style='{font}'><summary><b>How the score works</b></summary>"
            f"<p>{_e(leaderboard.SCORE_RULE)}</p></details>")
        section = "font-size:1.6em; font-weight:bold; margin:0.8em 0 0.2em 0"
        children = [self.heading, W.HBox([self.button, self.status],
                                         layout=W.Layout(align_items="center")),
                    self.board, self.problems]
        if lead_times:
            children += [W.HTML(f"<div style='{section}'>Lead time for changes, all teams</div>"),
                         self.lead_time_out]
        if tiles:
            children += [W.HTML(f"<div style='{section}'>Each team's DORA keys</div>"),
                         self.tiles_out]
        self.children = children + [self.rule]
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
        self.status.value = (f"<div style='font-size:{_BASE_FONT}; color:{colour}; "
                             f"margin-left:1em'>{text}{_e(self.watch_note)}</div>")

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
            self._tile_cache[scenario] = figure_bundle(fig)
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
                    chart = [figure_bundle(plots.lead_time_distribution(logs))]
            self._executor.prune()
        except Exception as exc:  # noqa: BLE001 - a page on a projector reports, never raises
            self.signature = signature  # retried when the folder changes or on the button
            what = "" if isinstance(exc, leaderboard.LeaderboardError) \
                else f"{type(exc).__name__}: "
            self._say(f"Not updated: {_e(what + one_line(exc))}", error=True)
            return False
        self.table, self.errors, self.results, self.logs = table, errors, results, logs
        self.signature = signature
        self.board.value = self._board_html(table)
        self.problems.value = self._problems_html(table, errors)
        self.lead_time_out.outputs = tuple(chart)
        self.tiles_out.outputs = tuple(tiles)
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
            return False
        self.refresh()
        return True

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
        self._executor.shutdown()
        self._logs.clear()
        super().close()

    def _on_button(self, _button=None) -> None:
        try:
            self.refresh()
        except Exception as exc:  # noqa: BLE001
            self._say(_e(error_text(exc)), error=True)

    # --- HTML -----------------------------------------------------------------------------------
    def _board_html(self, table: pd.DataFrame) -> str:
        font = f"font-size:{_BASE_FONT}"
        if table.empty:
            return (f"<div style='{font}; padding:0.6em 0'>No team files yet in "
                    f"<code>{_e(self.folder)}</code>. Each team saves one YAML file there "
                    "(for example <code>team-a.yaml</code>); the board updates when it "
                    "appears.</div>")
        cell = "padding:0.35em 0.7em; border-bottom:1px solid #ddd; text-align:left"
        scored = year_keys(self.year)
        titles = ["Rank", "Team", "People", *(metric(k).short for k in scored),
                  "Score", "Tiebreak"]
        head = "".join(f"<th style='{cell}; border-bottom:2px solid #333'>{h}</th>"
                       for h in titles)
        rows = []
        for _, r in table.iterrows():
            ranked = not pd.isna(r["rank"])
            rank = str(r["rank_shown"]) if ranked else "–"
            style = "" if ranked else "color:#777"
            team = f"<b>{_e(r['team'])}</b>"
            if r["note"]:
                team += (f"<br><span style='font-size:0.7em; color:{ERROR_COLOUR}'>"
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
                    f"border-left:6px solid {colour}' title='{_e(tip)}'>"
                    f"{_e(format_value(k, r[k]))}"
                    f"<br><b style='font-size:0.8em'>{_e(r[f'{k}_placement'])}</b></td>")
            rows.append(
                f"<tr style='{style}'><td style='{cell}; font-size:1.4em; font-weight:bold'>"
                f"{rank}</td><td style='{cell}'>{team}</td>"
                f"<td style='{cell}'>{int(r['people'])}</td>{''.join(keys)}"
                f"<td style='{cell}; font-size:1.3em; font-weight:bold'>{int(r['score'])}</td>"
                f"<td style='{cell}'>{r['tiebreak']:+.2f}</td></tr>")
        notes = "".join(f"<div>{_e(line)}</div>" for line in leaderboard.table_notes(table))
        return (f"<table style='{font}; border-collapse:collapse; margin:0.5em 0; width:100%'>"
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"<div style='font-size:16px; color:#333; line-height:1.3'>{notes}</div>")

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
                         + "".join(f"<li><code>{_e(line)}</code></li>" for line in errors)
                         + "</ul>")
        if unranked:
            parts.append("<b>Not ranked</b>:<ul style='margin:0.2em 0'>"
                         + "".join(f"<li>{_e(line)}</li>" for line in unranked) + "</ul>")
        parts.append("</div>")
        return "".join(parts)


def projector(folder: str | Path, **kwargs: Any) -> Projector:
    """A :class:`Projector` on ``folder`` (keyword arguments as for the class)."""
    return Projector(folder, **kwargs)
