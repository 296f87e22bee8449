"""Interactive controls for the lessons: a scenario sandbox, a time slider, a sweep explorer.

Widgets are thin. They build :mod:`ipywidgets` controls from the metadata in
:func:`devsim.scenario.field_info` (so a range, a step, a unit or a help text is stated once,
in the Scenario), turn the controls into a :class:`~devsim.scenario.Scenario`, run it with
:mod:`devsim.experiment` and draw it with :mod:`devsim.plots`. They hold no model logic.

Rules every callback here follows, because these widgets run under nbval and in Voila:

* output goes to an :class:`ipywidgets.Output` by assigning its ``outputs`` (never
  ``with out:`` nor ``out.clear_output()``, which leak as cell output under nbval); the
  figure is rendered to PNG here, so the picture does not depend on the kernel having
  registered matplotlib's display formatter (it has not if pyplot was never imported);
* every error is caught and shown as one line in the panel: a callback never leaves the
  kernel busy or prints a traceback into a learner's notebook;
* slider values sit exactly on the slider's step grid (a FloatSlider value off its grid
  snaps back in the browser and would fire a second, spurious update);
* sliders update on release (``continuous_update=False``): one model run per move.

matplotlib's pyplot is never imported.
"""
from __future__ import annotations

import base64
import io
import math
import time
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Sequence

import ipywidgets as W
import pandas as pd

from . import experiment, plots
from .dora import REPORT_YEARS
from .experiment import DEFAULT_SEED, Results
from .scenario import (FIELD_GROUPS, Scenario, ScenarioError, field_info, load_scenario,
                       presets, save_scenario)

__all__ = ["ScenarioControls", "scenario_controls", "Sandbox", "sandbox", "TimeSlider",
           "time_slider", "SweepExplorer", "sweep_explorer", "GROUP_TITLES", "show_figure"]

#: Accordion titles of the field groups, in the order the sandbox shows them.
GROUP_TITLES = {
    "team": "Team setup",
    "handoffs": "Handoffs and approval",
    "automation": "Automation",
    "release": "Release",
    "quality": "Quality and work content",
    "incidents": "Incidents",
    "demand": "Demand",
    "run": "Run settings (advanced)",
}

_DESCRIPTION_STYLE = {"description_width": "17em"}
_CONTROL_LAYOUT = {"width": "42em", "max_width": "100%"}
_NONE = "none"


# --- figures into Output widgets --------------------------------------------------------------

def _figure_bundle(fig) -> dict[str, Any]:
    """A ``display_data`` output holding ``fig`` as PNG (what the browser receives)."""
    buf = io.BytesIO()
    # No bbox_inches="tight": it draws the figure twice; plots lay themselves out.
    fig.savefig(buf, format="png")
    return {"output_type": "display_data",
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                     "text/plain": repr(fig)},
            "metadata": {}}


def _redraw(widget, make) -> bool:
    """Show ``make()``'s Figure in ``widget.out``; a failure goes to ``widget.status``."""
    try:
        fig = make()
        show_figure(widget.out, fig)
    except Exception as exc:  # noqa: BLE001 - a callback must report, never raise
        _set_status(widget.status, f"Error: {type(exc).__name__}: {_one_line(exc)}", error=True)
        return False
    widget.last_figure = fig
    _set_status(widget.status, "")
    return True


def show_figure(out: W.Output, fig) -> None:
    """Replace what ``out`` shows by ``fig`` (rendered to PNG).

    One assignment of ``out.outputs``: no ``with out:`` and no ``clear_output()`` (both leak
    as cell output under nbval), and no blank frame between the old and the new picture.
    """
    out.outputs = (_figure_bundle(fig),)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _set_status(label: W.Label, text: str, *, error: bool = False) -> None:
    label.style.text_color = "#b00020" if error else None
    label.value = text


# --- the step grid ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Grid:
    """A slider's range and step; every value it shows is ``k * step`` within [lo, hi]."""

    lo: float
    hi: float
    step: float
    decimals: int
    is_int: bool

    @classmethod
    def from_meta(cls, meta: dict[str, Any], is_int: bool) -> "_Grid":
        lo, hi, step = meta["min"], meta.get("slider_max") or meta["max"], meta["step"]
        if is_int:
            return cls(int(lo), int(hi), int(step or 1), 0, True)
        step = float(step) if step else (hi - lo) / 100.0
        decimals = max(0, -Decimal(repr(step)).normalize().as_tuple().exponent)
        # The browser's grid starts at the slider's min, so the ends are moved inwards onto
        # multiples of step: 0.05, 0.10, ... rather than 0.01, 0.06, ... (2.0 stays 2.0).
        g_lo = round(math.ceil(lo / step - 1e-9) * step, decimals)
        g_hi = round(math.floor(hi / step + 1e-9) * step, decimals)
        return cls(g_lo, g_hi, step, decimals, False)

    def snap(self, value: float) -> float | int:
        if self.is_int:
            k = round((value - self.lo) / self.step)
            return int(min(max(self.lo + k * self.step, self.lo), self.hi))
        v = round(round(value / self.step) * self.step, self.decimals)
        return min(max(v, self.lo), self.hi)


def _description(meta: dict[str, Any]) -> str:
    return f"{meta['label']} ({meta['unit']})" if meta["unit"] else meta["label"]


# --- scenario controls --------------------------------------------------------------------------

class ScenarioControls:
    """One control per Scenario field, grouped in an Accordion, generated from the metadata.

    Numbers get an ``IntSlider`` or ``FloatSlider`` (min, max and step from the metadata,
    updating on release), choices a ``Dropdown``; each is labelled with its unit and has the
    field's help as a tooltip. Fields outside ``groups`` keep the base scenario's value.

    A value loaded from a file need not lie on a slider's grid (e.g. an arrival rate of
    1.333 per day). The slider shows the nearest grid value, and :meth:`get_scenario` keeps
    the exact loaded value until that slider is moved.

    Parameters
    ----------
    scenario : Scenario
        The base scenario: initial values and the values of fields without a control.
    groups : sequence of str, optional
        Field groups to show, in order (default: all, run settings last).

    Attributes
    ----------
    widget : ipywidgets.Accordion
        The controls, one panel per group.
    controls : dict
        Field name -> control widget.
    """

    def __init__(self, scenario: Scenario, groups: Sequence[str] | None = None):
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario: expected a Scenario, got {type(scenario).__name__}")
        order = tuple(GROUP_TITLES)
        groups = tuple(groups) if groups is not None else order
        unknown = [g for g in groups if g not in FIELD_GROUPS]
        if unknown:
            raise ValueError(f"groups: {unknown[0]!r} is not a field group; choose from "
                             f"{', '.join(FIELD_GROUPS)}")
        self._base = scenario
        self._grids: dict[str, _Grid] = {}
        self.controls: dict[str, W.ValueWidget] = {}
        info = field_info()
        panels, titles = [], []
        for group in groups:
            names = [n for n, m in info.items() if m["group"] == group and n != "name"]
            for n in names:
                self.controls[n] = self._make(n, info[n], getattr(scenario, n))
            panels.append(W.VBox([self.controls[n] for n in names]))
            titles.append(GROUP_TITLES.get(group, group))
        self.widget = W.Accordion(children=panels, titles=tuple(titles), selected_index=None)

    def _make(self, name: str, meta: dict[str, Any], value: Any) -> W.ValueWidget:
        common = dict(description=_description(meta), tooltip=meta["help"],
                      style=dict(_DESCRIPTION_STYLE), layout=W.Layout(**_CONTROL_LAYOUT))
        if meta["choices"] is not None:
            return W.Dropdown(options=list(meta["choices"]), value=value, **common)
        is_int = isinstance(meta["default"], int) and not isinstance(meta["default"], bool)
        grid = _Grid.from_meta(meta, is_int)
        self._grids[name] = grid
        if is_int:
            return W.IntSlider(min=grid.lo, max=grid.hi, step=grid.step, value=grid.snap(value),
                               continuous_update=False, **common)
        return W.FloatSlider(min=grid.lo, max=grid.hi, step=grid.step, value=grid.snap(value),
                             readout_format=f".{grid.decimals}f", continuous_update=False,
                             **common)

    @property
    def base(self) -> Scenario:
        """The scenario the controls were last set from."""
        return self._base

    def _value(self, name: str) -> Any:
        value = self.controls[name].value
        grid = self._grids.get(name)
        return grid.snap(value) if grid is not None else value

    def get_scenario(self) -> Scenario:
        """The Scenario the controls describe.

        Raises
        ------
        ScenarioError
            When the values do not form a valid scenario (the message names the field).
        """
        changes = {}
        for name in self.controls:
            value = self._value(name)
            base_value = getattr(self._base, name)
            grid = self._grids.get(name)
            shown = grid.snap(base_value) if grid is not None else base_value
            if value != shown:
                changes[name] = value
        return replace(self._base, **changes) if changes else self._base

    def set_scenario(self, scenario: Scenario) -> None:
        """Show ``scenario`` in the controls (it becomes the base). Observers fire per change."""
        self._base = scenario
        for name, control in self.controls.items():
            value = getattr(scenario, name)
            grid = self._grids.get(name)
            control.value = grid.snap(value) if grid is not None else value

    def observe(self, handler: Callable[[dict], None]) -> None:
        """Call ``handler(change)`` whenever a control's value changes."""
        for control in self.controls.values():
            control.observe(handler, names="value")


def scenario_controls(scenario: Scenario, groups: Sequence[str] | None = None
                      ) -> tuple[W.Accordion, Callable[[], Scenario]]:
    """Controls for every field of ``scenario`` and a function that reads them back.

    Parameters
    ----------
    scenario : Scenario
        Initial values.
    groups : sequence of str, optional
        Field groups to show (see :data:`GROUP_TITLES`).

    Returns
    -------
    widget : ipywidgets.Accordion
    get_scenario : callable
        Returns the Scenario the controls describe; raises ScenarioError if it is invalid.

    See Also
    --------
    ScenarioControls : the same, with access to the individual controls.
    """
    controls = ScenarioControls(scenario, groups)
    return controls.widget, controls.get_scenario


# --- the sandbox ----------------------------------------------------------------------------------

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
        experiment._check_n(n)
        if dashboard not in ("tiles", "figure"):
            raise ValueError(f"dashboard: {dashboard!r} is not allowed; choose 'tiles' (HTML text, "
                             "fast) or 'figure' (a matplotlib Figure)")
        self.dashboard = dashboard
        self.tiles = W.HTML(value="")
        self.last_html = ""
        self.seed = seed
        self.scenario: Scenario | None = None
        self.baseline: Scenario | None = None
        self.results: Results | None = None
        self.last_figure = None
        self.baseline_runs = 0
        self._baseline_cache: dict[tuple, tuple[Scenario, Results]] = {}
        self._log_cache: dict[tuple, Any] = {}
        self._hold = 0

        self._choices: dict[str, Scenario] = dict(presets())
        start = self._add_choice(preset)
        base_choices = [_NONE] + list(presets())
        if baseline is None:
            base_value = _NONE
        else:
            base_value = self._add_choice(baseline)
            if base_value not in base_choices:
                base_choices.append(base_value)

        self._controls = ScenarioControls(self._choices[start], groups)
        self.controls = self._controls.controls

        self.preset_picker = W.Dropdown(options=list(self._choices), value=start,
                                        description="Organisation", style=dict(
                                            description_width="initial"), tooltip=(
                                            "Load a preset organisation into the controls."))
        self.baseline_picker = W.Dropdown(options=base_choices, value=base_value,
                                          description="Compare against", style=dict(
                                              description_width="initial"), tooltip=(
                                              "The organisation the dashboard compares with."))
        reps = sorted({1, 5, 10, n})
        self.replications = W.ToggleButtons(
            options=[(str(k), k) for k in reps], value=n, description="Replications",
            tooltip="Runs per update, each with its own random numbers; more runs, narrower "
                    "confidence intervals, slower updates.",
            style=dict(button_width="3em", description_width="initial"))
        years = list(REPORT_YEARS)
        if year not in years:
            raise ValueError(f"year: {year!r} is not allowed; choose one of "
                             f"{', '.join(map(str, years))}")
        self.year_picker = W.Dropdown(options=years, value=year, description="DORA year",
                                      tooltip="DORA report whose performance clusters to use.",
                                      layout=W.Layout(width="12em"))
        self.reset_button = W.Button(description="Reset", icon="undo",
                                     tooltip="Put the controls back to the chosen organisation.")
        self.status = W.Label(value="")
        self.out = W.Output(layout=W.Layout(min_height="12em"))
        self.show_value_stream = W.Checkbox(value=value_stream, indent=False,
                                            description="Show the value stream map",
                                            tooltip="Also draw where a change waits and works "
                                                    "(replication 0; one more run per update).")
        self.value_stream_out = W.Output()

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

        top = W.HBox([self.preset_picker, self.baseline_picker, self.year_picker,
                      self.replications, self.reset_button],
                     layout=W.Layout(flex_flow="row wrap", align_items="center"))
        files = W.VBox([W.HBox([self.scenario_path, self.save_button, self.load_button]),
                        W.HBox([self.results_path, self.export_button]),
                        self.overwrite, self.message])
        files_box = W.Accordion(children=[files], titles=("Save, load and export",),
                                selected_index=None)
        self._controls.widget.selected_index = 0
        (self.out if dashboard == "tiles" else self.tiles).layout.display = "none"
        self.children = [top, self.status, self.tiles, self.out, self.show_value_stream,
                         self.value_stream_out, self._controls.widget, files_box]
        self.refresh()

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
        if baseline.name == scenario.name:
            baseline = replace(baseline, name=f"{baseline.name} (baseline)")
        key = (baseline, self.n, self.seed)
        if key not in self._baseline_cache:
            res = experiment.compare([baseline], n=self.n, seed=self.seed,
                                     executor=self._executor(), progress=False)
            self.baseline_runs += 1
            if len(self._baseline_cache) >= 8:
                self._baseline_cache.pop(next(iter(self._baseline_cache)))
            self._baseline_cache[key] = (baseline, res)
        return self._baseline_cache[key]

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
        frame = pd.concat([res.frame, base_res.frame], ignore_index=True)
        merged = Results(frame=frame, scenarios={**res.scenarios, **base_res.scenarios},
                         seed=self.seed)
        return merged, baseline

    def _dashboard(self, results: Results, scenario: Scenario, baseline: Scenario | None):
        """Show the five tiles; returns the Figure (figure mode) or None (HTML tiles)."""
        base = baseline.name if baseline is not None else None
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
        _set_status(self.status, "running…")
        try:
            scenario = self._controls.get_scenario()
        except ScenarioError as exc:
            _set_status(self.status, f"Not run: {_one_line(exc)}", error=True)
            return False
        try:
            results, baseline = self._compute(scenario)
            fig = self._dashboard(results, scenario, baseline)
        except BrokenProcessPool as exc:
            experiment.shutdown()  # so that the next update starts a fresh pool
            _set_status(self.status, f"Error: the worker processes stopped ({_one_line(exc)}); "
                        "move a control to try again", error=True)
            return False
        except Exception as exc:  # noqa: BLE001 - a callback must report, never raise
            _set_status(self.status, f"Error: {type(exc).__name__}: {_one_line(exc)}",
                        error=True)
            return False
        self.scenario, self.baseline, self.results, self.last_figure = (
            scenario, baseline, results, fig)
        note = self._update_value_stream()
        _set_status(self.status, f"updated in {time.perf_counter() - t0:.2f} s{note}")
        return True

    def redraw(self) -> bool:
        """Redraw the last results (e.g. for another DORA year) without running again."""
        if self.results is None:
            return self.refresh()
        try:
            fig = self._dashboard(self.results, self.scenario, self.baseline)
        except Exception as exc:  # noqa: BLE001
            _set_status(self.status, f"Error: {type(exc).__name__}: {_one_line(exc)}",
                        error=True)
            return False
        self.last_figure = fig
        return True

    def _log(self, scenario: Scenario):
        from .model import run

        key = (scenario, self.seed)
        if key not in self._log_cache:
            if len(self._log_cache) >= 4:
                self._log_cache.pop(next(iter(self._log_cache)))
            self._log_cache[key] = run(scenario, seed=self.seed, replication=0)
        return self._log_cache[key]

    def _update_value_stream(self) -> str:
        if not self.show_value_stream.value:
            self.value_stream_out.outputs = ()
            return ""
        try:
            logs = {self.scenario.name: self._log(self.scenario)}
            if self.baseline is not None:
                logs[self.baseline.name] = self._log(self.baseline)
            show_figure(self.value_stream_out, plots.value_stream_map(logs))
        except Exception as exc:  # noqa: BLE001
            self.value_stream_out.outputs = ()
            return f" (value stream map failed: {_one_line(exc)})"
        return ""

    # callbacks -----------------------------------------------------------------------------
    def _on_control(self, change: dict) -> None:
        if not self._hold:
            self.refresh()

    def _on_setting(self, change: dict) -> None:
        self.refresh()

    def _on_year(self, change: dict) -> None:
        if self.redraw():
            _set_status(self.status, f"DORA {self.year} clusters")

    def _on_value_stream(self, change: dict) -> None:
        note = self._update_value_stream() if self.scenario is not None else ""
        if note:
            _set_status(self.status, note.strip(" ()"), error=True)

    def load(self, scenario: Scenario) -> None:
        """Put ``scenario`` into the controls and update once."""
        with self._held():
            self._controls.set_scenario(scenario)
        self.refresh()

    def _on_preset(self, change: dict) -> None:
        self.load(self._choices[change["new"]])

    def _on_reset(self, _button=None) -> None:
        self.load(self._choices[self.preset_picker.value])

    # files ---------------------------------------------------------------------------------
    def _say(self, text: str, *, error: bool = False) -> None:
        _set_status(self.message, text, error=error)

    def save(self, path: str | Path | None = None) -> bool:
        """Save the controls' scenario as YAML (the "Save scenario" button)."""
        path = Path(path if path is not None else self.scenario_path.value.strip()).expanduser()
        if path.suffix not in (".yaml", ".yml"):
            self._say(f"Scenario file: {str(path)!r} must end in .yaml or .yml", error=True)
            return False
        try:
            scenario = self._controls.get_scenario()
        except ScenarioError as exc:
            self._say(f"Not saved: {_one_line(exc)}", error=True)
            return False
        if path.exists() and not self.overwrite.value:
            self._say(f"Not saved: {path} already exists; tick 'Overwrite existing files' "
                      "to replace it", error=True)
            return False
        try:
            save_scenario(scenario, path, overwrite=self.overwrite.value)
        except Exception as exc:  # noqa: BLE001 - e.g. a missing folder or no permission
            self._say(f"Not saved: {_one_line(exc)}", error=True)
            return False
        self._say(f"Saved scenario to {path}")
        return True

    def load_file(self, path: str | Path | None = None) -> bool:
        """Load a YAML scenario into the controls (the "Load scenario" button)."""
        path = Path(path if path is not None else self.scenario_path.value.strip()).expanduser()
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self._say(f"Not loaded: {_one_line(exc)}", error=True)
            return False
        except Exception as exc:  # noqa: BLE001 - a folder, an unreadable or binary file
            self._say(f"Not loaded: {path}: {_one_line(exc)}", error=True)
            return False
        label = _choice_label(scenario, self._choices)
        if label not in self._choices:
            label = f"{scenario.name} ({path.name})"
            self._choices[label] = scenario
            self.preset_picker.options = list(self._choices)
        if self.preset_picker.value == label:
            self.load(scenario)
        else:
            self.preset_picker.value = label  # its observer loads and updates
        self._say(f"Loaded {path}")
        return True

    def export(self, path: str | Path | None = None) -> bool:
        """Write the last results as CSV or JSON (the "Export results" button)."""
        path = Path(path if path is not None else self.results_path.value.strip()).expanduser()
        if self.results is None:
            self._say("Not exported: no results yet", error=True)
            return False
        if path.suffix not in (".csv", ".json"):
            self._say(f"Results file: {str(path)!r} must end in .csv or .json", error=True)
            return False
        if path.exists() and not self.overwrite.value:
            self._say(f"Not exported: {path} already exists; tick 'Overwrite existing files' "
                      "to replace it", error=True)
            return False
        try:
            self.results.save(path, overwrite=self.overwrite.value)
        except Exception as exc:  # noqa: BLE001
            self._say(f"Not exported: {_one_line(exc)}", error=True)
            return False
        self._say(f"Exported {len(self.results.frame)} rows to {path}")
        return True

    def _on_save(self, _button=None) -> None:
        self.save()

    def _on_load(self, _button=None) -> None:
        self.load_file()

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
        ``groups`` and ``value_stream``, passed to :class:`Sandbox`.

    Returns
    -------
    Sandbox
    """
    return Sandbox(preset, baseline, n=n, year=year, seed=seed, **kwargs)


# --- time slider ------------------------------------------------------------------------------

class TimeSlider(W.VBox):
    """Step through one run day by day with :func:`devsim.plots.step_through`.

    Parameters
    ----------
    log : EventLog
        One run's event log.
    play : bool
        Add a Play button that advances the day.

    Attributes
    ----------
    slider : ipywidgets.IntSlider
        Day of the run (updates on release).
    out : ipywidgets.Output
    status : ipywidgets.Label
    last_figure : matplotlib.figure.Figure or None
    """

    def __init__(self, log, *, play: bool = True, interval_ms: int = 700):
        super().__init__()
        self.event_log = log
        last_day = max(1, int(math.ceil(log.end_hours / 24.0)))
        first_day = int(log.start_hours // 24)
        self.slider = W.IntSlider(min=0, max=last_day, step=1, value=first_day,
                                  description="Day", continuous_update=False,
                                  tooltip="Day of the run to show (drag and release).",
                                  layout=W.Layout(width="36em", max_width="100%"))
        self.out = W.Output()
        self.status = W.Label(value="")
        self.last_figure = None
        row = [self.slider]
        if play:
            self.play = W.Play(min=0, max=last_day, step=1, value=first_day,
                               interval=interval_ms, description="Play", tooltip="Play")
            W.jslink((self.play, "value"), (self.slider, "value"))
            row.insert(0, self.play)
        self.slider.observe(lambda change: self.refresh(), names="value")
        self.children = [W.HBox(row), self.status, self.out]
        self.refresh()

    @property
    def t_hours(self) -> float:
        """The time shown, in hours from the start of the run."""
        return self.slider.value * 24.0

    def refresh(self) -> bool:
        """Draw the state of the run at the slider's day."""
        return _redraw(self, lambda: plots.step_through(self.event_log, self.t_hours))


def time_slider(log, *, play: bool = True) -> TimeSlider:
    """A day slider (and Play button) over one run, drawing :func:`devsim.plots.step_through`.

    Parameters
    ----------
    log : EventLog
        One run, e.g. ``devsim.run(scenario, seed=2026)``.
    play : bool
        Add a Play button.

    Returns
    -------
    TimeSlider
        An ``ipywidgets.VBox``.
    """
    return TimeSlider(log, play=play)


# --- sweep explorer -----------------------------------------------------------------------------

class SweepExplorer(W.VBox):
    """Run a sweep once and show :func:`devsim.plots.sweep_curve` for a chosen metric.

    Parameters
    ----------
    scenario : Scenario or str
        The base scenario or a preset name.
    field : str
        Scenario field to vary.
    values : sequence
        Values of ``field``.
    metric : str
        Metric drawn first (a key of :data:`devsim.metrics.LABELS`).
    n : int
        Replications per value.
    seed : int
        Base seed.
    apply : callable, optional
        ``apply(scenario, value)``, as in :func:`devsim.experiment.sweep`.
    """

    def __init__(self, scenario, field: str, values: Sequence[Any], metric: str, n: int = 5,
                 seed: int = DEFAULT_SEED, apply=None):
        super().__init__()
        self.field = field
        self.status = W.Label(value="running…")
        self.out = W.Output()
        self.last_figure = None
        self.results = experiment.sweep(scenario, field, values, n=n, seed=seed, apply=apply,
                                        progress=False)
        metrics = [m for m in self.results.labels if m in self.results.frame.columns]
        if metric not in metrics:
            raise ValueError(f"metric: {metric!r} is not a metric; choose one of "
                             f"{', '.join(metrics)}")
        self.metric_picker = W.Dropdown(
            options=[(self.results.labels[m][0], m) for m in metrics], value=metric,
            description="Metric", layout=W.Layout(width="36em", max_width="100%"))
        self.metric_picker.observe(lambda change: self.refresh(), names="value")
        self.children = [self.metric_picker, self.status, self.out]
        self.refresh()

    def refresh(self) -> bool:
        """Draw the curve of the chosen metric (no new runs)."""
        return _redraw(self, lambda: plots.sweep_curve(self.results, self.field,
                                                       self.metric_picker.value))


def sweep_explorer(scenario, field: str, values: Sequence[Any], metric: str, n: int = 5,
                   seed: int = DEFAULT_SEED, apply=None) -> SweepExplorer:
    """Sweep ``field`` over ``values`` and explore the metrics with a dropdown.

    Returns
    -------
    SweepExplorer
        An ``ipywidgets.VBox``; see :class:`SweepExplorer` for the parameters.
    """
    return SweepExplorer(scenario, field, values, metric, n=n, seed=seed, apply=apply)
