"""Plain-text tables of experiment results, for terminals, logs and notebook ``print``.

Everything here is formatting: it reads a :class:`~devsim.experiment.Results` (or two
Scenarios) and returns a string; it runs nothing and prints nothing.

Units are chosen per value so that a number reads the way DORA states its bands: a
deployment frequency is shown per day when it is at least daily, else per week, month or
year; a duration in minutes, hours, days or weeks. The 95% confidence interval of a mean
(Student's t over replications, :func:`devsim.experiment.mean_ci`) is shown in brackets in
the same unit as the mean. Output is ASCII only, so it survives any terminal encoding.
"""
from __future__ import annotations

import math
import textwrap

import pandas as pd
from dataclasses import fields
from typing import Any, Sequence

from . import dora
from .registry import (display_table, format_cell, format_difference, is_metric, metric,
                       scale_for, unit_words)
from .scenario import Scenario, field_info

__all__ = ["dora_table", "sweep_table", "describe_changes", "readable", "explain_shares",
           "format_cell", "scale_for", "DORA_ROWS", "FLOW_ROWS"]

#: Rows of the DORA section: (metric, row label). Lead time for changes has its median and
#: its 90th percentile; only the median is classified (it is what DORA's bands describe).
def _row_label(key: str) -> str:
    """The short name; a count's unit goes in the label, not in every cell (narrow enough for
    two scenarios side by side in 100 columns)."""
    m = metric(key)
    if m.kind == "count" and m.unit and m.unit not in m.short:
        return f"{m.short} {m.unit}" if m.unit.startswith("per ") else f"{m.short} ({m.unit})"
    return m.short


def _cell(key: str, mean: float, low: float, high: float) -> str:
    return format_cell(key, mean, low, high, unit=metric(key).kind != "count")


DORA_ROWS = tuple((k, _row_label(k)) for k in (
    "deploy_frequency_per_day", "unplanned_deploys_per_week", "lead_time_hours",
    "lead_time_p90_hours", "change_failure_rate", "failures_per_change",
    "time_to_restore_hours", "recovery_time_hours", "rework_rate"))

#: Rows of the flow section (no published clusters).
FLOW_ROWS = tuple((k, _row_label(k)) for k in (
    "flow_lead_time_hours", "throughput_per_day", "mean_wip", "flow_efficiency",
    "unplanned_work_share", "cost_per_change"))


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def _means(results) -> tuple[list[str], dict[tuple[str, str], tuple[float, float, float, int]]]:
    frame = results.frame
    names = list(dict.fromkeys(frame["scenario"]))
    wanted = [m for m, _ in DORA_ROWS + FLOW_ROWS if m in frame.columns]
    table = {}
    for row in results.summary(wanted).itertuples(index=False):
        table[(row.scenario, row.metric)] = (row.mean, row.ci_low, row.ci_high, row.n)
    return names, table


def _render_blocks(titles: list[list[str]], body: list[tuple[str, list[list[str]] | None]],
                   group_widths: list[list[int]], label_width: int, width: int) -> list[str]:
    """Lay out column groups side by side, starting a new block when ``width`` is full.

    Each of ``titles`` is a heading row [corner, group titles...]. ``body`` rows are (label, [sub-cells per
    group]); a row with ``None`` instead of cells is a heading, and the label ``"-"`` draws
    a rule across the block.
    """
    gap = 2
    sizes = [sum(ws) + 2 * (len(ws) - 1) for ws in group_widths]
    blocks, cur, used = [], [], label_width
    for g, size in enumerate(sizes):
        if cur and used + gap + size > width:
            blocks.append(cur)
            cur, used = [], label_width
        cur.append(g)
        used += gap + size
    if cur:
        blocks.append(cur)

    out = []
    for b, block in enumerate(blocks):
        span = label_width + sum(gap + sizes[g] for g in block)
        if b:
            out.append("")
        for title in titles:
            parts = [title[0].ljust(label_width)] + [title[1 + g].ljust(sizes[g]) for g in block]
            out.append((" " * gap).join(parts).rstrip())
        for label, groups in body:
            if groups is None:
                out.append("-" * span if label == "-" else label)
                continue
            parts = [label.ljust(label_width)]
            for g in block:
                sub = "  ".join(c.ljust(w) for c, w in zip(groups[g], group_widths[g]))
                parts.append(sub.ljust(sizes[g]))
            out.append((" " * gap).join(parts).rstrip())
    return out


def _footer(year: int, width: int, notes: Sequence[str]) -> list[str]:
    src = dora.source(year)
    if dora.bands(year).get("second_hand") and "second-hand" not in src:
        src += " (second-hand)"
    text = [f"Clusters: DORA {year} bands, from {src}.",
            f"Rule: {dora.RULE}", *notes]
    out = []
    for t in text:
        out.extend(textwrap.wrap(t, width=width, subsequent_indent="  "))
    return out


def dora_table(results, year: int = 2019, *, width: int = 100) -> str:
    """DORA's keys and a few flow metrics, one column group per scenario.

    Each cell is the mean over replications with its 95% confidence interval; each DORA
    key with published bands gets the cluster of its mean (:func:`devsim.dora.classify`),
    and the overall cluster is the weakest key's. A footer states the classification rule
    and the source of ``year``'s bands, saying where that source is second-hand.

    Parameters
    ----------
    results : Results
        From :func:`devsim.experiment.replicate` or :func:`~devsim.experiment.compare`
        (or :func:`~devsim.experiment.load_results`).
    year : int
        DORA report year whose bands classify the values (:data:`devsim.dora.REPORT_YEARS`).
    width : int
        Widest line wanted; scenarios that do not fit start a new block below.

    Returns
    -------
    str
        The table, lines joined by newlines (no trailing newline).
    """
    dora.bands(year)  # an unknown year fails here, with the allowed years named
    names, table = _means(results)
    order = dora.bands(year)["clusters"]
    nan3 = (math.nan, math.nan, math.nan, 0)

    def stats(name: str, metric: str) -> tuple[float, float, float]:
        return table.get((name, metric), nan3)[:3]

    year_keys = dora.keys(year)
    frame = results.frame
    placed = {n: {k: dora.place(k, frame.loc[frame["scenario"] == n, k], year)
                  for k in year_keys if k in frame.columns} for n in names}
    classes = {n: {k: dora.classify(k, stats(n, k)[0], year) for k in year_keys} for n in names}
    starred = borderline = False
    gaps = []
    body: list[tuple[str, list[list[str]] | None]] = [
        ("", [["mean [95% CI]", "cluster"] for _ in names]), ("-", None), ("DORA keys", None)]
    for metric, label in DORA_ROWS:
        groups = []
        for n in names:
            tag = "-"
            if metric in year_keys:
                c, p = classes[n][metric], placed[n].get(metric)
                tag = c.label
                star = "*" if c.note == "beyond the published low band" else ""
                starred = starred or bool(star)
                tag += star
                if p is not None and p.borderline:
                    tag = "~" + "/".join(k.capitalize() for k in p.spans) + star
                    borderline = True
                elif p is not None and p.agreement:
                    tag += " " + p.agreement
                if p is not None and p.gap:
                    gaps.append(f"{n}, {label.lower()}: {p.gap}.")
            groups.append([_cell(metric, *stats(n, metric)), tag])
        body.append((label, groups))
    overall = [dora.overall_cluster(classes[n], year) for n in names]
    body.append((f"Overall (DORA {year})",
                 [["", c.capitalize() if c else "n/a"] for c in overall]))
    body += [("", None), ("Flow", None)]
    for metric, label in FLOW_ROWS:
        body.append((label, [[_cell(metric, *stats(n, metric)), ""] for n in names]))

    label_width = max(len(label) for label, _ in body)
    group_widths = []
    for g, name in enumerate(names):
        cells = [groups[g] for _, groups in body if groups]
        group_widths.append([max([len(c[0]) for c in cells] + [len(name)]),
                             max(len(c[1]) for c in cells)])

    reps = sorted({table.get((n, "deploy_frequency_per_day"), nan3)[3] for n in names})
    reps_text = "/".join(map(str, reps))
    head = (f"{len(names)} scenario{'s' if len(names) != 1 else ''}, {reps_text} replication"
            f"{'' if reps_text == '1' else 's'} each, seed {results.seed}"
            + (", common random numbers" if len(names) > 1 else ""))
    lines = [head, ""] + _render_blocks([["", *names]], body, group_widths, label_width, width)
    notes = ["Brackets: 95% confidence interval of the mean over replications. Cluster: of "
             "the mean; n/m: how many of the m runs land in it on their own. Lead time and "
             "restore times are each run's median. Rework rate and the flow metrics have no "
             "published clusters (-)."]
    if borderline:
        notes.append("~A/B: borderline, the 95% CI of the mean reaches both clusters; more "
                     "replications (-n) would settle it.")
    notes += gaps
    if starred:
        notes.append(f"* worse than the published {order[-1]} band, so {order[-1].capitalize()}.")
    lines += [""] + _footer(year, width, notes)
    return "\n".join(lines)


def sweep_table(results, field_name: str, metrics: Sequence[str], year: int = 2019, *,
                width: int = 100) -> str:
    """One row per swept value: each metric's mean and 95% CI, and the overall DORA cluster.

    Each metric column keeps one unit (chosen from the median of its means), so a trend
    down the column reads directly.

    Parameters
    ----------
    results : Results
        From :func:`devsim.experiment.sweep` (the frame has a ``field_name`` column).
    field_name : str
        The swept Scenario field.
    metrics : sequence of str
        Metric columns of ``results.frame``.
    year : int
        DORA report year for the overall cluster column.
    width : int
        Widest line wanted; columns that do not fit start a new block below.
    """
    frame = results.frame
    missing = [m for m in metrics if m not in frame.columns]
    if missing:
        raise ValueError(f"metric: {missing[0]!r} is not in these results; "
                         f"available: {', '.join(c for c in frame.columns if c not in ('scenario', 'replication', 'seed'))}")
    keys = [k for k in dora.keys(year) if k in frame.columns]
    summ = results.summary(list(dict.fromkeys(list(metrics) + keys)))
    names = list(dict.fromkeys(frame["scenario"]))
    value_of = dict(zip(frame["scenario"], frame[field_name]))
    stats = {(r.scenario, r.metric): (r.mean, r.ci_low, r.ci_high) for r in summ.itertuples(index=False)}

    heads, units, group_widths, columns = [], [], [], []
    for m in metrics:
        means = sorted(stats[(n, m)][0] for n in names if _finite(stats[(n, m)][0]))
        scale = scale_for(m, means[len(means) // 2] if means else math.nan)
        unit = "%" if scale[1] == "%" else unit_words(m, scale=scale)
        col = [format_cell(m, *stats[(n, m)], scale=scale, unit=False) for n in names]
        columns.append(col)
        heads.append(metric(m).short)
        units.append(f"({unit})" if unit else "")
    overall = []
    for n in names:
        classes = {k: dora.classify(k, stats[(n, k)][0], year) for k in keys}
        c = dora.overall_cluster(classes, year)
        overall.append(c.capitalize() if c else "n/a")
    columns.append(overall)
    heads.append("DORA")
    units.append(f"({year})")
    for head, unit, col in zip(heads, units, columns):
        group_widths.append([max([len(head), len(unit)] + [len(c) for c in col])])

    # The title line names the field, so the value column stays narrow.
    label_width = max([len("value")] + [len(_plain(value_of[n])) for n in names])
    body = [("-", None)]
    for i, n in enumerate(names):
        body.append((_plain(value_of[n]), [[col[i]] for col in columns]))
    nrep = int(frame.groupby("scenario").size().min())
    base = names[0].rsplit(f" {field_name}=", 1)[0]
    lines = textwrap.wrap(f"{base}: {field_name} swept over {len(names)} values, {nrep} "
                          f"replications each, seed {results.seed} (common random numbers)",
                          width=width, subsequent_indent="  ") + [""]
    lines += _render_blocks([["", *heads], ["value", *units]], body, group_widths, label_width, width)
    lines += [""] + _footer(year, width, [
        "Cells: mean [95% confidence interval] over replications; "
        "the last column is the weakest DORA key's cluster."])
    return "\n".join(lines)


def _plain(v: Any) -> str:
    """A field value as a person would type it (2.0 -> 2, 0.30000000000000004 -> 0.3)."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        if v.is_integer():
            return str(int(v))
        return f"{v:.6g}"
    return str(v)


def describe_changes(scenario: Scenario, baseline: Scenario) -> str:
    """The fields where ``scenario`` differs from ``baseline``, as ``field=value`` text.

    The ``name`` field is ignored; identical scenarios give ``"(baseline)"``.
    """
    diffs = [f"{f.name}={_plain(getattr(scenario, f.name))}" for f in fields(Scenario)
             if f.name != "name" and getattr(scenario, f.name) != getattr(baseline, f.name)]
    return ", ".join(diffs) if diffs else "(baseline)"


#: Column words of tables that are not metrics (stage times, experiment rows).
_OTHER_COLUMNS = {
    "wait_hours": "Wait (hours)", "work_hours": "Work (hours)",
    "visits": "Visits per change", "scenario": "Scenario", "replication": "Replication",
    "seed": "Seed", "stage": "Stage",
}


def _field_title(name: Any) -> Any:
    info = field_info().get(name) if isinstance(name, str) else None
    if info is None:
        return _OTHER_COLUMNS.get(name, name)
    return f"{info['label']} ({info['unit']})" if info["unit"] else info["label"]


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for people: metric columns named with their units and rounded in a readable
    unit (:func:`devsim.registry.display_table`), Scenario fields (columns or index levels)
    by their labels, stage-time columns in words. Numbers stay numbers.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table of devsim results: a Results frame, a ``groupby(...).mean()`` of one,
        :func:`devsim.metrics.stage_times`.
    """
    out = display_table(frame)
    for col in out.columns:
        if not is_metric(col) and col in frame.columns and pd.api.types.is_float_dtype(out[col]):
            typical = out[col].abs().median()
            out[col] = out[col].round(1 if typical >= 10 else 2)
    out = out.rename(columns=lambda c: c if is_metric(c) else _field_title(c))
    if isinstance(out.index, pd.MultiIndex):
        out.index = out.index.set_names([_field_title(n) for n in out.index.names])
    else:
        out.index = out.index.rename(_field_title(out.index.name))
    return out


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _size_interval(low: float, high: float) -> tuple[float, float]:
    """The interval of a share's size (its absolute value) when its CI excludes 0."""
    return min(abs(low), abs(high)), max(abs(low), abs(high))


def explain_shares(shares: pd.DataFrame, metric_key: str | None = None) -> list[str]:
    """Sentences that read a table of :func:`devsim.decompose` aloud, claiming no more than
    its confidence intervals allow.

    Parameters
    ----------
    shares : pandas.DataFrame
        From :func:`devsim.attribution.decompose` (its ``attrs`` name ``a``, ``b`` and ``n``).
    metric_key : str, optional
        Which metric (default the first in ``shares``).

    Returns
    -------
    list of str
        Plain sentences, in this order: the whole difference ``b - a`` with its 95% CI; the
        groups whose share makes the metric better, those that make it worse (each share's
        CI excludes 0) and those with no clear effect (CI includes 0), one sentence each
        and left out when empty (for a metric with no better direction: lower and raise);
        then which group has the largest share of the change in the total's direction. A
        group is called largest only when its CI lies clear of every other such group's;
        otherwise the sentence names the groups whose CIs overlap it and says the runs
        cannot order them. A total whose CI includes 0, or runs too few for an interval,
        get a sentence saying so.

    See Also
    --------
    devsim.plots.waterfall : the same table as a figure.
    """
    need = {"metric", "group", "mean", "ci_low", "ci_high"}
    if not isinstance(shares, pd.DataFrame) or not need <= set(shares.columns):
        raise ValueError("shares: give the table devsim.decompose returns "
                         f"(columns {', '.join(sorted(need))})")
    keys = list(dict.fromkeys(shares["metric"]))
    key = keys[0] if metric_key is None and keys else metric_key
    if key not in keys:
        raise ValueError(f"metric_key: {key!r} is not in these shares; choose one of "
                         f"{', '.join(map(str, keys))}")
    m = metric(key)
    rows = shares[shares["metric"] == key]
    parts = rows[rows["group"] != "total"]
    total = rows[rows["group"] == "total"].iloc[0]
    a, b = shares.attrs.get("a", "a"), shares.attrs.get("b", "b")
    n = shares.attrs.get("n")
    runs = f"{n} paired runs" if n else "the paired runs"
    t_mean, t_low, t_high = (float(total[c]) for c in ("mean", "ci_low", "ci_high"))
    if not _finite(t_mean):
        return [f"{m.name}, {b} against {a}: no value (some runs had nothing to measure)."]
    out = [f"{m.name}, {b} against {a}: {format_difference(key, t_mean, t_low, t_high)} "
           f"(the mean of {runs} and its 95% CI)."]
    if not (_finite(t_low) and _finite(t_high)):
        out.append("With one run there are no confidence intervals, so no share is said to "
                   "be larger than another.")
        return out

    def clear(r) -> bool:
        lo, hi = float(r.ci_low), float(r.ci_high)
        return _finite(lo) and _finite(hi) and (lo > 0 or hi < 0)

    def shown(r) -> str:
        diff = format_difference(key, float(r.mean), float(r.ci_low), float(r.ci_high))
        return f"{r.group} ({diff})"

    # (plural verb, singular verb) for a share below 0 and above 0.
    if m.better == "lower":
        below, above = ("make it better", "makes it better"), ("make it worse", "makes it worse")
    elif m.better == "higher":
        below, above = ("make it worse", "makes it worse"), ("make it better", "makes it better")
    else:
        below, above = ("lower it", "lowers it"), ("raise it", "raises it")
    every = list(parts.itertuples(index=False))
    lower = [r for r in every if clear(r) and float(r.mean) < 0]
    higher = [r for r in every if clear(r) and float(r.mean) > 0]
    unclear = [r for r in every if not clear(r)]
    said = [(below, lower), (above, higher)]
    if m.better == "higher":
        said.reverse()
    for (verb, _), members in said:
        if members:
            out.append(f"Groups that {verb}: {_and([shown(r) for r in members])}.")
    if unclear:
        out.append("No clear effect (the 95% CI includes 0): "
                   f"{_and([shown(r) for r in unclear])}.")
    if t_low <= 0 <= t_high:
        out.append(f"The whole difference is not clear with {runs} (its 95% CI includes 0): "
                   "no share is said to be larger than another.")
        return out
    (verb, verb_one), same = (below, lower) if t_mean < 0 else (above, higher)
    if not same:
        out.append(f"No group on its own clearly {verb_one}: the difference comes from "
                   "groups whose shares are each unclear.")
        return out
    same = sorted(same, key=lambda r: -abs(float(r.mean)))
    top = same[0]
    if len(same) == 1:
        out.append(f"Only {top.group} clearly {verb_one}.")
        return out
    top_low = _size_interval(float(top.ci_low), float(top.ci_high))[0]
    close = [r.group for r in same[1:]
             if _size_interval(float(r.ci_low), float(r.ci_high))[1] >= top_low]
    if close:
        out.append(f"Of the groups that {verb}, {_and([top.group] + close)} have the largest "
                   f"shares; their 95% CIs overlap, so {runs} cannot say which is larger.")
    else:
        out.append(f"Of the groups that {verb}, {top.group} has the largest share: its 95% CI "
                   "lies clear of the others'.")
    return out
