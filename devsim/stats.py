"""Statistics of replications: the mean and its 95% confidence interval (Student's t).

The one home of the interval every table, tile and check shows; it imports nothing from
devsim, so the DORA placement (:mod:`devsim.dora`) and the experiments both use it.
"""
from __future__ import annotations

import math
import numbers
import statistics
from typing import Iterable

__all__ = ["mean_ci", "t975"]

# Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom."""
    if df <= 30:
        return _T975[df - 1]
    return 1.959964 + 2.4 / df  # within 0.002 of the exact quantile for df > 30


def _quote(x: object, limit: int = 40) -> str:
    text = repr(x) if not isinstance(x, (str, bytes)) or len(x) <= limit else repr(x[:limit]) + "..."
    return text if len(text) <= limit + 5 else text[:limit] + "..."


def mean_ci(values: Iterable[float]) -> tuple[float, float, float]:
    """Mean and 95% confidence interval (Student's t) of the non-NaN values.

    Returns (mean, low, high); the interval is NaN with fewer than two values.

    Raises
    ------
    TypeError
        If ``values`` is not an iterable of numbers (the message names the first bad one).
    """
    if isinstance(values, (str, bytes)):
        raise TypeError(f"values: expected numbers, got the text {_quote(values)}")
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"values: expected an iterable of numbers, got "
                        f"{type(values).__name__}") from None
    v = []
    for x in items:
        if x is None:
            continue
        if isinstance(x, (str, bytes)) or not isinstance(x, numbers.Real):
            raise TypeError(f"values: {_quote(x)} is not a number")
        x = float(x)
        if not math.isnan(x):
            v.append(x)
    if not v:
        return math.nan, math.nan, math.nan
    m = statistics.fmean(v)
    if len(v) < 2:
        return m, math.nan, math.nan
    half = t975(len(v) - 1) * statistics.stdev(v) / math.sqrt(len(v))
    return m, m - half, m + half
