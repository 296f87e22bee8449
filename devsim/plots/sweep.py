"""A metric against a swept scenario field (:func:`sweep_curve`), with its 95% band."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..experiment import mean_ci
from ..registry import column_title, label
from ..scenario import field_info
from .base import FONT, PALETTE, SMALL, new_figure, scale_or_plain, style, title

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..experiment import Results

__all__ = ["sweep_curve"]

_NOT_METRICS = ("scenario", "replication", "seed")


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
        A metric column (see :data:`devsim.registry.METRICS`); the y axis takes its name and
        the unit the registry chooses for the median value.
    ax_label : str, optional
        The x axis label (default: the field's label and unit from
        :func:`devsim.scenario.field_info`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    frame = results.frame
    if field not in frame.columns:
        raise ValueError(f"field: {field!r} is not a column of these results; a sweep over it "
                         "has one (columns: " + ", ".join(map(str, frame.columns)) + ")")
    if metric not in frame.columns or metric in (*_NOT_METRICS, field):
        metrics = [c for c in frame.columns if c not in (*_NOT_METRICS, field)]
        raise ValueError(f"metric: {metric!r} is not allowed; choose one of {', '.join(metrics)}")
    marker = f" {field}="
    series = frame["scenario"].astype(str).map(lambda s: s.split(marker)[0])
    numeric = pd.api.types.is_numeric_dtype(frame[field])
    cats = list(dict.fromkeys(frame[field].tolist())) if not numeric else None
    scale = scale_or_plain(metric, float(frame[metric].median()))
    factor = scale[0]

    fig = new_figure((9, 5), left=0.85, top=0.7, bottom=0.65)
    ax = fig.add_subplot()
    style(ax)
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
    ax.set_xlabel(ax_label, fontsize=FONT)
    ax.set_ylabel(column_title(metric, scale), fontsize=FONT)
    ax.set_ylim(bottom=0)
    title(ax, f"{label(metric)} vs {ax_label.split(' (')[0].lower()}\nmean and 95% CI of "
              f"{n_per} run{'s' if n_per != 1 else ''} per point")
    ax.legend(fontsize=SMALL, frameon=False, loc="best")
    return fig
