"""DORA performance clusters (devsim.dora): the published bands as data, and the rule.

The rule (devsim.dora.RULE), checked on hand-picked values of the bands in
devsim/data/dora_clusters.yaml:

* bar rule: a value gets the best cluster whose bar (the worse edge of its band) it meets;
  a value in a gap between bands gets the worse neighbour, one where bands overlap the
  better cluster; a value worse than every bar is the last cluster, with a note;
* typical-value rule (change failure rate in 2023 and 2024): the nearest typical value, a
  tie to the worse cluster;
* overall: the weakest key.

Comparisons are exact (the cluster is a word).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from devsim import dora
from devsim.dora import (KEYS, REPORT_YEARS, keys, RULE, Classification, bands, classify,
                         classify_all, overall_cluster, source)


# --- the classification rule (moved from test_validation.py) ----------------------------------

@pytest.mark.parametrize("metric, value, year, cluster", [
    # Bar rule: a value exactly on a cluster's bar belongs to it.
    ("lead_time_hours", 24.0, 2019, "elite"),
    ("lead_time_hours", 24.001, 2019, "high"),
    ("lead_time_hours", 168.0, 2019, "high"),
    ("lead_time_hours", 720.0, 2019, "medium"),
    ("lead_time_hours", 721.0, 2019, "low"),
    ("deploy_frequency_per_day", 1.0, 2019, "elite"),
    ("deploy_frequency_per_day", 0.99, 2019, "high"),
    ("deploy_frequency_per_day", 1 / 7, 2019, "high"),
    ("deploy_frequency_per_day", 0.1, 2019, "medium"),
    ("deploy_frequency_per_day", 0.02, 2019, "low"),
    ("time_to_restore_hours", 1.0, 2019, "elite"),
    # Gap (2019 CFR: nothing between 15% and 46%): the worse neighbour.
    ("change_failure_rate", 0.15, 2019, "elite"),
    ("change_failure_rate", 0.16, 2019, "low"),
    ("change_failure_rate", 0.30, 2019, "low"),
    # Overlap (2019 restore: High and Medium both "< 1 day"): the better cluster.
    ("time_to_restore_hours", 10.0, 2019, "high"),
    ("time_to_restore_hours", 24.0, 2019, "high"),
    ("time_to_restore_hours", 48.0, 2019, "low"),
    # 2021 has an open-ended Low band.
    ("lead_time_hours", 1e6, 2021, "low"),
    # 2022 has no elite cluster.
    ("deploy_frequency_per_day", 5.0, 2022, "high"),
    # Typical-value rule (2023 and 2024 CFR): the nearest typical value.
    ("change_failure_rate", 0.0, 2023, "elite"),
    ("change_failure_rate", 0.07, 2023, "elite"),
    ("change_failure_rate", 0.11, 2023, "high"),
    ("change_failure_rate", 0.39, 2023, "medium"),
    ("change_failure_rate", 0.40, 2023, "low"),
    ("change_failure_rate", 0.12, 2024, "medium"),  # 2024: medium's 10% is below high's 20%
    ("change_failure_rate", 0.17, 2024, "high"),
    ("change_failure_rate", 0.9, 2024, "low"),
])
def test_classify_band_edges_gaps_overlaps_and_typical_values(metric, value, year, cluster):
    """Exact: the documented rule (devsim.dora.RULE) applied to hand-picked values."""
    c = classify(metric, value, year)
    assert c.cluster == cluster, c
    assert c.year == year and c.metric == metric
    assert c.label == cluster.capitalize()


def test_classify_beyond_the_worst_band_says_so():
    c = classify("deploy_frequency_per_day", 0.001, 2019)
    assert c.cluster == "low" and "beyond" in c.note


@pytest.mark.parametrize("value", [math.nan, None, np.float64("nan")])
def test_classify_without_a_value_gives_no_cluster(value):
    c = classify("time_to_restore_hours", value, 2019)
    assert c.cluster is None and c.label == "n/a"


@pytest.mark.parametrize("value, year, cluster", [
    (3 / 40, 2023, "high"),   # halfway between elite's 5% and high's 10%
    (0.30, 2024, "low"),      # halfway between high's 20% and low's 40%
])
def test_classify_typical_value_tie_goes_to_the_worse_cluster(value, year, cluster):
    assert classify("change_failure_rate", value, year).cluster == cluster


def test_overall_cluster_is_the_weakest_key():
    values = {"deploy_frequency_per_day": 3.0, "lead_time_hours": 10.0,
              "time_to_restore_hours": 0.5, "change_failure_rate": 0.30}
    classes = classify_all(values, 2019)
    assert set(classes) == set(KEYS)
    assert overall_cluster(classes, 2019) == "low"
    values["change_failure_rate"] = 0.05
    assert overall_cluster(classify_all(values, 2019), 2019) == "elite"
    assert overall_cluster({}, 2019) is None
    assert "weakest" in RULE


def test_classify_rejects_unknown_metric_and_year():
    with pytest.raises(ValueError, match="metric"):
        classify("mttr", 1.0)
    with pytest.raises(ValueError, match="year"):
        classify("lead_time_hours", 1.0, 2020)




def test_report_years_are_the_years_in_the_data():
    """REPORT_YEARS (kept as a constant so importing devsim reads no file) lists exactly the
    years of devsim/data/dora_clusters.yaml."""
    assert tuple(sorted(dora._data())) == dora.REPORT_YEARS


# --- more of the rule -------------------------------------------------------------------------

def test_a_gap_between_bands_gives_the_worse_neighbour_in_every_direction():
    # 2019 lead time: elite <= 24 h, high <= 168 h; 100 h is past elite's bar: High.
    assert classify("lead_time_hours", 100.0, 2019).cluster == "high"
    # 2021 lead time has a gap between high (1 day - 1 week) and medium (1 - 6 months):
    # 500 h (3 weeks) meets only medium's bar.
    assert classify("lead_time_hours", 500.0, 2021).cluster == "medium"
    # 2021 lead time: elite is "< 1 hour", high starts at 1 day: 2 h is High, not Elite.
    assert classify("lead_time_hours", 2.0, 2021).cluster == "high"
    # Higher is better: 2019 deploy frequency just under the daily bar is High.
    assert classify("deploy_frequency_per_day", 0.999, 2019).cluster == "high"


def test_an_overlap_goes_to_the_better_cluster_in_every_year_that_has_one():
    # 2024 restore: High and Medium both "< 1 day"; 2019 change failure: elite, high and
    # medium all "0-15%".
    assert classify("recovery_time_hours", 23.0, 2024).cluster == "high"
    assert classify("change_failure_rate", 0.10, 2019).cluster == "elite"
    # 2023 deploy frequency: medium and low share "weekly to monthly": Medium.
    assert classify("deploy_frequency_per_day", 0.05, 2023).cluster == "medium"


def test_beyond_the_low_band_is_low_with_a_note_and_inside_it_has_none():
    for metric, value, year in [("lead_time_hours", 5000.0, 2019),
                                ("change_failure_rate", 0.7, 2019),
                                ("time_to_restore_hours", 1000.0, 2022),
                                ("deploy_frequency_per_day", 0.001, 2024)]:
        c = classify(metric, value, year)
        assert c.cluster == bands(year)["clusters"][-1], (metric, year)
        assert c.note == "beyond the published low band", (metric, year)
    inside = classify("lead_time_hours", 1000.0, 2019)
    assert inside.cluster == "low" and inside.note == ""
    # 2021's low bands are open-ended (bar infinity): nothing is beyond them.
    assert classify("lead_time_hours", 1e9, 2021).note == ""


def test_a_classification_carries_the_published_band_text():
    c = classify("lead_time_hours", 100.0, 2019)
    assert c == Classification("lead_time_hours", 100.0, "high", "1 day - 1 week", 2019)
    typical = classify("change_failure_rate", 0.06, 2023)
    assert typical.cluster == "elite" and typical.band == "5%"
    assert typical.note == "nearest typical value"
    none = classify("lead_time_hours", math.nan, 2019)
    assert none.band == "" and math.isnan(none.value) and none.note == "no data in this run"


def test_classify_all_takes_only_the_four_keys_present():
    values = {"lead_time_hours": 10.0, "rework_rate": 0.1, "change_failure_rate": 0.5}
    classes = classify_all(values, 2019)
    assert set(classes) == {"lead_time_hours", "change_failure_rate"}
    assert classes["lead_time_hours"].cluster == "elite"
    assert classes["change_failure_rate"].cluster == "low"


def test_overall_ignores_keys_without_a_value():
    values = {"deploy_frequency_per_day": 2.0, "lead_time_hours": 100.0,
              "time_to_restore_hours": math.nan, "change_failure_rate": 0.05}
    assert overall_cluster(classify_all(values, 2019), 2019) == "high"
    nothing = {k: math.nan for k in KEYS}
    assert overall_cluster(classify_all(nothing, 2019), 2019) is None


def test_overall_uses_the_years_cluster_order():
    # 2022 has no elite: the best a team can be is High.
    values = {"deploy_frequency_per_day": 5.0, "lead_time_hours": 10.0,
              "time_to_restore_hours": 0.5, "change_failure_rate": 0.01}
    assert overall_cluster(classify_all(values, 2022), 2022) == "high"
    assert overall_cluster(classify_all(values, 2019), 2019) == "elite"


# --- the data -----------------------------------------------------------------------------------

@pytest.mark.parametrize("year", REPORT_YEARS)
def test_every_report_year_loads_with_a_source_and_every_key(year):
    table = bands(year)
    assert source(year) == table["source"] and len(source(year)) > 10
    assert str(year) in source(year)
    assert isinstance(table["second_hand"], bool)
    assert ("second-hand" in source(year)) == table["second_hand"]
    order = table["clusters"]
    assert order[-1] == "low" and "high" in order and len(set(order)) == len(order)
    for key in keys(year):
        spec = table[key]
        assert spec["better"] in ("higher", "lower"), (year, key)
        rule = {"bar" if "bar" in spec[c] else "typical" for c in order}
        assert len(rule) == 1, (year, key)  # one rule per metric and year
        assert all(spec[c]["text"] for c in order), (year, key)
        if rule == {"bar"}:
            # Bars never get stricter down the order (better cluster = harder bar).
            bars = [spec[c]["bar"] for c in order]
            worse = sorted(bars, reverse=spec["better"] == "higher")
            assert bars == worse, (year, key, bars)


def test_every_value_of_every_year_gets_one_of_that_years_clusters():
    for year in REPORT_YEARS:
        order = bands(year)["clusters"]
        for key in keys(year):
            for value in (0.0, 0.01, 0.2, 1.0, 5.0, 30.0, 500.0, 1e5):
                assert classify(key, value, year).cluster in order, (year, key, value)


@pytest.mark.parametrize("year", [2020, 1999, "2019"])
def test_a_bad_year_is_refused_naming_the_argument_and_the_years(year):
    with pytest.raises(ValueError) as info:
        bands(year)
    message = str(info.value)
    assert message.startswith(f"year: {year!r}"), message
    assert all(str(y) in message for y in REPORT_YEARS)
    with pytest.raises(ValueError, match="^year: "):
        source(year)
    with pytest.raises(ValueError, match="^year: "):
        overall_cluster({}, year)


@pytest.mark.parametrize("metric", ["rework_rate", "mttr", "lead_time_p90_hours"])
def test_a_metric_without_clusters_is_refused_naming_the_argument_and_the_keys(metric):
    with pytest.raises(ValueError) as info:
        classify(metric, 1.0, 2019)
    message = str(info.value)
    assert message.startswith(f"metric: {metric!r}"), message
    assert all(k in message for k in KEYS)


def test_the_rule_is_stated_for_people():
    assert "bar" in RULE and "nearest" in RULE and "weakest" in RULE
    assert "Overall" in RULE and RULE == dora.RULE


def test_each_year_classifies_its_own_restore_metric():
    # Time to restore service (2019-2022) and failed deployment recovery time (2023-) are
    # two definitions: a year's bands classify only its own.
    assert keys(2019)[-1] == keys(2022)[-1] == "time_to_restore_hours"
    assert keys(2023)[-1] == keys(2024)[-1] == "recovery_time_hours"
    with pytest.raises(ValueError, match="recovery_time_hours.*2019 classifies time_to_restore"):
        classify("recovery_time_hours", 2.0, 2019)
    with pytest.raises(ValueError, match="2023 classifies recovery_time_hours"):
        classify("time_to_restore_hours", 2.0, 2023)
    values = {"time_to_restore_hours": 30.0, "recovery_time_hours": 0.5}
    assert set(classify_all(values, 2019)) == {"time_to_restore_hours"}
    assert classify_all(values, 2023)["recovery_time_hours"].cluster == "elite"
