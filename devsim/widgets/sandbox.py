"""The scenario sandbox: move a control, see the DORA keys of that organisation.

Owns the sandbox's page (pickers, controls, outputs, the files row) and its update cycle.
It runs nothing itself: :func:`devsim.experiment.compare` gives the results (the baseline's
kept while only the scenario changes), :func:`devsim.experiment.combine` puts the two on
one table, :class:`devsim.experiment.LogCache` keeps the runs the value stream map draws,
and :mod:`devsim.plots` draws. Imports :mod:`devsim.experiment`, :mod:`devsim.plots`,
:mod:`devsim.scenario`, :mod:`devsim.dora` (the report years), :mod:`devsim.display` and
:mod:`devsim.widgets.controls`.
"""
from __future__ import annotations

import errno
import functools
import numbers
import time
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

import ipywidgets as W

from .. import experiment, plots
from ..display import error_text, one_line, os_error_text, set_status, show_figure
from ..dora import REPORT_YEARS
from ..experiment import DEFAULT_SEED, Results
from ..design import changed_fields
from ..scenario import Scenario, ScenarioError, load_scenario, presets, save_scenario
from .controls import ScenarioControls

__all__ = ["Sandbox", "sandbox"]

_NONE = "none"
#: Baseline results kept, one per (baseline, n, seed): switching back costs no runs.
_BASELINES_KEPT = 8
#: Event logs kept for the value stream map (scenario and baseline, and a step back).
_LOGS_KEPT = 4
#: Most changes one run may simulate (arrival_rate_per_day x horizon_days: arrivals drive the
#: events, about 0.2 ms each). The sliders reach about 33,000 (30 a day for 1,095 days); a
#: loaded file may ask for 730,000, minutes of a busy kernel, so the sandbox says no.
MAX_CHANGES_PER_RUN = 50_000
#: Longest file name quoted in a message line.
_NAME_CHARS = 100


def _reported(line: str, verb: str) -> Callable:
    """Wrap a callback so that no exception escapes it: a failure becomes one line.

    ``line`` names the label that reports (``"status"`` or ``"message"``), ``verb`` starts
    the sentence ("Error", "Not saved").
    """
    def wrap(method: Callable) -> Callable:
        @functools.wraps(method)
        def run(self: "Sandbox", *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - a callback must report, never raise
                set_status(getattr(self, line), f"{verb}: {type(exc).__name__}: "
                           f"{one_line(exc)}", error=True)
                return False
        return run
    return wrap


def _shown(path: Any, *, cut: bool = True) -> str:
    """A path as a message quotes it: printable, and cut in the middle when long."""
    text = "".join(c if c.isprintable() else "?" for c in str(path))
    if cut and len(text) > _NAME_CHARS:
        half = (_NAME_CHARS - 1) // 2
        text = text[:half] + "…" + text[-half:]
    return text


def _file_problem(exc: BaseException, path: Path) -> str:
    """What stopped a save, load or export, in one phrase naming the file."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOENT and not path.parent.is_dir():
        return f"folder '{_shown(path.parent)}' does not exist"
    if isinstance(exc, (OSError, ValueError)) and not isinstance(exc, ScenarioError):
        return f"{_shown(path)}: {os_error_text(exc)}"
    return one_line(exc)


def _check_replications(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= 10_000:
        raise ValueError(f"n: {n!r} is not allowed; give a whole number of replications "
                         "from 1 to 10000")
    return int(n)


def _check_year(year: int) -> int:
    if year not in REPORT_YEARS:
        raise ValueError(f"year: {year!r} is not allowed; choose one of "
                         f"{', '.join(map(str, REPORT_YEARS))}")
    return year


def _choice_label(s: Scenario, table: dict[str, Scenario]) -> str:
    """Dropdown label for a Scenario: its preset name, or its name marked as custom."""
    for key, value in table.items():
        if value == s:
            return key
    label, k = f"{s.name} (custom)", 2
    while label in table:
        label, k = f"{s.name} (custom {k})", k + 1
    return label


class Sandbox(W.VBox):
    """A scenario sandbox: move a control, see the DORA dashboard of that organisation.

    Every change of a control builds the Scenario, runs it ``n`` times (and the baseline on
    the same random numbers, cached while only the scenario changes), and redraws
    :func:`devsim.plots.dora_dashboard`. An invalid combination shows its message in the
    status line and keeps the last good dashboard.

    Parameters
    ----------
    preset : str or Scenario
        Preset name (see :func:`devsim.presets`) or a Scenario to start from.
    baseline : str, Scenario or None
        What to compare against (a preset name, a Scenario, or None for no comparison).
    n : int
        Replications per update (the picker offers 1, 5 and 10).
    year : int
        DORA report year whose clusters the dashboard uses.
    seed : int
        Base seed; replication *i* uses ``(seed, i)`` in the scenario and the baseline.
    groups : sequence of str, optional
        Field groups to show as controls.
    value_stream : bool
        Also show :func:`devsim.plots.value_stream_map` of replication 0 (one extra run).
    dashboard : {"tiles", "figure"}
        "tiles" (default): the five DORA tiles as HTML text (:func:`devsim.plots.dora_tiles_html`):
        no image to render, so updates are quicker, and the text is readable by screen readers
        and browser tests. "figure": :func:`devsim.plots.dora_dashboard` as a picture.

    Attributes
    ----------
    controls : dict
        Field name -> control widget.
    scenario : Scenario
        The scenario of the dashboard shown (the last valid one).
    baseline : Scenario or None
        The baseline of the dashboard shown.
    results : Results
        Results of the last update.
    last_figure : matplotlib.figure.Figure or None
        The dashboard shown (figure mode; None with HTML tiles).
    last_html : str
        The HTML of the tiles shown (tiles mode).
    status : ipywidgets.Label
        "running…", "updated in 0.31 s" or the error message.
    message : ipywidgets.Label
        Outcome of the last save, load or export.
    baseline_runs : int
        How many times the baseline was run (the rest came from the cache).
    """

    def __init__(self, preset: str | Scenario = "collaborative",
                 baseline: str | Scenario | None = "siloed", *, n: int = 1, year: int = 2019,
                 seed: int = DEFAULT_SEED, groups: Sequence[str] | None = None,
                 value_stream: bool = False, dashboard: str = "tiles"):
        super().__init__()
        _check_replications(n)
        if dashboard not in ("tiles", "figure"):
            raise ValueError(f"dashboard: {dashboard!r} is not allowed; choose 'tiles' (HTML text, "
                             "fast) or 'figure' (a matplotlib Figure)")
        _check_year(year)
        self.dashboard, self.seed = dashboard, seed
        self._init_state()
        start, base_value = self._init_choices(preset, baseline)
        self._controls = ScenarioControls(self._choices[start], groups)
        self.controls = self._controls.controls
        settings = self._build_settings(start, base_value, n, year)
        self._build_outputs(value_stream)
        files = self._build_files()
        self._connect()
        self._controls.widget.selected_index = 0
        (self.out if dashboard == "tiles" else self.tiles).layout.display = "none"
        # The status label stays the first label directly under the box: browser tests read it.
        self.children = [settings, self.status, self.tiles, self.out, self.show_value_stream,
                         self.value_stream_out, self._controls.widget, files]
        self.refresh()

    # building ------------------------------------------------------------------------------
    def _init_state(self) -> None:
        """What the page shows and what is cached, before the first update."""
        self.scenario: Scenario | None = None
        self.baseline: Scenario | None = None
        self.results: Results | None = None
        self.last_figure = None
        self.last_html = ""
        self.baseline_runs = 0
        self._baselines: dict[tuple, tuple[Scenario, Results]] = {}
        self._logs = experiment.LogCache(_LOGS_KEPT)
        self._hold = 0

    def _init_choices(self, preset: str | Scenario, baseline: str | Scenario | None
                      ) -> tuple[str, str]:
        """The organisations the pickers offer; returns the labels of the two chosen."""
        self._choices: dict[str, Scenario] = dict(presets())
        self._base_choices = [_NONE] + list(presets())
        start = self._add_choice(preset)
        if baseline is None:
            return start, _NONE
        base_value = self._add_choice(baseline)
        if base_value not in self._base_choices:
            self._base_choices.append(base_value)
        return start, base_value

    def _build_settings(self, start: str, base_value: str, n: int, year: int) -> W.HBox:
        """The top row: organisation, baseline, DORA year, replications and Reset."""
        initial = dict(description_width="initial")
        # "Start from", not "Organisation": the Team group has a field of that name. Wide
        # enough for the longest preset or file name, so no entry is cut short.
        wide = W.Layout(width="auto", min_width="20em")
        self.preset_picker = W.Dropdown(
            options=list(self._choices), value=start, description="Start from",
            style=dict(initial), layout=wide,
            tooltip="Load a preset organisation (or a loaded file) into the controls.")
        self.baseline_picker = W.Dropdown(
            options=self._base_choices, value=base_value, description="Compare against",
            style=dict(initial), layout=W.Layout(width="auto", min_width="20em"),
            tooltip="The organisation the dashboard compares with.")
        self.replications = W.ToggleButtons(
            options=[(str(k), k) for k in sorted({1, 5, 10, n})], value=n,
            description="Replications",
            tooltip="Runs per update, each with its own random numbers; more runs, narrower "
                    "confidence intervals, slower updates.",
            style=dict(button_width="3em", description_width="initial"))
        self.year_picker = W.Dropdown(options=list(REPORT_YEARS), value=year,
                                      description="DORA year",
                                      tooltip="DORA report whose performance clusters to use.",
                                      layout=W.Layout(width="12em"))
        self.reset_button = W.Button(description="Reset", icon="undo",
                                     tooltip="Put the controls back to the chosen organisation.")
        return W.HBox([self.preset_picker, self.baseline_picker, self.year_picker,
                       self.replications, self.reset_button],
                      layout=W.Layout(flex_flow="row wrap", align_items="center"))

    def _build_outputs(self, value_stream: bool) -> None:
        """The status line, the dashboard (tiles or figure) and the value stream map."""
        self.status = W.Label(value="")
        self.tiles = W.HTML(value="")
        self.out = W.Output(layout=W.Layout(min_height="12em"))
        self.show_value_stream = W.Checkbox(value=value_stream, indent=False,
                                            description="Show the value stream map",
                                            tooltip="Also draw where a change waits and works "
                                                    "(replication 0; one more run per update).")
        self.value_stream_out = W.Output()

    def _build_files(self) -> W.Accordion:
        """The closed "Save, load and export" panel: file names, buttons and the message."""
        path_layout = W.Layout(width="24em")
        self.scenario_path = W.Text(value="my_scenario.yaml", description="Scenario file",
                                    layout=path_layout, style=dict(description_width="8em"))
        self.save_button = W.Button(description="Save scenario", icon="save")
        self.load_button = W.Button(description="Load scenario", icon="folder-open")
        self.results_path = W.Text(value="my_results.csv", description="Results file",
                                   layout=path_layout, style=dict(description_width="8em"),
                                   tooltip="Ends in .csv or .json.")
        self.export_button = W.Button(description="Export results", icon="download")
        self.overwrite = W.Checkbox(value=False, indent=False,
                                    description="Overwrite existing files")
        self.message = W.Label(value="")
        files = W.VBox([W.HBox([self.scenario_path, self.save_button, self.load_button]),
                        W.HBox([self.results_path, self.export_button]),
                        self.overwrite, self.message])
        return W.Accordion(children=[files], titles=("Save, load and export",),
                           selected_index=None)

    def _connect(self) -> None:
        """Every control and button to its callback."""
        self._controls.observe(self._on_control)
        self.preset_picker.observe(self._on_preset, names="value")
        for w in (self.baseline_picker, self.replications):
            w.observe(self._on_setting, names="value")
        self.year_picker.observe(self._on_year, names="value")
        self.show_value_stream.observe(self._on_value_stream, names="value")
        self.reset_button.on_click(self._on_reset)
        self.save_button.on_click(self._on_save)
        self.load_button.on_click(self._on_load)
        self.export_button.on_click(self._on_export)

    # choices -------------------------------------------------------------------------------
    def _add_choice(self, spec: str | Scenario) -> str:
        if isinstance(spec, Scenario):
            label = _choice_label(spec, self._choices)
            self._choices[label] = spec
            return label
        if spec not in self._choices:
            raise ScenarioError(f"preset: {spec!r} is not a preset; choose one of "
                                f"{', '.join(presets())} or pass a Scenario")
        return spec

    @contextmanager
    def _held(self):
        """Controls set inside this block do not each trigger an update."""
        self._hold += 1
        try:
            yield
        finally:
            self._hold -= 1

    @property
    def n(self) -> int:
        """Replications per update."""
        return self.replications.value

    @property
    def year(self) -> int:
        """DORA report year of the dashboard."""
        return self.year_picker.value

    def _baseline_choice(self) -> Scenario | None:
        key = self.baseline_picker.value
        return None if key == _NONE else self._choices[key]

    # running -------------------------------------------------------------------------------
    def _executor(self):
        # One run is faster in this process than shipped to a worker; more go to the pool.
        return "serial" if self.n == 1 else None

    def _run_baseline(self, baseline: Scenario, scenario: Scenario) -> tuple[Scenario, Results]:
        """The baseline's results, run once per (baseline, n, seed) and then kept."""
        if baseline.name == scenario.name:  # combine refuses two scenarios of one label
            baseline = replace(baseline, name=f"{baseline.name} (baseline)")
        key = (baseline, self.n, self.seed)
        if key not in self._baselines:
            res = experiment.compare([baseline], n=self.n, seed=self.seed,
                                     executor=self._executor(), progress=False)
            self.baseline_runs += 1
            if len(self._baselines) >= _BASELINES_KEPT:
                self._baselines.pop(next(iter(self._baselines)))
            self._baselines[key] = (baseline, res)
        return self._baselines[key]

    def _compute(self, scenario: Scenario) -> tuple[Results, Scenario | None]:
        """Results of the scenario and the baseline on common random numbers.

        The same numbers as ``compare([scenario, baseline], n, seed)``: replication *i* of
        both uses ``(seed, i)`` whichever call runs it, so the baseline can come from a cache.
        """
        res = experiment.compare([scenario], n=self.n, seed=self.seed,
                                 executor=self._executor(), progress=False)
        baseline = self._baseline_choice()
        if baseline is None:
            return res, None
        baseline, base_res = self._run_baseline(baseline, scenario)
        return experiment.combine(res, base_res), baseline

    def _dashboard(self, results: Results, scenario: Scenario, baseline: Scenario | None):
        """Show the five tiles; returns the Figure (figure mode) or None (HTML tiles).

        A baseline that is the same organisation as the scenario is not compared with (five
        tiles saying "the same" would only crowd them)."""
        same = baseline is not None and not changed_fields(baseline, scenario)
        base = baseline.name if baseline is not None and not same else None
        if self.dashboard == "tiles":
            self.last_html = plots.dora_tiles_html(results, scenario.name, year=self.year,
                                                   baseline=base)
            self.tiles.value = self.last_html
            return None
        fig = plots.dora_dashboard(results, scenario.name, year=self.year, baseline=base)
        show_figure(self.out, fig)
        return fig

    def refresh(self) -> bool:
        """Rebuild the scenario from the controls, run it and redraw (synchronously).

        Returns
        -------
        bool
            True if the dashboard was updated; False if the controls are invalid or the run
            failed (the status line says why and the last dashboard stays).
        """
        t0 = time.perf_counter()
        set_status(self.status, "running…")
        try:
            scenario = self._controls.get_scenario()
        except Exception as exc:  # noqa: BLE001 - ScenarioError names the field
            set_status(self.status, f"Not run: {one_line(exc)}", error=True)
            return False
        chosen = self._choices.get(self.preset_picker.value)
        if chosen is not None and scenario.name == chosen.name and changed_fields(chosen, scenario):
            # The tiles name what is shown: the preset as edited, not the preset.
            scenario = replace(scenario, name=f"{scenario.name} (edited)")
        too_big = self._over_budget(scenario)
        if too_big:
            set_status(self.status, too_big, error=True)
            return False
        try:
            results, baseline = self._compute(scenario)
        except BrokenProcessPool as exc:
            experiment.shutdown()  # so that the next update starts a fresh pool
            set_status(self.status, f"Error: the worker processes stopped ({one_line(exc)}); "
                       "move a control to try again", error=True)
            return False
        except Exception as exc:  # noqa: BLE001 - a callback must report, never raise
            set_status(self.status, f"Error: the model could not run this scenario "
                       f"({type(exc).__name__}: {one_line(exc)})", error=True)
            return False
        try:
            fig = self._dashboard(results, scenario, baseline)
        except Exception as exc:  # noqa: BLE001
            set_status(self.status, error_text(exc), error=True)
            return False
        self.scenario, self.baseline, self.results, self.last_figure = (
            scenario, baseline, results, fig)
        note = self._update_value_stream()
        if self.n == 1:
            note += ("; 1 replication: each cluster is one run's, set Replications to 5 or more "
                     "to see how sure it is")
        set_status(self.status, f"updated in {time.perf_counter() - t0:.2f} s{note}")
        return True

    def _over_budget(self, scenario: Scenario) -> str:
        """The status line refusing a run over :data:`MAX_CHANGES_PER_RUN` ("" if within)."""
        baseline = self._baseline_choice()
        for s in [scenario] + ([baseline] if baseline is not None else []):
            changes = s.arrival_rate_per_day * s.horizon_days
            if changes > MAX_CHANGES_PER_RUN:
                return (f"Not run: {s.name} would simulate about {changes:,.0f} changes a run "
                        f"(arrival_rate_per_day x horizon_days), over the sandbox's limit of "
                        f"{MAX_CHANGES_PER_RUN:,}; lower one of them, or run it with "
                        "devsim.compare, which has no limit")
        return ""

    def redraw(self) -> bool:
        """Redraw the last results (e.g. for another DORA year) without running again.

        Returns
        -------
        bool
            True if redrawn; False if drawing failed (the status line says why).
        """
        if self.results is None:
            return self.refresh()
        try:
            fig = self._dashboard(self.results, self.scenario, self.baseline)
        except Exception as exc:  # noqa: BLE001
            set_status(self.status, error_text(exc), error=True)
            return False
        self.last_figure = fig
        return True

    def _update_value_stream(self) -> str:
        """Draw (or hide) the value stream map; returns a note for the status line."""
        if not self.show_value_stream.value:
            self.value_stream_out.outputs = ()
            return ""
        try:
            shown = [self.scenario] + ([self.baseline] if self.baseline is not None else [])
            logs = {s.name: self._logs.get(s, self.seed, 0) for s in shown}
            show_figure(self.value_stream_out, plots.value_stream_map(logs))
        except Exception as exc:  # noqa: BLE001
            self.value_stream_out.outputs = ()
            return f" (value stream map failed: {one_line(exc)})"
        return ""

    # callbacks: each reports a failure in one line; none lets an exception out (ipywidgets
    # would put it in the widget log, where a learner never looks) ---------------------------
    @_reported("status", "Error")
    def _on_control(self, change: dict) -> None:
        if not self._hold:
            self.refresh()

    @_reported("status", "Error")
    def _on_setting(self, change: dict) -> None:
        self.refresh()

    @_reported("status", "Error")
    def _on_year(self, change: dict) -> None:
        if self.redraw():
            set_status(self.status, f"DORA {self.year} clusters")

    @_reported("status", "Error")
    def _on_value_stream(self, change: dict) -> None:
        note = self._update_value_stream() if self.scenario is not None else ""
        if note:
            set_status(self.status, note.strip(" ()"), error=True)

    def load(self, scenario: Scenario) -> bool:
        """Put ``scenario`` into the controls and update once.

        Parameters
        ----------
        scenario : Scenario

        Returns
        -------
        bool
            True if the dashboard was updated (see :meth:`refresh`).
        """
        with self._held():
            self._controls.set_scenario(scenario)
        return self.refresh()

    @_reported("status", "Error")
    def _on_preset(self, change: dict) -> None:
        self.load(self._choices[change["new"]])

    @_reported("status", "Error")
    def _on_reset(self, _button=None) -> None:
        self.load(self._choices[self.preset_picker.value])

    # files ---------------------------------------------------------------------------------
    def _say(self, text: str, *, error: bool = False) -> None:
        set_status(self.message, text, error=error)

    def _path(self, path: str | Path | None, box: W.Text, verb: str) -> Path | None:
        """The file a button acts on, or None (the message line says why)."""
        text = str(path if path is not None else box.value).strip()
        if not text:
            self._say(f"Not {verb}: give a file name", error=True)
            return None
        if not text.isprintable():  # a pasted tab or newline would make a name no one can type
            self._say(f"Not {verb}: {_shown(text)}: the file name holds a tab or another "
                      "control character", error=True)
            return None
        try:
            return Path(text).expanduser()
        except RuntimeError:  # "~someone/x.yaml" with no such user
            self._say(f"Not {verb}: {_shown(text)}: no such home folder", error=True)
            return None

    def _refuse_overwrite(self, path: Path, verb: str) -> bool:
        """Say so and return True when ``path`` cannot be written or exists unticked."""
        try:
            exists = path.exists()
            folder = path.parent.is_dir()
        except (OSError, ValueError) as exc:  # a name too long, a NUL character
            self._say(f"Not {verb}: {_file_problem(exc, path)}", error=True)
            return True
        if not folder:
            self._say(f"Not {verb}: folder '{_shown(path.parent)}' does not exist", error=True)
            return True
        if exists and not self.overwrite.value:
            self._say(f"Not {verb}: {_shown(path)} already exists; tick 'Overwrite existing "
                      "files' to replace it", error=True)
            return True
        return False

    def save(self, path: str | Path | None = None) -> bool:
        """Save the controls' scenario as YAML (the "Save scenario" button).

        Parameters
        ----------
        path : str or Path, optional
            Default: the "Scenario file" box.

        Returns
        -------
        bool
            True if saved; otherwise the message line says why.
        """
        path = self._path(path, self.scenario_path, "saved")
        if path is None:
            return False
        if path.suffix not in (".yaml", ".yml"):
            self._say(f"Scenario file: {_shown(path)!r} must end in .yaml or .yml", error=True)
            return False
        try:
            scenario = self._controls.get_scenario()
        except Exception as exc:  # noqa: BLE001 - ScenarioError names the field
            self._say(f"Not saved: {one_line(exc)}", error=True)
            return False
        if not self._write(path, "saved",
                           lambda p: save_scenario(scenario, p, overwrite=self.overwrite.value)):
            return False
        self._say(f"Saved scenario to {_shown(path, cut=False)}")
        return True

    def _write(self, path: Path, verb: str, write) -> bool:
        """Write a learner's file: refuse to overwrite unless asked, and say in one line why
        a write failed ("Not saved: my.yaml: the folder does not exist")."""
        if self._refuse_overwrite(path, verb):
            return False
        try:
            write(path)
        except Exception as exc:  # noqa: BLE001 - e.g. a missing folder or no permission
            self._say(f"Not {verb}: {_file_problem(exc, path)}", error=True)
            return False
        return True

    def load_file(self, path: str | Path | None = None) -> bool:
        """Load a YAML scenario into the controls (the "Load scenario" button).

        Parameters
        ----------
        path : str or Path, optional
            Default: the "Scenario file" box.

        Returns
        -------
        bool
            True if loaded; otherwise the message line says why.
        """
        path = self._path(path, self.scenario_path, "loaded")
        if path is None:
            return False
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self._say(f"Not loaded: {one_line(exc)}", error=True)
            return False
        except RecursionError:
            self._say(f"Not loaded: {_shown(path)}: nested too deeply to be a scenario file",
                      error=True)
            return False
        except MemoryError:
            self._say(f"Not loaded: {_shown(path)}: too large to read", error=True)
            return False
        except UnicodeError:
            self._say(f"Not loaded: {_shown(path)}: not UTF-8 text (save it as UTF-8)",
                      error=True)
            return False
        except Exception as exc:  # noqa: BLE001 - a folder, an unreadable file
            self._say(f"Not loaded: {_file_problem(exc, path)}", error=True)
            return False
        label = _choice_label(scenario, self._choices)
        if label not in self._choices:
            label = f"{scenario.name} ({_shown(path.name)})"
            self._choices[label] = scenario
            self.preset_picker.options = list(self._choices)
        if self.preset_picker.value == label:
            self.load(scenario)
        else:
            self.preset_picker.value = label  # its observer loads and updates
        if self.scenario != scenario:  # the update failed: the status line says why
            self._say(f"Loaded {_shown(path)}, but it did not run (the status line says why)",
                      error=True)
            return False
        self._say(f"Loaded {_shown(path, cut=False)}")
        return True

    def export(self, path: str | Path | None = None) -> bool:
        """Write the last results as CSV or JSON (the "Export results" button).

        Parameters
        ----------
        path : str or Path, optional
            Default: the "Results file" box.

        Returns
        -------
        bool
            True if written; otherwise the message line says why.
        """
        path = self._path(path, self.results_path, "exported")
        if path is None:
            return False
        if self.results is None:
            self._say("Not exported: no results yet", error=True)
            return False
        if path.suffix not in (".csv", ".json"):
            self._say(f"Results file: {_shown(path)!r} must end in .csv or .json", error=True)
            return False
        if not self._write(path, "exported",
                           lambda p: self.results.save(p, overwrite=self.overwrite.value)):
            return False
        self._say(f"Exported {len(self.results.frame)} rows to {_shown(path, cut=False)}")
        return True

    @_reported("message", "Not saved")
    def _on_save(self, _button=None) -> None:
        self.save()

    @_reported("message", "Not loaded")
    def _on_load(self, _button=None) -> None:
        self.load_file()

    @_reported("message", "Not exported")
    def _on_export(self, _button=None) -> None:
        self.export()


def sandbox(preset: str | Scenario = "collaborative", baseline: str | Scenario | None = "siloed",
            n: int = 1, year: int = 2019, seed: int = DEFAULT_SEED, **kwargs) -> Sandbox:
    """A scenario sandbox (an ``ipywidgets.VBox``): controls, DORA dashboard, files.

    Parameters
    ----------
    preset, baseline, n, year, seed
        See :class:`Sandbox`.
    **kwargs
        ``groups``, ``value_stream`` and ``dashboard``, passed to :class:`Sandbox`.

    Returns
    -------
    Sandbox
    """
    return Sandbox(preset, baseline, n=n, year=year, seed=seed, **kwargs)
