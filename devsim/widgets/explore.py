"""Two small explorers: a day slider over one run and a metric picker over one sweep.

Each runs what it needs once (the sweep) or is handed it (the run's log), then only redraws:
a figure from :mod:`devsim.plots`, shown with :func:`devsim.display.show_figure`. Imports
:mod:`devsim.experiment` (the sweep), :mod:`devsim.plots`, :mod:`devsim.registry` (metric
names) and :mod:`devsim.display`.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import ipywidgets as W

from .. import experiment, plots
from ..display import error_text, set_status, show_figure
from ..experiment import DEFAULT_SEED
from ..registry import METRICS, metric as metric_entry

__all__ = ["TimeSlider", "time_slider", "SweepExplorer", "sweep_explorer"]


def _redraw(widget: Any, make: Callable[[], Any]) -> bool:
    """Show ``make()``'s Figure in ``widget.out``; a failure goes to ``widget.status``."""
    try:
        fig = make()
        show_figure(widget.out, fig)
    except Exception as exc:  # noqa: BLE001 - a callback must report, never raise
        set_status(widget.status, error_text(exc), error=True)
        return False
    widget.last_figure = fig
    set_status(widget.status, "")
    return True


class TimeSlider(W.VBox):
    """Step through one run day by day with :func:`devsim.plots.step_through`.

    Parameters
    ----------
    log : EventLog
        One run's event log.
    play : bool
        Add a Play button that advances the day.
    interval_ms : int
        Milliseconds between two days when playing.

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
        """Draw the state of the run at the slider's day.

        Returns
        -------
        bool
            True if drawn; False if drawing failed (the status line says why).
        """
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
        Metric drawn first (a key of :data:`devsim.registry.METRICS`).
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
        metrics = [k for k in METRICS if k in self.results.frame.columns]
        if metric not in metrics:
            raise ValueError(f"metric: {metric!r} is not a metric; choose one of "
                             f"{', '.join(metrics)}")
        self.metric_picker = W.Dropdown(
            options=[(metric_entry(k).name, k) for k in metrics], value=metric,
            description="Metric", layout=W.Layout(width="36em", max_width="100%"))
        self.metric_picker.observe(lambda change: self.refresh(), names="value")
        self.children = [self.metric_picker, self.status, self.out]
        self.refresh()

    def refresh(self) -> bool:
        """Draw the curve of the chosen metric (no new runs).

        Returns
        -------
        bool
            True if drawn; False if drawing failed (the status line says why).
        """
        return _redraw(self, lambda: plots.sweep_curve(self.results, self.field,
                                                       self.metric_picker.value))


def sweep_explorer(scenario, field: str, values: Sequence[Any], metric: str, n: int = 5,
                   seed: int = DEFAULT_SEED, apply=None) -> SweepExplorer:
    """Sweep ``field`` over ``values`` and explore the metrics with a dropdown.

    Parameters
    ----------
    scenario, field, values, metric, n, seed, apply
        See :class:`SweepExplorer`.

    Returns
    -------
    SweepExplorer
        An ``ipywidgets.VBox``.
    """
    return SweepExplorer(scenario, field, values, metric, n=n, seed=seed, apply=apply)
