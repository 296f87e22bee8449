"""The waterfall of "why is it faster?": each group's share of a difference, with its CI."""
from __future__ import annotations

from math import isnan
from typing import TYPE_CHECKING

import pandas as pd

from ..registry import format_value, metric, scale_for
from .base import (BETTER_COLOUR, FONT, GREY, SMALL, WORSE_COLOUR, new_figure, style,
                   text_inches, title)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["waterfall"]


def waterfall(shares: pd.DataFrame, metric_key: str | None = None) -> "Figure":
    """Bars from ``a``'s value to ``b``'s, one step per group of fields.

    Parameters
    ----------
    shares : pandas.DataFrame
        From :func:`devsim.attribution.decompose`.
    metric_key : str, optional
        Which metric (default the first in ``shares``).

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per group, starting where the previous one ended, coloured by
        whether the group moves the metric the better way (blue) or the worse (vermillion),
        with its 95% CI; a group whose CI includes 0 is drawn hatched and labelled "no clear
        effect". The last bar is the total difference.
    """
    need = {"metric", "group", "mean", "ci_low", "ci_high"}
    if not isinstance(shares, pd.DataFrame) or not need <= set(shares.columns):
        raise ValueError("shares: give the table devsim.decompose returns "
                         f"(columns {', '.join(sorted(need))})")
    keys = list(dict.fromkeys(shares["metric"]))
    key = keys[0] if metric_key is None else metric_key
    if key not in keys:
        raise ValueError(f"metric_key: {key!r} is not in these shares; choose one of "
                         f"{', '.join(keys)}")
    rows = shares[shares["metric"] == key]
    parts = rows[rows["group"] != "total"]
    total = rows[rows["group"] == "total"].iloc[0]
    m = metric(key)
    scale = scale_for(key, abs(float(total["mean"])) or float(parts["mean"].abs().max()))
    factor = scale[0]
    labels = list(parts["group"]) + ["total"]
    fig = new_figure((10, 1.6 + 0.55 * len(labels)), left=0.4 + text_inches(labels, FONT),
                     right=1.9, top=0.85, bottom=0.75)
    ax = fig.add_subplot()
    style(ax)
    start = 0.0
    for i, r in enumerate(parts.itertuples(index=False)):
        d = float(r.mean) * factor
        lo, hi = float(r.ci_low) * factor, float(r.ci_high) * factor
        unclear = isnan(lo) or lo <= 0 <= hi
        good = (d < 0) == (m.better == "lower") if m.better else None
        colour = GREY if good is None else (BETTER_COLOUR if good else WORSE_COLOUR)
        ax.barh(i, d, left=start, color=colour, alpha=0.45 if unclear else 1.0,
                hatch="//" if unclear else None, edgecolor=colour, height=0.6)
        if not isnan(lo):
            ax.errorbar([start + d], [i], xerr=[[d - lo], [hi - d]], fmt="none", ecolor="black",
                        capsize=4, lw=1.2)
        text = format_value(key, float(r.mean), scale=scale, unit=True)
        text = ("+" if d > 0 else "") + text + ("\n(no clear effect)" if unclear else "")
        # Values in a column right of the axes: they never collide with bars or intervals.
        ax.text(1.02, i, text, transform=ax.get_yaxis_transform(), va="center",
                fontsize=SMALL, linespacing=1.0)
        start += d
    t = float(total["mean"]) * factor
    ax.barh(len(parts), t, color="#333333", height=0.6)
    ax.text(1.02, len(parts), ("+" if t > 0 else "") + format_value(key, float(total["mean"]),
                                                                  scale=scale),
            transform=ax.get_yaxis_transform(), va="center", fontsize=SMALL, fontweight="bold")
    ax.axvline(0, color="black", lw=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=FONT)
    ax.invert_yaxis()
    unit = scale[1].strip() or m.unit
    ax.set_xlabel(f"change in {m.name.lower()} ({unit}), from {shares.attrs.get('a', 'a')} to "
                  f"{shares.attrs.get('b', 'b')}", fontsize=FONT)
    n = shares.attrs.get("n")
    title(ax, f"Why does {m.short.lower()} change? Each group's Shapley share"
              + (f"\n(mean and 95% CI of {n} runs on common random numbers)" if n else ""))
    return fig
