"""Plots: each function returns a labelled Figure built without pyplot, showing the right numbers.

Runs are short (90 days) with two replications, on the serial executor; the release loop's
runs are a year long (the loop needs months to show), 4 runs of about 50 ms.
"""
from __future__ import annotations

import io
import math
import pickle
import subprocess
import sys
import time
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")  # unit tests only; notebooks choose their own backend

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text

from devsim import compare, dora, presets, run, sweep
from devsim import plots
from devsim.experiment import Results, mean_ci
from devsim.log import INCIDENT_COLUMNS, EventLog
from devsim.metrics import (deployments, dora_metrics, flow_metrics, releases, stage_times,
                            utilisation)
from devsim.plots.dora import band_regions, change_text
from devsim.registry import DORA_KEYS, column_title, format_value, metric, scale_for
from devsim.valuestream import VALUE_STREAM, Stage, ValueStream

SHORT = dict(horizon_days=90.0, warmup_days=15.0)
SEED = 11
FIVE = ("deploy_frequency_per_day", "lead_time_hours", "change_failure_rate",
        "time_to_restore_hours", "rework_rate")
assert DORA_KEYS == FIVE  # the tiles come in DORA's order


@pytest.fixture(scope="module")
def scenarios():
    p = presets()
    return replace(p["siloed"], **SHORT), replace(p["collaborative"], **SHORT)


@pytest.fixture(scope="module")
def results(scenarios):
    return compare(list(scenarios), n=2, seed=SEED, executor="serial")


@pytest.fixture(scope="module")
def logs(scenarios):
    return {"siloed": run(scenarios[0], seed=SEED), "collaborative": run(scenarios[1], seed=SEED)}


def _render(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return data


def _tile_texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def _mean(results, scenario, metric) -> float:
    f = results.frame
    return float(f.loc[f["scenario"] == scenario, metric].mean())


def _check_figure(fig, units: dict[str, tuple[str, ...]]) -> None:
    """A Figure with axes; every drawn axis label named in ``units`` holds one of the units."""
    assert isinstance(fig, Figure)
    shown = [ax for ax in fig.axes if ax.axison]
    assert shown, "no axes with visible axis"
    for side, tokens in units.items():
        labels = [ax.get_xlabel() if side == "x" else ax.get_ylabel() for ax in shown]
        labels = [lab for lab in labels if lab]
        assert labels, f"no {side} axis label"
        for lab in labels:
            assert any(tok in lab for tok in tokens), f"{side} label {lab!r} has no unit {tokens}"


# --- constants and number formatting ---------------------------------------------------------

def test_palette_is_okabe_ito_and_clusters_have_colours():
    okabe = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
             "#CC79A7"}
    assert set(plots.PALETTE) == okabe
    assert {"elite", "high", "medium", "low", "n/a"} <= set(plots.CLUSTER_COLOURS)
    assert len(set(plots.CLUSTER_COLOURS.values())) == len(plots.CLUSTER_COLOURS)


@pytest.mark.parametrize("metric, value, expected", [
    ("deploy_frequency_per_day", 2.2149, ("2.21", "deploys/day")),
    ("deploy_frequency_per_day", 0.5, ("3.50", "deploys/week")),
    ("deploy_frequency_per_day", 0.13134, ("4.00", "deploys/month")),
    ("lead_time_hours", 0.5, ("30.0", "minutes")),
    ("lead_time_hours", 11.98, ("12.0", "hours")),
    ("lead_time_hours", 47.9, ("47.9", "hours")),
    ("lead_time_hours", 48.0, ("2.00", "days")),
    ("lead_time_hours", 701.9, ("29.2", "days")),
    ("time_to_restore_hours", 3.346, ("3.35", "hours")),
    ("change_failure_rate", 0.386, ("39%", "of deploys")),
    ("rework_rate", 0.0553, ("5.5%", "of deploys")),
    ("time_to_restore_hours", math.nan, ("n/a", "hours")),
])
def test_format_metric(metric, value, expected):
    assert plots.format_metric(metric, value) == expected


@pytest.mark.parametrize("key, value, base, expected", [
    ("lead_time_hours", 12.0, 80.0, ("▼ 85%", True)),
    ("lead_time_hours", 80.0, 12.0, ("▲ 6.7×", False)),
    ("deploy_frequency_per_day", 2.4, 0.1, ("▲ 24×", True)),
    ("deploy_frequency_per_day", 0.09, 0.1, ("▼ 10%", False)),
    ("change_failure_rate", 0.05, 0.44, ("▼ 39 pts", True)),
    ("rework_rate", 0.10, 0.05, ("▲ 5.0 pts", False)),
    ("time_to_restore_hours", 3.0, 3.0, ("= same", None)),
    ("time_to_restore_hours", math.nan, 3.0, ("n/a", None)),
])
def test_change_against_baseline_reads_better_from_the_registry(key, value, base, expected):
    assert change_text(key, value, base) == expected


# --- dashboard -------------------------------------------------------------------------------

def test_dashboard_tiles_show_value_and_cluster_of_the_mean(results):
    fig = plots.dora_dashboard(results, "collaborative", year=2019)
    texts = _tile_texts(fig)
    assert isinstance(fig, Figure) and len(fig.axes) == 5
    for metric in FIVE:
        mean = _mean(results, "collaborative", metric)
        assert plots.format_metric(metric, mean)[0] in texts, metric
    # One tile per key in DORA's order, named by the registry's short name.
    assert [ax.texts[0].get_text() for ax in fig.axes] == [
        "Deploy frequency", "Lead time", "Change failure", "Time to restore", "Rework rate"]
    tiles = dict(zip(FIVE, fig.axes))
    for key in dora.KEYS:
        cls = dora.classify(key, _mean(results, "collaborative", key), 2019)
        ax = tiles[key]
        assert cls.label in [t.get_text() for t in ax.texts], (key, cls.label)
        # The tile is drawn in its cluster's colour.
        edge = ax.patches[0].get_edgecolor()
        assert edge == pytest.approx(to_rgba(plots.CLUSTER_COLOURS[cls.cluster or "n/a"]))
    assert "no published clusters" in texts
    assert sum("95% CI" in t for t in texts) == 5
    foot = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    assert "2019" in foot and dora.RULE in foot
    _render(fig)


def test_dashboard_default_is_first_scenario_and_year_changes_the_clusters(results):
    fig = plots.dora_dashboard(results)
    assert fig.texts[0].get_text().startswith("siloed")
    fig21 = plots.dora_dashboard(results, "collaborative", year=2021)
    lead = _mean(results, "collaborative", "lead_time_hours")
    assert dora.classify("lead_time_hours", lead, 2021).label in _tile_texts(fig21)
    assert "2021" in " ".join(t.get_text() for t in fig21.texts)


def test_dashboard_baseline_arrows_point_and_colour_the_right_way(results):
    fig = plots.dora_dashboard(results, "collaborative", baseline="siloed")
    changes = [t for ax in fig.axes for t in ax.texts if "vs siloed" in t.get_text()]
    assert len(changes) == 5
    better_rgba, worse_rgba = to_rgba(plots.BETTER_COLOUR), to_rgba(plots.WORSE_COLOUR)
    for text, (metric, higher_better) in zip(changes, [(m, m == "deploy_frequency_per_day")
                                                       for m in FIVE]):
        new, old = _mean(results, "collaborative", metric), _mean(results, "siloed", metric)
        s = text.get_text()
        if math.isnan(new) or math.isnan(old) or abs(new - old) < 1e-3 * max(abs(old), 1e-9):
            continue
        assert ("▲" in s) == (new > old), (metric, s)
        assert ("▼" in s) == (new < old), (metric, s)
        good = (new > old) == higher_better
        assert to_rgba(text.get_color()) == (better_rgba if good else worse_rgba), (metric, s)
        assert ("better" if good else "worse") in s
    # Collaborative delivers faster than siloed on these seeds: a blue down arrow.
    lead = next(t for t in changes if t in fig.axes[1].texts)
    assert "▼" in lead.get_text() and to_rgba(lead.get_color()) == better_rgba
    _render(fig)


def test_dashboard_with_one_replication_has_no_interval(scenarios):
    res = compare([scenarios[1]], n=1, seed=SEED, executor="serial")
    texts = _tile_texts(plots.dora_dashboard(res))
    assert not any("95% CI" in t for t in texts)
    assert texts.count("1 run: no CI") == 5


def test_dashboard_shows_nan_as_not_available(results):
    frame = results.frame.copy()
    frame["time_to_restore_hours"] = math.nan  # no incident in any run
    res = Results(frame=frame, scenarios=results.scenarios, seed=results.seed)
    fig = plots.dora_dashboard(res, "collaborative", baseline="siloed")
    restore = next(ax for ax in fig.axes if ax.texts[0].get_text() == "Time to restore")
    texts = [t.get_text() for t in restore.texts]
    assert "n/a" in texts                     # the value, and the cluster pill
    assert texts.count("n/a") == 2
    assert "no data in this run" in texts
    assert any(t.startswith("n/a vs siloed") for t in texts)
    _render(fig)


def test_dashboard_rejects_unknown_names(results):
    with pytest.raises(ValueError, match=r"scenario: 'nope'.*'siloed'"):
        plots.dora_dashboard(results, "nope")
    with pytest.raises(ValueError, match=r"baseline: 'nope'"):
        plots.dora_dashboard(results, "siloed", baseline="nope")
    with pytest.raises(ValueError, match=r"year: 1999"):
        plots.dora_dashboard(results, year=1999)


# --- comparing scenarios ---------------------------------------------------------------------

def test_compare_dora_has_every_scenario_and_shaded_clusters(results):
    fig = plots.compare_dora(results, year=2019)
    _check_figure(fig, {"x": ("per day", "hours", "%")})
    key_axes = [ax for ax in fig.axes if ax.axison][:5]
    assert len(key_axes) == 5
    for ax in key_axes[:4]:
        names = {t.get_text() for t in ax.texts}
        assert {"Elite", "Low"} & names, ax.get_title()
        assert len(ax.patches) >= 2  # the shaded bands
    ticks = [t.get_text() for t in key_axes[0].get_yticklabels()]
    assert ticks == ["siloed", "collaborative"]
    lead_ax = key_axes[1]
    assert lead_ax.get_xscale() == "log"  # siloed and collaborative lead times span decades
    _render(fig)


@pytest.mark.parametrize("year, metric", [(y, k) for y in dora.REPORT_YEARS for k in dora.keys(y)])
def test_band_regions_agree_with_classify(metric, year):
    lo, hi = (1e-3, 10.0) if metric == "deploy_frequency_per_day" else (
        (0.001, 1.0) if metric == "change_failure_rate" else (0.1, 1e4))
    regions = band_regions(metric, year, lo, hi)
    assert regions[0][0] == lo and regions[-1][1] == hi
    assert all(a[1] == b[0] for a, b in zip(regions, regions[1:]))  # contiguous
    for v in np.geomspace(lo, hi, 157)[1:-1]:
        span = next(r for r in regions if r[0] <= v < r[1])
        if any(abs(v - e) / e < 1e-9 for r in regions for e in r[:2]):
            continue
        assert span[2] == dora.classify(metric, float(v), year).cluster, (metric, year, v)


# --- flow over time --------------------------------------------------------------------------

def test_cumulative_flow_counts_and_order(logs):
    log = logs["siloed"]
    fig = plots.cumulative_flow(log)
    _check_figure(fig, {"x": ("days",), "y": ("count",)})
    ax = fig.axes[0]
    lines = {ln.get_label().split(" (")[0]: ln.get_ydata() for ln in ax.lines}
    assert list(lines) == ["arrived", "committed", "tested", "deployed"]
    items = log.items
    assert lines["arrived"][-1] == items["arrival"].notna().sum()
    assert lines["deployed"][-1] == items["deployed"].notna().sum()
    arrived, committed, tested, deployed = (np.asarray(v) for v in lines.values())
    assert (arrived >= committed).all() and (committed >= tested).all()
    assert (tested >= deployed).all()
    assert (np.diff(deployed) >= 0).all()
    _render(fig)


def test_cumulative_flow_custom_stages_and_errors(logs):
    fig = plots.cumulative_flow(logs["collaborative"], stages=["arrived", "review", "deployed"])
    assert [ln.get_label().split(" (")[0] for ln in fig.axes[0].lines] == ["arrived", "review",
                                                                          "deployed"]
    with pytest.raises(ValueError, match=r"stages: 'nowhere' is not allowed"):
        plots.cumulative_flow(logs["collaborative"], stages=["arrived", "nowhere"])


def test_lead_time_distribution_marks_the_metric_values(logs):
    fig = plots.lead_time_distribution(logs)
    _check_figure(fig, {"x": ("days", "hours"), "y": ("%",)})
    texts = [t.get_text() for t in fig.axes[0].texts]
    for log in logs.values():
        m = dora_metrics(log)
        for name, key in (("median", "lead_time_hours"), ("90th pct", "lead_time_p90_hours")):
            value, unit = plots.format_metric("lead_time_hours", m[key])
            assert f"{name} {value} {unit}" in texts
    curves = [ln for ln in fig.axes[0].lines if ln.get_label().endswith("changes)")]
    assert len(curves) == 2 and all(c.get_ydata()[-1] == pytest.approx(100.0) for c in curves)
    _render(fig)


def test_lead_time_distribution_flow_and_single_log(logs):
    log = logs["collaborative"]
    fig = plots.lead_time_distribution(log, which="flow")
    m = dora_metrics(log)
    value, unit = plots.format_metric("lead_time_hours", m["flow_lead_time_hours"])
    assert f"median {value} {unit}" in [t.get_text() for t in fig.axes[0].texts]
    assert "backlog" in fig.axes[0].get_xlabel()
    with pytest.raises(ValueError, match=r"which: 'cycle'"):
        plots.lead_time_distribution(log, which="cycle")
    with pytest.raises(ValueError, match=r"logs: expected an EventLog"):
        plots.lead_time_distribution(42)


def test_value_stream_map_bars_are_stage_times(logs):
    fig = plots.value_stream_map(logs)
    _check_figure(fig, {"x": ("hours",)})
    shown = [ax for ax in fig.axes if ax.axison]
    assert len(shown) == 2
    assert shown[0].get_shared_x_axes().joined(shown[0], shown[1])
    for ax, (label, log) in zip(shown, logs.items()):
        table = stage_times(log)
        work, wait = ax.containers[0], ax.containers[1]
        assert [p.get_width() for p in work] == pytest.approx(table["work_hours"].tolist())
        assert [p.get_width() for p in wait] == pytest.approx(table["wait_hours"].tolist())
        fm = flow_metrics(log)
        assert ax.get_title(loc="left") == (
            f"{label}: flow efficiency {format_value('flow_efficiency', fm['flow_efficiency'])}"
            f"; mean flow time {format_value('mean_flow_time_hours', fm['mean_flow_time_hours'])}")
        assert [t.get_text().split(" (")[0] for t in ax.get_yticklabels()] == list(table.index)
    _render(fig)


def test_value_stream_map_counts_a_deploy_once(logs):
    # stage_times counts a deploy's person and pipeline rows as two visits: not a rework loop.
    fig = plots.value_stream_map(logs["collaborative"])
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    deploy = next(t for t in ticks if t.startswith("deploy"))
    assert deploy == "deploy" or float(deploy.split("×")[1].rstrip(")")) < 1.5, deploy


def _relog(log, stream, stages=None):
    """``log``'s tables read against another value stream (a real team's log is read so)."""
    return EventLog.from_frames(
        items=log.items, stages=log.stages if stages is None else stages, deploys=log.deploys,
        incidents=log.incidents, start_hours=log.start_hours, end_hours=log.end_hours,
        capacity=log.capacity, headcount=log.headcount,
        work_hours_per_week=log.work_hours_per_week,
        cost_per_person_hour=log.cost_per_person_hour, stream=stream)


def _with_toy_stage(log):
    """The log as if its value stream had a stage "toy" after develop that took review's rows."""
    stream = VALUE_STREAM.insert(Stage("toy", "toy stage", "work",
                                       {"siloed": "dev", "collaborative": "own"}),
                                 after="develop")
    return _relog(log, stream, log.stages.replace({"stage": {"review": "toy"}}))


def _reversed_stream(log):
    planned = [s for s in VALUE_STREAM.stages if not s.incident]
    incident = [s for s in VALUE_STREAM.stages if s.incident]
    return _relog(log, ValueStream(stages=tuple(planned[::-1] + incident)))


def _map_stages(fig) -> list[str]:
    return [t.get_text().split(" (")[0] for t in fig.axes[0].get_yticklabels()]


def test_charts_take_stage_order_from_the_logs_value_stream(logs):
    log = logs["siloed"]
    toy = _with_toy_stage(log)
    assert "review" not in toy.stream.order[:3] and toy.stream.order[2] == "toy"
    ticks = _map_stages(plots.value_stream_map(toy))
    assert "toy" in ticks and "review" not in ticks
    assert ticks.index("toy") == ticks.index("develop") + 1
    board = [t.get_text() for t in plots.step_through(toy, 40 * 24.0).axes[0].get_xticklabels()]
    assert board.index("toy") == board.index("develop") + 1
    cfd = plots.cumulative_flow(toy, stages=["arrived", "toy", "deployed"])
    assert [ln.get_label().split(" (")[0] for ln in cfd.axes[0].lines] == ["arrived", "toy",
                                                                            "deployed"]
    # A stream in another order reorders the map and the board.
    back = _reversed_stream(log)
    ticks = _map_stages(plots.value_stream_map(back))
    assert ticks == [s for s in back.stream.order if s in ticks]
    assert ticks == list(stage_times(log).index)[::-1]
    board = [t.get_text() for t in plots.step_through(back, 40 * 24.0).axes[0].get_xticklabels()]
    planned = [c for c in board if c != "incident work"]
    assert planned == [s for s in back.stream.order if s in planned] and len(planned) > 3


def test_utilisation_chart_values(logs):
    log = logs["siloed"]
    fig = plots.utilisation_chart(log)
    _check_figure(fig, {"y": ("%",)})
    ax, ax2 = fig.axes
    util = utilisation(log)
    assert [p.get_height() for p in ax.patches[:len(util)]] == pytest.approx(
        [u * 100 for u in util.values()])
    texts = [t.get_text() for t in ax.texts]
    assert all(format_value(f"utilisation_{team}", u) in texts for team, u in util.items())
    assert all(t.endswith("%") for t in texts[:len(util)])
    fm = flow_metrics(log)
    texts2 = [t.get_text() for t in ax2.texts]
    assert format_value("unplanned_work_share", fm["unplanned_work_share"]) in texts2
    assert format_value("rework_work_share", fm["rework_work_share"]) in texts2
    _render(fig)


def test_sweep_curve_means_and_errors(scenarios):
    res = sweep(replace(scenarios[1], horizon_days=60.0), "arrival_rate_per_day", [0.5, 1.0],
                n=2, seed=SEED, executor="serial")
    fig = plots.sweep_curve(res, "arrival_rate_per_day", "lead_time_hours")
    _check_figure(fig, {"x": ("(per day)",), "y": ("(minutes)", "(hours)", "(days)", "(weeks)")})
    line = fig.axes[0].lines[0]
    expected = res.frame.groupby("arrival_rate_per_day")["lead_time_hours"].mean()
    scale = scale_for("lead_time_hours", float(res.frame["lead_time_hours"].median()))
    factor = scale[0]
    assert fig.axes[0].get_ylabel() == column_title("lead_time_hours", scale)
    assert list(line.get_xdata()) == [0.5, 1.0]
    assert list(line.get_ydata()) == pytest.approx((expected * factor).tolist())
    assert fig.axes[0].collections  # the confidence band
    fig2 = plots.sweep_curve(res, "arrival_rate_per_day", "change_failure_rate",
                             ax_label="load (per day)")
    assert fig2.axes[0].get_xlabel() == "load (per day)" and "(%)" in fig2.axes[0].get_ylabel()
    with pytest.raises(ValueError, match=r"field: 'n_teams'"):
        plots.sweep_curve(res, "n_teams", "lead_time_hours")
    with pytest.raises(ValueError, match=r"metric: 'speed'"):
        plots.sweep_curve(res, "arrival_rate_per_day", "speed")
    _render(fig)


def test_step_through_places_each_change_in_progress(logs):
    log = logs["siloed"]
    t = 50 * 24.0
    fig = plots.step_through(log, t)
    _check_figure(fig, {"y": ("count",)})
    ax = fig.axes[0]
    st = log.stages
    live = st[(st["queued"] <= t) & (t < st["finished"])]
    live = live.assign(col=np.where(live["work_type"] == "unplanned", "incident work",
                                    live["stage"]))
    expected = live.drop_duplicates(["item_id", "col"])
    shown = sum(len(c.get_offsets()) for c in ax.collections)
    assert shown == len(expected)
    working = live[live["started"] <= t].drop_duplicates(["item_id", "col"])
    assert len(ax.collections[0].get_offsets()) == len(working)
    items = log.items
    in_progress = int((items["arrival"] <= t).sum() - (items["deployed"] <= t).sum())
    assert f": {in_progress} change" in ax.get_title(loc="left")
    # Same axes for every moment of one run, so a slider does not make the board jump.
    other = plots.step_through(log, 80 * 24.0).axes[0]
    assert other.get_ylim() == ax.get_ylim() and other.get_xlim() == ax.get_xlim()
    for bad in (-1, log.end_hours + 1, "noon"):
        with pytest.raises(ValueError, match=r"t_hours: .* is not allowed"):
            plots.step_through(log, bad)
    _render(fig)


# --- every figure: fonts, display, no pyplot, render time -------------------------------------

def _all_figures(results, logs):
    return {
        "dora_dashboard": lambda: plots.dora_dashboard(results, "collaborative", baseline="siloed"),
        "compare_dora": lambda: plots.compare_dora(results),
        "cumulative_flow": lambda: plots.cumulative_flow(logs["siloed"]),
        "lead_time_distribution": lambda: plots.lead_time_distribution(logs),
        "value_stream_map": lambda: plots.value_stream_map(logs),
        "utilisation_chart": lambda: plots.utilisation_chart(logs["siloed"]),
        "step_through": lambda: plots.step_through(logs["siloed"], 40 * 24.0),
        "release_loop": lambda: plots.release_loop(logs),
    }


def test_every_text_is_projector_sized_and_time_is_recorded(results, logs, record_property):
    for name, make in _all_figures(results, logs).items():
        fig = make()
        start = time.perf_counter()
        _render(fig)  # tick labels exist only after a draw
        record_property(f"render_seconds_{name}", round(time.perf_counter() - start, 3))
        small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
                 if t.get_visible() and t.get_text().strip() and t.get_fontsize() < 11]
        assert not small, (name, small[:5])


def test_figures_show_in_jupyter_without_pyplot(logs):
    formatters = pytest.importorskip("IPython.core.formatters")
    fig = plots.utilisation_chart(logs["collaborative"])
    png = formatters.PNGFormatter()(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert repr(fig).startswith("<Figure size ")
    assert repr(pickle.loads(pickle.dumps(fig))).startswith("<Figure size ")


def test_no_pyplot_is_imported():
    code = """
import sys
import devsim.plots as plots
assert 'matplotlib.figure' not in sys.modules, 'importing devsim.plots loaded matplotlib'
import io
from dataclasses import replace
from devsim import compare, presets, run
p = presets()
s = [replace(p[k], horizon_days=40.0, warmup_days=5.0) for k in ('siloed', 'collaborative')]
res = compare(s, n=2, seed=3, executor='serial')
logs = {x.name: run(x, seed=3) for x in s}
figs = [plots.dora_dashboard(res, baseline='siloed'), plots.compare_dora(res),
        plots.cumulative_flow(logs['siloed']), plots.lead_time_distribution(logs),
        plots.value_stream_map(logs), plots.utilisation_chart(logs['siloed']),
        plots.step_through(logs['siloed'], 200.0), plots.release_loop(logs)]
for f in figs:
    f.savefig(io.BytesIO(), format='png')
    f._repr_png_()
print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'clean')
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "clean"


def test_html_tiles_say_what_the_figure_says(results):
    """dora_tiles_html and dora_dashboard render the same tile data."""
    import re
    from html import unescape

    labels = list(dict.fromkeys(results.frame["scenario"]))
    fig = plots.dora_dashboard(results, labels[1], baseline=labels[0])
    html = plots.dora_tiles_html(results, labels[1], baseline=labels[0])
    tiles = plots.dora_tiles(results, labels[1], baseline=labels[0])
    fig_text = "\n".join(_tile_texts(fig))
    assert len(re.findall(r'class="devsim-tile"', html)) == 5
    for tile in tiles:
        assert tile["value"] in fig_text and unescape(tile["value"]) in unescape(html)
        assert f'data-metric="{tile["metric"]}"' in html
        assert f'data-cluster="{tile["cluster"]}"' in html
        assert tile["pill"] in fig_text and tile["pill"] in html
        assert tile["change"] in unescape(html)


def test_no_tile_shows_a_band_that_does_not_contain_its_value():
    """Lesson 00's first dashboard: siloed's change failure rate lies beyond Low's 46-60% and
    its time to restore in the gap between High and Low; the tiles say so instead of
    quoting a band the value is not in."""
    from devsim import dora, presets

    res = compare([presets()["siloed"]], n=3, seed=2026, executor="serial")
    for tile in plots.dora_tiles(res, year=2019):
        if tile["metric"] not in dora.keys(2019):
            continue
        c = dora.classify(tile["metric"], tile["mean"], 2019)
        if dora.gap_note(tile["metric"], tile["mean"], 2019):
            assert tile["band"].startswith("in a gap"), tile
        elif c.note == "beyond the published low band":
            assert tile["band"].startswith("beyond"), tile
        else:
            assert tile["band"] in ("", f"band: {c.band.split(' (')[0]}", f"band: {c.band}"), tile


# --- the release loop (lesson 01) -------------------------------------------------------------

_LOOP_DEPLOY_COLUMNS = ["deploy_id", "kind", "started", "time", "n_items", "failed", "rework"]


def _release_log(deploys, incidents=(), days=30.0) -> EventLog:
    """A hand-built log of planned deployments (day, changes, failed attempt) and hotfixes."""
    rows = [(i, kind, day * 24 - 1, day * 24, n, failed, kind == "hotfix")
            for i, (day, n, failed, kind) in enumerate(deploys)]
    inc = [(k, 0, dep, "defect", day * 24, day * 24, day * 24 + 5, "ops", "hotfix")
           for k, (dep, day) in enumerate(incidents)]
    return EventLog.from_frames(
        deploys=pd.DataFrame.from_records(rows, columns=_LOOP_DEPLOY_COLUMNS),
        incidents=pd.DataFrame.from_records(inc, columns=list(INCIDENT_COLUMNS)),
        start_hours=0.0, end_hours=days * 24)


def _two_hand_built_runs():
    # Run A in 10-day periods: days 2 (2 changes) and 5 (4, a failed attempt) in period 1;
    # day 12 (6, its change fails in production: incident on deploy 2) in period 2, a hotfix
    # on day 14 (not a release); day 25 (10) in period 3.
    a = _release_log([(2, 2, False, "release"), (5, 4, True, "release"),
                      (12, 6, False, "release"), (14, 1, False, "hotfix"),
                      (25, 10, False, "release")], incidents=[(2, 13)])
    # Run B: day 3 (2 changes, failed attempt) in period 1, nothing in period 2, day 23 (8).
    b = _release_log([(3, 2, True, "release"), (23, 8, False, "release")])
    return a, b


def test_release_loop_series_of_hand_built_runs_gives_known_sizes_and_failure_rates():
    a, b = _two_hand_built_runs()
    s = plots.release_loop_series({"team": [a, b]}, period=10.0).set_index("period")
    assert s.index.tolist() == [1, 2, 3]
    assert s["start_day"].tolist() == [0.0, 10.0, 20.0] and s["end_day"].tolist() == [10, 20, 30]
    assert s["replications"].tolist() == [2, 2, 2] and s["n"].tolist() == [2, 1, 2]
    assert s["releases"].tolist() == [1.5, 0.5, 1.0]
    # Period 1: A's mean size 3 and failure rate 1/2, B's 2 and 1; intervals: A's 3 days
    # (its first release has none), B none.
    assert s.loc[1, "size"] == 2.5 and s.loc[1, "cfr"] == 0.75
    assert (s.loc[1, "size_low"], s.loc[1, "size_high"]) == pytest.approx(mean_ci([3, 2])[1:])
    assert (s.loc[1, "cfr_low"], s.loc[1, "cfr_high"]) == pytest.approx(mean_ci([0.5, 1])[1:])
    assert s.loc[1, "interval_days"] == pytest.approx(3.0) and math.isnan(s.loc[1, "interval_low"])
    # Period 2: only A released (6 changes, failed by the incident, 7 days after day 5).
    assert (s.loc[2, "size"], s.loc[2, "cfr"]) == (6.0, 1.0)
    assert s.loc[2, "interval_days"] == pytest.approx(7.0) and math.isnan(s.loc[2, "size_low"])
    # Period 3: A 10 changes, 13 days after day 12; B 8 changes, 20 days after day 3.
    assert (s.loc[3, "size"], s.loc[3, "cfr"]) == (9.0, 0.0)
    assert s.loc[3, "interval_days"] == pytest.approx(16.5)
    assert math.isnan(s.loc[3, "planned_interval_days"])   # hand-built: no scenario


def test_release_loop_series_takes_one_log_a_list_or_a_dict_and_rejects_others():
    a, b = _two_hand_built_runs()
    one = plots.release_loop_series(a, period=10.0)
    assert one["scenario"].unique().tolist() == ["run"] and one["n"].tolist() == [1, 1, 1]
    assert one["cfr"].tolist() == [0.5, 1.0, 0.0]
    assert plots.release_loop_series([a, b], period=10.0)["replications"].eq(2).all()
    both = plots.release_loop_series({"A": a, "B": [b]}, period=10.0)
    assert both["scenario"].unique().tolist() == ["A", "B"]
    assert len(plots.release_loop_series(a, period="week")) == 5   # 30 days: 4 weeks and 2 days
    for bad in ("fortnight", 0, -3.0, float("nan"), True):
        with pytest.raises(ValueError, match=r"period: "):
            plots.release_loop_series(a, period=bad)
    for bad in ("log", 3, {"A": "log"}, {"A": []}, {}):
        with pytest.raises(ValueError, match=r"logs: expected"):
            plots.release_loop_series(bad)


@pytest.fixture(scope="module")
def weekly_train():
    """A siloed year with a weekly train, with and without ops' freeze after failures."""
    s = replace(presets()["siloed"], release_interval_days=7.0)
    return {"freeze": [run(s, seed=SEED, replication=r) for r in range(2)],
            "no freeze": [run(replace(s, release_slowdown_days=0.0), seed=SEED, replication=r)
                          for r in range(2)]}


def test_release_sizes_add_up_to_the_changes_deployed(weekly_train):
    for log in weekly_train["freeze"] + weekly_train["no freeze"]:
        rel = releases(log)
        dep = deployments(log)
        fix_only = dep[(dep["kind"] != "hotfix") & dep["rework"]]["n_items"].sum()
        assert rel["n_items"].sum() + fix_only == log.items["deployed"].notna().sum()
        s = plots.release_loop_series(log)
        assert (s["releases"] * s["size"]).fillna(0).sum() == pytest.approx(rel["n_items"].sum())
        assert s["releases"].sum() == len(rel)


def test_without_the_freeze_the_train_keeps_its_interval_and_with_it_drifts(weekly_train):
    for log in weekly_train["no freeze"]:
        gaps = releases(log)["interval_days"].dropna()
        assert gaps.mean() == pytest.approx(7.0, abs=0.5), "no freeze: a weekly train stays weekly"
    s = plots.release_loop_series(weekly_train, period="quarter").set_index(["scenario", "period"])
    assert s["planned_interval_days"].eq(7.0).all()
    calm, loop = s.loc["no freeze"], s.loc["freeze"]
    assert calm["interval_days"].between(6.5, 7.5).all()
    # The loop: intervals and release sizes grow quarter by quarter, and the last quarter's
    # releases are bigger and fail more often than without the freeze.
    assert loop.loc[4, "interval_days"] > 3 * 7.0
    assert loop.loc[4, "size"] > 2 * loop.loc[1, "size"]
    assert loop.loc[4, "size"] > 2 * calm.loc[4, "size"]
    assert loop.loc[4, "cfr"] >= calm.loc[4, "cfr"]


def test_release_loop_draws_the_series_with_bands_and_units(weekly_train):
    series = plots.release_loop_series(weekly_train)
    fig = plots.release_loop(weekly_train)
    _check_figure(fig, {"x": ("Month",), "y": ("Days", "Changes", "(%)")})
    assert len(fig.axes) == 3
    interval_ax, size_ax, cfr_ax = fig.axes
    assert cfr_ax.get_ylabel() == column_title("change_failure_rate", (100.0, "%"))
    for ax, col, factor in ((interval_ax, "interval_days", 1), (size_ax, "size", 1),
                            (cfr_ax, "cfr", 100)):
        lines = [ln for ln in ax.lines if ln.get_label() in weekly_train]
        assert [ln.get_label() for ln in lines] == ["freeze", "no freeze"]
        for ln in lines:
            s = series[series["scenario"] == ln.get_label()].dropna(subset=[col])
            assert list(ln.get_xdata()) == s["period"].tolist()
            assert list(ln.get_ydata()) == pytest.approx((s[col] * factor).tolist())
        assert len(ax.collections) == 2, "one 95% CI band per scenario"
    planned = [ln for ln in interval_ax.lines if ln.get_label() == "planned interval"]
    assert len(planned) == 1 and list(planned[0].get_ydata()) == [7.0, 7.0]
    assert cfr_ax.get_ylim()[1] <= 105
    # The table draws the same figure; one without the columns is refused.
    again = plots.release_loop(series)
    assert [ln.get_ydata().tolist() for ln in again.axes[1].lines] == \
        [ln.get_ydata().tolist() for ln in size_ax.lines]
    assert "Month" in again.axes[2].get_xlabel()
    with pytest.raises(ValueError, match=r"logs: the table lacks columns"):
        plots.release_loop(series.drop(columns=["cfr"]))
    quarter = plots.release_loop(weekly_train, period="quarter")
    assert quarter.axes[2].get_xlabel().startswith("Quarter")
    _render(fig)
