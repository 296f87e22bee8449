"""A measured team's keys month by month (:func:`team_trend`), from :func:`devsim.measure`."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import dora
from ..registry import column_title, metric
from .base import FONT, GREY, PALETTE, SMALL, new_figure, scale_or_plain, style, title

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["team_trend"]


def team_trend(measurement: Any, *, year: int | None = None) -> "Figure":
    """Four of DORA's keys, one panel each, month by month, with the whole period's value.

    Parameters
    ----------
    measurement : devsim.measurement.Measurement or pandas.DataFrame
        From :func:`devsim.measure` (its ``monthly`` table is drawn), or such a table: one
        row per month with ``month`` and the metric columns.
    year : int, optional
        The report year whose restore key is drawn (time to restore service up to 2022,
        failed deployment recovery time from 2023); default the measurement's year, or 2019.

    Returns
    -------
    matplotlib.figure.Figure
        Each panel: the monthly value (a point per month, joined), the whole period's value
        as a dashed line when a measurement is given, and the month's deploys under the
        deployment frequency. A month with nothing to measure has no point.
    """
    monthly = getattr(measurement, "monthly", measurement)
    if not isinstance(monthly, pd.DataFrame) or "month" not in monthly.columns:
        raise TypeError("measurement: expected a devsim Measurement or its monthly table "
                        f"(a DataFrame with a 'month' column), got {type(measurement).__name__}")
    year = int(year if year is not None else getattr(measurement, "year", 2019))
    values = getattr(measurement, "values", {})
    keys = ("deploy_frequency_per_day", "lead_time_hours", "change_failure_rate",
            dora.restore_key(year))
    months = pd.to_datetime(monthly["month"])
    labels = [f"{m:%b %Y}" for m in months]
    x = np.arange(len(labels))
    fig = new_figure((12, 7.5), left=0.95, top=0.9, bottom=1.0, grid=(2, 2), hgap=1.1,
                     wgap=1.1)
    for i, key in enumerate(keys):
        ax = fig.add_subplot(2, 2, i + 1)
        style(ax)
        col = monthly[key].to_numpy(dtype=float) if key in monthly else np.full(len(x), np.nan)
        finite = col[np.isfinite(col)]
        whole = float(values.get(key, math.nan)) if values else math.nan
        ref = float(np.median(finite)) if len(finite) else whole
        scale = scale_or_plain(key, ref)
        y = col * scale[0]
        ok = np.isfinite(y)
        ax.plot(x[ok], y[ok], "-o", color=PALETTE[0], lw=2.2, ms=6, label="month")
        if math.isfinite(whole):
            ax.axhline(whole * scale[0], color=GREY, ls="--", lw=1.5, label="whole period")
        ax.set_xticks(x, labels, rotation=45 if len(labels) > 6 else 0,
                      ha="right" if len(labels) > 6 else "center")
        if len(labels) > 18:   # keep every third label: a projector cannot read 24 dates
            for j, t in enumerate(ax.get_xticklabels()):
                t.set_visible(j % 3 == 0)
        ax.set_ylabel(column_title(key, scale), fontsize=FONT)
        ax.set_ylim(bottom=0)
        if not ok.any():
            ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center",
                    fontsize=FONT, color=GREY)
        title(ax, metric(key).name)
        if i == 0:
            ax.legend(fontsize=SMALL, frameon=False, loc="best")
    source = getattr(getattr(measurement, "records", None), "source", "")
    fig.suptitle(f"Month by month{': ' + source if source else ''} (calendar months, UTC; "
                 "a partial first or last month counts its own days)", fontsize=FONT,
                 x=0.02, ha="left", y=0.985)
    return fig
