"""Plain-text tables (devsim.report): dora_table, sweep_table, describe_changes.

No simulation: Results are built by hand with known means, so the clusters are certain.
The number formatting itself belongs to devsim.registry (tested in test_registry.py); here
a cell is compared with that formatter's text for the right numbers, and otherwise the
tests check structure: scenario names, cluster words, intervals, the footer's rule and
source.
"""
from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from devsim import dora, presets
from devsim.experiment import Results, mean_ci
from devsim.registry import metric, scale_for
from devsim.report import (DORA_ROWS, FLOW_ROWS, describe_changes, dora_table, format_cell,
                           sweep_table)

CLUSTER_WORDS = ("Elite", "High", "Medium", "Low")
WOBBLE = (0.9, 1.0, 1.1)   # three replications around each mean
WIDE = 200                 # every scenario side by side (blocks are tested on their own)

GOOD = dict(deploy_frequency_per_day=3.0, lead_time_hours=10.0, lead_time_p90_hours=30.0,
            change_failure_rate=0.05, time_to_restore_hours=0.5, rework_rate=0.02,
            recovery_time_hours=0.4, failures_per_change=0.05, unplanned_deploys_per_week=0.5,
            flow_lead_time_hours=20.0, throughput_per_day=3.0, mean_wip=4.0,
            flow_efficiency=0.6, unplanned_work_share=0.1, cost_per_change=2500.0)
# 2019 clusters: frequency 0.02/day Low (monthly to every 6 months); lead time 40 days Low;
# change failure 70% beyond Low's 46-60%; no incident, so no time to restore.
POOR = dict(deploy_frequency_per_day=0.02, lead_time_hours=24 * 40.0,
            lead_time_p90_hours=24 * 60.0, change_failure_rate=0.7,
            time_to_restore_hours=math.nan, rework_rate=0.5, flow_lead_time_hours=24 * 50.0,
            recovery_time_hours=240.0, failures_per_change=0.4, unplanned_deploys_per_week=2.0,
            throughput_per_day=0.5, mean_wip=30.0, flow_efficiency=0.1,
            unplanned_work_share=0.3, cost_per_change=9000.0)


def _results(means: dict[str, dict], reps=WOBBLE, extra=None) -> Results:
    rows = []
    for name, base in means.items():
        for r, wobble in enumerate(reps):
            rows.append({"scenario": name, "replication": r, "seed": 1,
                         **(extra or {}).get(name, {}),
                         **{k: v * wobble for k, v in base.items()}})
    return Results(frame=pd.DataFrame(rows), scenarios={}, seed=1)


def _row(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(label))


def _tags(text: str, label: str) -> list[str]:
    """The words in the "cluster" columns of a row of a dora_table."""
    sub = next(line for line in text.splitlines() if "mean [95% CI]" in line)
    row = _row(text, label)
    starts = [i for i in range(len(sub)) if sub.startswith("cluster", i)]
    return [row[i:].split()[0] if row[i:].strip() else "" for i in starts]


def _unwrapped(text: str) -> str:
    return text.replace("\n  ", " ")


def _cell(results: Results, name: str, key: str) -> str:
    values = results.frame.loc[results.frame["scenario"] == name, key]
    # A count's unit is in its row label, not in the cell.
    return format_cell(key, *mean_ci(values), unit=metric(key).kind != "count")


# --- dora_table --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two() -> Results:
    return _results({"good": GOOD, "poor": POOR})


def test_dora_table_has_a_column_group_per_scenario(two):
    text = dora_table(two, 2019, width=WIDE)
    lines = text.splitlines()
    assert lines[0].startswith("2 scenarios, 3 replications each, seed 1")
    header = lines[2]
    assert header.split() == ["good", "poor"]
    assert header.index("good") < header.index("poor")
    assert "mean [95% CI]" in lines[3] and "cluster" in lines[3]


def test_dora_table_cells_are_the_mean_and_interval_of_the_replications(two):
    text = dora_table(two, 2019, width=WIDE)
    for key, label in DORA_ROWS + FLOW_ROWS:
        row = _row(text, label)
        for name in ("good", "poor"):
            cell = _cell(two, name, key)
            assert cell in row, (label, name, cell, row)
        if not (key == "time_to_restore_hours"):
            assert row.count("[") == 2 and row.count("]") == 2, row  # an interval each


def test_dora_table_clusters_each_key_and_overall_is_the_weakest(two):
    text = dora_table(two, 2019, width=WIDE)
    expected = {
        "deploy_frequency_per_day": ["Elite", "Low"],
        "lead_time_hours": ["Elite", "Low"],
        "change_failure_rate": ["Elite", "Low*"],   # 70% is beyond Low's published band
        "time_to_restore_hours": ["Elite", "n/a"],  # no incident: no value, no cluster
    }
    labels = dict(DORA_ROWS)
    for key, words in expected.items():
        assert _tags(text, labels[key]) == words, key
    assert _tags(text, "Overall (DORA 2019)") == ["Elite", "Low"]
    for key in ("rework_rate", "lead_time_p90_hours"):   # no published clusters
        assert _tags(text, labels[key]) == ["-", "-"], key
        assert not any(w in _row(text, labels[key]) for w in CLUSTER_WORDS)
    for _, label in FLOW_ROWS:
        assert not any(w in _row(text, label) for w in CLUSTER_WORDS)


def test_dora_table_footer_states_the_rule_and_the_source(two):
    text = _unwrapped(dora_table(two, 2019, width=WIDE))
    assert f"Clusters: DORA 2019 bands, from {dora.source(2019)}." in text
    assert f"Rule: {dora.RULE}" in text
    assert "* worse than the published low band, so Low." in text
    assert "second-hand" not in text
    # Without a starred value the star's note is left out.
    only_good = _unwrapped(dora_table(_results({"good": GOOD}), 2019))
    assert "* worse" not in only_good


def test_dora_table_of_a_second_hand_year_says_so_and_uses_its_clusters(two):
    text = dora_table(two, 2022, width=WIDE)
    assert "second-hand" in _unwrapped(text)
    assert "Elite" not in text  # 2022 published no elite cluster
    assert _tags(text, "Overall (DORA 2022)") == ["High", "Low"]


def test_dora_table_classifies_each_years_own_restore_metric(two):
    # Up to 2022 time to restore service is classified; from 2023 failed deployment
    # recovery time (DORA's name and definition from then on), the other shown with "-".
    rows = dict(DORA_ROWS)
    text = dora_table(two, 2023, width=WIDE)
    assert rows["recovery_time_hours"].startswith("Recovery time")
    assert _tags(text, rows["recovery_time_hours"]) == ["Elite", "Low"]
    assert _tags(text, rows["time_to_restore_hours"]) == ["-", "-"]
    older = dora_table(two, 2019, width=WIDE)
    assert _tags(older, rows["recovery_time_hours"]) == ["-", "-"]
    assert _tags(older, rows["time_to_restore_hours"])[0] == "Elite"


def test_dora_table_keeps_to_the_width_starting_new_blocks():
    many = _results({f"scenario {i}": GOOD for i in range(4)})
    for width in (80, 100, 140):
        text = dora_table(many, 2019, width=width)
        assert max(len(line) for line in text.splitlines()) <= width
    narrow = dora_table(many, 2019, width=80)
    # Every scenario appears in a header, and there is more than one block.
    headers = [line for line in narrow.splitlines() if line.strip().startswith("scenario ")]
    assert len(headers) > 1
    assert [w for h in headers for w in h.split() if w.isdigit()] == ["0", "1", "2", "3"]


def test_dora_table_of_one_replication_has_no_intervals():
    text = dora_table(_results({"once": GOOD}, reps=(1.0,)), 2019)
    assert text.splitlines()[0].startswith("1 scenario, 1 replication each, seed 1")
    assert "common random numbers" not in text.splitlines()[0]
    body = text.split("\n\n")[1]
    assert "[" not in body.split("mean [95% CI]", 1)[1]


def test_dora_table_refuses_an_unknown_year(two):
    with pytest.raises(ValueError, match="^year: 2020"):
        dora_table(two, 2020)


# --- sweep_table ---------------------------------------------------------------------------------------

FIELD = "handoff_delay_hours"
SWEPT = {0.0: GOOD, 8.0: {**GOOD, "lead_time_hours": 100.0}, 0.30000000000000004: POOR}


@pytest.fixture(scope="module")
def swept() -> Results:
    names = {v: f"siloed {FIELD}={v}" for v in SWEPT}
    return _results({names[v]: m for v, m in SWEPT.items()},
                    extra={names[v]: {FIELD: v} for v in SWEPT})


def _body(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---"))
    end = lines.index("", start)
    return lines[start + 1:end]


def test_sweep_table_title_names_the_field_and_the_run(swept):
    text = sweep_table(swept, FIELD, ["lead_time_hours", "change_failure_rate"])
    assert text.splitlines()[0].startswith(
        f"siloed: {FIELD} swept over 3 values, 3 replications each, seed 1")


def test_sweep_table_has_a_row_per_value_and_a_column_per_metric(swept):
    keys = ["lead_time_hours", "change_failure_rate", "deploy_frequency_per_day"]
    text = sweep_table(swept, FIELD, keys)
    lines = text.splitlines()
    head = next(line for line in lines if "DORA" in line and line.startswith(" "))
    for key in keys:
        assert metric(key).short in head
    assert head.rstrip().endswith("DORA")
    assert "(2019)" in lines[lines.index(head) + 1]
    rows = _body(text)
    # Values as a person types them: 0, 8, 0.3 (not 0.0, 8.0, 0.30000000000000004).
    assert [r.split()[0] for r in rows] == ["0", "8", "0.3"]
    for row in rows:
        assert row.count("[") == len(keys), row   # one interval per metric
    # Overall cluster per value (2019): lead time 100 h makes the second High; POOR is Low.
    assert [r.split()[-1] for r in rows] == ["Elite", "High", "Low"]


def test_sweep_table_keeps_one_unit_per_column(swept):
    text = sweep_table(swept, FIELD, ["lead_time_hours"])
    rows = _body(text)
    # Lead times 10 h, 100 h, 960 h: the median (100 h) sets the unit for all three rows, so
    # each row's number is its value in that one unit.
    factor = scale_for("lead_time_hours", 100.0)[0]
    firsts = [float(r.split()[1].replace(",", "")) for r in rows]
    assert firsts == pytest.approx([10.0 * factor, 100.0 * factor, 960.0 * factor], rel=0.01)


def test_sweep_table_footer_states_the_rule_and_the_source(swept):
    text = _unwrapped(sweep_table(swept, FIELD, ["lead_time_hours"], 2024))
    assert f"Clusters: DORA 2024 bands, from {dora.source(2024)}." in text
    assert f"Rule: {dora.RULE}" in text


def test_sweep_table_refuses_a_metric_not_in_the_results(swept):
    with pytest.raises(ValueError) as info:
        sweep_table(swept, FIELD, ["lead_time_hours", "mttr"])
    message = str(info.value)
    assert message.startswith("metric: 'mttr'") and "lead_time_hours" in message
    assert FIELD in message.split("available:")[1]


# --- describe_changes -------------------------------------------------------------------------------------

def test_describe_changes_lists_changed_fields_in_declaration_order():
    base = presets()["siloed"]
    s = replace(base, name="other", test_automation=0.30000000000000004, approval="peer",
                n_developers=8)
    assert describe_changes(s, base) == "n_developers=8, approval=peer, test_automation=0.3"


def test_describe_changes_of_the_same_design_is_the_baseline():
    base = presets()["siloed"]
    assert describe_changes(replace(base, name="renamed"), base) == "(baseline)"


def test_describe_changes_of_a_preset_names_exactly_its_changes():
    p = presets()
    text = describe_changes(p["devsecops"], p["collaborative"])
    assert text == "security_scanning=0.9, security_review_share=0.05"
    parts = dict(item.split("=", 1) for item in describe_changes(p["collaborative"], p["siloed"]).split(", "))
    assert parts["organisation"] == "collaborative" and parts["release_interval_days"] == "0"
    assert parts["change_size_person_hours"] == "8" and parts["arrival_rate_per_day"] == "2"
    assert "name" not in parts


def test_wrapped_footer_lines_are_indented():
    # The footer wraps long sentences with a two-space indent (what _unwrapped undoes).
    text = dora_table(_results({"good": GOOD}), 2019, width=60)
    footer = text.split("Clusters:", 1)[1]
    assert any(line.startswith("  ") for line in footer.splitlines()[1:])
    assert max(len(line) for line in ("Clusters:" + footer).splitlines()) <= 60
