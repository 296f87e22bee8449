"""Plots: functions that take devsim data and return a matplotlib ``Figure``.

Every function builds its figure with :class:`matplotlib.figure.Figure` directly, never
with pyplot: no global figure state (a widget that redraws on every slider move leaks nothing),
no backend choice forced on the caller, and no pyplot import cost. Nothing calls
``show()``. The figures are a small subclass of ``Figure`` that also knows how to show
itself as a PNG in Jupyter (``_repr_png_``): a bare ``Figure`` displays only as the text
``<Figure size ...>`` unless pyplot's inline backend has been switched on.

Design choices, for a room with a projector:

* colours from the Okabe-Ito palette (:data:`PALETTE`), which stays distinct for the
  common kinds of colour blindness; nothing is told by colour alone (clusters carry
  their name, markers differ in shape);
* every axis label carries its unit; no text is smaller than 11 pt;
* a DORA cluster is always shown with the report year and the classification rule
  (:data:`devsim.dora.RULE`).

matplotlib is imported inside the functions, so ``import devsim.plots`` stays cheap.
"""
from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

from . import dora
from .log import EventLog
from .metrics import LABELS, dora_metrics, flow_metrics, stage_times, utilisation

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .experiment import Results

__all__ = ["PALETTE", "OKABE_ITO", "CLUSTER_COLOURS", "BETTER_COLOUR", "WORSE_COLOUR",
           "format_metric", "dora_tiles", "dora_tiles_html", "dora_dashboard", "compare_dora",
           "cumulative_flow",
           "lead_time_distribution", "value_stream_map", "utilisation_chart", "sweep_curve",
           "step_through"]

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

_GREY = "#666666"
_FONT = 12          # body text, axis labels
_SMALL = 11         # tick labels, notes: the smallest size used anywhere
_TITLE = 13

# The five keys in DORA's order, with a short tile name and which direction is better.
_FIVE = (
    ("deploy_frequency_per_day", "Deployment frequency", "higher"),
    ("lead_time_hours", "Lead time for changes", "lower"),
    ("change_failure_rate", "Change failure rate", "lower"),
    ("time_to_restore_hours", "Time to restore", "lower"),
    ("rework_rate", "Rework rate", "lower"),
)
_SHARES = {"change_failure_rate", "rework_rate"}


# --- figures without pyplot -------------------------------------------------------------------

_FIGURE_CLASS = None


def _figure_class():
    """The Figure subclass, created on first use so importing this module skips matplotlib."""
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

        Figure.__module__, Figure.__qualname__ = __name__, "Figure"
        _FIGURE_CLASS = Figure
    return _FIGURE_CLASS


def __getattr__(name: str):
    # Lets pickle find the lazily created class as devsim.plots.Figure.
    if name == "Figure":
        return _figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _new_figure(figsize, *, left: float = 0.9, right: float = 0.25, top: float = 0.45,
                bottom: float = 0.7, grid: tuple[int, int] = (1, 1), hgap: float = 0.5,
                wgap: float = 0.5) -> "Figure":
    """A figure whose subplot margins and gaps are fixed in inches.

    No layout engine: constrained layout makes ``savefig`` draw everything twice (once to
    measure), which doubles the time of each slider step.
    """
    fig = _figure_class()(figsize=figsize)
    fig.patch.set_facecolor("white")
    w, h = figsize
    rows, cols = grid
    avg_h = (h - top - bottom - (rows - 1) * hgap) / rows
    avg_w = (w - left - right - (cols - 1) * wgap) / cols
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h,
                        hspace=hgap / avg_h if rows > 1 else 0.2,
                        wspace=wgap / avg_w if cols > 1 else 0.2)
    return fig


def _text_inches(texts, size: float = _SMALL) -> float:
    """Rough width of the longest text (DejaVu Sans: about 0.6 em per character)."""
    longest = max((max(len(line) for line in str(t).split("\n")) for t in texts), default=0)
    return longest * 0.6 * size / 72


def _title(ax, text: str) -> None:
    # y=1.0: a title left to place itself measures every tick label first, which is slow.
    ax.set_title(text, fontsize=_FONT, fontweight="bold", loc="left", y=1.0, pad=6)


def _style(ax) -> None:
    ax.tick_params(labelsize=_SMALL)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _tint(colour: str, amount: float = 0.22) -> tuple[float, float, float]:
    """``colour`` mixed with white (amount 1 = the colour itself)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return (1 - amount + amount * r, 1 - amount + amount * g, 1 - amount + amount * b)


def _plain_log_axis(axis) -> None:
    """Log-axis ticks at 1, 2, 5 x 10^k written as plain numbers (0.5, 1, 20), not 10^k."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.10g}"))
    axis.set_minor_locator(NullLocator())  # 1-2-5 majors are dense enough; ticks are slow
    axis.set_minor_formatter(NullFormatter())


def _isnan(x) -> bool:
    return x is None or (isinstance(x, (float, np.floating)) and math.isnan(x))


# --- numbers as text --------------------------------------------------------------------------

def _num(x: float) -> str:
    if _isnan(x):
        return "n/a"
    a = abs(x)
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a == 0:
        return "0"
    if a >= 0.01:
        return f"{x:.2f}"
    return f"{x:.2g}"


def _pct(x: float) -> str:
    if _isnan(x):
        return "n/a"
    if x == 0:
        return "0"
    return f"{x:.0f}" if abs(x) >= 10 else f"{x:.1f}"


def _scale(metric: str, ref: float) -> tuple[float, str]:
    """Factor and unit that show ``metric`` readably, chosen from a reference value."""
    if metric == "deploy_frequency_per_day":
        return (1.0, "deploys/day") if _isnan(ref) or ref >= 1.0 else (7.0, "deploys/week")
    if (metric in _SHARES or metric.startswith("utilisation_")
            or LABELS.get(metric, ("", ""))[1].startswith("share")):
        return 100.0, "%"
    if metric.endswith("_hours"):
        return (1.0, "hours") if _isnan(ref) or ref <= 48.0 else (1.0 / 24.0, "days")
    return 1.0, LABELS.get(metric, ("", ""))[1]


def _fmt_scaled(value: float, factor: float, unit: str) -> str:
    if _isnan(value):
        return "n/a"
    v = value * factor
    return f"{_pct(v)}%" if unit == "%" else _num(v)


def format_metric(metric: str, value: float) -> tuple[str, str]:
    """How a dashboard shows one value: (number as text, unit).

    Deployment frequency is per day, or per week below one a day; times are in hours, or
    days above 48 hours; shares are percentages (the ``%`` is part of the number text).
    A missing value (NaN) is ``"n/a"``.

    Parameters
    ----------
    metric : str
        A metric name from :data:`devsim.metrics.LABELS`.
    value : float
        The value in the metric's own unit (deploys per day, hours, a share 0-1).

    Returns
    -------
    tuple of str
        e.g. ``("2.21", "deploys/day")``, ``("29.2", "days")``, ``("39%", "of deploys")``.
    """
    factor, unit = _scale(metric, value)
    text = _fmt_scaled(value, factor, unit)
    if unit == "%":
        unit = "of deploys" if metric in _SHARES else LABELS.get(metric, ("", "%"))[1]
    return text, unit


def _change(metric: str, value: float, base: float, better: str) -> tuple[str, bool | None]:
    """A change against a baseline as text ("▼ 85%", "▲ 24×", "▼ 39 pts") and whether it is
    better (None: the same, or nothing to compare)."""
    if _isnan(value) or _isnan(base):
        return "n/a", None
    if metric in _SHARES:
        diff = (value - base) * 100.0
        if abs(diff) < 0.05:
            return "= same", None
        good = (diff > 0) == (better == "higher")
        return f"{'▲' if diff > 0 else '▼'} {_pct(abs(diff))} pts", good
    if base == 0:
        if value == 0:
            return "= same", None
        return "▲ from 0", better == "higher"
    ratio = value / base
    if abs(ratio - 1.0) < 0.005:
        return "= same", None
    good = (ratio > 1) == (better == "higher")
    if ratio >= 2.0:
        return f"▲ {ratio:.1f}×" if ratio < 10 else f"▲ {ratio:,.0f}×", good
    pct = abs(ratio - 1.0) * 100.0
    pct_text = f"{pct:.0f}%" if pct < 99 or pct >= 99.95 else f"{pct:.1f}%"
    return f"{'▲' if ratio > 1 else '▼'} {pct_text}", good


def _change_text(amount: str, good: bool | None, baseline: str) -> str:
    """Two lines that fit a tile: "▼ 85% vs siloed" / "better"."""
    verdict = "" if good is None else ("better" if good else "worse")
    line = f"{amount} vs {baseline}"
    if len(line) <= 21:
        return f"{line}\n{verdict}".rstrip()
    label = baseline if len(baseline) <= 18 else baseline[:17] + "…"
    return (f"{amount}, {verdict}" if verdict else amount) + f"\nvs {label}"


# --- DORA dashboard ---------------------------------------------------------------------------

def _scenario_labels(results: "Results") -> list[str]:
    return list(dict.fromkeys(results.frame["scenario"].tolist()))


def _check_scenario(results: "Results", name: str, what: str) -> None:
    labels = _scenario_labels(results)
    if name not in labels:
        raise ValueError(f"{what}: {name!r} is not in these results; choose one of "
                         f"{', '.join(map(repr, labels))}")


def _summary(results: "Results", metrics: Sequence[str]) -> dict[tuple[str, str], dict]:
    missing = [m for m in metrics if m not in results.frame.columns]
    if missing:
        raise ValueError(f"results: missing metric column(s) {', '.join(missing)}")
    table = results.summary(list(metrics))
    return {(r["scenario"], r["metric"]): r for r in table.to_dict("records")}


def _short_band(band: str) -> str:
    """A band's text without its parenthesised gloss, to fit a tile."""
    return band.split(" (")[0] if len(band) > 20 else band


def _clip_ci(metric: str, lo: float, hi: float) -> tuple[float, float]:
    """The t interval cut to what the metric can be (no negative hours, no share above 1)."""
    if not _isnan(lo):
        lo = max(lo, 0.0)
    if not _isnan(hi) and metric in _SHARES:
        hi = min(hi, 1.0)
    return lo, hi


def _wrap(text: str, width_inches: float, size: float = _SMALL) -> str:
    # DejaVu Sans averages a little over half an em per character.
    per_line = max(30, int(width_inches * 72 / (0.56 * size)))
    return "\n".join(textwrap.wrap(text, per_line))


def dora_tiles(results: "Results", scenario: str | None = None, *, year: int = 2019,
               baseline: str | None = None) -> list[dict]:
    """What each of the five DORA tiles says, as data (one dict per key).

    Both :func:`dora_dashboard` (a Figure) and :func:`dora_tiles_html` (text for a widget,
    a screen reader or a browser test) render these, so they always agree.

    Returns
    -------
    list of dict
        Keys: ``metric``, ``name``, ``mean``, ``value`` and ``unit`` (formatted), ``ci``
        (text), ``cluster`` (key into :data:`CLUSTER_COLOURS`, "n/a" without one), ``pill``
        (cluster label), ``band`` (published band text, may be empty), ``colour``,
        ``change`` (text vs the baseline or None), ``good`` (True/False/None), ``n``.
    """
    labels = _scenario_labels(results)
    if not labels:
        raise ValueError("results: no rows to show")
    scenario = labels[0] if scenario is None else scenario
    _check_scenario(results, scenario, "scenario")
    if baseline is not None:
        _check_scenario(results, baseline, "baseline")
    dora.bands(year)  # a bad year fails here with the allowed years
    summary = _summary(results, [m for m, _, _ in _FIVE])
    n = max(int(summary[(scenario, m)]["n"]) for m, _, _ in _FIVE)
    comparing = baseline is not None and baseline != scenario
    tiles = []
    for metric, name, better in _FIVE:
        row = summary[(scenario, metric)]
        mean = row["mean"]
        lo, hi = _clip_ci(metric, row["ci_low"], row["ci_high"])
        if metric in dora.KEYS:
            cls = dora.classify(metric, mean, year)
            key, pill, band = (cls.cluster or "n/a"), cls.label, _short_band(cls.band)
            if band and cls.note == "nearest typical value":
                band = f"typical: {band}"
        else:
            key, pill, band = "n/a", "no published clusters", ""
        factor, unit = _scale(metric, mean)
        value_text, unit_text = format_metric(metric, mean)
        if n >= 2 and not (_isnan(lo) or _isnan(hi)):
            ci = f"95% CI {_fmt_scaled(lo, factor, unit)} – {_fmt_scaled(hi, factor, unit)}"
        elif n >= 2:
            ci = "95% CI n/a"
        else:
            ci = "1 run: no CI"
        change, good = None, None
        if comparing:
            change, good = _change(metric, mean, summary[(baseline, metric)]["mean"], better)
        tiles.append(dict(metric=metric, name=name, mean=mean, value=value_text,
                          unit=unit_text if not _isnan(mean) else "no data in this run",
                          ci=ci, cluster=key, pill=pill, band=band, colour=CLUSTER_COLOURS[key],
                          change=change, good=good, n=n, scenario=scenario, baseline=baseline))
    return tiles


def dora_tiles_html(results: "Results", scenario: str | None = None, *, year: int = 2019,
                    baseline: str | None = None) -> str:
    """The five tiles of :func:`dora_dashboard` as HTML text.

    Fast to update (no image to render), crisp on a projector, readable by screen readers
    and by browser tests: each tile is ``<div class="devsim-tile" data-metric=...
    data-cluster=...>``.
    """
    from html import escape

    tiles = dora_tiles(results, scenario, year=year, baseline=baseline)
    cells = []
    for tile in tiles:
        change = ""
        if tile["change"] is not None:
            col = "#333333" if tile["good"] is None else (BETTER_COLOUR if tile["good"] else WORSE_COLOUR)
            verdict = "" if tile["good"] is None else (" better" if tile["good"] else " worse")
            change = (f'<div class="devsim-change" style="color:{col};font-weight:bold">'
                      f'{escape(tile["change"])} vs {escape(str(tile["baseline"]))}{verdict}</div>')
        band = f'<div style="font-size:0.85em">band: {escape(tile["band"])}</div>' if tile["band"] else ""
        tint = "#%02x%02x%02x" % tuple(int(255 * c) for c in _tint(tile["colour"]))
        cells.append(
            f'<div class="devsim-tile" data-metric="{tile["metric"]}" data-cluster="{tile["cluster"]}" '
            f'style="flex:1;min-width:150px;border:3px solid {tile["colour"]};background:{tint};'
            f'border-radius:8px;padding:6px;text-align:center;color:#111">'
            f'<div style="font-weight:bold">{escape(tile["name"])}</div>'
            f'<div class="devsim-value" style="font-size:1.9em;font-weight:bold">{escape(tile["value"])}</div>'
            f'<div>{escape(tile["unit"])}</div>'
            f'<div style="font-size:0.85em;color:#333">{escape(tile["ci"])}</div>'
            f'<div class="devsim-cluster" style="display:inline-block;margin:3px;padding:1px 8px;'
            f'border-radius:6px;background:{tile["colour"]};font-weight:bold">{escape(tile["pill"])}</div>'
            f'{band}{change}</div>')
    head = escape(f"{tiles[0]['scenario']}: DORA's five keys, DORA {year} clusters")
    return (f'<div class="devsim-tiles" style="font-size:14px"><div style="font-weight:bold;'
            f'margin-bottom:4px">{head}</div><div style="display:flex;gap:6px;flex-wrap:wrap">'
            + "".join(cells) + "</div></div>")


def dora_dashboard(results: "Results", scenario: str | None = None, *, year: int = 2019,
                   baseline: str | None = None, figsize=(12, 3.2)) -> "Figure":
    """Five tiles, one per DORA key, for one scenario of an experiment.

    Each tile shows the mean over replications in a readable unit, its 95% confidence
    interval (with two replications or more), and for the four keys with published
    clusters the DORA cluster of the mean (:func:`devsim.dora.classify`), naming the
    cluster and colouring the tile by it. Rework rate has no published clusters.

    Parameters
    ----------
    results : devsim.experiment.Results
        Replications of one or more scenarios.
    scenario : str, optional
        Scenario label in ``results.frame["scenario"]``; default the first.
    year : int
        DORA report year whose clusters classify the values (see :data:`devsim.dora.REPORT_YEARS`).
    baseline : str, optional
        Another scenario label in ``results``: each tile then shows the change against it,
        the arrow coloured by whether the change is better (blue) or worse (vermillion).
    figsize : tuple of float
        Width and height in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Tile texts are matplotlib ``Text`` artists of the tile axes (``ax.texts``).

    See Also
    --------
    dora_tiles : the same tiles as data; dora_tiles_html : as HTML.
    """
    from matplotlib.patches import FancyBboxPatch

    tiles = dora_tiles(results, scenario, year=year, baseline=baseline)
    scenario, n = tiles[0]["scenario"], tiles[0]["n"]
    comparing = baseline is not None and baseline != scenario
    fig = _new_figure(figsize)
    w, h = fig.get_size_inches()
    foot = _wrap(f"Clusters: DORA {year} ({dora.source(year)}). Rule: {dora.RULE}", w - 0.3)
    foot_h = (foot.count("\n") + 1) * _SMALL * 1.25 / 72 + 0.12
    head_h = 0.4
    runs = f"mean of {n} run{'s' if n != 1 else ''}" + (", 95% CI" if n >= 2 else "")
    title = f"{scenario}: DORA's five keys ({runs}"
    title += f"; change vs {baseline})" if comparing else ")"
    fig.text(0.1 / w, 1 - 0.1 / h, title, fontsize=_TITLE, fontweight="bold", va="top")
    fig.text(0.1 / w, 0.07 / h, foot, fontsize=_SMALL, color=_GREY, va="bottom",
             linespacing=1.15)
    gap = 0.08 / w
    left = 0.05 / w
    tile_w = (1 - 2 * left - 4 * gap) / 5
    bottom, top = foot_h / h, 1 - head_h / h
    # Text rows from the top of a tile; with a baseline two more rows share the space.
    ys = ((0.92, 0.755, 0.615, 0.51, 0.38, 0.265, 0.15, 0.06) if comparing
          else (0.9, 0.71, 0.55, 0.43, 0.28, 0.14))
    for i, tile in enumerate(tiles):
        colour = tile["colour"]
        ax = fig.add_axes((left + i * (tile_w + gap), bottom, tile_w, top - bottom))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.add_patch(FancyBboxPatch((0.01, 0.01), 0.98, 0.98, transform=ax.transAxes,
                                    boxstyle="round,pad=0,rounding_size=0.04",
                                    facecolor=_tint(colour), edgecolor=colour, linewidth=2.5))
        ax.text(0.5, ys[0], tile["name"], ha="center", va="center", fontsize=_FONT, fontweight="bold")
        ax.text(0.5, ys[1], tile["value"], ha="center", va="center", fontsize=24, fontweight="bold")
        ax.text(0.5, ys[2], tile["unit"], ha="center", va="center", fontsize=_SMALL)
        ax.text(0.5, ys[3], tile["ci"], ha="center", va="center", fontsize=_SMALL, color="#333333")
        ax.text(0.5, ys[4], tile["pill"], ha="center", va="center", fontsize=_FONT, fontweight="bold",
                bbox=dict(boxstyle="round,pad=0.3", facecolor=colour, edgecolor="none"))
        band = tile["band"]
        if band:
            band = band if band.startswith("typical") else f"band: {band}"
            if len(band) > 24:  # two short lines rather than one wider than the tile
                band = "\n".join(textwrap.wrap(band, max(len(band) // 2 + 2, 14)))
            ax.text(0.5, ys[5], band, ha="center", va="center", fontsize=_SMALL,
                    color="#333333", linespacing=1.0)
        if comparing:
            good = tile["good"]
            col = "#333333" if good is None else (BETTER_COLOUR if good else WORSE_COLOUR)
            # One Text (two lines) so a reader of ax.texts finds "▼ 85% vs siloed" whole.
            ax.text(0.5, ys[7] - 0.035, _change_text(tile["change"], good, baseline), ha="center",
                    va="bottom", fontsize=_SMALL, fontweight="bold", color=col,
                    linespacing=1.15)
    return fig


# --- comparing scenarios against the clusters -------------------------------------------------

def _bands_regions(metric: str, year: int, lo: float, hi: float) -> list[tuple[float, float, str]]:
    """Spans of the axis [lo, hi] where :func:`devsim.dora.classify` gives one cluster.

    The cluster can change only at a bar or halfway between two typical values, so
    classifying one point inside each interval between those edges is exact.
    """
    spec = dora.bands(year)[metric]
    order = dora.bands(year)["clusters"]
    edges = set()
    for c in order:
        if "bar" in spec[c] and np.isfinite(spec[c]["bar"]):
            edges.add(float(spec[c]["bar"]))
    typical = sorted(float(spec[c]["typical"]) for c in order if "typical" in spec[c])
    edges.update((a + b) / 2 for a, b in zip(typical, typical[1:]))
    cuts = [lo] + sorted(e for e in edges if lo < e < hi) + [hi]
    regions: list[tuple[float, float, str]] = []
    for a, b in zip(cuts, cuts[1:]):
        mid = math.sqrt(a * b) if a > 0 else (a + b) / 2
        cluster = dora.classify(metric, mid, year).cluster or "n/a"
        if regions and regions[-1][2] == cluster:
            regions[-1] = (regions[-1][0], b, cluster)
        else:
            regions.append((a, b, cluster))
    return regions


_PERIODS = ((1.0, "1 hour"), (24.0, "1 day"), (168.0, "1 week"), (720.0, "1 month"),
            (4380.0, "6 months"), (8760.0, "1 year"))


def _period(hours: float) -> str:
    for h, text in _PERIODS:
        if abs(hours - h) / h < 0.02:
            return text
    return f"{hours:g} h" if hours < 48 else f"{hours / 24:g} days"


def _tick_label(metric: str, v: float) -> str:
    if metric == "deploy_frequency_per_day":
        if v >= 1:
            return f"{v:g}/day"
        return f"1/{_period(24.0 / v).removeprefix('1 ')}"
    return _period(v)


def compare_dora(results: "Results", *, year: int = 2019) -> "Figure":
    """DORA's five keys for every scenario of an experiment, on one axis per key.

    Each scenario is a point (mean) with its 95% confidence interval; the DORA clusters
    of ``year`` are shaded behind and named, so where a point falls reads as its cluster.
    Keys whose values span decades use a log scale.

    Parameters
    ----------
    results : devsim.experiment.Results
        Replications of one or more scenarios.
    year : int
        DORA report year of the cluster bands.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.ticker import LogLocator

    labels = _scenario_labels(results)
    if not labels:
        raise ValueError("results: no rows to show")
    table = dora.bands(year)
    summary = _summary(results, [m for m, _, _ in _FIVE])
    n_runs = int(results.frame.groupby("scenario").size().max())
    k = len(labels)
    height = 0.75 + 0.7 + 3 * (0.55 + 0.42 * k) + 2 * 1.0
    fig = _new_figure((12, height), left=0.6 + _text_inches(labels), right=0.3, top=0.75,
                      bottom=0.7, grid=(3, 2), hgap=1.0, wgap=0.5)
    axes = fig.subplots(3, 2).ravel()
    runs = (f"mean and 95% CI of {n_runs} runs" if n_runs > 1 else "1 run each (no CI)")
    fig.suptitle(f"DORA's five keys by scenario: {runs}; shading = DORA {year} clusters",
                 fontsize=_TITLE, fontweight="bold", x=0.01, y=1 - 0.12 / height, ha="left",
                 va="top")
    for j, (ax, (metric, name, better)) in enumerate(zip(axes, _FIVE)):
        _style(ax)
        rows = []
        for s in labels:
            r = dict(summary[(s, metric)])
            r["ci_low"], r["ci_high"] = _clip_ci(metric, r["ci_low"], r["ci_high"])
            rows.append(r)
        share = metric in _SHARES
        f = 100.0 if share else 1.0
        vals = [v * f for r in rows for v in (r["mean"], r["ci_low"], r["ci_high"])
                if not _isnan(v)]
        bars = []
        if metric in dora.KEYS:
            spec = table[metric]
            bars = [float(spec[c]["bar"]) * f for c in table["clusters"]
                    if "bar" in spec[c] and np.isfinite(spec[c]["bar"]) and spec[c]["bar"] > 0]
            bars += [float(spec[c]["typical"]) * f for c in table["clusters"]
                     if "typical" in spec[c]]
        span = [v for v in vals + bars if v > 0]
        log = not share and len(span) >= 2 and max(span) / min(span) > 20
        if log:
            lo_x, hi_x = min(span) / 3, max(span) * 4
            ax.set_xscale("log")
        else:
            lo_x, hi_x = 0.0, max(vals + bars + [1e-9]) * 1.25
            if share:
                hi_x = min(max(hi_x, 20.0), 100.0)
        ax.set_xlim(lo_x, hi_x)
        if metric in dora.KEYS:
            for a, b, cluster in _bands_regions(metric, year, lo_x / f, hi_x / f):
                a, b = a * f, b * f
                ax.axvspan(a, b, color=_tint(CLUSTER_COLOURS[cluster], 0.35), zorder=0, lw=0)
                frac = ((math.log(b) - math.log(a)) / (math.log(hi_x) - math.log(lo_x)) if log
                        else (b - a) / (hi_x - lo_x))
                if frac > 0.07:
                    x = math.sqrt(a * b) if log else (a + b) / 2
                    ax.text(x, -0.85, cluster.capitalize() if cluster != "n/a" else "n/a",
                            ha="center", va="center", fontsize=_SMALL, fontweight="bold")
            if log:
                ticks = sorted({b for b in bars if lo_x < b < hi_x})
                ax.set_xticks(ticks, [_tick_label(metric, t) for t in ticks])
                ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(1.0,)))  # decades only
                ax.tick_params(axis="x", which="minor", labelbottom=False)
        for i, (s, r) in enumerate(zip(labels, rows)):
            colour = PALETTE[i % len(PALETTE)]
            m = r["mean"] * f
            if _isnan(m):
                ax.text((math.sqrt(lo_x * hi_x) if log else (lo_x + hi_x) / 2), i, "n/a (no data)",
                        ha="center", va="center", fontsize=_SMALL, color=_GREY)
                continue
            err = None
            if not _isnan(r["ci_low"]):
                err = [[max(m - r["ci_low"] * f, 0)], [max(r["ci_high"] * f - m, 0)]]
            ax.errorbar([m], [i], xerr=err, fmt="o", color=colour, ms=9, capsize=5, lw=2,
                        zorder=3)
            text, unit = format_metric(metric, r["mean"])
            label = f"{text} {unit if unit != 'of deploys' else ''}".strip()
            # Above the point (an interval may span the whole axis); kept inside the axes.
            pos = ((math.log(m) - math.log(lo_x)) / (math.log(hi_x) - math.log(lo_x))
                   if log and m > 0 else (m - lo_x) / (hi_x - lo_x))
            ha = "right" if pos > 0.8 else ("left" if pos < 0.2 else "center")
            ax.annotate(label, (m, i), xytext=(0, 7), textcoords="offset points",
                        va="bottom", ha=ha, fontsize=_SMALL, zorder=4)
        ax.set_ylim(k - 0.5, -1.3)
        ax.set_yticks(range(k), labels if j % 2 == 0 else [""] * k)
        if j % 2 == 0:
            ax.set_ylabel("scenario", fontsize=_FONT)
        unit = LABELS[metric][1]
        xlabel = {"deploy_frequency_per_day": "deploys per day",
                  "lead_time_hours": "hours from commit to production, median",
                  "time_to_restore_hours": "hours to restore service, median",
                  "change_failure_rate": "% of deploys that failed",
                  "rework_rate": "% of deploys that were unplanned fixes"}.get(metric, unit)
        ax.set_xlabel(xlabel + (" (log scale)" if log else ""), fontsize=_FONT)
        _title(ax, name)
        if metric not in dora.KEYS:
            ax.text(0.99, 0.97, "no published clusters", transform=ax.transAxes, ha="right",
                    va="top", fontsize=_SMALL, color=_GREY)
    key_ax = axes[-1]
    key_ax.set_axis_off()
    clusters = table["clusters"]
    # Placed in points from the top-left corner, so the key reads the same at any height.
    def key(text, x, down, **kw):
        key_ax.annotate(text, (0, 1), xycoords="axes fraction", xytext=(x, -down),
                        textcoords="offset points", va="top", fontsize=_SMALL, **kw)

    key(f"DORA {year} clusters (shading):", 0, 0, fontweight="bold")
    for i, c in enumerate(clusters):
        key(c.capitalize(), 4 + i * 90, 24, fontweight="bold",
            bbox=dict(boxstyle="round,pad=0.3", facecolor=_tint(CLUSTER_COLOURS[c], 0.35),
                      edgecolor=CLUSTER_COLOURS[c]))
    key(_wrap(f"Source: {dora.source(year)}. Rule: {dora.RULE}", 5.2), 0, 50, color=_GREY)
    return fig


# --- flow over time ---------------------------------------------------------------------------

_CFD_DEFAULT = ("arrived", "committed", "tested", "deployed")
_CFD_NAMES = {"arrived": "arrival", "committed": "committed", "developed": "committed",
              "deployed": "deployed"}


def _reach_times(log: EventLog, stage: str) -> np.ndarray:
    """When each item (in ``log.items`` order) reached ``stage`` (NaN: not yet)."""
    items = log.items
    if stage in _CFD_NAMES:
        return items[_CFD_NAMES[stage]].to_numpy(dtype=float)
    st = log.stages
    st = st[(st["stage"] == stage) & (st["work_type"] != "unplanned")]
    # The last visit: a change that failed a test and came back has passed it only then.
    done = st.groupby("item_id")["finished"].max()
    return items["item_id"].map(done).to_numpy(dtype=float)


def cumulative_flow(log: EventLog, *, stages: Sequence[str] | None = None) -> "Figure":
    """Cumulative flow diagram: how many changes have reached each stage, over time.

    The vertical gap between two lines is the work between those stages at that moment
    (work in progress); the horizontal gap is roughly the time a change spends there.

    Parameters
    ----------
    log : EventLog
        One run.
    stages : sequence of str, optional
        In flow order. ``"arrived"``, ``"committed"`` (alias ``"developed"``),
        ``"deployed"``, or any stage name in ``log.stages`` (counted when a change
        finished its last visit there). Default: arrived, committed, tested (if the log
        has a test stage), deployed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    present = set(log.stages["stage"].unique()) if len(log.stages) else set()
    if stages is None:
        stages = [s for s in _CFD_DEFAULT if s != "tested" or "test" in present]
    stages = list(stages)
    allowed = list(_CFD_NAMES) + sorted(present) + ["tested"]
    for s in stages:
        if s not in allowed or (s == "tested" and "test" not in present):
            raise ValueError(f"stages: {s!r} is not allowed; choose from {', '.join(allowed)}")
    if not stages:
        raise ValueError("stages: give at least one stage")
    times = [_reach_times(log, "test" if s == "tested" else s) for s in stages]
    # A change counts as having reached a stage once it reached any later one, so the lines
    # never cross (a fix may skip the test stage, say).
    for i in range(len(times) - 2, -1, -1):
        times[i] = np.fmin(times[i], times[i + 1])
    end = float(log.end_hours)
    grid = np.linspace(0.0, end, 600)
    counts = [np.searchsorted(np.sort(t[~np.isnan(t)]), grid, side="right") for t in times]
    days = grid / 24.0

    fig = _new_figure((11, 5), left=0.85, bottom=0.65)
    ax = fig.add_subplot()
    _style(ax)
    fills = [OKABE_ITO[c] for c in ("sky_blue", "orange", "reddish_purple", "yellow",
                                    "bluish_green", "vermillion")]
    for i in range(len(stages) - 1):
        ax.fill_between(days, counts[i + 1], counts[i], color=_tint(fills[i % len(fills)], 0.45),
                        lw=0, step="post",
                        label=f"between {stages[i]} and {stages[i + 1]} (in progress)")
    for i, (s, c) in enumerate(zip(stages, counts)):
        ax.step(days, c, where="post", color=PALETTE[i % len(PALETTE)], lw=2,
                label=f"{s} ({int(c[-1])} by day {end / 24:.0f})")
    if log.start_hours > 0:
        ax.axvspan(0, log.start_hours / 24.0, color="#DDDDDD", zorder=0, lw=0)
        # Upright text would not fit a short warm-up's band; along it, it does.
        ax.text(log.start_hours / 48.0, 0.6, "warm-up (not measured)", ha="center", va="center",
                rotation=90, transform=ax.get_xaxis_transform(), fontsize=_SMALL, color=_GREY)
    ax.set_xlim(0, end / 24.0)
    ax.set_ylim(0, max(1, int(counts[0][-1]) * 1.05))
    ax.set_xlabel("time (days since the start of the run)", fontsize=_FONT)
    ax.set_ylabel("changes (cumulative count)", fontsize=_FONT)
    _title(ax, "Cumulative flow: vertical gap = work in progress, "
               "horizontal gap = time between stages")
    handles, names = ax.get_legend_handles_labels()
    # Lines first (what each curve is), then the bands between them.
    n = len(stages)
    order = list(range(n - 1, 2 * n - 1)) + list(range(n - 1))
    ax.legend([handles[i] for i in order], [names[i] for i in order], loc="lower right",
              fontsize=_SMALL, frameon=False)
    return fig


# --- lead time distribution -------------------------------------------------------------------

def _as_logs(logs, labels, what: str) -> dict[str, EventLog]:
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


def _delivered(log: EventLog) -> pd.DataFrame:
    items = log.items
    d = items["deployed"]
    return items[(d >= log.start_hours) & (d < log.end_hours)]


def lead_time_distribution(logs, *, labels: Sequence[str] | None = None,
                           which: str = "lead_time") -> "Figure":
    """Distribution (ECDF) of lead time for changes, with the median and 90th percentile.

    Parameters
    ----------
    logs : EventLog, dict of {label: EventLog}, or sequence of EventLog
        One run, or several to compare on the same axes.
    labels : sequence of str, optional
        Curve names (default: the dict keys, or each log's scenario name).
    which : {"lead_time", "flow"}
        ``"lead_time"``: DORA's lead time for changes, commit to production.
        ``"flow"``: from the change's arrival in the backlog to production.

    Returns
    -------
    matplotlib.figure.Figure
        The marked median and 90th percentile equal :func:`devsim.metrics.dora_metrics`'s
        ``lead_time_hours`` and ``lead_time_p90_hours`` (``flow_...`` for ``"flow"``).
    """
    if which not in ("lead_time", "flow"):
        raise ValueError(f"which: {which!r} is not allowed; choose 'lead_time' or 'flow'")
    runs = _as_logs(logs, labels, "logs")
    start_col = "committed" if which == "lead_time" else "arrival"
    key = "lead_time" if which == "lead_time" else "flow_lead_time"
    data, marks = {}, {}
    for lab, log in runs.items():
        done = _delivered(log)
        data[lab] = np.sort((done["deployed"] - done[start_col]).to_numpy(dtype=float))
        m = dora_metrics(log)
        marks[lab] = (m[f"{key}_hours"], m[f"{key}_p90_hours"])
    medians = [v[0] for v in marks.values() if not _isnan(v[0])]
    in_days = bool(medians) and max(medians) > 48.0
    f, unit = (1 / 24.0, "days") if in_days else (1.0, "hours")
    positive = np.concatenate([v[v > 0] for v in data.values()] + [np.array([])]) * f
    log_x = len(positive) >= 2 and positive.max() / positive.min() > 100

    fig = _new_figure((10, 5), left=0.85, right=0.3, bottom=1.05)
    ax = fig.add_subplot()
    _style(ax)
    for i, (lab, values) in enumerate(data.items()):
        colour = PALETTE[i % len(PALETTE)]
        n = len(values)
        if n == 0:
            ax.plot([], [], color=colour, lw=2.5, label=f"{lab}: no change deployed")
            continue
        x = values * f
        y = np.arange(1, n + 1) / n * 100.0
        texts = {}
        for q, value in zip((50, 90), marks[lab]):
            if not _isnan(value):
                vf, vu = _scale("lead_time_hours", value)
                texts[q] = f"{'median' if q == 50 else '90th pct'} {_fmt_scaled(value, vf, vu)} {vu}"
        # With many curves the labels beside the markers collide: the values go in the legend.
        crowded = len(data) > 2
        label = f"{lab} ({n} changes)"
        if crowded and texts:
            label += ": " + ", ".join(texts[q] for q in sorted(texts))
        ax.step(np.r_[x[0], x], np.r_[0.0, y], where="post", color=colour, lw=2.5, label=label)
        for q, (value, style) in zip((50, 90), zip(marks[lab], ("o", "D"))):
            if _isnan(value):
                continue
            ax.plot([value * f], [q], marker=style, color=colour, ms=9, mec="black", zorder=4)
            if crowded:
                continue
            ax.annotate(texts[q], (value * f, q),
                        xytext=(8, -14 if q == 50 else 8), textcoords="offset points",
                        fontsize=_SMALL, color="black", fontweight="bold",
                        bbox=dict(boxstyle="round,pad=0.2", facecolor="white",
                                  edgecolor=colour, alpha=0.9))
    for q in (50, 90):
        ax.axhline(q, color=_GREY, lw=1, ls=":", zorder=1)
    if not any(len(v) for v in data.values()):
        ax.set_xlim(0, 1)
        ax.text(0.5, 0.7, "no change deployed in the measured window", transform=ax.transAxes,
                ha="center", va="center", fontsize=_FONT, color=_GREY)
    if log_x:
        ax.set_xscale("log")
        _plain_log_axis(ax.xaxis)
        ax.set_xlim(positive.min() / 1.5, positive.max() * 2.5)  # room for the labels
    what = ("lead time for changes, commit to production" if which == "lead_time"
            else "flow lead time, backlog to production")
    ax.set_xlabel(f"{what} ({unit}{', log scale' if log_x else ''})", fontsize=_FONT)
    ax.set_ylabel("changes delivered within this time (%)", fontsize=_FONT)
    ax.set_ylim(0, 102)
    _title(ax, f"Distribution of {what.split(',')[0]}: circle = median, diamond = 90th percentile")
    crowded = len(data) > 2
    if crowded:  # one legend line per curve, carrying its median and 90th percentile
        fig.set_size_inches(10, 5 + 0.25 * len(data))
        fig.subplots_adjust(bottom=(0.55 + 0.25 * len(data)) / (5 + 0.25 * len(data)))
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0),
               ncols=1 if crowded else min(len(data), 4), fontsize=_SMALL, frameon=False)
    return fig


# --- value stream map -------------------------------------------------------------------------

def value_stream_map(log_or_logs, *, labels: Sequence[str] | None = None) -> "Figure":
    """Where a change's time goes: wait and work hours per stage, in flow order.

    From :func:`devsim.metrics.stage_times` (mean per delivered change); the title gives the
    flow efficiency (:func:`devsim.metrics.flow_metrics`: time worked / flow time).

    Parameters
    ----------
    log_or_logs : EventLog, dict of {label: EventLog}, or sequence of EventLog
        One run, or several (e.g. two organisations) drawn one above the other on a
        shared time axis.
    labels : sequence of str, optional
        Panel names (default: the dict keys, or each log's scenario name).

    Returns
    -------
    matplotlib.figure.Figure
    """
    runs = _as_logs(log_or_logs, labels, "log_or_logs")
    tables = {lab: stage_times(log) for lab, log in runs.items()}
    visits = {lab: tables[lab]["visits"].to_numpy(dtype=float) for lab in runs}
    flows = {lab: flow_metrics(log) for lab, log in runs.items()}
    heights = [max(len(t), 1) for t in tables.values()]
    ticks = [s + " (×0.0)" for t in tables.values() for s in t.index]
    fig = _new_figure((11, 1.45 + 0.3 * sum(heights) + 0.5 * len(runs)),
                      left=0.45 + _text_inches(ticks), right=0.3, top=0.4, bottom=1.05,
                      grid=(len(runs), 1), hgap=0.5)
    axes = fig.subplots(len(runs), 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": [h + 2.2 for h in heights]})[:, 0]
    work_c, wait_c = OKABE_ITO["blue"], OKABE_ITO["orange"]
    top = max([float((t["wait_hours"] + t["work_hours"]).max()) for t in tables.values() if len(t)]
              + [1.0])
    for ax, (lab, t) in zip(axes, tables.items()):
        _style(ax)
        y = np.arange(len(t))
        work = t["work_hours"].to_numpy(dtype=float)
        wait = t["wait_hours"].to_numpy(dtype=float)
        ax.barh(y, work, color=work_c, label="work (someone or a pipeline busy on it)")
        ax.barh(y, wait, left=work, color=_tint(wait_c, 0.55), edgecolor=wait_c, hatch="//",
                lw=0.8, label="wait (queue, hand-off, approval, release train)")
        for yi, a, b in zip(y, work, wait):
            ax.text(a + b + top * 0.01, yi, f"{_num(a + b)} h", va="center", fontsize=_SMALL)
        names = [s if abs(v - 1.0) < 0.05 else f"{s} (×{v:.1f})"
                 for s, v in zip(t.index, visits[lab])]
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_ylabel("stage, in flow order", fontsize=_FONT)
        fm = flows[lab]
        eff, flow_h = fm["flow_efficiency"], fm["mean_flow_time_hours"]
        eff_text = "n/a" if _isnan(eff) else f"{eff * 100:.0f}%"
        ffac, funit = _scale("mean_flow_time_hours", flow_h)
        _title(ax, f"{lab}: flow efficiency {eff_text}; mean flow time "
                   f"{_fmt_scaled(flow_h, ffac, funit)} {funit}")
        if not len(t):
            ax.text(0.5, 0.5, "no change delivered in this run", transform=ax.transAxes,
                    ha="center", va="center", fontsize=_FONT, color=_GREY)
    axes[-1].set_xlim(0, top * 1.12)
    axes[-1].set_xlabel("hours per delivered change (mean);  (×n): visits per change, "
                        "above 1 = rework loops", fontsize=_FONT)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center",
               bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=_SMALL, frameon=False)
    return fig


# --- utilisation ------------------------------------------------------------------------------

def utilisation_chart(log: EventLog) -> "Figure":
    """Utilisation per team, and the share of effort spent on rework and unplanned work.

    Parameters
    ----------
    log : EventLog
        One run.

    Returns
    -------
    matplotlib.figure.Figure
        Left: busy time per team as % of its people's time (:func:`devsim.metrics.utilisation`).
        Right: hands-on effort by type (:func:`devsim.metrics.flow_metrics`).
    """
    util = utilisation(log)
    fm = flow_metrics(log)
    fig = _new_figure((11, 4.6), left=0.8, right=0.2, bottom=1.3, grid=(1, 2), wgap=1.0)
    ax, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    for a in (ax, ax2):
        _style(a)
    teams = list(util)
    vals = [util[t] * 100.0 for t in teams]
    x = np.arange(len(teams))
    ax.bar(x, vals, color=OKABE_ITO["blue"], width=0.65)
    for xi, v in zip(x, vals):
        ax.text(xi, v + 1.5, f"{v:.0f}%", ha="center", va="bottom", fontsize=_FONT,
                fontweight="bold")
    ax.set_xticks(x, [f"{t}\n{log.capacity[t]} {'person' if log.capacity[t] == 1 else 'people'}"
                      for t in teams])
    ax.axhline(80, color=_GREY, ls="--", lw=1.2)
    ax.text(len(teams) - 0.5, 81, "80%: above this, queues grow fast", ha="right",
            va="bottom", fontsize=_SMALL, color=_GREY)
    ax.set_ylim(0, max(100.0, max(vals + [0]) * 1.12))
    ax.set_xlim(-0.6, len(teams) - 0.4)
    ax.set_ylabel("utilisation (% of the team's time busy)", fontsize=_FONT)
    ax.set_xlabel("team (headcount)", fontsize=_FONT)
    _title(ax, "Utilisation per team")

    un, rw = fm["unplanned_work_share"] * 100.0, fm["rework_work_share"] * 100.0
    kinds = ["rework\n(defects before\nrelease)", "unplanned\n(incidents,\nhotfixes)",
             "both"]
    shares = [rw, un, rw + un]
    cols = [OKABE_ITO["orange"], OKABE_ITO["vermillion"], OKABE_ITO["reddish_purple"]]
    ax2.bar(range(3), shares, color=cols, width=0.6)
    for xi, v in enumerate(shares):
        ax2.text(xi, v + 0.6, f"{v:.1f}%", ha="center", va="bottom", fontsize=_FONT,
                 fontweight="bold")
    ax2.axhline(20, color=_GREY, ls="--", lw=1.2)
    ax2.text(2.45, 20.5, "DORA 2018 survey: ~20%", ha="right", va="bottom", fontsize=_SMALL,
             color=_GREY)
    ax2.set_xticks(range(3), kinds)
    ax2.set_xlim(-0.55, 2.55)
    ax2.set_ylim(0, max(30.0, max(shares) * 1.2))
    ax2.set_ylabel("share of hands-on effort (%)", fontsize=_FONT)
    ax2.set_xlabel("kind of work (the rest is new, planned work)", fontsize=_FONT)
    _title(ax2, "Effort not on new work")
    return fig


# --- sweeps -----------------------------------------------------------------------------------

def sweep_curve(results: "Results", field: str, metric: str, *,
                ax_label: str | None = None) -> "Figure":
    """Mean and 95% confidence band of ``metric`` against a swept field.

    Shows, for example, the queueing "hockey stick": lead time against utilisation or
    arrival rate. Rows whose scenario labels differ only in ``"<field>=<value>"`` form one
    curve, so two sweeps concatenated (siloed and collaborative) draw two curves.

    Parameters
    ----------
    results : devsim.experiment.Results
        From :func:`devsim.experiment.sweep` (``results.frame[field]`` holds the value).
    field : str
        The swept column.
    metric : str
        A metric column (see :data:`devsim.metrics.LABELS`).
    ax_label : str, optional
        The x axis label (default: the field's label and unit from
        :func:`devsim.scenario.field_info`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .experiment import mean_ci
    from .scenario import field_info

    frame = results.frame
    if field not in frame.columns:
        raise ValueError(f"field: {field!r} is not a column of these results; a sweep over it "
                         "has one (columns: " + ", ".join(map(str, frame.columns)) + ")")
    if metric not in frame.columns or metric in ("scenario", "replication", "seed", field):
        metrics = [c for c in frame.columns if c not in ("scenario", "replication", "seed", field)]
        raise ValueError(f"metric: {metric!r} is not allowed; choose one of {', '.join(metrics)}")
    marker = f" {field}="
    series = frame["scenario"].astype(str).map(lambda s: s.split(marker)[0])
    numeric = pd.api.types.is_numeric_dtype(frame[field])
    cats = list(dict.fromkeys(frame[field].tolist())) if not numeric else None
    factor, unit = _scale(metric, float(frame[metric].median()))
    name = LABELS.get(metric, (metric.replace("_", " "), ""))[0]
    name = name.replace(" (", ", ").replace(")", "")

    fig = _new_figure((9, 5), left=0.85, top=0.7, bottom=0.65)
    ax = fig.add_subplot()
    _style(ax)
    groups = list(dict.fromkeys(series.tolist()))
    n_per = int(frame.groupby(["scenario"]).size().max())
    for i, g in enumerate(groups):
        sub = frame[series == g]
        xs, ms, los, his = [], [], [], []
        for value, grp in sub.groupby(field, sort=True):
            m, lo, hi = mean_ci(grp[metric])
            xs.append(cats.index(value) if cats is not None else float(value))
            ms.append(m * factor)
            los.append(lo * factor)
            his.append(hi * factor)
        order = np.argsort(xs)
        xs, ms, los, his = (np.asarray(v, dtype=float)[order] for v in (xs, ms, los, his))
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(xs, ms, "-o", color=colour, lw=2.5, ms=7, label=g if len(groups) > 1 else "mean")
        ok = ~(np.isnan(los) | np.isnan(his))
        if ok.any():
            ax.fill_between(xs[ok], los[ok], his[ok], color=colour, alpha=0.22, lw=0,
                            label="95% CI" if len(groups) == 1 else None)
    if cats is not None:
        ax.set_xticks(range(len(cats)), [str(c) for c in cats])
    if ax_label is None:
        info = field_info().get(field)
        ax_label = (f"{info['label']} ({info['unit']})" if info and info.get("unit")
                    else (info["label"] if info else field.replace("_", " ")))
    ax.set_xlabel(ax_label, fontsize=_FONT)
    ax.set_ylabel(f"{name} ({unit})", fontsize=_FONT)
    ax.set_ylim(bottom=0)
    _title(ax, f"{name} vs {ax_label.split(' (')[0].lower()}\nmean and 95% CI of "
               f"{n_per} run{'s' if n_per != 1 else ''} per point")
    ax.legend(fontsize=_SMALL, frameon=False, loc="best")
    return fig


# --- stepping through one run -----------------------------------------------------------------

_PER_ROW = 3          # markers per row in one board column
_UNPLANNED = "incident work"


def _board_columns(log: EventLog) -> list[str]:
    from .metrics import STAGE_ORDER  # the one place the flow order is defined

    st = log.stages
    planned = set(st.loc[st["work_type"] != "unplanned", "stage"].unique())
    cols = [s for s in STAGE_ORDER if s in planned] + sorted(planned - set(STAGE_ORDER))
    if (st["work_type"] == "unplanned").any():
        cols.append(_UNPLANNED)
    return cols


def _max_overlap(queued: np.ndarray, finished: np.ndarray) -> int:
    if len(queued) == 0:
        return 0
    times = np.concatenate([queued, finished])
    delta = np.concatenate([np.ones(len(queued)), -np.ones(len(finished))])
    order = np.lexsort((delta, times))  # a leaver before a joiner at the same instant
    return int(np.cumsum(delta[order]).max())


def step_through(log: EventLog, t_hours: float) -> "Figure":
    """A board of the run at one moment: which stage each change in progress is in.

    One column per stage in flow order (plus incident work when the run has any); each
    change is a marker, a filled blue circle while someone works on it and an orange
    square while it waits. Made to be redrawn from a time slider: the axes keep the same
    size for every ``t_hours`` of one log.

    Parameters
    ----------
    log : EventLog
        One run.
    t_hours : float
        The moment, in hours since the start of the run (0 to ``log.end_hours``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    try:
        t = float(t_hours)
    except (TypeError, ValueError):
        raise ValueError(f"t_hours: {t_hours!r} is not allowed; give a number of hours from 0 "
                         f"to {log.end_hours:g}") from None
    if not (0.0 <= t <= float(log.end_hours)):
        raise ValueError(f"t_hours: {t_hours!r} is not allowed; give a number of hours from 0 "
                         f"to {log.end_hours:g}")
    st = log.stages
    cols = _board_columns(log)
    stage_key = np.where(st["work_type"].to_numpy() == "unplanned", _UNPLANNED,
                         st["stage"].to_numpy(dtype=object))
    queued = st["queued"].to_numpy(dtype=float)
    started = st["started"].to_numpy(dtype=float)
    finished = st["finished"].to_numpy(dtype=float)
    live = (queued <= t) & (t < finished)
    now = pd.DataFrame({"item_id": st["item_id"].to_numpy()[live], "stage": stage_key[live],
                        "working": started[live] <= t})
    # Person and pipeline rows of one stage overlap rarely; a change shows once per stage.
    now = now.sort_values("working", ascending=False).drop_duplicates(["item_id", "stage"])

    # Fixed height for this log, so a slider does not make the board jump.
    rows_needed = 1
    for c in cols:
        mask = stage_key == c
        most = _max_overlap(queued[mask], finished[mask])
        rows_needed = max(rows_needed, math.ceil(most / _PER_ROW))
    rows_needed = min(rows_needed, 40)

    items = log.items
    deployed = int((items["deployed"] <= t).sum())
    arrived = int((items["arrival"] <= t).sum())
    inc = log.incidents
    open_inc = int(((inc["start"] <= t) & ~(inc["restored"] <= t)).sum()) if len(inc) else 0

    height, top_in, bottom_in = 5.4, 0.45, 1.55
    fig = _new_figure((max(8.0, 0.95 * len(cols) + 1.5), height), left=0.85, right=0.2,
                      top=top_in, bottom=bottom_in)
    # Room above the markers for two lines of counts (0.5 inch), whatever the row count.
    head = 0.5 / (height - top_in - bottom_in)
    y_top = (rows_needed + 0.2) / (1 - head)
    ax = fig.add_subplot()
    _style(ax)
    work_c, wait_c = OKABE_ITO["blue"], OKABE_ITO["orange"]
    wx, wy, qx, qy = [], [], [], []
    for ci, c in enumerate(cols):
        here = now[now["stage"] == c]
        flags = here["working"].to_numpy(dtype=bool)
        n_work, n_wait = int(flags.sum()), int((~flags).sum())
        cap = rows_needed * _PER_ROW
        for k, working in enumerate(sorted(flags, reverse=True)[:cap]):
            x = ci + (k % _PER_ROW - (_PER_ROW - 1) / 2) * 0.24
            y = k // _PER_ROW + 0.5
            (wx if working else qx).append(x)
            (wy if working else qy).append(y)
        more = len(flags) - cap
        label = (f"{n_work} work\n{n_wait} wait" if n_work or n_wait else "") + (
            f"\n(+{more} more)" if more > 0 else "")
        ax.text(ci, y_top, label, ha="center", va="top", fontsize=_SMALL)
    # Alternate column shading in one call (axvspan per column is slow on a slider).
    ax.bar(range(0, len(cols), 2), y_top, width=1.0, color="#F2F2F2", zorder=0, lw=0)
    ax.scatter(wx, wy, s=90, marker="o", color=work_c, edgecolor="black", lw=0.6, zorder=3,
               label="being worked on")
    ax.scatter(qx, qy, s=80, marker="s", color=wait_c, edgecolor="black", lw=0.6, zorder=3,
               label="waiting")
    ax.set_xlim(-0.5, len(cols) - 0.5)
    ax.set_ylim(0, y_top)
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right", rotation_mode="anchor")
    yt = [r for r in range(0, rows_needed + 1, max(1, rows_needed // 5))]
    ax.set_yticks(yt, [str(r * _PER_ROW) for r in yt])
    ax.set_ylabel(f"changes in stage (count, {_PER_ROW} per row)", fontsize=_FONT)
    ax.set_xlabel("stage (flow order; incident work is unplanned)", fontsize=_FONT)
    in_progress = arrived - deployed
    _title(ax, f"Day {t / 24:.1f}: {in_progress} change{'s' if in_progress != 1 else ''} in "
               f"progress, {deployed} deployed so far, {open_inc} incident"
               f"{'s' if open_inc != 1 else ''} open")
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=_SMALL,
               frameon=False)
    return fig
