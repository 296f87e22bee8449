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

from .stats import mean_ci

__all__ = ["KEYS", "keys", "five_keys", "restore_key", "REPORT_YEARS", "RULE", "Classification",
           "bands", "classify", "gap_note", "Placement", "place",
           "classify_all", "overall_cluster", "source"]

def restore_key(year: int = 2019) -> str:
    """The restore metric a report year classifies: time to restore service after an
    incident up to 2022, failed deployment recovery time from 2023 (DORA renamed and
    redefined it)."""
    return "recovery_time_hours" if int(year) >= 2023 else "time_to_restore_hours"


def keys(year: int = 2019) -> tuple[str, ...]:
    """The four keys with published clusters in ``year``, in DORA's order."""
    return ("deploy_frequency_per_day", "lead_time_hours", "change_failure_rate",
            restore_key(year))


def five_keys(year: int = 2019) -> tuple[str, ...]:
    """DORA's five keys as ``year`` defines them (the fifth, rework rate, has no clusters)."""
    return (*keys(year), "rework_rate")


#: The four keys of the default report year (2019); use :func:`keys` for another year.
KEYS = keys(2019)

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
    if metric not in keys(year):
        other = [y for y in REPORT_YEARS if metric in keys(y)]
        hint = (f" ({metric} has clusters in {', '.join(map(str, other))}; {year} classifies "
                f"{restore_key(year)})" if other else "")
        raise ValueError(f"metric: {metric!r} is not allowed for {year}; choose one of "
                         f"{', '.join(keys(year))}{hint}")
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
    """Classify each of ``year``'s four keys found in ``values`` (:func:`keys`)."""
    return {k: classify(k, values[k], year) for k in keys(year) if k in values}


def overall_cluster(classes: Mapping[str, Classification], year: int = 2019) -> str | None:
    """The weakest key's cluster (None if no key has a value)."""
    order = bands(year)["clusters"]
    ranks = [order.index(c.cluster) for c in classes.values() if c.cluster is not None]
    return order[max(ranks)] if ranks else None


def gap_note(metric: str, value: float, year: int = 2019) -> str:
    """Where ``value`` lies in a gap between two published bands, what the rule did with it.

    E.g. ``"between High (< 1 day) and Low (1 week - 1 month); counted Low by the rule"``;
    empty when the value lies inside its cluster's band.
    """
    c = classify(metric, value, year)
    if c.cluster is None or c.note == "nearest typical value":
        return ""
    spec, order = bands(year)[metric], bands(year)["clusters"]
    edge = spec[c.cluster].get("from")
    if edge is None:
        return ""
    higher = spec["better"] == "higher"
    if (value < edge) if higher else (value > edge):   # inside the band (or beyond it)
        return ""
    i = order.index(c.cluster)
    better = [k for k in order[:i] if spec[k]["bar"] == spec[order[i - 1]]["bar"]][0]
    return (f"between {better.capitalize()} ({spec[better]['text']}) and "
            f"{c.cluster.capitalize()} ({spec[c.cluster]['text']}); counted "
            f"{c.cluster.capitalize()} by the rule")


@dataclass(frozen=True)
class Placement:
    """Where the replications of one metric fall among a year's clusters.

    Attributes
    ----------
    cluster : str or None
        The cluster of the mean (:data:`RULE`); None without a value.
    counts : dict
        Replications per cluster (each run classified alone), best cluster first.
    spans : tuple of str
        Clusters the 95% confidence interval of the mean reaches; more than one means the
        placement is borderline: more runs could move it.
    gap : str
        :func:`gap_note` of the mean.
    """

    metric: str
    year: int
    mean: float
    low: float
    high: float
    n: int
    cluster: str | None
    band: str
    counts: dict
    spans: tuple
    gap: str = ""

    @property
    def label(self) -> str:
        return self.cluster.capitalize() if self.cluster else "n/a"

    @property
    def borderline(self) -> bool:
        return len(self.spans) > 1

    @property
    def agreement(self) -> str:
        """How many runs agree with the mean's cluster, e.g. ``"9/10"`` (empty for 1 run)."""
        if self.cluster is None or self.n < 2:
            return ""
        return f"{self.counts.get(self.cluster, 0)}/{self.n}"

    def short(self) -> str:
        """:meth:`uncertainty` in a few words, for a tile."""
        if self.cluster is None:
            return ""
        if self.n < 2:
            return "1 run: run more"
        if self.borderline:
            return "borderline " + "/".join(c.capitalize() for c in self.spans)
        agree = self.counts.get(self.cluster, 0)
        return f"all {self.n} runs" if agree == self.n else f"{agree} of {self.n} runs"

    def uncertainty(self) -> str:
        """One line on how sure the placement is, for a tile, a table note or a tooltip."""
        if self.cluster is None:
            return "no data in these runs"
        if self.n < 2:
            return "1 run: run more to see the spread"
        runs = ", ".join(f"{k} {c.capitalize()}" for c, k in self.counts.items() if k)
        if self.borderline:
            return f"borderline {'/'.join(c.capitalize() for c in self.spans)} ({runs} of {self.n} runs)"
        if len([k for k in self.counts.values() if k]) == 1:
            return f"all {self.n} runs {self.label}"
        return f"{runs} of {self.n} runs"


def place(metric: str, values, year: int = 2019) -> Placement:
    """Place the replications ``values`` of ``metric`` in ``year``'s clusters, with their spread.

    The mean is classified by :data:`RULE`; each run is classified alone (how many fall in
    each cluster), and the 95% confidence interval of the mean tells whether more runs
    could move the placement (``spans`` more than one cluster: borderline).
    """
    vals = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    mean, lo, hi = mean_ci(vals)
    c = classify(metric, mean, year)
    order = bands(year)["clusters"]
    counts = {k: 0 for k in order}
    for v in vals:
        counts[classify(metric, v, year).cluster] += 1
    spans: tuple = ()
    if c.cluster is not None:
        # The clusters the rule gives anywhere in the CI: those of its ends and of the mean
        # (the rule is monotone, and overlapping bands never give the worse of the two).
        ends = {classify(metric, x, year).cluster for x in (lo, hi) if not math.isnan(x)}
        spans = tuple(k for k in order if k in ends | {c.cluster})
    return Placement(metric, year, mean, lo, hi, len(vals), c.cluster, c.band, counts, spans,
                     gap_note(metric, mean, year) if c.cluster else "")
