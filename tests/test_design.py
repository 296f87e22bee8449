"""Design rules (devsim.design): which fields a design may change, and why an answer breaks them.

The exercises and the team challenge judge answers with these rules; here they are checked
directly, on Scenarios built by hand (no simulation).
"""
from __future__ import annotations

from dataclasses import fields, replace

import pytest

from devsim.design import (DEMAND_TOLERANCE, DESIGN_FIELDS, changed_fields, design_violations,
                           format_field_value, same_design)
from devsim.scenario import Scenario, presets, with_change_size

START = presets()["siloed"]
AUTOMATION_FIELDS = ("test_automation", "deployment_automation", "environment_automation",
                     "monitoring", "security_scanning")


# --- changed_fields and same_design ----------------------------------------------------------------

def test_changed_fields_gives_old_and_new_values_ignoring_the_name():
    answer = replace(START, name="mine", n_developers=8, approval="peer")
    assert changed_fields(START, answer) == {"n_developers": (6, 8), "approval": ("cab", "peer")}
    assert changed_fields(START, replace(START, name="renamed")) == {}
    # In declaration order, whatever order they were changed in.
    answer = replace(START, monitoring=0.5, organisation="siloed", n_ops=3)
    assert list(changed_fields(START, answer)) == ["n_ops", "monitoring"]


def test_same_design_ignores_only_the_name():
    assert same_design(START, replace(START, name="copy"))
    assert not same_design(START, replace(START, wip_limit=5))
    assert not same_design(presets()["collaborative"], presets()["collaborative_cab"])


def test_design_fields_are_scenario_fields_that_an_organisation_chooses():
    names = {f.name for f in fields(Scenario)}
    assert set(DESIGN_FIELDS) <= names
    assert len(set(DESIGN_FIELDS)) == len(DESIGN_FIELDS)
    # The work, the people's skills, the users and the run are not design.
    for given in ("arrival_rate_per_day", "defect_rate_per_hour", "horizon_days", "name",
                  "incident_onset_hours", "cost_per_person_hour"):
        assert given not in DESIGN_FIELDS


def test_field_values_are_written_as_a_person_types_them():
    assert format_field_value(0.5) == "0.5"
    assert format_field_value(28.0) == "28"
    assert format_field_value("cab") == "'cab'"
    assert format_field_value(6) == "6"


# --- design_violations -------------------------------------------------------------------------------

def test_a_valid_design_change_has_no_violation():
    answer = replace(START, approval="peer", test_automation=0.8, release_interval_days=0.0)
    assert design_violations(START, answer) == []
    assert design_violations(START, START) == []


def test_a_field_outside_the_allowed_set_is_named_with_its_old_and_new_value():
    answer = replace(START, n_developers=8, test_automation=0.6)
    out = design_violations(START, answer, allowed=AUTOMATION_FIELDS,
                            allowed_text="automation fields")
    assert len(out) == 1
    msg = out[0]
    assert "You changed n_developers (6 → 8)" in msg
    assert "test_automation" not in msg.split("but")[0]   # allowed: not blamed
    assert "automation fields: " + ", ".join(AUTOMATION_FIELDS) in msg


def test_a_field_that_describes_the_work_is_not_design():
    out = design_violations(START, replace(START, defect_rate_per_hour=0.0))
    assert len(out) == 1
    assert "defect_rate_per_hour (0.02 → 0)" in out[0] and "design fields" in out[0]


def test_a_new_batch_size_with_the_same_demand_is_allowed():
    assert design_violations(START, with_change_size(START, 4.0)) == []
    # Within the tolerance (1%): a rounded arrival rate is fine.
    nearly = replace(START, change_size_person_hours=8.0, arrival_rate_per_day=1.995)
    assert abs(nearly.demand_person_hours_per_day - 16.0) < DEMAND_TOLERANCE * 16.0
    assert design_violations(START, nearly) == []


def test_a_new_batch_size_that_changes_the_demand_is_refused_pointing_to_with_change_size():
    answer = replace(START, change_size_person_hours=8.0)   # half the work arrives
    out = design_violations(START, answer)
    assert len(out) == 1
    msg = out[0]
    assert "Your demand is 8 person-hours/day" in msg and "must deliver 16" in msg
    assert "with_change_size(s, 8)" in msg


def test_the_arrival_rate_alone_changes_the_demand():
    out = design_violations(START, replace(START, arrival_rate_per_day=2.0))
    assert len(out) == 1 and "Your demand is 32" in out[0]


def test_without_batch_size_in_the_allowed_set_the_arrival_rate_is_a_plain_violation():
    out = design_violations(START, with_change_size(START, 8.0), allowed=AUTOMATION_FIELDS,
                            allowed_text="automation fields")
    assert len(out) == 1
    assert "arrival_rate_per_day (1 → 2)" in out[0]
    assert "change_size_person_hours (16 → 8)" in out[0]
    assert "demand" not in out[0]


def test_headcount_over_the_budget_is_refused_with_the_sum_spelled_out():
    answer = replace(START, n_developers=8)   # 8 + 2 + 2 + 1 = 13
    out = design_violations(START, answer, max_people=12)
    assert out == ["Your organisation has 13 people (n_developers 8 + n_testers 2 + n_ops 2 "
                   "+ n_security 1); the budget is 12."]
    assert design_violations(START, answer, max_people=13) == []
    assert design_violations(START, answer) == []   # no budget: no limit


def test_a_cab_is_refused_when_the_exercise_asks_for_none():
    out = design_violations(START, START, no_cab=True)
    assert len(out) == 1 and "approval is 'cab'" in out[0] and "'peer'" in out[0]
    assert design_violations(START, replace(START, approval="none"), no_cab=True) == []


def test_every_broken_rule_gets_its_own_sentence_in_order():
    answer = replace(START, n_developers=9, change_size_person_hours=8.0,
                     defect_rate_per_hour=0.01)
    out = design_violations(START, answer, max_people=12, no_cab=True)
    assert len(out) == 4
    assert out[0].startswith("You changed defect_rate_per_hour")
    assert out[1].startswith("Your demand is")
    assert out[2].startswith("Your organisation has 14 people")
    assert out[3].startswith("approval is 'cab'")


@pytest.mark.parametrize("name", sorted(presets()))
def test_every_preset_is_a_design_of_the_baseline(name):
    """The presets change only design fields and keep the demand: each is a fair answer."""
    assert design_violations(START, presets()[name]) == []
