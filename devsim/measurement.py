"""Measuring a real team: DORA's keys from its records, with uncertainty, clusters and trend.

:func:`measure` reads a team's deploy, change and incident records
(:func:`devsim.records.read_records`: Four Keys' tables, a CSV of deployed commits, or a
git repository), computes the keys with the same functions as a simulated run
(:func:`devsim.metrics.dora_metrics` on the records' event log), and adds:

* **95% bootstrap confidence intervals over the period**: the period is cut into weeks
  (7 days from its start, the last one possibly shorter); each resample draws as many weeks
  with replacement and recomputes every key from the drawn weeks' deploys, changes and
  incidents (a rate over the drawn days, a share over the drawn deploys, a median over the
  drawn changes or incidents). Weeks rather than single deploys, so that a bad week's
  failures stay together. 1,000 resamples with seed 1 by default; the interval is the
  2.5th to 97.5th percentile of the resampled values. Resampled medians are read from a
  1,024-bin histogram on a log scale (within about 1.5% of the exact median);
* **DORA clusters** of each value by report year (:func:`devsim.dora.classify`), with their
  spread: the share of resamples whose value lands in the same cluster
  (:func:`devsim.dora.place` over the resamples) and the clusters the CI reaches;
* **a month-by-month trend** (:attr:`Measurement.monthly`, calendar months in UTC, each
  computed by :func:`~devsim.metrics.dora_metrics` over that month's window), drawn by
  :func:`devsim.plots.team_trend`;
* **the rules**, each with its count (:meth:`Measurement.rules`): change failure rate as
  distinct failed deploys over distinct deploys, DevLake's rule for incidents without change
  ids, Four Keys' rule for lead times of zero or less, duplicates collapsed, every skipped
  row by file and reason.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import dora
from .log import EventLog
from .metrics import deployments, dora_metrics
from .records import NAIVE_TIME, Records, read_records
from .registry import format_cell, metric

__all__ = ["measure", "Measurement", "DEFAULT_RESAMPLES", "DEFAULT_SEED", "RESAMPLING"]

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 1
#: How the bootstrap resamples, in words (every report states it).
RESAMPLING = "weeks, drawn with replacement"
_BINS = 1024
_WEEK_HOURS = 168.0
#: Fewer weeks than this give no confidence interval (a resample of 1-3 weeks says little).
MIN_WEEKS = 4
_KINDS = {"fourkeys": "Four Keys tables", "commits": "one row per deployed commit",
          "git tags": "git repository, release tags as deploys",
          "git commits": "git repository, each commit on the main branch as a deploy"}


def _rows(year: int) -> tuple[str, ...]:
    return ("deploy_frequency_per_day", "lead_time_hours", "lead_time_p90_hours",
            "change_failure_rate", "time_to_restore_hours", "recovery_time_hours",
            "rework_rate")


@dataclass
class Measurement:
    """DORA's keys of a team's records, their bootstrap CIs, clusters and monthly trend.

    Attributes
    ----------
    records : Records
        What was read (the event log, problems, notes of the rules).
    year : int
        DORA report year whose clusters classify the values.
    values : dict
        :func:`devsim.metrics.dora_metrics` of the whole period.
    ci : dict
        ``key -> (low, high)``: 95% bootstrap interval (NaN when it cannot be computed).
    resampled : pandas.DataFrame
        One row per resample, one column per key.
    monthly : pandas.DataFrame
        One row per calendar month (UTC): ``month`` (its first day), ``days`` in the period,
        ``deploys`` (planned), the keys.
    resamples, seed, weeks : int
        The bootstrap: how many resamples, the seed, the weeks resampled.
    counts : dict
        Deploys, failed deploys, changes with a lead time, incidents: the numbers behind
        the keys.
    """

    records: Records
    year: int
    values: dict
    ci: dict
    resampled: pd.DataFrame
    monthly: pd.DataFrame
    resamples: int
    seed: int
    weeks: int
    counts: dict = field(default_factory=dict)

    @property
    def log(self) -> EventLog:
        return self.records.log

    def classes(self) -> dict:
        """The cluster of each of the year's four keys (:func:`devsim.dora.classify_all`)."""
        return dora.classify_all(self.values, self.year)

    def overall(self) -> str | None:
        """The weakest key's cluster (DORA's overall rule)."""
        return dora.overall_cluster(self.classes(), self.year)

    def spread(self, key: str) -> str:
        """How sure a key's cluster is: share of resamples in it and clusters the CI reaches."""
        c = dora.classify(key, self.values[key], self.year)
        if c.cluster is None:
            return ""
        boot = self.resampled[key].dropna() if key in self.resampled else pd.Series(dtype=float)
        if not len(boot):
            return ""
        placed = dora.place(key, boot, self.year)
        share = placed.counts.get(c.cluster, 0) / placed.n
        lo, hi = self.ci[key]
        ends = {dora.classify(key, x, self.year).cluster for x in (lo, hi) if _finite(x)}
        order = dora.bands(self.year)["clusters"]
        other = [k.capitalize() for k in order if k in ends and k != c.cluster]
        text = f"{share:.0%}"
        if other:
            text += f", CI reaches {'/'.join(other)}"
        return text

    def rules(self) -> list[str]:
        """The rules applied to these records, each with its count, as sentences."""
        r, n = self.records, self.counts
        lines = [
            f"Change failure rate = distinct failed deploys / distinct planned deploys: "
            f"{n['failed']:,} of {n['planned']:,} (deploys with result failure: "
            f"{n['failed_result']:,}; linked to an incident: {n['caused_incident']:,}). "
            "Every deploy id is one deployment, however many changes it lists.",
            f"Lead time: from a change's time ({r.change_time}) to the first successful deploy "
            f"that carries it; {n['changes']:,} changes in the period. A change with a lead time "
            "of zero or less is skipped (Four Keys' rule).",
            "Incidents: one listing change ids is linked to the latest successful deploy before "
            "it that carried one of them; one with no change ids to the latest successful "
            "production deploy before it (DevLake's rule). A linked deploy counts as failed.",
            f"Times without an offset are read as {NAIVE_TIME}; days and months are {NAIVE_TIME}.",
        ]
        lines += [f"{text}: {count:,}" if count else text
                  for text, count in r.notes.items()]
        return lines

    def table(self, width: int = 100) -> str:
        """The report as plain text (ASCII): the keys, their CIs, clusters and spread, how to
        read it, the rules with their counts, and every skipped row counted by reason."""
        r, year = self.records, self.year
        classified = dora.keys(year)
        start, end = r.start, r.end
        days = (end - start) / pd.Timedelta(days=1)
        n = self.counts
        head = [
            f"devsim measure: {r.source} ({_KINDS.get(r.kind, r.kind)})",
            f"Period: {start:%Y-%m-%d} to {(end - pd.Timedelta(seconds=1)):%Y-%m-%d} UTC "
            f"({days:,.0f} days, {self.weeks} week{'s' if self.weeks != 1 else ''})",
            f"Counted: {n['deploys']:,} deploys ({n['planned']:,} planned, "
            f"{n['deploys'] - n['planned']:,} unplanned), {n['changes']:,} changes with a lead "
            f"time, {n['incidents']:,} incidents",
            "",
        ]
        rows = [("DORA key", "value [95% CI]", f"DORA {year} cluster (its band)",
                 "resamples in it")]
        for key in _rows(year):
            m = metric(key)
            lo, hi = self.ci.get(key, (math.nan, math.nan))
            cell = format_cell(key, self.values[key], lo, hi)
            if key in classified:
                c = dora.classify(key, self.values[key], year)
                band = f"{c.label} ({c.band})" if c.cluster else "n/a (no data)"
                rows.append((m.name, cell, band, self.spread(key)))
            elif m.clustered:
                other = [y for y in dora.REPORT_YEARS if key in dora.keys(y)]
                rows.append((m.name, cell, f"- (classified in {other[0]}-{other[-1]})", ""))
            elif key == "rework_rate":
                rows.append((m.name, cell, "- (no published clusters)", ""))
            else:
                rows.append((m.name, cell, "-", ""))
        overall = self.overall()
        rows.append(("Overall (the weakest key with data)", "", overall.capitalize() if overall else "n/a",
                     ""))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        body = []
        for i, row in enumerate(rows):
            body.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            if i == 0:
                body.append("-" * min(width, sum(widths) + 6))
        src = dora.source(year)
        if dora.bands(year).get("second_hand") and "second-hand" not in src:
            src += " (second-hand)"
        if not self.resamples:
            ci_text = "No bootstrap (resamples 0): no CI."
        elif self.weeks < MIN_WEEKS:
            ci_text = (f"No CI: the period has {self.weeks} week{'s' if self.weeks != 1 else ''}; "
                       f"a bootstrap over weeks needs at least {MIN_WEEKS}.")
        else:
            ci_text = (f"95% CI = bootstrap over the period: {self.resamples:,} resamples of its "
                       f"{self.weeks} {RESAMPLING} (seed {self.seed}); 2.5th to 97.5th "
                       "percentile.")
        notes = [
            "How to read it: value = over the whole period, by devsim's metric functions (the "
            "same as for a simulated run). " + ci_text + " Cluster = of the value; resamples "
            "in it = the share of resamples whose value lands in the same cluster.",
            f"Clusters: DORA {year} bands, from {src}. Rule: {dora.RULE}",
        ]
        gaps = [dora.gap_note(k, self.values[k], year) for k in classified]
        notes += [f"{metric(k).name}: {g}." for k, g in zip(classified, gaps) if g]
        out = head + body + [""]
        for t in notes:
            out += textwrap.wrap(t, width=width, subsequent_indent="  ")
        out += ["", "Rules applied to these records:"]
        for t in self.rules():
            out += textwrap.wrap(t, width=width, initial_indent="- ", subsequent_indent="  ")
        skipped = r.skipped()
        total = int(skipped["rows"].sum()) if len(skipped) else 0
        out += ["", f"Skipped rows and references: {total:,}" + (" (nothing skipped)" if not total
                                                                 else ", by file and reason:")]
        for row in skipped.itertuples(index=False):
            out.append(f"- {row.file}: {row.reason}: {row.rows:,}")
        if total:
            out += textwrap.wrap("Each one is named on its own line (file, line, problem): "
                                 "devsim measure prints them first (--problems all for every "
                                 "one); Measurement.records.problem_lines() in Python.",
                                 width=width)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating)) and math.isfinite(x)


# --- the bootstrap ------------------------------------------------------------------------------

def _week_counts(n: int, weeks: int, rng: np.random.Generator) -> np.ndarray:
    """How often each week is drawn in each of ``n`` resamples (n x weeks)."""
    draws = rng.integers(0, weeks, size=(n, weeks))
    flat = (draws + np.arange(n)[:, None] * weeks).ravel()
    return np.bincount(flat, minlength=n * weeks).reshape(n, weeks).astype(float)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _quantiles(counts: np.ndarray, values: np.ndarray, week: np.ndarray, qs) -> list[np.ndarray]:
    """Percentiles ``qs`` of the values of the drawn weeks, per resample (histogram method)."""
    n, weeks = counts.shape
    if not len(values):
        return [np.full(n, np.nan) for _ in qs]
    x = np.log1p(np.maximum(values, 0.0) * 60.0)    # minutes, on a log scale
    top = float(x.max())
    if top <= 0:
        hit = counts @ np.bincount(week, minlength=weeks) > 0
        return [np.where(hit, 0.0, np.nan) for _ in qs]
    b = np.minimum((x / top * _BINS).astype(np.int64), _BINS - 1)
    hist = np.bincount(week * _BINS + b, minlength=weeks * _BINS).reshape(weeks, _BINS)
    per = counts @ hist                                        # n x bins
    cum = np.cumsum(per, axis=1)
    total = cum[:, -1]
    out = []
    rows = np.arange(n)
    for q in qs:
        target = q / 100.0 * total
        idx = np.minimum((cum < target[:, None]).sum(axis=1), _BINS - 1)
        below = cum[rows, idx] - per[rows, idx]
        frac = _ratio(target - below, per[rows, idx])
        pos = (idx + np.clip(np.nan_to_num(frac), 0, 1)) / _BINS * top
        out.append(np.where(total > 0, np.expm1(pos) / 60.0, np.nan))
    return out


def _bootstrap(log: EventLog, n: int, seed: int) -> tuple[pd.DataFrame, int]:
    a, b = log.start_hours, log.end_hours
    weeks = max(1, int(math.ceil((b - a) / _WEEK_HOURS - 1e-9)))
    week_days = np.minimum(7.0, (b - a) / 24.0 - 7.0 * np.arange(weeks))

    def week_of(t: np.ndarray) -> np.ndarray:
        return np.clip(((t - a) // _WEEK_HOURS).astype(np.int64), 0, weeks - 1)

    def count(mask: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.bincount(w[mask], minlength=weeks).astype(float)

    if n <= 0 or weeks < MIN_WEEKS:
        return pd.DataFrame(columns=list(_rows(2019)), dtype=float), weeks
    rng = np.random.default_rng(seed)
    C = _week_counts(n, weeks, rng)

    dep = deployments(log)
    t = dep["time"].to_numpy(dtype=float)
    inside = (t >= a) & (t < b)
    w = week_of(np.where(inside, t, a))
    planned = inside & ~dep["rework"].to_numpy(dtype=bool)
    failed = planned & dep["failed"].to_numpy(dtype=bool)
    out = {
        "deploy_frequency_per_day": _ratio(C @ count(planned, w), C @ week_days),
        "change_failure_rate": _ratio(C @ count(failed, w), C @ count(planned, w)),
        "rework_rate": _ratio(C @ count(inside & dep["rework"].to_numpy(dtype=bool), w),
                              C @ count(inside, w)),
    }
    items = log.items
    deployed = items["deployed"].to_numpy(dtype=float)
    done = (deployed >= a) & (deployed < b)
    lead = deployed[done] - items["committed"].to_numpy(dtype=float)[done]
    out["lead_time_hours"], out["lead_time_p90_hours"] = _quantiles(
        C, lead, week_of(deployed[done]), (50, 90))
    inc = log.incidents
    start = inc["start"].to_numpy(dtype=float)
    duration = inc["restored"].to_numpy(dtype=float) - start
    ok = (start >= a) & (start < b) & np.isfinite(duration)
    service = ok & (inc["cause"].to_numpy() != "failed_deploy")
    from_deploy = ok & inc["deploy_id"].notna().to_numpy()
    out["time_to_restore_hours"] = _quantiles(C, duration[service], week_of(start[service]), (50,))[0]
    out["recovery_time_hours"] = _quantiles(C, duration[from_deploy],
                                            week_of(start[from_deploy]), (50,))[0]
    return pd.DataFrame(out)[list(_rows(2019))], weeks


def _ci(values: pd.Series, n: int) -> tuple[float, float]:
    v = values.dropna().to_numpy(dtype=float)
    # A key missing from over 5% of resamples (weeks with nothing to measure) gets no CI.
    if n <= 0 or len(v) < max(2, 0.95 * n):
        return math.nan, math.nan
    lo, hi = np.percentile(v, [2.5, 97.5])
    return float(lo), float(hi)


# --- month by month ----------------------------------------------------------------------------

def _monthly(records: Records) -> pd.DataFrame:
    log = records.log
    start, end = records.start, records.end
    first = start.normalize().replace(day=1)
    edges = list(pd.date_range(first, end, freq="MS"))
    if not edges or edges[0] != first:
        edges.insert(0, first)
    if edges[-1] < end:
        edges.append(end)
    items, deps, incs = log.items, log.deploys, log.incidents
    deployed = items["deployed"].to_numpy(dtype=float)
    dtime = deps["time"].to_numpy(dtype=float)
    rows = []
    hour = pd.Timedelta(hours=1)
    for lo_ts, hi_ts in zip(edges[:-1], edges[1:]):
        lo = max((lo_ts - records.origin) / hour, log.start_hours)
        hi = min((hi_ts - records.origin) / hour, log.end_hours)
        if hi <= lo:
            continue
        # Each month is its own window over the same tables; only its own deploys and
        # changes are passed (the metric functions filter by window too), every incident
        # is kept so a deploy of this month is failed by an incident of the next.
        sub = EventLog.from_frames(
            items=items[(deployed >= lo) & (deployed < hi)],
            deploys=deps[(dtime >= lo) & (dtime < hi)], incidents=incs,
            start_hours=lo, end_hours=hi)
        values = dora_metrics(sub)
        rows.append({"month": lo_ts, "days": (hi - lo) / 24.0,
                     "deploys": int(round(values["deploy_frequency_per_day"] * (hi - lo) / 24.0)),
                     **values})
    return pd.DataFrame(rows)


# --- the entry point -------------------------------------------------------------------------

def measure(path, *, year: int = 2019, resamples: int = DEFAULT_RESAMPLES,
            seed: int = DEFAULT_SEED, deploys: str | None = None, branch: str = "HEAD",
            incidents=None, environment: str = "production", since=None,
            until=None) -> Measurement:
    """DORA's keys of a real team's records, with bootstrap CIs, clusters and a monthly trend.

    Parameters
    ----------
    path : str, Path or Records
        Four Keys' tables (a folder with ``deployments.csv``, ``changes.csv``, optional
        ``incidents.csv``), a CSV of deployed commits (``deploy_id, deploy_time,
        commit_sha, commit_time``), a git repository, or records already read
        (:func:`devsim.records.read_records`, whose other options it takes).
    year : int
        DORA report year whose clusters classify the keys (:data:`devsim.dora.REPORT_YEARS`).
    resamples : int
        Bootstrap resamples of the period's weeks (0: no CI).
    seed : int
        Seed of the bootstrap.
    deploys : {"tags", "commits"}, optional
        For a git repository: release tags (default) or each commit on ``branch``.
    branch, incidents, environment, since, until
        See :func:`devsim.records.read_records`.

    Returns
    -------
    Measurement
        ``print(m)`` shows the report; :func:`devsim.plots.team_trend` draws the trend.

    Raises
    ------
    devsim.records.RecordsError
        A file or repository that cannot be read (a ``ValueError``; one line naming it).

    Examples
    --------
    >>> m = devsim.measure("records/", year=2023)          # doctest: +SKIP
    >>> print(m)                                           # doctest: +SKIP
    """
    dora.bands(year)   # an unknown year fails first, naming the allowed ones
    if isinstance(resamples, bool) or not isinstance(resamples, (int, np.integer)) \
            or not 0 <= resamples <= 100_000:
        raise ValueError(f"resamples: {resamples!r} is not allowed; give a whole number from 0 "
                         "to 100000")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: {seed!r} is not allowed; give a whole number >= 0")
    if isinstance(path, Records):
        records = path
    else:
        records = read_records(path, deploys=deploys, branch=branch, incidents=incidents,
                               environment=environment, since=since, until=until)
    log = records.log
    values = dora_metrics(log)
    resampled, weeks = _bootstrap(log, int(resamples), int(seed))
    ci = {k: _ci(resampled[k], int(resamples)) if k in resampled else (math.nan, math.nan)
          for k in _rows(year)}
    dep = deployments(log)
    inside = (dep["time"] >= log.start_hours) & (dep["time"] < log.end_hours)
    dep = dep[inside]
    planned = dep[~dep["rework"]]
    items = log.items
    done = (items["deployed"] >= log.start_hours) & (items["deployed"] < log.end_hours)
    inc = log.incidents
    counts = {
        "deploys": int(len(dep)), "planned": int(len(planned)),
        "failed": int(planned["failed"].sum()),
        "failed_result": int(planned["failed_attempt"].sum()),
        "caused_incident": int(planned["caused_incident"].sum()),
        "changes": int(done.sum()),
        "incidents": int(((inc["start"] >= log.start_hours) & (inc["start"] < log.end_hours)).sum()),
    }
    return Measurement(records=records, year=int(year), values=values, ci=ci,
                       resampled=resampled, monthly=_monthly(records), resamples=int(resamples),
                       seed=int(seed), weeks=weeks, counts=counts)
