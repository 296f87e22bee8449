"""The metric registry: every metric devsim reports, and how a person reads it.

One entry per metric (:data:`METRICS`): its key (the column name in results), display name,
short name, the unit of the stored value, which direction is better, and whether DORA
publishes clusters for it. Every table, tile, chart label, check message, leaderboard cell
and command-line line reads names and units here, and every number is turned into text by
the one formatter below (:func:`format_value`, :func:`format_cell`, :func:`value_parts`).
Adding a metric = its function in :mod:`devsim.metrics` + one entry here.

Units are chosen per value so that a number reads the way DORA states its bands: a rate
(deployment frequency, throughput) per day when it is at least daily, else per week, month
or year; a duration in minutes, hours, days or weeks; a share as a percentage. The model's
own units (hours, per day, shares 0-1) stay in the data; only the text changes.

This module imports nothing from devsim: every layer may read it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import pandas as pd

__all__ = ["Metric", "METRICS", "DORA_KEYS", "CLUSTERED_KEYS", "LABELS", "metric", "label",
           "register", "is_metric", "format_difference",
           "scale_for", "format_value", "format_cell", "value_parts", "unit_words",
           "column_title", "display_table", "summary_table"]

#: How a value's unit is chosen: ``rate`` (per day, scaled to week/month/year), ``hours``
#: (scaled to minutes/days/weeks), ``share`` (a fraction shown as %), ``money``, ``count``.
KINDS = ("rate", "hours", "share", "money", "count")


@dataclass(frozen=True)
class Metric:
    """What one metric is, for people.

    Attributes
    ----------
    key : str
        Column name in :func:`devsim.metrics.summarise` and in results.
    name : str
        Display name ("Lead time for changes (median)").
    short : str
        Column or tile name ("Lead time").
    unit : str
        Unit of the stored value, in words ("hours", "deploys/day", "share of deploys").
    better : str
        ``"higher"``, ``"lower"`` or ``""`` (neither: a description, not a goal).
    kind : str
        One of :data:`KINDS`; decides how a value is scaled into text.
    group : str
        ``"dora"``, ``"flow"`` or ``"utilisation"``.
    clustered : bool
        DORA publishes performance clusters for it (:mod:`devsim.dora`).
    noun : str
        What a rate counts ("deploys"), or what a share is of ("deploys").
    suffix : str
        For a count: the unit text appended to a number (" changes", "/week").
    axis : str
        What an axis of the value in its stored unit says ("hours from commit to
        production, median"); empty: the unit. Shares are drawn in %.
    """

    key: str
    name: str
    short: str
    unit: str
    better: str
    kind: str
    group: str
    clustered: bool = False
    noun: str = ""
    suffix: str = ""
    axis: str = ""
    definition: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: {self.kind!r} is not allowed; choose one of {', '.join(KINDS)}")
        if self.better not in ("higher", "lower", ""):
            raise ValueError(f"better: {self.better!r} is not allowed; give 'higher', 'lower' or ''")


def _m(key, name, short, unit, better, kind, group, **kw) -> Metric:
    return Metric(key, name, short, unit, better, kind, group, **kw)


#: Every metric of :func:`devsim.metrics.summarise` but the per-team utilisation, in the
#: order tables show them: DORA's five keys in DORA's order first.
METRICS: dict[str, Metric] = {m.key: m for m in (
    _m("deploy_frequency_per_day", "Deployment frequency", "Deploy frequency", "deploys/day",
       "higher", "rate", "dora", clustered=True, noun="deploys", axis="planned deployments per day",
       definition=(
           'How often planned changes reach production: planned deployments per day (a '
           'retried deployment counts once; hotfixes and fix-only deployments are counted '
           "beside it and by the rework rate). DORA's throughput key.")),
    _m("lead_time_hours", "Lead time for changes (median)", "Lead time", "hours", "lower",
       "hours", "dora", clustered=True, axis="hours from commit to production, median",
       definition=(
           'Time from commit (development first finished) to running in production, median '
           "over changes delivered. DORA's throughput key.")),
    _m("change_failure_rate", "Change failure rate", "Change failure", "share of deploys",
       "lower", "share", "dora", clustered=True, noun="deploys", axis="% of planned deployments that failed",
       definition=(
           'Share of planned deployments that needed immediate intervention: an attempt '
           'rolled back, or a change in it failing in production (fixed by rollback or '
           "hotfix). DORA's instability key.")),
    _m("time_to_restore_hours", "Time to restore service (median)", "Time to restore", "hours", "lower",
       "hours", "dora", clustered=True, axis="hours from an incident to restored service, median",
       definition=(
           'Time to restore service after a production incident, median over incidents (DORA'
           " 2019-2022; a failed deployment's own rollback is not a service incident).")),
    _m("recovery_time_hours", "Failed deployment recovery time (median)", "Recovery time",
       "hours", "lower", "hours", "dora", clustered=True,
       axis="hours from a failed deployment to recovery, median",
       definition=(
           "Failed deployment recovery time: from a deployment's failure (a failed attempt, "
           'or an incident a change in it caused) to recovery, median (DORA 2023 and later).')),
    _m("rework_rate", "Deployment rework rate", "Rework rate", "share of deploys", "lower",
       "share", "dora", noun="deploys", axis="% of deployments that were unplanned fixes",
       definition=(
           'Deployment rework rate: share of deployments that were unplanned, made to fix a '
           "user-facing problem (hotfixes and fix-only deployments). DORA's instability key "
           'since 2024.')),
    _m("failures_per_change", "Production failures per change", "Failures per change",
       "per change", "lower", "count", "dora", suffix=" per change",
       definition=(
           'Production failures (failed deployment attempts and incidents) per planned '
           'change delivered: the failure rate per change rather than per deployment.')),
    _m("unplanned_deploys_per_week", "Unplanned and retried deploys", "Other deploys",
       "per week", "lower", "count", "dora", suffix="/week",
       definition=(
           'Deploys that are not planned deployments (hotfixes, fix-only deployments, '
           'retries of a failed attempt), per week: shown beside the deployment frequency.')),
    _m("lead_time_p90_hours", "Lead time for changes (90th pct)", "Lead time p90", "hours",
       "lower", "hours", "dora"),
    _m("flow_lead_time_hours", "Flow lead time from backlog (median)", "Flow time", "hours",
       "lower", "hours", "flow"),
    _m("flow_lead_time_p90_hours", "Flow lead time from backlog (90th pct)", "Flow time p90",
       "hours", "lower", "hours", "flow"),
    _m("throughput_per_day", "Throughput", "Throughput", "changes/day", "higher", "rate", "flow",
       noun="changes"),
    _m("mean_wip", "Work in progress (mean)", "WIP", "changes", "", "count", "flow",
       suffix=" changes"),
    _m("mean_flow_time_hours", "Flow time (mean)", "Mean flow time", "hours", "lower", "hours",
       "flow"),
    _m("flow_efficiency", "Flow efficiency", "Flow efficiency", "share of lead time worked",
       "higher", "share", "flow", noun="lead time worked"),
    _m("unplanned_work_share", "Unplanned work", "Unplanned work", "share of effort", "lower",
       "share", "flow", noun="effort"),
    _m("rework_work_share", "Rework (defects found before release)", "Rework effort",
       "share of effort", "lower", "share", "flow", noun="effort"),
    _m("escaped_defect_rate", "Changes with escaped defects", "Escaped defects",
       "share of changes", "lower", "share", "flow", noun="changes"),
    _m("incidents_per_week", "Incidents", "Incidents", "per week", "lower", "count", "flow",
       suffix="/week"),
    _m("security_incidents_per_week", "Security incidents", "Security incidents", "per week",
       "lower", "count", "flow", suffix="/week"),
    _m("effort_person_hours_per_change", "Hands-on effort per change", "Effort per change",
       "person-hours", "lower", "count", "flow", suffix=" person-hours"),
    _m("people_hours_per_change", "Paid people-hours per change", "People-hours per change",
       "person-hours", "lower", "count", "flow", suffix=" person-hours"),
    _m("cost_per_change", "Cost per change", "Cost per change", "currency", "lower", "money",
       "flow"),
    _m("deploys_per_week", "Deployments", "Deploys", "per week", "", "count", "flow",
       suffix="/week"),
)}

#: DORA's five keys in DORA's order (throughput, then instability), with time to restore
#: service as the 2019-2022 reports define it; :func:`devsim.dora.five_keys` gives each
#: report year's five (failed deployment recovery time from 2023).
DORA_KEYS: tuple[str, ...] = ("deploy_frequency_per_day", "lead_time_hours",
                              "change_failure_rate", "time_to_restore_hours", "rework_rate")
#: The keys with published clusters (:mod:`devsim.dora` classifies these).
CLUSTERED_KEYS: tuple[str, ...] = tuple(k for k, m in METRICS.items() if m.clustered)

#: Display name and unit of every metric (``LABELS[key] == (name, unit)``), for code that
#: wants the two words only.
LABELS: dict[str, tuple[str, str]] = {k: (m.name, m.unit) for k, m in METRICS.items()}

_UTILISATION = "utilisation_"


def register(entry: Metric) -> None:
    """Add a metric to the registry (and to :data:`LABELS`), e.g. a team's own measure.

    Its value comes from a function in :mod:`devsim.metrics` decorated with
    :func:`devsim.metrics.summarised` under the same key.
    """
    if not isinstance(entry, Metric):
        raise TypeError(f"entry: expected a devsim.registry.Metric, got {type(entry).__name__}")
    METRICS[entry.key] = entry
    LABELS[entry.key] = (entry.name, entry.unit)


def metric(key: str) -> Metric:
    """The registry entry of ``key``; ``utilisation_<team>`` columns get one made on the fly.

    Raises
    ------
    KeyError
        For a key that is not a metric (the message lists the metrics).
    """
    if key in METRICS:
        return METRICS[key]
    if isinstance(key, str) and key.startswith(_UTILISATION) and len(key) > len(_UTILISATION):
        team = key[len(_UTILISATION):]
        return Metric(key, f"Utilisation of {team}", f"Utilisation {team}", "share of time",
                      "", "share", "utilisation", noun="time")
    raise KeyError(f"metric: {key!r} is not a devsim metric; choose one of {', '.join(METRICS)} "
                   "or utilisation_<team>")


def is_metric(key: Any) -> bool:
    """Whether ``key`` names a metric (a registry entry or a utilisation column)."""
    try:
        metric(key)
    except KeyError:
        return False
    return True


def label(key: str) -> str:
    """The display name of ``key`` (the key itself when it is not a metric)."""
    return metric(key).name if is_metric(key) else str(key)


# --- numbers as text -------------------------------------------------------------------------

_DAYS_PER_MONTH = 365.25 / 12
_DAYS_PER_YEAR = 365.25
_SUFFIX_WORDS = {"/day": "per day", "/week": "per week", "/month": "per month",
                 "/year": "per year", " h": "hours", " min": "minutes", " days": "days",
                 " weeks": "weeks", "%": "%"}


def _finite(x: Any) -> bool:
    try:
        return x is not None and not isinstance(x, bool) and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def scale_for(key: str, value: float) -> tuple[float, str]:
    """The display factor and unit suffix for ``value`` of metric ``key``.

    Returns
    -------
    (factor, suffix)
        Multiply a value by ``factor`` and append ``suffix`` (which carries its own leading
        space where one is needed), e.g. ``(7.0, "/week")``, ``(1/24, " days")``, ``(100, "%")``.
        NaN gives the metric's base unit.
    """
    m = metric(key)
    # Decided on the value as it will read (3 significant digits), so 47.999 hours reads
    # "2.00 days", not "48.0 h".
    v = float(f"{abs(float(value)):.3g}") if _finite(value) else math.nan
    if m.kind == "rate":
        if not v < 1.0:          # NaN, or daily or more
            return 1.0, "/day"
        if v >= 1 / 7:
            return 7.0, "/week"
        if v >= 1 / _DAYS_PER_MONTH:
            return _DAYS_PER_MONTH, "/month"
        return _DAYS_PER_YEAR, "/year"
    if m.kind == "hours":
        if v < 1.0:
            return 60.0, " min"
        if not v >= 48.0:        # NaN falls here: hours is the model's unit
            return 1.0, " h"
        if v < 24 * 70:
            return 1 / 24, " days"
        return 1 / (24 * 7), " weeks"
    if m.kind == "share":
        return 100.0, "%"
    return 1.0, m.suffix


def _decimals(x: float, kind: str) -> int:
    if kind == "share":
        return 0 if x == 0 or round(abs(x), 1) >= 10 else 1
    a = float(f"{abs(x):.3g}")
    if kind == "money" or a >= 100 or a == 0:
        return 0
    return 1 if a >= 10 else 2


def _number(x: float, decimals: int) -> str:
    return f"{x:,.{decimals}f}"


def format_value(key: str, value: float, *, scale: tuple[float, str] | None = None,
                 unit: bool = True) -> str:
    """One value as text in a readable unit: ``"2.21/day"``, ``"29.2 days"``, ``"44%"``.

    Parameters
    ----------
    key : str
        Metric key (decides the unit, see :func:`scale_for`).
    value : float
        In the metric's own unit (hours, per day, a share 0-1). NaN gives ``"n/a"``.
    scale : (factor, suffix), optional
        Force a unit (a table column shares one); default chosen from ``value``.
    unit : bool
        Append the unit suffix.
    """
    return format_cell(key, value, scale=scale, unit=unit)


def format_cell(key: str, mean: float, low: float = math.nan, high: float = math.nan, *,
                scale: tuple[float, str] | None = None, unit: bool = True) -> str:
    """A mean and its 95% CI as text, e.g. ``"2.21/day [2.10, 2.31]"``.

    NaN bounds (one replication) leave the interval out; a NaN mean gives ``"n/a"``.
    """
    if not _finite(mean):
        return "n/a"
    m = metric(key)
    factor, suffix = scale if scale is not None else scale_for(key, mean)
    x = float(mean) * factor
    d = _decimals(x, m.kind)
    text = _number(x, d) + (suffix if unit else "")
    if _finite(low) and _finite(high):
        text += f" [{_number(float(low) * factor, d)}, {_number(float(high) * factor, d)}]"
    return text


def format_difference(key: str, mean: float, low: float = math.nan, high: float = math.nan,
                      ) -> str:
    """A difference (b - a) and its 95% CI as text with a sign, e.g. ``"-23 pts [-43, -3]"``
    for shares (percentage points, never a relative %), ``"+8.0 min [+4.0, +12]"`` otherwise."""
    if not _finite(mean):
        return "n/a"
    m = metric(key)
    ref = max((abs(float(x)) for x in (mean, low, high) if _finite(x)), default=abs(float(mean)))
    factor, suffix = scale_for(key, ref if ref > 0 else math.nan)
    if m.kind == "share":
        suffix = " pts"
    d = _decimals(abs(float(mean)) * factor, m.kind)

    def signed(x: float) -> str:
        return ("+" if x > 0 else "") + _number(x * factor, d)

    text = signed(float(mean)) + suffix
    if _finite(low) and _finite(high):
        text += f" [{signed(float(low))}, {signed(float(high))}]"
    return text


def unit_words(key: str, value: float = math.nan,
               scale: tuple[float, str] | None = None) -> str:
    """The unit of a value as a tile or a column header says it: ``"deploys/week"``,
    ``"hours"``, ``"of deploys"``, ``"changes"``."""
    m = metric(key)
    suffix = (scale or scale_for(key, value))[1]
    if m.kind == "rate":
        return f"{m.noun}{suffix}" if m.noun else _SUFFIX_WORDS[suffix]
    if m.kind == "hours":
        return _SUFFIX_WORDS[suffix]
    if m.kind == "share":
        return f"of {m.noun}" if m.noun else "%"
    return m.unit


def value_parts(key: str, value: float) -> tuple[str, str]:
    """A value as (number, unit) for a tile: ``("2.21", "deploys/day")``, ``("29.2", "days")``,
    ``("39%", "of deploys")`` (a share keeps its ``%`` with the number)."""
    if not _finite(value):
        return "n/a", unit_words(key, value)
    scale = scale_for(key, value)
    number = format_cell(key, value, scale=scale, unit=False)
    if metric(key).kind == "share":
        number += "%"
    return number, unit_words(key, value, scale)


def column_title(key: str, scale: tuple[float, str] | None = None, *, short: bool = True) -> str:
    """A column header with its unit, e.g. ``"Lead time (hours)"``, ``"Change failure (%)"``."""
    if not is_metric(key):
        return str(key)
    m = metric(key)
    name = m.short if short else m.name
    scale = scale or scale_for(key, math.nan)
    if m.kind == "share":
        unit = "%"
    elif m.kind in ("rate", "hours"):
        unit = unit_words(key, scale=scale)
    else:
        unit = m.unit
    if not unit or unit in name:   # "Failures per change" needs no "(per change)"
        return name
    if name.endswith(")"):   # "Lead time for changes (median)" -> "(median, days)"
        return f"{name[:-1]}, {unit})"
    return f"{name} ({unit})"


def _column_scale(key: str, values: Iterable[float]) -> tuple[float, str]:
    finite = sorted(float(v) for v in values if _finite(v))
    return scale_for(key, finite[len(finite) // 2] if finite else math.nan)


def display_table(frame: pd.DataFrame, *, short: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` for people: metric columns renamed to their names with units and
    rounded in one unit per column (shares in %); other columns kept as they are.

    Numbers stay numbers (a notebook can still sort the table); a column's unit is chosen
    from its median, so a trend down the column reads directly.
    """
    out = {}
    for col in frame.columns:
        if not is_metric(col) or not pd.api.types.is_numeric_dtype(frame[col]):
            out[col] = frame[col]
            continue
        m = metric(col)
        scale = _column_scale(col, frame[col])
        values = frame[col].astype(float) * scale[0]
        finite = values[values.notna()].abs()
        d = _decimals(float(finite.median()) if len(finite) else 0.0, m.kind)
        out[column_title(col, scale, short=short)] = values.round(d)
    return pd.DataFrame(out, index=frame.index)


def summary_table(summary: pd.DataFrame, *, by: str = "scenario") -> pd.DataFrame:
    """A :meth:`Results.summary` table (one row per group and metric) as one row per group and
    one column per metric, each cell ``"mean [95% CI]"`` in a readable unit."""
    rows: dict[Any, dict[str, str]] = {}
    titles = {}
    for key, grp in summary.groupby("metric", sort=False):
        scale = _column_scale(key, grp["mean"])
        titles[key] = column_title(key, scale)
        for r in grp.itertuples(index=False):
            rows.setdefault(getattr(r, by), {})[titles[key]] = format_cell(
                key, r.mean, r.ci_low, r.ci_high, scale=scale, unit=False)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = by
    return table
