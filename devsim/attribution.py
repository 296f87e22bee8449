"""Why is it faster? The difference between two organisations, shared out among groups of
design fields by Shapley values on common random numbers.

Going from scenario ``a`` to ``b`` changes several groups of fields at once (structure,
automation, approval, release cadence, batch size, security, people:
:data:`devsim.design.DESIGN_GROUPS`). How much of the change in lead time is due to each
group depends on the order in which one imagines switching them; the Shapley value (Shapley,
1953) averages a group's contribution over every order, so the shares add up exactly to the
whole difference and no order is favoured. For k groups that differ it needs the 2**k
mixtures of ``a`` and ``b`` (each group taken from one or the other); with 7 groups that is
128 scenarios.

Every mixture runs replication *i* on the same random numbers, so the Shapley value is
computed per replication and its mean comes with a paired 95% confidence interval: a share
whose CI includes 0 is not shown to matter. A mixture that is not a valid organisation (say,
a collaborative structure with siloed on-call rules) cannot be run: the message names the
groups; merge them with ``groups=``.
"""
from __future__ import annotations

import math
from dataclasses import replace
from itertools import combinations
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .design import DESIGN_GROUPS
from .experiment import DEFAULT_SEED, compare
from .scenario import Scenario, ScenarioError, resolve_scenario
from .stats import mean_ci

__all__ = ["decompose"]


def _groups_that_differ(a: Scenario, b: Scenario,
                        groups: Mapping[str, Sequence[str]]) -> dict[str, dict]:
    da, db = a.to_dict(), b.to_dict()
    named = {f for fields in groups.values() for f in fields}
    other = sorted(k for k in da if k != "name" and k not in named and da[k] != db[k])
    if other:
        raise ValueError(f"a, b: they differ in {', '.join(other)}, which no group holds; "
                         "add them to a group (groups=...) or make them equal")
    out = {}
    for name, fields in groups.items():
        changes = {f: db[f] for f in fields if da[f] != db[f]}
        if changes:
            out[name] = changes
    return out


def decompose(a: Scenario | str, b: Scenario | str, keys: Sequence[str] = ("lead_time_hours",),
              n: int = 5, seed: int = DEFAULT_SEED, *,
              groups: Mapping[str, Sequence[str]] | None = None, executor=None,
              progress: bool | None = None) -> pd.DataFrame:
    """Attribute ``b - a`` of each metric in ``keys`` to groups of fields (Shapley values).

    Parameters
    ----------
    a, b : Scenario or str
        The two organisations (presets, YAML paths or Scenarios), e.g. siloed and collaborative.
    keys : sequence of str
        Metric columns of :func:`devsim.metrics.summarise`.
    n : int
        Replications of each of the 2**k mixtures (common random numbers).
    seed : int
        Base seed.
    groups : mapping, optional
        Group name -> fields (default :data:`devsim.design.DESIGN_GROUPS`). Groups whose
        fields are equal in ``a`` and ``b`` are left out.
    executor, progress
        As for :func:`devsim.experiment.compare`.

    Returns
    -------
    pandas.DataFrame
        One row per (metric, group) with ``metric, group, fields, mean, ci_low, ci_high``
        (the group's share of ``b - a`` in the metric's unit), then a row per metric with
        group ``"total"`` (``b - a``; the shares add up to it in every replication). Sorted
        by metric, then by the size of the share. ``attrs`` holds ``a``, ``b`` and ``n``.
    """
    sa, sb = resolve_scenario(a), resolve_scenario(b)
    keys = list(keys)
    if not keys:
        raise ValueError("keys: give at least one metric")
    diff = _groups_that_differ(sa, sb, dict(groups or DESIGN_GROUPS))
    names = list(diff)
    k = len(names)
    mixtures: dict[frozenset, Scenario] = {}
    for size in range(k + 1):
        for chosen in combinations(names, size):
            changes = {f: v for g in chosen for f, v in diff[g].items()}
            label = "a + " + ", ".join(chosen) if chosen else "a"
            try:
                mixtures[frozenset(chosen)] = replace(sa, name=label, **changes)
            except ScenarioError as exc:
                raise ValueError(f"groups: taking {', '.join(chosen)} from b and the rest from "
                                 f"a is not a valid organisation ({exc}); merge those groups "
                                 "with groups=...") from None
    res = compare(list(mixtures.values()), n=n, seed=seed, executor=executor, progress=progress)
    frame = res.frame
    missing = [m for m in keys if m not in frame.columns]
    if missing:
        raise ValueError(f"keys: {', '.join(missing)} not among the metrics "
                         f"({', '.join(c for c in frame.columns if c not in ('scenario', 'replication', 'seed'))})")
    # values[coalition] = array over replications, per metric
    by_label = {s.name: c for c, s in mixtures.items()}
    rows = []
    for m in keys:
        table = frame.pivot(index="replication", columns="scenario", values=m)
        v = {c: table[label].to_numpy(dtype=float) for label, c in by_label.items()}
        total = v[frozenset(names)] - v[frozenset()]
        for g in names:
            others = [x for x in names if x != g]
            phi = np.zeros(n)
            for size in range(k):
                weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
                for chosen in combinations(others, size):
                    s = frozenset(chosen)
                    phi = phi + weight * (v[s | {g}] - v[s])
            mean, lo, hi = mean_ci(phi)
            rows.append(dict(metric=m, group=g, fields=", ".join(diff[g]), mean=mean,
                             ci_low=lo, ci_high=hi))
        mean, lo, hi = mean_ci(total)
        rows.append(dict(metric=m, group="total", fields="", mean=mean, ci_low=lo, ci_high=hi))
    out = pd.DataFrame(rows)
    order = out["group"].eq("total").astype(int) * 2 - out["mean"].abs().rank(pct=True)
    out = out.assign(_o=order).sort_values(["metric", "_o"], kind="mergesort").drop(columns="_o")
    out = out.reset_index(drop=True)
    out.attrs.update(a=sa.name, b=sb.name, n=n, seed=seed)
    return out
