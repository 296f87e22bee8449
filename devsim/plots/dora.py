"""DORA charts: the five-tile dashboard (as data, HTML and a Figure) and scenarios against
the published clusters.

Names, units, which direction is better and which keys have clusters come from
:mod:`devsim.registry`; clusters, bands and the classification rule from :mod:`devsim.dora`.
What this module adds is the drawing, and the text of a change against a baseline
(``"▼ 85%"``, ``"▲ 24×"``, ``"▼ 39 pts"``).

A DORA cluster is always shown with the report year and the classification rule
(:data:`devsim.dora.RULE`); a cluster is never told by colour alone (it carries its name).
"""
from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING

import numpy as np

from ..dora import RULE, bands, classify, five_keys, keys, place, source
from ..registry import format_value, metric, scale_for
from .base import (BETTER_COLOUR, CLUSTER_COLOURS, FONT, GREY, PALETTE, SMALL, TITLE,
                   WORSE_COLOUR, check_scenario, clip_ci, format_metric, isnan, new_figure,
                   scenario_labels, scenario_summary, style, text_inches, tint, title, wrap)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..experiment import Results

__all__ = ["dora_tiles", "dora_tiles_html", "dora_dashboard", "compare_dora", "change_text",
           "band_regions"]


# --- a change against a baseline ---------------------------------------------------------------

def change_text(key: str, value: float, base: float) -> tuple[str, bool | None]:
    """A change of metric ``key`` against a baseline as text, and whether it is better.

    Shares change in percentage points (``"▼ 39 pts"``), other metrics by ratio
    (``"▼ 85%"``, ``"▲ 24×"``); better or worse follows the registry's ``better``.

    Returns
    -------
    (text, good)
        ``good`` is None when the values are the same or there is nothing to compare.
    """
    if isnan(value) or isnan(base):
        return "n/a", None
    m = metric(key)
    if m.kind == "share":
        diff = value - base
        if abs(diff) < 0.0005:
            return "= same", None
        good = (diff > 0) == (m.better == "higher")
        points = format_value(key, abs(diff), unit=False)
        return f"{'▲' if diff > 0 else '▼'} {points} pts", good
    if base == 0:
        if value == 0:
            return "= same", None
        return "▲ from 0", m.better == "higher"
    ratio = value / base
    if abs(ratio - 1.0) < 0.005:
        return "= same", None
    good = (ratio > 1) == (m.better == "higher")
    if ratio >= 2.0:
        return f"▲ {ratio:.1f}×" if ratio < 10 else f"▲ {ratio:,.0f}×", good
    pct = abs(ratio - 1.0) * 100.0
    pct_text = f"{pct:.0f}%" if pct < 99 or pct >= 99.95 else f"{pct:.1f}%"
    return f"{'▲' if ratio > 1 else '▼'} {pct_text}", good


def _tile_change_lines(amount: str, good: bool | None, baseline: str) -> str:
    """Two lines that fit a tile: "▼ 85% vs siloed" / "better"."""
    verdict = "" if good is None else ("better" if good else "worse")
    line = f"{amount} vs {baseline}"
    if len(line) <= 21:
        return f"{line}\n{verdict}".rstrip()
    label = baseline if len(baseline) <= 18 else baseline[:17] + "…"
    return (f"{amount}, {verdict}" if verdict else amount) + f"\nvs {label}"


def _change_colour(good: bool | None) -> str:
    return "#333333" if good is None else (BETTER_COLOUR if good else WORSE_COLOUR)


# --- the five tiles ----------------------------------------------------------------------------

def _short_band(band: str) -> str:
    """A band's text without its parenthesised gloss, to fit a tile."""
    return band.split(" (")[0] if len(band) > 20 else band


def _cluster_of(key: str, values, year: int) -> dict:
    """What a tile says of its cluster: colour key, pill, band or gap, and the spread."""
    if key not in keys(year):
        return dict(cluster="n/a", pill="no published clusters", band="", gap="", spread="",
                    short="", borderline=False)
    p = place(key, values, year)
    cls = classify(key, p.mean, year)
    band = _short_band(cls.band)
    if band and cls.note == "nearest typical value":
        band = f"typical: {band}"
    elif band:
        band = f"band: {band}"
    gap = p.gap
    if gap:
        band = f"in a gap: counted {p.label}"
    elif cls.note == "beyond the published low band":
        # Never a band that does not contain the value: say it lies beyond it.
        band = f"beyond {p.label}'s {_short_band(cls.band)}"
        gap = (f"worse than the published {p.label} band ({cls.band}); counted {p.label} "
               "by the rule")
    return dict(cluster=p.cluster or "n/a", pill=p.label, band=band, gap=gap,
                spread=p.uncertainty() if p.cluster else "", short=p.short(),
                borderline=p.borderline)


def _ci_text(key: str, mean: float, lo: float, hi: float, n: int) -> str:
    if n < 2:
        return "1 run: no CI"
    if isnan(lo) or isnan(hi) or isnan(mean):
        return "95% CI n/a"
    # The bounds in the mean's unit; a share keeps its "%", other units are under the value.
    scale = scale_for(key, mean)
    share = metric(key).kind == "share"
    lo_text = format_value(key, lo, scale=scale, unit=share)
    hi_text = format_value(key, hi, scale=scale, unit=share)
    return f"95% CI {lo_text} – {hi_text}"


def dora_tiles(results: "Results", scenario: str | None = None, *, year: int = 2019,
               baseline: str | None = None) -> list[dict]:
    """What each of the five DORA tiles says, as data (one dict per key, DORA's order).

    Both :func:`dora_dashboard` (a Figure) and :func:`dora_tiles_html` (text for a widget,
    a screen reader or a browser test) render these, so they always agree.

    Parameters
    ----------
    results : devsim.experiment.Results
        Replications of one or more scenarios.
    scenario : str, optional
        Scenario label; default the first.
    year : int
        DORA report year whose clusters classify the means.
    baseline : str, optional
        Another scenario label to compare against.

    Returns
    -------
    list of dict
        Keys: ``metric``, ``name``, ``mean``, ``value`` and ``unit`` (formatted), ``ci``
        (text), ``cluster`` (key into :data:`CLUSTER_COLOURS`, "n/a" without one), ``pill``
        (cluster label), ``band`` (published band text, may be empty), ``colour``,
        ``change`` (text vs the baseline or None), ``good`` (True/False/None), ``n``,
        ``scenario``, ``baseline``.
    """
    labels = scenario_labels(results)
    if not labels:
        raise ValueError("results: no rows to show")
    scenario = labels[0] if scenario is None else scenario
    check_scenario(results, scenario, "scenario")
    if baseline is not None:
        check_scenario(results, baseline, "baseline")
    bands(year)  # a bad year fails here with the allowed years
    tile_keys = five_keys(year)
    summary = scenario_summary(results, tile_keys)
    n = max(int(summary[(scenario, k)]["n"]) for k in tile_keys)
    comparing = baseline is not None and baseline != scenario
    rows = results.frame[results.frame["scenario"] == scenario]
    tiles = []
    for key in tile_keys:
        row = summary[(scenario, key)]
        mean = row["mean"]
        lo, hi = clip_ci(key, row["ci_low"], row["ci_high"])
        where = _cluster_of(key, rows[key], year)
        value_text, unit_text = format_metric(key, mean)
        change, good = None, None
        if comparing:
            change, good = change_text(key, mean, summary[(baseline, key)]["mean"])
        tiles.append(dict(metric=key, name=metric(key).short, mean=mean, value=value_text,
                          unit=unit_text if not isnan(mean) else "no data in this run",
                          ci=_ci_text(key, mean, lo, hi, n), colour=CLUSTER_COLOURS[where["cluster"]],
                          change=change, good=good, n=n, scenario=scenario, baseline=baseline,
                          definition=metric(key).definition, **where))
    return tiles


def dora_tiles_html(results: "Results", scenario: str | None = None, *, year: int = 2019,
                    baseline: str | None = None) -> str:
    """The five tiles of :func:`dora_dashboard` as HTML text.

    Fast to update (no image to render), crisp on a projector, readable by screen readers
    and by browser tests: each tile is ``<div class="devsim-tile" data-metric=...
    data-cluster=...>``.

    Parameters
    ----------
    results, scenario, year, baseline
        As for :func:`dora_tiles`.

    Returns
    -------
    str
        One ``<div class="devsim-tiles">`` holding a heading and the five tiles.
    """
    from html import escape

    tiles = dora_tiles(results, scenario, year=year, baseline=baseline)
    cells = []
    for tile in tiles:
        change = ""
        if tile["change"] is not None and tile["change"] != "= same":
            verdict = "" if tile["good"] is None else (" better" if tile["good"] else " worse")
            change = (f'<div class="devsim-change" style="color:{_change_colour(tile["good"])};'
                      f'font-weight:bold">{escape(tile["change"])} vs '
                      f'{escape(str(tile["baseline"]))}{verdict}</div>')
        band = (f'<div class="devsim-band" style="font-size:0.85em">'
                f'{escape(tile["gap"] or tile["band"])}</div>' if tile["band"] else "")
        spread = (f'<div class="devsim-spread" style="font-size:0.85em">{escape(tile["spread"])}</div>'
                  if tile["spread"] else "")
        background = "#%02x%02x%02x" % tuple(int(255 * c) for c in tint(tile["colour"]))
        cells.append(
            f'<div class="devsim-tile" data-metric="{tile["metric"]}" data-cluster="{tile["cluster"]}" '
            f'title="{escape(tile["definition"])}" '
            f'style="flex:1;min-width:150px;border:3px solid {tile["colour"]};background:{background};'
            f'border-radius:8px;padding:6px;text-align:center;color:#111">'
            f'<div style="font-weight:bold">{escape(tile["name"])}</div>'
            f'<div class="devsim-value" style="font-size:1.9em;font-weight:bold">{escape(tile["value"])}</div>'
            f'<div>{escape(tile["unit"])}</div>'
            f'<div style="font-size:0.85em;color:#333">{escape(tile["ci"])}</div>'
            f'<div class="devsim-cluster" style="display:inline-block;margin:3px;padding:1px 8px;'
            f'border-radius:6px;background:{tile["colour"]};font-weight:bold">{escape(tile["pill"])}</div>'
            f'{spread}{band}{change}</div>')
    head = escape(f"{tiles[0]['scenario']}: DORA's five keys, DORA {year} clusters")
    return (f'<div class="devsim-tiles" style="font-size:14px"><div style="font-weight:bold;'
            f'margin-bottom:4px">{head}</div><div style="display:flex;gap:6px;flex-wrap:wrap">'
            + "".join(cells) + "</div></div>")


def _draw_tile(ax, tile: dict, ys: tuple[float, ...], baseline: str | None) -> None:
    """One tile: name, value, unit, CI, cluster pill, band, and the change if comparing."""
    from matplotlib.patches import FancyBboxPatch

    colour = tile["colour"]
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.add_patch(FancyBboxPatch((0.01, 0.01), 0.98, 0.98, transform=ax.transAxes,
                                boxstyle="round,pad=0,rounding_size=0.04",
                                facecolor=tint(colour), edgecolor=colour, linewidth=2.5))
    ax.text(0.5, ys[0], tile["name"], ha="center", va="center", fontsize=FONT, fontweight="bold")
    ax.text(0.5, ys[1], tile["value"], ha="center", va="center", fontsize=24, fontweight="bold")
    ax.text(0.5, ys[2], tile["unit"], ha="center", va="center", fontsize=SMALL)
    ax.text(0.5, ys[3], tile["ci"], ha="center", va="center", fontsize=SMALL, color="#333333")
    ax.text(0.5, ys[4], tile["pill"], ha="center", va="center", fontsize=FONT, fontweight="bold",
            bbox=dict(boxstyle="round,pad=0.3", facecolor=colour, edgecolor="none"))
    lines = []
    for text in (tile["short"], tile["band"]):
        if text:   # two short lines rather than one wider than the tile
            lines += textwrap.wrap(text, 24) if len(text) > 24 else [text]
    if lines:
        ax.text(0.5, ys[5], "\n".join(lines[:3]), ha="center", va="center", fontsize=SMALL,
                color="#333333", linespacing=1.0)
    if baseline is not None and tile["change"] != "= same":   # "the same" needs no line
        good = tile["good"]
        # One Text (two lines) so a reader of ax.texts finds "▼ 85% vs siloed" whole.
        ax.text(0.5, ys[7] - 0.035, _tile_change_lines(tile["change"], good, baseline),
                ha="center", va="bottom", fontsize=SMALL, fontweight="bold",
                color=_change_colour(good), linespacing=1.15)


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
    tiles = dora_tiles(results, scenario, year=year, baseline=baseline)
    scenario, n = tiles[0]["scenario"], tiles[0]["n"]
    comparing = baseline is not None and baseline != scenario
    fig = new_figure(figsize)
    w, h = fig.get_size_inches()
    foot = wrap(f"Clusters: DORA {year} ({source(year)}). Rule: {RULE}", w - 0.3)
    foot_h = (foot.count("\n") + 1) * SMALL * 1.25 / 72 + 0.12
    head_h = 0.4
    runs = f"mean of {n} run{'s' if n != 1 else ''}" + (", 95% CI" if n >= 2 else "")
    heading = f"{scenario}: DORA's five keys ({runs}"
    heading += f"; change vs {baseline})" if comparing else ")"
    fig.text(0.1 / w, 1 - 0.1 / h, heading, fontsize=TITLE, fontweight="bold", va="top")
    fig.text(0.1 / w, 0.07 / h, foot, fontsize=SMALL, color=GREY, va="bottom", linespacing=1.15)
    gap = 0.08 / w
    left = 0.05 / w
    tile_w = (1 - 2 * left - 4 * gap) / len(tiles)
    bottom, top = foot_h / h, 1 - head_h / h
    # Text rows from the top of a tile; with a baseline two more rows share the space.
    ys = ((0.92, 0.755, 0.615, 0.51, 0.38, 0.265, 0.15, 0.06) if comparing
          else (0.9, 0.71, 0.55, 0.43, 0.28, 0.14))
    for i, tile in enumerate(tiles):
        ax = fig.add_axes((left + i * (tile_w + gap), bottom, tile_w, top - bottom))
        _draw_tile(ax, tile, ys, baseline if comparing else None)
    return fig


# --- comparing scenarios against the clusters --------------------------------------------------

def band_regions(key: str, year: int, lo: float, hi: float) -> list[tuple[float, float, str]]:
    """Spans of the axis [lo, hi] where :func:`devsim.dora.classify` gives one cluster.

    The cluster can change only at a bar or halfway between two typical values, so
    classifying one point inside each interval between those edges is exact.

    Returns
    -------
    list of (start, end, cluster)
        Contiguous, from ``lo`` to ``hi``; ``cluster`` is ``"n/a"`` where there is none.
    """
    spec = bands(year)[key]
    order = bands(year)["clusters"]
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
        cluster = classify(key, mid, year).cluster or "n/a"
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


def _tick_label(key: str, v: float) -> str:
    """A cluster edge as people say it: "1/week", "1 day"."""
    if metric(key).kind == "rate":
        if v >= 1:
            return f"{v:g}/day"
        return f"1/{_period(24.0 / v).removeprefix('1 ')}"
    return _period(v)


class _Axis:
    """How one key's axis is drawn: factor (100 for shares), limits, log or linear."""

    def __init__(self, factor: float, lo: float, hi: float, log: bool, edges: list[float]):
        self.factor, self.lo, self.hi, self.log, self.edges = factor, lo, hi, log, edges

    def fraction(self, a: float, b: float) -> float:
        """Share of the axis width between ``a`` and ``b`` (drawn units)."""
        if self.log:
            return (math.log(b) - math.log(a)) / (math.log(self.hi) - math.log(self.lo))
        return (b - a) / (self.hi - self.lo)

    def middle(self, a: float, b: float) -> float:
        return math.sqrt(a * b) if self.log else (a + b) / 2


def _choose_axis(key: str, rows: list[dict], year: int) -> _Axis:
    """Shares on a linear % axis; other keys on a log axis when values and cluster edges
    span more than a factor of 20."""
    share = metric(key).kind == "share"
    f = 100.0 if share else 1.0
    vals = [v * f for r in rows for v in (r["mean"], r["ci_low"], r["ci_high"]) if not isnan(v)]
    edges = []
    if key in keys(year):
        table = bands(year)
        spec = table[key]
        edges = [float(spec[c]["bar"]) * f for c in table["clusters"]
                 if "bar" in spec[c] and np.isfinite(spec[c]["bar"]) and spec[c]["bar"] > 0]
        edges += [float(spec[c]["typical"]) * f for c in table["clusters"]
                  if "typical" in spec[c]]
    span = [v for v in vals + edges if v > 0]
    if not share and len(span) >= 2 and max(span) / min(span) > 20:
        return _Axis(f, min(span) / 3, max(span) * 4, True, edges)
    hi = max(vals + edges + [1e-9]) * 1.25
    if share:
        hi = min(max(hi, 20.0), 100.0)
    return _Axis(f, 0.0, hi, False, edges)


def _shade_clusters(ax, key: str, year: int, axis: _Axis) -> None:
    """The clusters of ``year`` shaded behind, each named where it is wide enough; on a log
    axis, ticks at the cluster edges written as periods."""
    from matplotlib.ticker import LogLocator

    f = axis.factor
    for a, b, cluster in band_regions(key, year, axis.lo / f, axis.hi / f):
        a, b = a * f, b * f
        ax.axvspan(a, b, color=tint(CLUSTER_COLOURS[cluster], 0.35), zorder=0, lw=0)
        if axis.fraction(a, b) > 0.07:
            ax.text(axis.middle(a, b), -0.85, cluster.capitalize() if cluster != "n/a" else "n/a",
                    ha="center", va="center", fontsize=SMALL, fontweight="bold")
    if axis.log:
        ticks = sorted({e for e in axis.edges if axis.lo < e < axis.hi})
        ax.set_xticks(ticks, [_tick_label(key, t) for t in ticks])
        ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(1.0,)))  # decades only
        ax.tick_params(axis="x", which="minor", labelbottom=False)


def _plot_points(ax, key: str, rows: list[dict], axis: _Axis) -> None:
    """One point per scenario (mean) with its 95% CI, its value written above it."""
    f = axis.factor
    for i, r in enumerate(rows):
        colour = PALETTE[i % len(PALETTE)]
        m = r["mean"] * f
        if isnan(m):
            ax.text(axis.middle(axis.lo, axis.hi), i, "n/a (no data)", ha="center",
                    va="center", fontsize=SMALL, color=GREY)
            continue
        err = None
        if not isnan(r["ci_low"]):
            err = [[max(m - r["ci_low"] * f, 0)], [max(r["ci_high"] * f - m, 0)]]
        ax.errorbar([m], [i], xerr=err, fmt="o", color=colour, ms=9, capsize=5, lw=2, zorder=3)
        # Above the point (an interval may span the whole axis); kept inside the axes.
        pos = axis.fraction(axis.lo, m) if (m > 0 or not axis.log) else 0.0
        ha = "right" if pos > 0.8 else ("left" if pos < 0.2 else "center")
        text = format_value(key, r["mean"]) + (f"  ({r['tag']})" if r.get("tag") else "")
        ax.annotate(text, (m, i), xytext=(0, 7),
                    textcoords="offset points", va="bottom", ha=ha, fontsize=SMALL, zorder=4)


def _placement_tag(p) -> str:
    """How sure a point's cluster is: "9/10 Medium", "borderline High/Medium", or nothing
    for one run (the title says so)."""
    if p.cluster is None or p.n < 2:
        return ""
    if p.borderline:
        return "borderline " + "/".join(c.capitalize() for c in p.spans)
    return f"{p.agreement} {p.label}"


def _axis_words(key: str) -> str:
    m = metric(key)
    if m.axis:
        return m.axis
    return f"% of {m.noun}" if m.kind == "share" and m.noun else m.unit


def _key_panel(ax, year: int) -> None:
    """The key in the spare sixth panel: the clusters' colours, source and rule."""
    ax.set_axis_off()

    # Placed in points from the top-left corner, so the key reads the same at any height.
    def put(text, x, down, **kw):
        ax.annotate(text, (0, 1), xycoords="axes fraction", xytext=(x, -down),
                    textcoords="offset points", va="top", fontsize=SMALL, **kw)

    put(f"DORA {year} clusters (shading):", 0, 0, fontweight="bold")
    for i, c in enumerate(bands(year)["clusters"]):
        put(c.capitalize(), 4 + i * 90, 24, fontweight="bold",
            bbox=dict(boxstyle="round,pad=0.3", facecolor=tint(CLUSTER_COLOURS[c], 0.35),
                      edgecolor=CLUSTER_COLOURS[c]))
    put(wrap(f"Source: {source(year)}. Rule: {RULE}", 5.2), 0, 50, color=GREY)


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
        Five axes (one per key, DORA's order) and a sixth holding the key.
    """
    labels = scenario_labels(results)
    if not labels:
        raise ValueError("results: no rows to show")
    bands(year)  # a bad year fails here with the allowed years
    chart_keys = five_keys(year)
    summary = scenario_summary(results, chart_keys)
    frame = results.frame
    n_runs = int(frame.groupby("scenario").size().max())
    k = len(labels)
    height = 0.75 + 0.7 + 3 * (0.55 + 0.42 * k) + 2 * 1.0
    fig = new_figure((12, height), left=0.6 + text_inches(labels), right=0.3, top=0.75,
                     bottom=0.7, grid=(3, 2), hgap=1.0, wgap=0.5)
    axes = fig.subplots(3, 2).ravel()
    runs = f"mean and 95% CI of {n_runs} runs" if n_runs > 1 else "1 run each (no CI)"
    fig.suptitle(f"DORA's five keys by scenario: {runs}; shading = DORA {year} clusters",
                 fontsize=TITLE, fontweight="bold", x=0.01, y=1 - 0.12 / height, ha="left",
                 va="top")
    for j, (ax, key) in enumerate(zip(axes, chart_keys)):
        style(ax)
        rows = []
        for s in labels:
            r = dict(summary[(s, key)])
            r["ci_low"], r["ci_high"] = clip_ci(key, r["ci_low"], r["ci_high"])
            if key in keys(year):
                r["tag"] = _placement_tag(place(key, frame.loc[frame["scenario"] == s, key], year))
            rows.append(r)
        axis = _choose_axis(key, rows, year)
        if axis.log:
            ax.set_xscale("log")
        ax.set_xlim(axis.lo, axis.hi)
        if key in keys(year):
            _shade_clusters(ax, key, year, axis)
        else:
            ax.text(0.99, 0.97, "no published clusters", transform=ax.transAxes, ha="right",
                    va="top", fontsize=SMALL, color=GREY)
        _plot_points(ax, key, rows, axis)
        ax.set_ylim(k - 0.5, -1.3)
        ax.set_yticks(range(k), labels if j % 2 == 0 else [""] * k)
        if j % 2 == 0:
            ax.set_ylabel("scenario", fontsize=FONT)
        ax.set_xlabel(_axis_words(key) + (" (log scale)" if axis.log else ""), fontsize=FONT)
        title(ax, metric(key).name)
    _key_panel(axes[-1], year)
    return fig
