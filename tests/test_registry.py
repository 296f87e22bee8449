"""The metric registry (devsim.registry): one entry per metric, and the one formatter.

The formatter is checked on representative values of each kind of unit: rates per day,
week, month and year; durations in minutes, hours, days and weeks; shares as percentages;
money; counts; and missing values ("n/a"). Expected texts are worked out by hand from the
rules in the registry's docstrings.
"""
from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from devsim import dora, metrics, presets, registry, run
from devsim.registry import (CLUSTERED_KEYS, DORA_KEYS, LABELS, METRICS, Metric, column_title,
                             display_table, format_cell, format_value, label, metric,
                             scale_for, summary_table, unit_words, value_parts)

DAYS_PER_MONTH = 365.25 / 12


@pytest.fixture(scope="module")
def summary_columns() -> list[str]:
    """Columns of summarise on a short run of each organisation (the teams differ)."""
    keys = []
    for name in ("siloed", "collaborative"):
        s = replace(presets()[name], horizon_days=60.0, warmup_days=10.0)
        keys += [k for k in metrics.summarise(run(s, seed=3)) if k not in keys]
    return keys


# --- entries --------------------------------------------------------------------------------------

def test_every_summary_column_has_an_entry(summary_columns):
    teams = [k for k in summary_columns if k.startswith("utilisation_")]
    assert {"utilisation_dev", "utilisation_qa", "utilisation_ops"} <= set(teams)
    assert any(k.startswith("utilisation_team") for k in teams)  # collaborative product teams
    for key in summary_columns:
        m = metric(key)
        assert m.key == key and m.name and m.short and m.unit, key
        assert registry.is_metric(key)
    # ... and every entry is a summary column: no label without a metric behind it.
    assert set(METRICS) <= set(summary_columns)


def test_a_utilisation_entry_is_made_for_any_team():
    m = metric("utilisation_team-3")
    assert m.kind == "share" and m.group == "utilisation" and "team-3" in m.name
    assert format_value("utilisation_team-3", 0.456) == "46%"


@pytest.mark.parametrize("key", ["mttr", "utilisation_", "", "Lead time"])
def test_an_unknown_key_is_refused_listing_the_metrics(key):
    with pytest.raises(KeyError) as info:
        metric(key)
    message = str(info.value)
    assert f"metric: {key!r}" in message and "lead_time_hours" in message
    assert not registry.is_metric(key)
    assert label(key) == key  # a non-metric column keeps its name


def test_an_entry_with_a_bad_kind_or_direction_is_refused():
    good = dict(key="x", name="X", short="X", unit="u", better="lower", kind="count",
                group="flow")
    Metric(**good)
    with pytest.raises(ValueError, match="^kind: 'ratio'"):
        Metric(**{**good, "kind": "ratio"})
    with pytest.raises(ValueError, match="^better: 'up'"):
        Metric(**{**good, "better": "up"})


def test_names_and_short_names_are_unique():
    """Two metrics with one name would share a table column (one would vanish)."""
    for attr in ("name", "short"):
        words = [getattr(m, attr) for m in METRICS.values()]
        assert len(set(words)) == len(words), attr


def test_labels_are_the_name_and_unit_of_every_entry():
    assert LABELS == {k: (m.name, m.unit) for k, m in METRICS.items()}
    assert list(LABELS) == list(METRICS)
    assert label("lead_time_hours") == METRICS["lead_time_hours"].name


def test_dora_keys_in_doras_order_and_the_clustered_four():
    assert DORA_KEYS == ("deploy_frequency_per_day", "lead_time_hours", "change_failure_rate",
                         "time_to_restore_hours", "rework_rate")
    first = [k for k in METRICS if METRICS[k].group == "dora"]
    assert [k for k in first if k in DORA_KEYS] == list(DORA_KEYS)  # DORA's order
    # Clustered: the four of 2019-2022 and, from 2023, failed deployment recovery time.
    assert set(CLUSTERED_KEYS) == set(dora.keys(2019)) | set(dora.keys(2023))
    assert "rework_rate" not in CLUSTERED_KEYS
    assert DORA_KEYS == metrics.DORA_KEYS
    assert all(METRICS[k].better in ("higher", "lower") for k in DORA_KEYS)
    assert METRICS["deploy_frequency_per_day"].better == "higher"


def test_every_entry_is_consistent_with_its_key():
    for key, m in METRICS.items():
        if key.endswith("_hours"):
            assert m.kind == "hours", key
        if key.endswith("_per_day"):
            assert m.kind == "rate", key
        if m.kind == "share":
            assert m.unit.startswith("share"), key
        if m.kind == "count":
            assert m.suffix, key  # a count says what it counts


# --- the formatter ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value, scale", [
    # Rates: per day when at least daily, else per week, month, year.
    ("deploy_frequency_per_day", 3.0, (1.0, "/day")),
    ("deploy_frequency_per_day", 1.0, (1.0, "/day")),
    ("deploy_frequency_per_day", 0.5, (7.0, "/week")),
    ("deploy_frequency_per_day", 1 / 7, (7.0, "/week")),
    ("throughput_per_day", 0.1, (DAYS_PER_MONTH, "/month")),
    ("deploy_frequency_per_day", 0.01, (365.25, "/year")),
    ("deploy_frequency_per_day", math.nan, (1.0, "/day")),
    # Durations: minutes below an hour, hours below two days, days below ten weeks.
    ("lead_time_hours", 0.5, (60.0, " min")),
    ("lead_time_hours", 1.0, (1.0, " h")),
    ("time_to_restore_hours", 47.9, (1.0, " h")),
    ("lead_time_hours", 48.0, (1 / 24, " days")),
    ("flow_lead_time_hours", 24 * 70.0, (1 / 168, " weeks")),
    ("lead_time_hours", math.nan, (1.0, " h")),
    # Shares as percentages, whatever the value.
    ("change_failure_rate", 0.123, (100.0, "%")),
    ("utilisation_dev", math.nan, (100.0, "%")),
    # Money and counts keep their value.
    ("cost_per_change", 2500.0, (1.0, "")),
    ("mean_wip", 4.0, (1.0, " changes")),
    ("incidents_per_week", 0.7, (1.0, "/week")),
])
def test_scale_for_picks_a_readable_unit(key, value, scale):
    factor, suffix = scale_for(key, value)
    assert suffix == scale[1]
    assert factor == pytest.approx(scale[0], rel=1e-12)


@pytest.mark.parametrize("key, value, text", [
    ("deploy_frequency_per_day", 3.0, "3.00/day"),
    ("deploy_frequency_per_day", 20.0, "20.0/day"),
    ("deploy_frequency_per_day", 1500.0, "1,500/day"),
    ("deploy_frequency_per_day", 0.5, "3.50/week"),         # 0.5 x 7
    ("deploy_frequency_per_day", 0.1, "3.04/month"),        # 0.1 x 30.44
    ("deploy_frequency_per_day", 0.01, "3.65/year"),        # 0.01 x 365.25
    ("throughput_per_day", 2.214, "2.21/day"),
    ("lead_time_hours", 0.5, "30.0 min"),
    ("lead_time_hours", 5.0, "5.00 h"),
    ("lead_time_hours", 72.0, "3.00 days"),
    ("lead_time_hours", 700.0, "29.2 days"),                # 700 / 24
    ("lead_time_hours", 2400.0, "14.3 weeks"),              # 2400 / 168
    ("change_failure_rate", 0.05, "5.0%"),
    ("change_failure_rate", 0.123, "12%"),
    ("flow_efficiency", 1.0, "100%"),
    ("rework_rate", 0.0, "0%"),
    ("cost_per_change", 2500.4, "2,500"),
    ("cost_per_change", 123456.7, "123,457"),
    ("mean_wip", 4.0, "4.00 changes"),
    ("mean_wip", 12.34, "12.3 changes"),
    ("effort_person_hours_per_change", 150.0, "150 person-hours"),
    ("incidents_per_week", 0.7, "0.70/week"),
    ("utilisation_ops", 0.456, "46%"),
    ("lead_time_hours", math.nan, "n/a"),
    ("change_failure_rate", None, "n/a"),
    ("deploy_frequency_per_day", math.inf, "n/a"),
])
def test_format_value(key, value, text):
    assert format_value(key, value) == text
    assert format_cell(key, value) == text  # no interval: the same text


def test_format_cell_shows_the_interval_in_the_means_unit():
    assert format_cell("deploy_frequency_per_day", 3.0, 2.5, 3.5) == "3.00/day [2.50, 3.50]"
    assert format_cell("lead_time_hours", 72.0, 70.0, 74.0) == "3.00 days [2.92, 3.08]"
    assert format_cell("change_failure_rate", 0.05, 0.04, 0.061) == "5.0% [4.0, 6.1]"
    # One replication (NaN bounds): no interval; a NaN mean: n/a whatever the bounds.
    assert format_cell("lead_time_hours", 5.0, math.nan, math.nan) == "5.00 h"
    assert format_cell("lead_time_hours", 5.0, 4.0, math.nan) == "5.00 h"
    assert format_cell("lead_time_hours", math.nan, 1.0, 2.0) == "n/a"


def test_a_forced_scale_and_no_unit():
    days = (1 / 24, " days")
    assert format_cell("lead_time_hours", 5.0, scale=days) == "0.21 days"
    assert format_cell("lead_time_hours", 5.0, unit=False) == "5.00"
    assert format_value("lead_time_hours", 72.0, scale=days, unit=False) == "3.00"


@pytest.mark.parametrize("key, value, parts", [
    ("deploy_frequency_per_day", 2.214, ("2.21", "deploys/day")),
    ("deploy_frequency_per_day", 0.5, ("3.50", "deploys/week")),
    ("throughput_per_day", 0.01, ("3.65", "changes/year")),
    ("lead_time_hours", 700.0, ("29.2", "days")),
    ("time_to_restore_hours", 0.5, ("30.0", "minutes")),
    ("lead_time_hours", 5.0, ("5.00", "hours")),
    ("lead_time_hours", 2400.0, ("14.3", "weeks")),
    ("change_failure_rate", 0.39, ("39%", "of deploys")),   # a share keeps its %
    ("cost_per_change", 2500.0, ("2,500", "currency")),
    ("mean_wip", 4.0, ("4.00", "changes")),
    ("lead_time_hours", math.nan, ("n/a", "hours")),
])
def test_value_parts_for_a_tile(key, value, parts):
    assert value_parts(key, value) == parts


def test_unit_words_follow_the_scale():
    assert unit_words("deploy_frequency_per_day", 0.01) == "deploys/year"
    assert unit_words("lead_time_hours", scale=(1 / 24, " days")) == "days"
    assert unit_words("escaped_defect_rate", 0.2) == "of changes"


def test_column_titles_carry_the_unit():
    m = METRICS["lead_time_hours"]
    assert column_title("lead_time_hours") == f"{m.short} (hours)"
    assert column_title("lead_time_hours", (1 / 24, " days")) == f"{m.short} (days)"
    # A name that ends in brackets takes the unit inside them: one pair, not two.
    assert column_title("lead_time_hours", short=False) == "Lead time for changes (median, hours)"
    cfr = METRICS["change_failure_rate"]
    assert column_title("change_failure_rate") == f"{cfr.short} (%)"
    df = METRICS["deploy_frequency_per_day"]
    assert column_title("deploy_frequency_per_day", (7.0, "/week")) == f"{df.short} (deploys/week)"
    cost = METRICS["cost_per_change"]
    assert column_title("cost_per_change") == f"{cost.short} (currency)"
    assert column_title("scenario") == "scenario"  # not a metric: as it is


# --- tables ---------------------------------------------------------------------------------------

def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "scenario": ["a", "b", "c"], "replication": [0, 1, 2],
        "lead_time_hours": [72.0, 96.0, math.nan],
        "change_failure_rate": [0.1, 0.2, 0.3],
        "deploy_frequency_per_day": [0.5, 0.4, 0.3],
        "utilisation_dev": [0.5, 0.6, 0.7],
        "cost_per_change": [1000.4, 2000.6, 3000.0],
    }, index=[10, 11, 12])


def test_display_table_renames_and_rescales_each_metric_column():
    frame = _frame()
    before = frame.copy()
    t = display_table(frame)
    pd.testing.assert_frame_equal(frame, before)  # the input is left alone
    lead = column_title("lead_time_hours", (1 / 24, " days"))
    cfr = column_title("change_failure_rate")
    freq = column_title("deploy_frequency_per_day", (7.0, "/week"))
    util = column_title("utilisation_dev")
    cost = column_title("cost_per_change")
    assert list(t.columns) == ["scenario", "replication", lead, cfr, freq, util, cost]
    assert list(t.index) == [10, 11, 12]
    assert t["scenario"].tolist() == ["a", "b", "c"]
    assert t["replication"].tolist() == [0, 1, 2]
    # One unit per column, chosen from its median: lead time 72 and 96 h -> 3 and 4 days.
    assert t[lead].iloc[:2].tolist() == [3.0, 4.0] and math.isnan(t[lead].iloc[2])
    assert t[cfr].tolist() == pytest.approx([10.0, 20.0, 30.0])
    assert t[freq].tolist() == pytest.approx([3.5, 2.8, 2.1])
    assert t[util].tolist() == pytest.approx([50.0, 60.0, 70.0])
    assert t[cost].tolist() == [1000.0, 2001.0, 3000.0]  # money in whole units
    assert all(pd.api.types.is_float_dtype(t[c]) for c in (lead, cfr, freq, util, cost))


def test_display_table_long_names():
    t = display_table(_frame(), short=False)
    assert METRICS["change_failure_rate"].name + " (%)" in t.columns


def test_summary_table_one_row_per_scenario_one_cell_per_metric():
    summary = pd.DataFrame({
        "scenario": ["a", "a", "b", "b"],
        "metric": ["lead_time_hours", "change_failure_rate"] * 2,
        "mean": [72.0, 0.1, 5.0, math.nan], "ci_low": [70.0, 0.08, 4.0, math.nan],
        "ci_high": [74.0, 0.12, 6.0, math.nan], "n": [3, 3, 3, 3]})
    t = summary_table(summary)
    lead = column_title("lead_time_hours", (1 / 24, " days"))  # the upper median, 72 h
    cfr = column_title("change_failure_rate")
    assert list(t.columns) == [lead, cfr] and list(t.index) == ["a", "b"]
    assert t.index.name == "scenario"
    # 5 h in the column's unit (days): 0.21 [0.17, 0.25].
    assert t.loc["a", lead] == "3.00 [2.92, 3.08]" and t.loc["b", lead] == "0.21 [0.17, 0.25]"
    assert t.loc["a", cfr] == "10 [8, 12]" and t.loc["b", cfr] == "n/a"


def test_a_difference_of_shares_is_in_percentage_points_with_signs():
    from devsim.registry import format_difference

    assert format_difference("change_failure_rate", -0.23, -0.43, -0.03) == "-23 pts [-43, -3]"
    assert format_difference("lead_time_hours", -303.0, -321.0, -285.0) == \
        "-12.6 days [-13.4, -11.9]"
    assert format_difference("lead_time_hours", 0.5).startswith("+30")
    assert format_difference("lead_time_hours", float("nan")) == "n/a"
