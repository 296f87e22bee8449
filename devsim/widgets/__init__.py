"""Interactive controls for the lessons: a scenario sandbox, a time slider, a sweep explorer.

Widgets are thin. They build :mod:`ipywidgets` controls from the metadata in
:func:`devsim.scenario.field_info` (so a range, a step, a unit or a help text is stated once,
in the Scenario), turn the controls into a :class:`~devsim.scenario.Scenario`, run it with
:mod:`devsim.experiment` and draw it with :mod:`devsim.plots`. They hold no model logic and
never run the model themselves.

Where things live:

* :mod:`devsim.widgets.controls`: one control per Scenario field (:class:`ScenarioControls`);
* :mod:`devsim.widgets.sandbox`: the scenario sandbox (:class:`Sandbox`);
* :mod:`devsim.widgets.explore`: the day slider over one run and the sweep explorer;
* :mod:`devsim.display` (shared with :mod:`devsim.projector`): figures into output areas
  and errors into one status line.

Rules every callback here follows, because these widgets run under nbval and in Voila:

* output goes to an :class:`ipywidgets.Output` by assigning its ``outputs`` (never
  ``with out:`` nor ``out.clear_output()``, which leak as cell output under nbval); the
  figure is rendered to PNG by :func:`devsim.display.show_figure`, so the picture does not
  depend on the kernel having registered matplotlib's display formatter;
* every error is caught and shown as one line in the panel: a callback never leaves the
  kernel busy or prints a traceback into a learner's notebook;
* slider values sit exactly on the slider's step grid (a FloatSlider value off its grid
  snaps back in the browser and would fire a second, spurious update);
* sliders update on release (``continuous_update=False``): one model run per move.

The widgets may import :mod:`devsim.experiment`, :mod:`devsim.plots`,
:mod:`devsim.scenario`, :mod:`devsim.registry`, :mod:`devsim.dora` and
:mod:`devsim.display`; no devsim module imports them (the lessons do).
matplotlib's pyplot is never imported.
"""
from __future__ import annotations

from ..display import show_figure
from ..scenario import GROUP_TITLES
from .controls import ScenarioControls, scenario_controls
from .explore import SweepExplorer, TimeSlider, sweep_explorer, time_slider
from .predict import Prediction, predict
from .sandbox import Sandbox, sandbox

__all__ = ["ScenarioControls", "scenario_controls", "Sandbox", "sandbox", "TimeSlider",
           "time_slider", "SweepExplorer", "sweep_explorer", "GROUP_TITLES", "show_figure",
           "predict", "Prediction"]
