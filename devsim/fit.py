"""Fitting the model to a real team: a Scenario whose simulated DORA keys match the team's.

:func:`fit` reads a team's records (or takes a :class:`~devsim.measurement.Measurement`),
and builds a :class:`~devsim.scenario.Scenario` in three steps, each stated in the report:

1. **Closed-form moment matching** from the records, over the period measured:

   * ``arrival_rate_per_day``: changes committed per day, less the fixes the model itself
     adds after an automated rollback (service incidents per day x the base's deployment
     automation);
   * ``release_interval_days``: 0 (each change deploys on its own) when planned deploys
     carry 1.5 changes or fewer on average, else the median interval between planned
     deploys, rounded to whole days (at least 1); where the intervals grow (most
     consecutive intervals differ by 2 days or more), the shortest interval;
   * ``release_slowdown_days`` (a base whose ops run the train): the median change between
     consecutive intervals when they grow, else 0;
   * deploy failure: the share of deploy attempts whose ``result`` is a failure is the
     model's per-attempt failure probability ``manual x (1 - a) + automated x a``; it is
     mapped to ``manual_deploy_failure`` and ``automated_deploy_failure`` at the base's
     deployment automation ``a``, keeping the base's ratio of the two;
   * ``change_size_person_hours``: the records hold no effort, so it is *assumed*: scaled so
     that the work arriving (rate x size) equals the base's, i.e. the same team under the
     same load cuts the work into the observed number of changes;
   * ``horizon_days``: the period's length plus the base's warm-up.

2. **The structure** (organisation, approval, automation, team sizes, and every other field
   the data cannot inform) is that of the closest preset: each preset, with the step-1
   values, is simulated on common random numbers and the one whose median lead time is
   nearest the team's (on a log scale; then time to restore) is the base. The siloed
   presets with a CAB are also tried with peer review instead. ``base=`` picks one instead.

3. **A small coordinate search on common random numbers** (``n`` replications, default 3,
   seed ``seed``), two passes over three one-dimensional searches (bracketing, then
   interpolation; at most 8 evaluations each), each a monotone knob for one key:

   * lead time (median): ``handoff_delay_hours`` (0 to 200 h) in a siloed base or without
     review, else ``review_person_hours`` (0 to 40);
   * production failures per delivered change, hence the change failure rate:
     ``defect_rate_per_hour`` (0 to 0.5);
   * time to restore (median): ``monitoring`` (0 to 1), and past its ends
     ``detect_hours_by_users``.

   A key with no data (no incident: no time to restore) leaves its knob at the base's value,
   listed as an assumption. A search stops within 5% of the target or at its bound (the
   report then says the key could not be matched).

The fit report (:meth:`Fit.report`) shows each key observed (with its bootstrap CI) against
simulated (mean and 95% CI over ``check_n`` replications), the fitted fields with their
method, and every assumed field with its value. :meth:`Fit.save` writes the scenario as a
normal YAML file (:func:`devsim.scenario.save_scenario`), which the sandbox and the
leaderboard load like any other.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .experiment import DEFAULT_SEED, run_logs
from .log import EventLog
from .measurement import Measurement, measure
from .metrics import deployments, dora_metrics
from .records import Records, write_fourkeys
from .registry import format_cell, metric
from .scenario import Scenario, presets, resolve_scenario, save_scenario
from .stats import mean_ci

__all__ = ["fit", "Fit", "export_fourkeys", "MIN_DEPLOYS", "KEYS", "FitError"]

#: Fewer planned deploys than this in the period: too few to fit.
MIN_DEPLOYS = 10
#: The keys the report compares.
KEYS = ("deploy_frequency_per_day", "lead_time_hours", "change_failure_rate",
        "time_to_restore_hours", "rework_rate")
_RTOL = 0.05
_STEPS = 8


class FitError(ValueError):
    """Records that cannot be fitted (too few deploys); the message says what is missing."""


@dataclass
class Fit:
    """A fitted scenario, the data it was fitted to, and how.

    Attributes
    ----------
    scenario : Scenario
        The fitted organisation (save it with :meth:`save`).
    measurement : Measurement
        The team's keys, with their bootstrap CIs.
    base : str
        The preset (or scenario name) whose structure was kept.
    fitted : pandas.DataFrame
        One row per fitted field: ``field, value, base_value, method``.
    assumptions : pandas.DataFrame
        One row per field the data cannot inform: ``field, value`` (the base's).
    comparison : pandas.DataFrame
        One row per key: ``key, observed, observed_low, observed_high, simulated,
        simulated_low, simulated_high``.
    n, seed, check_n : int
        Replications of the search, its seed, replications of the comparison.
    """

    scenario: Scenario
    measurement: Measurement
    base: str
    fitted: pd.DataFrame
    assumptions: pd.DataFrame
    comparison: pd.DataFrame
    n: int
    seed: int
    check_n: int
    notes: list = field(default_factory=list)

    def report(self, width: int = 100) -> str:
        """The fit report as plain text: keys observed against simulated, fitted fields with
        their method, assumed fields."""
        m = self.measurement
        r = m.records
        out = [f"devsim fit: {r.source} -> scenario {self.scenario.name!r} (structure of "
               f"{self.base!r})", ""]
        rows = [("DORA key", "observed [95% CI]", f"simulated [95% CI, {self.check_n} runs]")]
        for row in self.comparison.itertuples(index=False):
            rows.append((metric(row.key).name,
                         format_cell(row.key, row.observed, row.observed_low, row.observed_high),
                         format_cell(row.key, row.simulated, row.simulated_low,
                                     row.simulated_high)))
        out += _columns(rows)
        out += ["", "Fitted from the records:"]
        for row in self.fitted.itertuples(index=False):
            out += textwrap.wrap(f"{row.field} = {_num(row.value)} (base {_num(row.base_value)}): "
                                 f"{row.method}", width=width, initial_indent="- ",
                                 subsequent_indent="  ")
        out += ["", f"Assumed (the data cannot inform them; {self.base}'s values):"]
        out += textwrap.wrap(", ".join(f"{a.field}={_num(a.value)}"
                                       for a in self.assumptions.itertuples(index=False)),
                             width=width, initial_indent="  ", subsequent_indent="  ")
        for t in self.notes:
            out += [""] + textwrap.wrap(t, width=width)
        out += [""] + textwrap.wrap(
            f"Search: {self.n} replications on common random numbers (seed {self.seed}); "
            f"observed CIs: bootstrap over the period's weeks; simulated CIs: "
            f"{self.check_n} replications.", width=width)
        return "\n".join(out)

    def __str__(self) -> str:
        return self.report()

    def save(self, path, *, overwrite: bool = False) -> Path:
        """Write the fitted scenario as YAML (never over a file without ``overwrite``)."""
        return save_scenario(self.scenario, path, overwrite=overwrite)


def _num(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}"
    return str(v)


def _columns(rows) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for i, r in enumerate(rows):
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            out.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    return out


# --- what the records say ---------------------------------------------------------------------

@dataclass
class _Observed:
    days: float
    arrival: float          # changes committed per day
    per_deploy: float       # changes per planned deploy
    interval_days: float    # median interval between planned deploys
    gaps_days: tuple        # every interval between planned deploys, in order
    attempts: int
    failed_attempts: int
    incidents_per_day: float
    failures_per_change: float
    n_planned: int
    n_incidents: int
    values: dict


def _observe(m: Measurement) -> _Observed:
    log = m.log
    a, b = log.start_hours, log.end_hours
    days = (b - a) / 24.0
    dep = deployments(log)
    dep = dep[(dep["time"] >= a) & (dep["time"] < b)]
    planned = dep[~dep["rework"].astype(bool)]
    if len(planned) < MIN_DEPLOYS:
        raise FitError(f"{m.records.source}: too few deploys to fit: {len(planned)} planned "
                       f"deploy{'s' if len(planned) != 1 else ''} in the period; fit needs at "
                       f"least {MIN_DEPLOYS} (a longer period, or more of the team's records)")
    items = log.items
    committed = items["committed"].to_numpy(dtype=float)
    n_committed = int(((committed >= a) & (committed < b)).sum())
    t = np.sort(planned["time"].to_numpy(dtype=float))
    gaps = np.diff(t) / 24.0
    interval = float(np.median(gaps)) if len(t) > 1 else math.nan
    attempts = log.deploys[(log.deploys["time"] >= a) & (log.deploys["time"] < b)]
    inc = log.incidents
    start = inc["start"].to_numpy(dtype=float)
    service = (start >= a) & (start < b) & (inc["cause"].to_numpy() != "failed_deploy")
    deployed = items["deployed"].to_numpy(dtype=float)
    delivered = int(((deployed >= a) & (deployed < b)).sum())
    return _Observed(days=days, arrival=n_committed / days,
                     per_deploy=float(planned["n_items"].mean()), interval_days=interval,
                     gaps_days=tuple(float(g) for g in gaps),
                     attempts=len(attempts), failed_attempts=int(attempts["failed"].sum()),
                     incidents_per_day=float(service.sum()) / days,
                     failures_per_change=float(service.sum()) / max(delivered, 1),
                     n_planned=len(planned), n_incidents=int(service.sum()),
                     values=m.values)


def _sim_values(logs: list[EventLog]) -> dict[str, np.ndarray]:
    """Per replication: the DORA keys and service incidents per delivered change."""
    out: dict[str, list] = {}
    for log in logs:
        v = dict(dora_metrics(log))
        inc = log.incidents
        a, b = log.start_hours, log.end_hours
        service = ((inc["start"] >= a) & (inc["start"] < b) & (inc["cause"] != "failed_deploy"))
        done = ((log.items["deployed"] >= a) & (log.items["deployed"] < b)).sum()
        v["service_failures_per_change"] = float(service.sum()) / max(int(done), 1)
        for k, x in v.items():
            out.setdefault(k, []).append(x)
    return {k: np.asarray(x, dtype=float) for k, x in out.items()}


def _mean(values: np.ndarray) -> float:
    v = values[np.isfinite(values)]
    return float(v.mean()) if len(v) else math.nan


# --- the closed-form step ---------------------------------------------------------------------

def _slowdown(base: Scenario, obs: _Observed, interval: float) -> tuple[float, str]:
    """Ops' slowdown after failed releases, from how the intervals between planned deploys
    change: the median size of the steps (whole days) where consecutive intervals differ by
    2 days or more, if most do; 0 when they keep steady, or with no train run by ops."""
    if interval == 0 or base.on_call != "ops_escalation" or len(obs.gaps_days) < 3:
        return 0.0, "no release train run by ops to slow down (or fewer than 3 intervals)"
    steps = np.abs(np.diff(obs.gaps_days))
    big = steps[steps >= 2.0]
    if len(big) * 2 < len(steps):
        return 0.0, (f"intervals between planned deploys keep steady ({len(big)} of "
                     f"{len(steps)} change by 2 days or more)")
    value = float(min(90, round(float(np.median(big)))))
    return value, (f"median change between consecutive intervals ({len(big)} of {len(steps)} "
                   f"change by 2 days or more): the intervals grow after failed releases")


def _closed_form(base: Scenario, obs: _Observed) -> tuple[Scenario, list[tuple]]:
    """The base with the fields the records give directly; rows (field, method)."""
    a = base.deployment_automation
    arrival = max(0.01, obs.arrival - obs.incidents_per_day * a)
    arrival = float(min(200.0, round(arrival, 3)))
    if obs.per_deploy <= 1.5 or not math.isfinite(obs.interval_days):
        interval = 0.0
        why_interval = (f"planned deploys carry {obs.per_deploy:.2f} changes on average (1.5 or "
                        "fewer): each change deploys on its own")
    else:
        interval = float(min(180, max(1, round(obs.interval_days))))
        why_interval = (f"median interval between planned deploys {obs.interval_days:.2f} days, "
                        f"rounded ({obs.per_deploy:.1f} changes per planned deploy)")
    slowdown, why_slowdown = _slowdown(base, obs, interval)
    if slowdown > 0:
        interval = float(min(180, max(1, round(min(obs.gaps_days)))))
        why_interval = (f"the shortest interval between planned deploys "
                        f"({min(obs.gaps_days):.2f} days), rounded: the intervals grow")
    p = obs.failed_attempts / max(obs.attempts, 1)
    ratio = (base.automated_deploy_failure / base.manual_deploy_failure
             if base.manual_deploy_failure > 0 else 1.0)
    manual = p / ((1 - a) + a * ratio) if ((1 - a) + a * ratio) > 0 else p
    if manual > 1.0:
        manual = 1.0
        automated = min(1.0, max(0.0, (p - (1 - a)) / a)) if a > 0 else 0.0
    else:
        automated = manual * ratio
    lo, hi = _wilson(obs.failed_attempts, obs.attempts)
    size = base.change_size_person_hours * base.arrival_rate_per_day / arrival
    size = float(min(400.0, max(0.5, round(size, 2))))
    horizon = float(min(3650.0, math.ceil(obs.days) + base.warmup_days))
    s = replace(base, arrival_rate_per_day=arrival, release_interval_days=interval,
                manual_deploy_failure=round(manual, 4), automated_deploy_failure=round(automated, 4),
                change_size_person_hours=size, horizon_days=horizon,
                release_slowdown_days=(slowdown if base.on_call == "ops_escalation"
                                       else base.release_slowdown_days))
    rows = [
        ("arrival_rate_per_day", f"changes committed per day ({obs.arrival:.3f}) less the fixes "
                                 f"the model adds after automated rollbacks"),
        ("release_interval_days", why_interval),
        ("release_slowdown_days", why_slowdown),
        ("manual_deploy_failure", f"failed deploy attempts {obs.failed_attempts} of "
                                  f"{obs.attempts} = {p:.3f} (95% CI {lo:.3f} to {hi:.3f}) = "
                                  f"manual x (1 - {a:g}) + automated x {a:g}, base's ratio kept"),
        ("automated_deploy_failure", "as manual_deploy_failure"),
        ("change_size_person_hours", "assumed: scaled so the work arriving (rate x size) equals "
                                     "the base's (the records hold no effort)"),
        ("horizon_days", f"the period ({obs.days:.0f} days) plus the warm-up"),
    ]
    return s, rows


def _wilson(k: int, n: int) -> tuple[float, float]:
    """95% Wilson interval of a share k/n."""
    if n <= 0:
        return math.nan, math.nan
    z = 1.959964
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


# --- the search -------------------------------------------------------------------------------

class _Evaluator:
    """Simulated values of candidate scenarios on common random numbers (memoised)."""

    def __init__(self, n: int, seed: int):
        self.n, self.seed = n, seed
        self.memo: dict = {}
        self.runs = 0

    def __call__(self, s: Scenario) -> dict[str, np.ndarray]:
        key = tuple(sorted(s.to_dict().items()))
        if key not in self.memo:
            self.memo[key] = _sim_values(run_logs(s, n=self.n, seed=self.seed))
            self.runs += self.n
        return self.memo[key]

    def mean(self, s: Scenario, key: str) -> float:
        return _mean(self(s)[key])


def _close(x: float, target: float) -> bool:
    return math.isfinite(x) and abs(x - target) <= _RTOL * max(abs(target), 1e-9)


def _solve(f, target: float, lo: float, hi: float, x0: float, increasing: bool,
           log_scale: bool = False) -> tuple[float, float]:
    """x in [lo, hi] where the monotone (noisy) f(x) is nearest ``target``: bracket, then
    interpolate (in log space for ``log_scale``); at most ``_STEPS`` evaluations."""
    seen: dict[float, float] = {}

    def g(x: float) -> float:
        x = float(min(hi, max(lo, x)))
        if x not in seen:
            seen[x] = f(x)
        return seen[x]

    def best() -> tuple[float, float]:
        ok = {x: y for x, y in seen.items() if math.isfinite(y)}
        if not ok:
            return x0, math.nan
        x = min(ok, key=lambda x: abs(ok[x] - target))
        return x, ok[x]

    x0 = float(min(hi, max(lo, x0)))
    y0 = g(x0)
    if not math.isfinite(y0) or _close(y0, target):
        return best()
    up = (y0 < target) == increasing          # need a larger x
    a, b = (x0, hi) if up else (lo, x0)
    end = b if up else a
    y_end = g(end)
    if not math.isfinite(y_end) or (y_end < target) == (y0 < target):
        return best()                          # the target lies beyond the bound
    ya, yb = (y0, y_end) if up else (y_end, y0)

    def tr(x):
        return math.log(max(x, 1e-6)) if log_scale else x

    def untr(u):
        return math.exp(u) if log_scale else u

    for _ in range(_STEPS - 2):
        ua, ub = tr(a), tr(b)
        if abs(yb - ya) > 1e-12:
            w = (target - ya) / (yb - ya)
        else:
            w = 0.5
        w = min(0.85, max(0.15, w))            # keep away from the ends (noise)
        x = untr(ua + w * (ub - ua))
        y = g(x)
        if not math.isfinite(y):
            break
        if _close(y, target):
            break
        if (y < target) == increasing:
            a, ya = x, y
        else:
            b, yb = x, y
        if abs(b - a) <= 1e-3 * max(1.0, abs(b)):
            break
    return best()


def _lead_knob(s: Scenario) -> tuple[str, float, float]:
    if s.organisation == "siloed" or s.approval == "none":
        return "handoff_delay_hours", 0.0, 200.0
    return "review_person_hours", 0.0, 40.0


def _search(s: Scenario, obs: _Observed, ev: _Evaluator) -> tuple[Scenario, list[tuple], list[str]]:
    rows, notes = [], []
    v = obs.values
    lead = v.get("lead_time_hours", math.nan)
    ttr = v.get("time_to_restore_hours", math.nan)
    q = obs.failures_per_change
    knob, lo, hi = _lead_knob(s)
    results: dict[str, tuple] = {}
    for _ in range(2):
        if math.isfinite(lead) and lead > 0:
            x, y = _solve(lambda x: ev.mean(replace(s, **{knob: round(x, 3)}), "lead_time_hours"),
                          lead, lo, hi, getattr(s, knob), increasing=True)
            s = replace(s, **{knob: round(x, 3)})
            results[knob] = ("lead time", lead, y)
        x, y = _solve(lambda x: ev.mean(replace(s, defect_rate_per_hour=round(x, 6)),
                                        "service_failures_per_change"),
                      q, 0.0, 0.5, s.defect_rate_per_hour, increasing=True, log_scale=True)
        s = replace(s, defect_rate_per_hour=round(x, 6))
        results["defect_rate_per_hour"] = ("production failures per delivered change", q, y)
        if math.isfinite(ttr) and obs.n_incidents >= 3:
            x, y = _solve(lambda x: ev.mean(replace(s, monitoring=round(x, 3)),
                                            "time_to_restore_hours"),
                          ttr, 0.0, 1.0, s.monitoring, increasing=False)
            s = replace(s, monitoring=round(x, 3))
            if not _close(y, ttr) and x <= 1e-9 and y < ttr:
                # Even with no monitoring, restores are faster than observed: users notice later.
                x2, y = _solve(lambda x: ev.mean(replace(s, detect_hours_by_users=round(x, 2)),
                                                 "time_to_restore_hours"),
                               ttr, s.detect_hours_by_users, 500.0, s.detect_hours_by_users,
                               increasing=True)
                s = replace(s, detect_hours_by_users=round(x2, 2))
                results["detect_hours_by_users"] = ("time to restore (median)", ttr, y)
            results["monitoring"] = ("time to restore (median)", ttr, y)
    for name, (what, target, got) in results.items():
        matched = _close(got, target)
        rows.append((name, f"search on common random numbers: simulated {what} "
                           f"{_num(got)} against {_num(target)} observed"
                           + ("" if matched else " (not within 5%: at the knob's bound or noisy)")))
        if not matched:
            notes.append(f"{what}: simulated {_num(got)} against {_num(target)} observed; "
                         f"{name} could not match it within 5%.")
    if not (math.isfinite(ttr) and obs.n_incidents >= 3):
        notes.append("Fewer than 3 incidents with a restore time: monitoring and detection stay "
                     "at the base's values (assumed).")
    return s, rows, notes


def _candidates() -> dict[str, Scenario]:
    """The presets, and each preset with a CAB also with peer review instead (approval is
    the largest structural wait the records cannot name)."""
    out = {}
    for name, s in presets().items():
        out[name] = s
        if s.approval == "cab" and s.organisation == "siloed":
            out[f"{name} with peer review"] = replace(s, approval="peer")
    return out


def _choose_base(candidates: dict[str, Scenario], obs: _Observed,
                 ev: _Evaluator) -> tuple[str, Scenario, list[tuple]]:
    lead = obs.values.get("lead_time_hours", math.nan)
    ttr = obs.values.get("time_to_restore_hours", math.nan)
    scored = []
    for name, base in candidates.items():
        s, rows = _closed_form(base, obs)
        d = 0.0
        for key, target, weight in (("lead_time_hours", lead, 1.0),
                                    ("time_to_restore_hours", ttr, 0.25)):
            got = ev.mean(s, key)
            if math.isfinite(target) and target > 0 and math.isfinite(got) and got > 0:
                d += weight * abs(math.log(got / target))
        scored.append((d, name, s, rows))
    scored.sort(key=lambda t: t[0])
    _, name, s, rows = scored[0]
    return name, s, rows


# --- the entry point --------------------------------------------------------------------------

def fit(source, *, base=None, n: int = 3, seed: int = DEFAULT_SEED, check_n: int = 10,
        name: str = "fitted", year: int = 2019, **read) -> Fit:
    """A Scenario whose simulated DORA keys match a team's records.

    Parameters
    ----------
    source : str, Path, Records or Measurement
        The team's records (anything :func:`devsim.measure` reads), or their measurement.
    base : str or Scenario, optional
        Keep this organisation's structure (a preset name, YAML file or Scenario); default:
        the preset closest to the records (see the module docstring).
    n : int
        Replications per candidate in the search (common random numbers).
    seed : int
        Seed of the search and of the comparison.
    check_n : int
        Replications of the fitted scenario for the report's simulated CIs.
    name : str
        The fitted scenario's name.
    year : int
        DORA report year, when ``source`` has to be measured.
    **read
        Passed to :func:`devsim.measure` (``since``, ``until``, ``incidents``, ...).

    Returns
    -------
    Fit
        ``.scenario``, ``.report()``, ``.save(path)``.

    Raises
    ------
    devsim.records.RecordsError
        Records that cannot be read (an empty file, no deploys).
    FitError
        Too few planned deploys in the period (fewer than :data:`MIN_DEPLOYS`).
    """
    for label, value, least in (("n", n, 1), ("check_n", check_n, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                or not least <= value <= 1000:
            raise ValueError(f"{label}: {value!r} is not allowed; give a whole number from "
                             f"{least} to 1000")
    if isinstance(source, Measurement):
        m = source
    else:
        m = measure(source, year=year, **read)
    obs = _observe(m)
    ev = _Evaluator(int(n), int(seed))
    if base is None:
        candidates = _candidates()
    else:
        b = resolve_scenario(base)
        candidates = {b.name: b}
    base_name, s, rows = _choose_base(candidates, obs, ev)
    base_s = candidates[base_name]
    s, search_rows, notes = _search(s, obs, ev)
    s = replace(s, name=name)
    rows = rows + search_rows
    fitted_fields = [f for f, _ in rows]
    fitted = pd.DataFrame([{"field": f, "value": getattr(s, f), "base_value": getattr(base_s, f),
                            "method": why} for f, why in rows])
    fitted = fitted.drop_duplicates("field", keep="last").reset_index(drop=True)
    assumed = [{"field": f.name, "value": getattr(s, f.name)} for f in fields(Scenario)
               if f.name not in fitted_fields and f.name != "name"]
    checks = _sim_values(run_logs(s, n=int(check_n), seed=int(seed)))
    comparison = []
    for key in KEYS:
        mean, lo, hi = mean_ci(checks[key][np.isfinite(checks[key])])
        olo, ohi = m.ci.get(key, (math.nan, math.nan))
        comparison.append({"key": key, "observed": m.values.get(key, math.nan),
                           "observed_low": olo, "observed_high": ohi, "simulated": mean,
                           "simulated_low": lo, "simulated_high": hi})
    return Fit(scenario=s, measurement=m, base=base_name, fitted=fitted,
               assumptions=pd.DataFrame(assumed), comparison=pd.DataFrame(comparison),
               n=int(n), seed=int(seed), check_n=int(check_n), notes=notes)


def export_fourkeys(scenario, folder, *, seed: int = DEFAULT_SEED, replication: int = 0,
                    start=None, overwrite: bool = False) -> dict:
    """Simulate one run of ``scenario`` and write it as Four Keys' three tables.

    See :func:`devsim.records.write_fourkeys` (what is written, and the ``since``/``until``
    of the run's measurement window that it returns).
    """
    s = resolve_scenario(scenario)
    log = run_logs(s, n=replication + 1, seed=seed)[replication]
    kw = {} if start is None else {"start": start}
    return write_fourkeys(log, folder, overwrite=overwrite, **kw)
