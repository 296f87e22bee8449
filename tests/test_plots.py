"""Plots: each function returns a labelled Figure built without pyplot, showing the right numbers.

Runs are short (90 days) with two replications, on the serial executor.
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
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text

from devsim import compare, dora, presets, run, sweep
from devsim import plots
from devsim.experiment import Results
from devsim.metrics import dora_metrics, flow_metrics, stage_times, utilisation

SHORT = dict(horizon_days=90.0, warmup_days=15.0)
SEED = 11
FIVE = ("deploy_frequency_per_day", "lead_time_hours", "change_failure_rate",
        "time_to_restore_hours", "rework_rate")


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
    ("deploy_frequency_per_day", 0.13134, ("0.92", "deploys/week")),
    ("lead_time_hours", 11.98, ("12.0", "hours")),
    ("lead_time_hours", 48.0, ("48.0", "hours")),
    ("lead_time_hours", 701.9, ("29.2", "days")),
    ("time_to_restore_hours", 3.346, ("3.35", "hours")),
    ("change_failure_rate", 0.386, ("39%", "of deploys")),
    ("rework_rate", 0.0553, ("5.5%", "of deploys")),
    ("time_to_restore_hours", math.nan, ("n/a", "hours")),
])
def test_format_metric(metric, value, expected):
    assert plots.format_metric(metric, value) == expected


# --- dashboard -------------------------------------------------------------------------------

def test_dashboard_tiles_show_value_and_cluster_of_the_mean(results):
    fig = plots.dora_dashboard(results, "collaborative", year=2019)
    texts = _tile_texts(fig)
    assert isinstance(fig, Figure) and len(fig.axes) == 5
    for metric in FIVE:
        mean = _mean(results, "collaborative", metric)
        assert plots.format_metric(metric, mean)[0] in texts, metric
    tiles = {ax.texts[0].get_text(): ax for ax in fig.axes}
    for metric, name in zip(dora.KEYS, ("Deployment frequency", "Lead time for changes",
                                        "Time to restore", "Change failure rate")):
        cls = dora.classify(metric, _mean(results, "collaborative", metric), 2019)
        ax = tiles[name]
        assert cls.label in [t.get_text() for t in ax.texts], (metric, cls.label)
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


@pytest.mark.parametrize("year", dora.REPORT_YEARS)
@pytest.mark.parametrize("metric", dora.KEYS)
def test_band_regions_agree_with_classify(metric, year):
    lo, hi = (1e-3, 10.0) if metric == "deploy_frequency_per_day" else (
        (0.001, 1.0) if metric == "change_failure_rate" else (0.1, 1e4))
    regions = plots._bands_regions(metric, year, lo, hi)
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
        eff = flow_metrics(log)["flow_efficiency"]
        assert ax.get_title(loc="left").startswith(f"{label}: flow efficiency {eff * 100:.0f}%")
        assert [t.get_text().split(" (")[0] for t in ax.get_yticklabels()] == list(table.index)
    _render(fig)


def test_value_stream_map_counts_a_deploy_once(logs):
    # stage_times counts a deploy's person and pipeline rows as two visits: not a rework loop.
    fig = plots.value_stream_map(logs["collaborative"])
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    deploy = next(t for t in ticks if t.startswith("deploy"))
    assert deploy == "deploy" or float(deploy.split("×")[1].rstrip(")")) < 1.5, deploy


def test_utilisation_chart_values(logs):
    log = logs["siloed"]
    fig = plots.utilisation_chart(log)
    _check_figure(fig, {"y": ("%",)})
    ax, ax2 = fig.axes
    util = utilisation(log)
    assert [p.get_height() for p in ax.patches[:len(util)]] == pytest.approx(
        [u * 100 for u in util.values()])
    texts = [t.get_text() for t in ax.texts]
    assert all(f"{u * 100:.0f}%" in texts for u in util.values())
    fm = flow_metrics(log)
    assert f"{fm['unplanned_work_share'] * 100:.1f}%" in [t.get_text() for t in ax2.texts]
    _render(fig)


def test_sweep_curve_means_and_errors(scenarios):
    res = sweep(replace(scenarios[1], horizon_days=60.0), "arrival_rate_per_day", [0.5, 1.0],
                n=2, seed=SEED, executor="serial")
    fig = plots.sweep_curve(res, "arrival_rate_per_day", "lead_time_hours")
    _check_figure(fig, {"x": ("(per day)",), "y": ("(hours)", "(days)")})
    line = fig.axes[0].lines[0]
    expected = res.frame.groupby("arrival_rate_per_day")["lead_time_hours"].mean()
    factor = 1 / 24 if "(days)" in fig.axes[0].get_ylabel() else 1.0
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
        plots.step_through(logs['siloed'], 200.0)]
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
