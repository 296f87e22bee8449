"""DORA performance clusters: the published bands as data, and how a value is classified.

The bands live in ``devsim/data/dora_clusters.yaml`` with their sources (2019 and 2021
from the DORA report PDFs; 2022-2024 from Octopus Deploy's second-hand summaries).

How a value is classified (:data:`RULE`), per metric:

* **Bar rule.** Each cluster's band has a worse edge, its *bar* (lead time "1 day - 1 week"
  has the bar 1 week). A value gets the best cluster whose bar it meets (lead time <= bar;
  deploy frequency >= bar). Values in a gap between bands therefore get the worse
  neighbour (a team is High only once it meets High's bar), and where bands overlap
  (2019: High and Medium both restore in "< 1 day") the better cluster. A value worse than
  every bar is Low.
* **Typical-value rule.** Where a year gives one typical value per cluster instead of a
  range (change failure rate in 2023 and 2024) the value gets the cluster whose typical
  value is nearest; a tie goes to the worse cluster.
* **Overall.** The weakest of the four keys: a team is High overall only when every key is
  High or better.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Mapping

from .registry import CLUSTERED_KEYS

__all__ = ["KEYS", "REPORT_YEARS", "RULE", "Classification", "bands", "classify",
           "classify_all", "overall_cluster", "source"]

#: The four keys that have published clusters (the fifth, rework rate, has none yet), in
#: DORA's order; which keys these are is stated once, in :mod:`devsim.registry`.
KEYS = CLUSTERED_KEYS

RULE = ("Each value gets the best cluster whose bar (the worse edge of its published band) it "
        "meets; where a year gives one typical value, the nearest one. Overall = the weakest key.")


@lru_cache(maxsize=1)
def _data() -> dict:
    import yaml

    text = resources.files("devsim").joinpath("data/dora_clusters.yaml").read_text(encoding="utf-8")
    return {int(year): table for year, table in yaml.safe_load(text).items()}


REPORT_YEARS = (2019, 2021, 2022, 2023, 2024)


def bands(year: int = 2019) -> dict:
    """The published bands of one report year (see the YAML file for the layout)."""
    data = _data()
    if year not in data:
        raise ValueError(f"year: {year!r} is not allowed; choose one of {', '.join(map(str, data))}")
    return data[year]


def source(year: int = 2019) -> str:
    """Where a year's bands come from (says when the source is second-hand)."""
    return bands(year)["source"]


@dataclass(frozen=True)
class Classification:
    """One metric's value placed in a year's clusters."""

    metric: str
    value: float
    cluster: str | None   # None when there is no value (e.g. no incident to restore)
    band: str             # the published text of that cluster's band
    year: int
    note: str = ""        # e.g. "between bands" or "beyond the published low band"

    @property
    def label(self) -> str:
        return self.cluster.capitalize() if self.cluster else "n/a"


def classify(metric: str, value: float, year: int = 2019) -> Classification:
    """Place ``value`` of ``metric`` (one of :data:`KEYS`) in ``year``'s clusters by :data:`RULE`."""
    table = bands(year)
    if metric not in KEYS:
        raise ValueError(f"metric: {metric!r} is not allowed; choose one of {', '.join(KEYS)}")
    order = table["clusters"]
    spec = table[metric]
    if value is None or math.isnan(float(value)):
        return Classification(metric, math.nan, None, "", year, "no data in this run")
    higher = spec["better"] == "higher"
    if "typical" in spec[order[0]]:
        # Rounded, so that a value halfway between two typical values ties (decimal
        # midpoints are not exact in binary) and the tie goes to the worse cluster.
        dist = [(round(abs(value - spec[c]["typical"]), 12), -i, c) for i, c in enumerate(order)]
        _, _, best = min(dist)
        return Classification(metric, value, best, spec[best]["text"], year,
                              "nearest typical value")
    for i, c in enumerate(order):
        bar = spec[c]["bar"]
        if (value >= bar) if higher else (value <= bar):
            return Classification(metric, value, c, spec[c]["text"], year)
    worst = order[-1]
    return Classification(metric, value, worst, spec[worst]["text"], year,
                          "beyond the published low band")


def classify_all(values: Mapping[str, float], year: int = 2019) -> dict[str, Classification]:
    """Classify each of the four keys found in ``values``."""
    return {k: classify(k, values[k], year) for k in KEYS if k in values}


def overall_cluster(classes: Mapping[str, Classification], year: int = 2019) -> str | None:
    """The weakest key's cluster (None if no key has a value)."""
    order = bands(year)["clusters"]
    ranks = [order.index(c.cluster) for c in classes.values() if c.cluster is not None]
    return order[max(ranks)] if ranks else None
