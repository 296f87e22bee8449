"""Figure plumbing shared by every chart: the Figure class, the palette, sizes, text helpers.

Every chart builds its figure with :class:`matplotlib.figure.Figure` directly, never with
pyplot: no global figure state (a widget that redraws on every slider move leaks nothing),
no backend choice forced on the caller, and no pyplot import cost. Nothing calls ``show()``.
The figures are a small subclass of ``Figure`` (:func:`figure_class`) that also shows itself
as a PNG in Jupyter (``_repr_png_``): a bare ``Figure`` displays only as the text
``<Figure size ...>`` unless pyplot's inline backend has been switched on.

This module also owns how data reaches a chart (:func:`as_logs`, :func:`scenario_summary`)
and the one bridge from the metric registry to a chart (:func:`format_metric`,
:func:`scale_or_plain`): numbers become text only through :mod:`devsim.registry`.

matplotlib is imported inside the functions, so importing this module stays cheap.
"""
from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from ..experiment import mean_ci
from ..log import EventLog
from ..registry import is_metric, metric, scale_for, value_parts
from ..valuestream import VALUE_STREAM

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..experiment import Results

__all__ = ["PALETTE", "OKABE_ITO", "CLUSTER_COLOURS", "BETTER_COLOUR", "WORSE_COLOUR",
           "GREY", "FONT", "SMALL", "TITLE", "format_metric", "figure_class", "new_figure",
           "text_inches", "title", "style", "tint", "plain_log_axis", "isnan", "wrap",
           "scale_or_plain", "as_logs", "scenario_labels", "check_scenario",
           "scenario_summary", "clip_ci", "flow_order"]

#: The Okabe-Ito colour-blind-safe palette by name (Okabe & Ito, "Color Universal Design").
OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9",
    "bluish_green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}

#: Series colours in the order scenarios (or curves) take them.
PALETTE: tuple[str, ...] = tuple(OKABE_ITO[k] for k in (
    "blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "black",
    "yellow"))

#: Colour of each DORA cluster; ``"n/a"`` for no cluster (no data, or rework rate).
CLUSTER_COLOURS: dict[str, str] = {
    "elite": OKABE_ITO["bluish_green"],
    "high": OKABE_ITO["sky_blue"],
    "medium": OKABE_ITO["orange"],
    "low": OKABE_ITO["vermillion"],
    "n/a": "#BBBBBB",
}

#: Colours of a change that is better / worse than the baseline.
BETTER_COLOUR = OKABE_ITO["blue"]
WORSE_COLOUR = OKABE_ITO["vermillion"]

#: Notes and secondary text.
GREY = "#666666"
#: Font sizes in points: body text and axis labels; ticks and notes (the smallest anywhere,
#: for a room with a projector); titles.
FONT, SMALL, TITLE = 12, 11, 13


# --- numbers as text (through the registry) ----------------------------------------------------

def format_metric(metric: str, value: float) -> tuple[str, str]:
    """How a dashboard shows one value: (number as text, unit words).

    The registry's formatter (:func:`devsim.registry.value_parts`): a rate per day, week,
    month or year; a time in minutes, hours, days or weeks; a share as a percentage (the
    ``%`` is part of the number text). A missing value (NaN) is ``"n/a"``.

    Parameters
    ----------
    metric : str
        A metric key from :data:`devsim.registry.METRICS`.
    value : float
        The value in the metric's own unit (deploys per day, hours, a share 0-1).

    Returns
    -------
    tuple of str
        e.g. ``("2.21", "deploys/day")``, ``("29.2", "days")``, ``("39%", "of deploys")``.
    """
    return value_parts(metric, value)


def scale_or_plain(key: str, ref: float) -> tuple[float, str]:
    """The registry's display scale of ``key`` for a reference value; a column that is not
    a metric is drawn as it is (factor 1, no unit)."""
    return scale_for(key, ref) if is_metric(key) else (1.0, "")


# --- figures without pyplot --------------------------------------------------------------------

_FIGURE_CLASS = None
#: The module whose ``__getattr__`` hands out the Figure class (what pickle looks up).
FIGURE_MODULE = "devsim.plots"


def figure_class():
    """The Figure subclass, created on first use so importing the package skips matplotlib.

    Its ``__module__`` is :data:`FIGURE_MODULE`, whose module ``__getattr__`` returns it, so
    a figure pickles (and unpickles in a process that has not drawn one yet).
    """
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        import matplotlib.figure

        # Named Figure so its repr stays "<Figure size ...>" (what nbval compares).
        class Figure(matplotlib.figure.Figure):
            """A matplotlib Figure that shows itself as a PNG in Jupyter, with or without pyplot."""

            def _repr_png_(self) -> bytes:
                import io

                buf = io.BytesIO()
                # No bbox_inches="tight": it draws twice, and these figures lay themselves out.
                self.savefig(buf, format="png")
                return buf.getvalue()

        Figure.__module__, Figure.__qualname__ = FIGURE_MODULE, "Figure"
        _FIGURE_CLASS = Figure
    return _FIGURE_CLASS


def new_figure(figsize, *, left: float = 0.9, right: float = 0.25, top: float = 0.45,
               bottom: float = 0.7, grid: tuple[int, int] = (1, 1), hgap: float = 0.5,
               wgap: float = 0.5) -> "Figure":
    """A figure whose subplot margins and gaps are fixed in inches.

    No layout engine: constrained layout makes ``savefig`` draw everything twice (once to
    measure), which doubles the time of each slider step.
    """
    fig = figure_class()(figsize=figsize)
    fig.patch.set_facecolor("white")
    w, h = figsize
    rows, cols = grid
    avg_h = (h - top - bottom - (rows - 1) * hgap) / rows
    avg_w = (w - left - right - (cols - 1) * wgap) / cols
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h,
                        hspace=hgap / avg_h if rows > 1 else 0.2,
                        wspace=wgap / avg_w if cols > 1 else 0.2)
    return fig


def text_inches(texts, size: float = SMALL) -> float:
    """Rough width of the longest text (DejaVu Sans: about 0.6 em per character)."""
    longest = max((max(len(line) for line in str(t).split("\n")) for t in texts), default=0)
    return longest * 0.6 * size / 72


def title(ax, text: str) -> None:
    """A bold title at the left of ``ax``."""
    # y=1.0: a title left to place itself measures every tick label first, which is slow.
    ax.set_title(text, fontsize=FONT, fontweight="bold", loc="left", y=1.0, pad=6)


def style(ax) -> None:
    """Projector-sized tick labels, no top or right spine."""
    ax.tick_params(labelsize=SMALL)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def tint(colour: str, amount: float = 0.22) -> tuple[float, float, float]:
    """``colour`` mixed with white (amount 1 = the colour itself)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (1 - amount + amount * r, 1 - amount + amount * g, 1 - amount + amount * b)


def plain_log_axis(axis) -> None:
    """Log-axis ticks at 1, 2, 5 x 10^k written as plain numbers (0.5, 1, 20), not 10^k."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.10g}"))
    axis.set_minor_locator(NullLocator())  # 1-2-5 majors are dense enough; ticks are slow
    axis.set_minor_formatter(NullFormatter())


def isnan(x: Any) -> bool:
    """None or a float NaN."""
    return x is None or (isinstance(x, (float, np.floating)) and math.isnan(x))


def wrap(text: str, width_inches: float, size: float = SMALL) -> str:
    """``text`` broken into lines that fit ``width_inches`` at ``size`` points."""
    # DejaVu Sans averages a little over half an em per character.
    per_line = max(30, int(width_inches * 72 / (0.56 * size)))
    return "\n".join(textwrap.wrap(text, per_line))


# --- what a chart reads ------------------------------------------------------------------------

def as_logs(logs, labels, what: str) -> dict[str, EventLog]:
    """One log, a dict of logs or a sequence of logs as ``{label: EventLog}``.

    Raises
    ------
    ValueError
        Naming ``what`` (the caller's argument) for anything else, or a label count that
        does not match.
    """
    if isinstance(logs, EventLog):
        logs = [logs]
    if isinstance(logs, Mapping):
        out = dict(logs)
        if labels is not None:
            labels = list(labels)
            if len(labels) != len(out):
                raise ValueError(f"labels: {len(labels)} given for {len(out)} logs; "
                                 "give one per log")
            out = dict(zip(labels, out.values()))
    elif isinstance(logs, Sequence) and not isinstance(logs, str):
        logs = list(logs)
        if labels is None:
            labels = [log.meta.get("scenario", {}).get("name") if isinstance(log, EventLog)
                      else None for log in logs]
            labels = [lab or f"run {i + 1}" for i, lab in enumerate(labels)]
            if len(set(labels)) < len(labels):
                labels = [f"{lab} ({i + 1})" for i, lab in enumerate(labels)]
        labels = [labels] if isinstance(labels, str) else list(labels)
        if len(labels) != len(logs):
            raise ValueError(f"labels: {len(labels)} given for {len(logs)} logs; give one per log")
        out = dict(zip(labels, logs))
    else:
        raise ValueError(f"{what}: expected an EventLog or a dict {{label: EventLog}}, "
                         f"got {type(logs).__name__}")
    if not out:
        raise ValueError(f"{what}: give at least one EventLog")
    for lab, log in out.items():
        if not isinstance(log, EventLog):
            raise ValueError(f"{what}: {lab!r} is a {type(log).__name__}, not an EventLog")
    return out


def flow_order(log: EventLog, stages) -> list[str]:
    """``stages`` in the flow order of the log's own value stream (``log.stream``, else
    :data:`devsim.valuestream.VALUE_STREAM`); stages it does not name follow, sorted."""
    order = getattr(log, "stream", VALUE_STREAM).order
    stages = set(stages)
    return [s for s in order if s in stages] + sorted(stages - set(order))


def scenario_labels(results: "Results") -> list[str]:
    """Scenario labels of ``results`` in the order they first appear."""
    return list(dict.fromkeys(results.frame["scenario"].tolist()))


def check_scenario(results: "Results", name: str, what: str) -> None:
    """Raise a ValueError naming ``what`` when ``name`` is not a scenario of ``results``."""
    labels = scenario_labels(results)
    if name not in labels:
        raise ValueError(f"{what}: {name!r} is not in these results; choose one of "
                         f"{', '.join(map(repr, labels))}")


def scenario_summary(results: "Results", keys: Sequence[str]) -> dict[tuple[str, str], dict]:
    """Mean, 95% CI and count per (scenario, metric key), from the tidy results frame."""
    frame = results.frame
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise ValueError(f"results: missing metric column(s) {', '.join(missing)}")
    out = {}
    for scenario, grp in frame.groupby("scenario", sort=False):
        for key in keys:
            mean, lo, hi = mean_ci(grp[key])
            out[(scenario, key)] = {"scenario": scenario, "metric": key, "mean": mean,
                                    "ci_low": lo, "ci_high": hi,
                                    "n": int(grp[key].notna().sum())}
    return out


def clip_ci(key: str, lo: float, hi: float) -> tuple[float, float]:
    """The t interval cut to what the metric can be (no negative hours, no share above 1)."""
    if not isnan(lo):
        lo = max(lo, 0.0)
    if not isnan(hi) and metric(key).kind == "share":
        hi = min(hi, 1.0)
    return lo, hi
