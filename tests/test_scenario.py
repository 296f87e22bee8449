"""The Scenario (devsim.scenario): validation, presets, field metadata and YAML files.

No simulation here. Messages are checked for what a learner needs: the field, the value
they gave and what is allowed.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import fields, replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from devsim.scenario import (FIELD_GROUPS, GROUP_TITLES, Scenario, ScenarioError, field_info,
                             load_scenario, presets, resolve_scenario, save_scenario,
                             scenario_from_dict, with_change_size)

INFO = field_info()
AUTOMATION = dict(test_automation=0.8, deployment_automation=0.9, environment_automation=0.9,
                  monitoring=0.9)


def _diff(a: Scenario, b: Scenario) -> dict:
    """Fields (name ignored) where b differs from a: name -> b's value."""
    return {f.name: getattr(b, f.name) for f in fields(Scenario)
            if f.name != "name" and getattr(a, f.name) != getattr(b, f.name)}


# --- one field at a time -------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, parts", [
    (dict(n_developers=0), ["n_developers: 0", "1 to 500", "people"]),
    (dict(n_developers=501), ["n_developers: 501", "1 to 500"]),
    (dict(n_developers=2.5), ["n_developers: 2.5", "whole number", "1 to 500"]),
    (dict(n_developers=True), ["n_developers: True", "whole number", "1 to 500"]),
    (dict(arrival_rate_per_day="x"), ["arrival_rate_per_day: 'x'", "0.01 to 200.0", "per day"]),
    (dict(monitoring=math.nan), ["monitoring: nan", "0.0 to 1.0", "share"]),
    (dict(horizon_days=math.inf), ["horizon_days: inf", "1.0 to 3650.0", "days"]),
    (dict(cab_rejection_rate=0.95), ["cab_rejection_rate: 0.95", "0.0 to 0.9"]),
    (dict(approval="board"), ["approval: 'board'", "'none', 'peer', 'cab'"]),
    (dict(organisation="flat"), ["organisation: 'flat'", "'siloed', 'collaborative'"]),
    (dict(name="  "), ["name: '  '", "non-empty"]),
])
def test_a_bad_value_is_refused_naming_field_value_and_range(kwargs, parts):
    with pytest.raises(ScenarioError) as info:
        Scenario(**kwargs)
    message = str(info.value)
    assert message.startswith(next(iter(kwargs)) + ":"), message
    for part in parts:
        assert part in message, (part, message)
    assert "\n" not in message


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)
    with pytest.raises(ValueError):
        Scenario(n_ops=-1)


# --- combinations ------------------------------------------------------------------------------

COLLAB = dict(organisation="collaborative", on_call="you_build_it")


@pytest.mark.parametrize("kwargs, field_name, parts", [
    (dict(warmup_days=400.0), "warmup_days", ["400.0", "horizon_days", "365.0"]),
    (dict(release_interval_days=0.01), "release_interval_days", ["0.01", "1 hour"]),
    (dict(manual_deploy_failure=1.0, deployment_automation=0.0), "manual_deploy_failure",
     ["every deploy would fail", "below 1"]),
    (dict(n_testers=0), "n_testers", ["0", "siloed", "test_automation", "manual_test_ratio"]),
    (dict(n_ops=0), "n_ops", ["0", "siloed", "at least 1"]),
    (dict(organisation="collaborative"), "on_call", ["'ops_escalation'", "'you_build_it'"]),
    (dict(n_teams=20, **COLLAB), "n_teams", ["20", "10", "1 to 10"]),
    (dict(n_security=0), "n_security", ["0", "security_review_share"]),
])
def test_a_bad_combination_is_refused_saying_how_to_fix_it(kwargs, field_name, parts):
    with pytest.raises(ScenarioError) as info:
        Scenario(**kwargs)
    message = str(info.value)
    assert message.startswith(field_name), message
    for part in parts:
        assert part in message, (part, message)


@pytest.mark.parametrize("kwargs", [
    dict(n_testers=0, test_automation=1.0),
    dict(n_testers=0, manual_test_ratio=0.0),
    dict(n_security=0, security_review_share=0.0),
    dict(n_teams=10, **COLLAB),
    dict(release_interval_days=0.0),
    dict(release_interval_days=1 / 24),
    dict(warmup_days=0.0, horizon_days=1.0),
])
def test_the_way_out_each_message_names_is_accepted(kwargs):
    s = Scenario(**kwargs)
    assert all(getattr(s, k) == v for k, v in kwargs.items())


# --- property tests of refusal (moved from test_properties.py) ------------------------------------

NUMERIC = [n for n, meta in INFO.items() if meta["choices"] is None and n != "name"]
CHOICE = [n for n, meta in INFO.items() if meta["choices"] is not None]


def _is_int(meta) -> bool:
    return isinstance(meta["default"], int) and not isinstance(meta["default"], bool)


@st.composite
def out_of_range(draw):
    """(field, value) with value outside the field's allowed range, not finite, not a
    number, or (for whole-number fields) a fraction or a bool."""
    name = draw(st.sampled_from(NUMERIC))
    meta = INFO[name]
    lo, hi = meta["min"], meta["max"]
    options = [
        st.floats(max_value=lo, exclude_max=True, allow_nan=False, allow_infinity=False),
        st.floats(min_value=hi, exclude_min=True, allow_nan=False, allow_infinity=False),
        st.sampled_from([math.nan, math.inf, -math.inf, "1", None, True, [1]]),
    ]
    if _is_int(meta):
        options += [
            st.integers(max_value=int(lo) - 1),
            st.integers(min_value=int(hi) + 1),
            # A fraction inside the range: only whole numbers are allowed.
            st.floats(float(lo), float(hi)).filter(lambda v: not float(v).is_integer()),
        ]
    return name, draw(st.one_of(options))


@given(bad=out_of_range())
def test_out_of_range_value_is_refused_naming_the_field(bad):
    """Scenario(field=bad value) raises ScenarioError whose message starts with the field."""
    name, value = bad
    with pytest.raises(ScenarioError) as info:
        Scenario(**{name: value})
    message = str(info.value)
    assert message.startswith(f"{name}:"), message
    assert "\n" not in message


@given(name=st.sampled_from(CHOICE), value=st.text(max_size=12))
def test_unknown_choice_is_refused_listing_the_choices(name, value):
    """A value that is not one of a field's choices is refused; the message lists them."""
    assume(value not in INFO[name]["choices"])
    with pytest.raises(ScenarioError) as info:
        Scenario(**{name: value})
    message = str(info.value)
    assert message.startswith(f"{name}:"), message
    assert all(repr(c) in message for c in INFO[name]["choices"])


# --- the object ----------------------------------------------------------------------------------

def test_a_scenario_is_frozen_and_derived_values_follow_its_fields():
    s = Scenario(n_developers=7, n_testers=3, n_ops=2, n_security=1,
                 arrival_rate_per_day=2.0, change_size_person_hours=10.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.n_developers = 8
    assert s.headcount == 13
    assert s.demand_person_hours_per_day == 20.0
    assert Scenario(**s.to_dict()) == s
    assert hash(Scenario(**s.to_dict())) == hash(s)


# --- presets ---------------------------------------------------------------------------------------

def test_presets_are_the_baseline_plus_their_changes():
    p = presets()
    assert list(p) == ["siloed", "siloed_automated", "collaborative", "collaborative_cab",
                       "devsecops"]
    assert all(s.name == key for key, s in p.items())
    siloed = p["siloed"]
    assert siloed == Scenario(name="siloed")  # the baseline is the field defaults
    assert _diff(siloed, p["siloed_automated"]) == AUTOMATION
    assert _diff(p["collaborative"], p["collaborative_cab"]) == {"approval": "cab"}
    assert _diff(p["collaborative"], p["devsecops"]) == {"security_scanning": 0.9,
                                                         "security_review_share": 0.05}
    collab = _diff(siloed, p["collaborative"])
    assert collab == {**AUTOMATION, "organisation": "collaborative", "on_call": "you_build_it",
                      "n_teams": 2, "approval": "peer", "release_interval_days": 0.0,
                      "security_review_share": 0.2, "change_size_person_hours": 8.0,
                      "arrival_rate_per_day": 2.0}
    # Smaller changes, the same work: demand (arrival rate x size) stays 16 person-hours a day.
    assert all(s.demand_person_hours_per_day == pytest.approx(16.0, rel=1e-9)
               for s in p.values())


def test_presets_are_fresh_each_call():
    assert presets() == presets() and presets() is not presets()


# --- with_change_size --------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1.0, 3.0, 8.0, 16.0, 40.0, 7.3])
def test_with_change_size_keeps_the_demand(size):
    base = Scenario(arrival_rate_per_day=1.5, change_size_person_hours=12.0)
    s = with_change_size(base, size)
    assert s.change_size_person_hours == size
    assert s.demand_person_hours_per_day == pytest.approx(18.0, rel=1e-6)
    assert s.arrival_rate_per_day == pytest.approx(18.0 / size, rel=1e-6)
    assert set(_diff(base, s)) <= {"change_size_person_hours", "arrival_rate_per_day"}
    assert base.change_size_person_hours == 12.0  # a new scenario, the old one untouched


@pytest.mark.parametrize("size", [
    0.4, 500.0,
    0.0, -4.0, 0.01,
])
def test_with_change_size_refuses_a_size_out_of_range_naming_it(size):
    with pytest.raises(ScenarioError, match="^change_size_person_hours: "):
        with_change_size(Scenario(), size)


# --- field metadata ---------------------------------------------------------------------------------

def test_field_info_describes_every_field_in_declaration_order():
    assert list(INFO) == [f.name for f in fields(Scenario)]
    defaults = Scenario()
    keys = {"group", "label", "unit", "min", "max", "step", "choices", "help", "default",
            "slider_max"}
    for name, meta in INFO.items():
        assert set(meta) == keys, name
        assert meta["default"] == getattr(defaults, name), name
        assert meta["group"] in FIELD_GROUPS, name
        assert meta["label"], name
        if name == "name":
            continue
        assert meta["help"], name
        if meta["choices"] is not None:
            assert meta["default"] in meta["choices"], name
            assert meta["min"] is None and meta["max"] is None, name
        else:
            assert meta["min"] <= meta["default"] <= meta["max"], name
            assert meta["min"] <= meta["slider_max"] <= meta["max"], name
            assert meta["step"] > 0, name


def test_group_titles_cover_the_field_groups():
    assert set(GROUP_TITLES) == set(FIELD_GROUPS)
    assert len(set(GROUP_TITLES.values())) == len(GROUP_TITLES)  # no two groups named alike
    used = {meta["group"] for meta in INFO.values()}
    assert used == set(FIELD_GROUPS)  # every group has a field, every field a known group
    assert GROUP_TITLES["team"] == "Team set-up"


# --- files ------------------------------------------------------------------------------------------

def test_yaml_save_and_load_round_trip(tmp_path):
    s = replace(presets()["devsecops"], name="my team", n_developers=9, cab_interval_days=3.5)
    path = save_scenario(s, tmp_path / "team.yaml")
    assert path == tmp_path / "team.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("name: my team\n")
    assert load_scenario(path) == s
    assert resolve_scenario(str(path)) == s


def test_save_refuses_to_overwrite(tmp_path):
    path = save_scenario(Scenario(name="first"), tmp_path / "s.yaml")
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_scenario(Scenario(name="second"), path)
    assert path.read_bytes() == before
    save_scenario(Scenario(name="second"), path, overwrite=True)
    assert load_scenario(path).name == "second"


def test_a_partial_file_takes_the_defaults(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text("name: short\nhorizon_days: 60\n", encoding="utf-8")
    assert load_scenario(path) == Scenario(name="short", horizon_days=60)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert load_scenario(empty) == Scenario()


@pytest.mark.parametrize("text, parts", [
    ("n_developers: -3\n", ["n_developers: -3", "1 to 500"]),
    ("n_devs: 3\n", ["unknown key 'n_devs'", "n_developers"]),
    ("name: [unclosed\n", ["not valid YAML", "line"]),
    ("- a list\n", ["expected a mapping"]),
])
def test_a_bad_file_is_refused_naming_the_file_and_the_problem(tmp_path, text, parts):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert message.count(str(path)) == 1, message  # named once, not twice
    for part in parts:
        assert part in message, (part, message)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "nope.yaml")


def test_scenario_from_dict_names_its_source():
    with pytest.raises(ScenarioError, match="^web form: unknown key 'x'"):
        scenario_from_dict({"x": 1}, source="web form")
    assert scenario_from_dict({"n_ops": 3}) == Scenario(n_ops=3)


# --- resolve_scenario ---------------------------------------------------------------------------------

def test_resolve_scenario_takes_a_preset_a_file_or_a_scenario(tmp_path):
    s = Scenario(name="mine")
    assert resolve_scenario(s) is s
    assert resolve_scenario("collaborative") == presets()["collaborative"]
    path = save_scenario(s, tmp_path / "mine.yml")
    assert resolve_scenario(path) == s


def test_resolve_scenario_lists_the_presets_for_an_unknown_name():
    with pytest.raises(ScenarioError) as info:
        resolve_scenario("silod")
    message = str(info.value)
    assert message.startswith("scenario: 'silod'")
    assert all(name in message for name in presets())


def test_resolve_scenario_reports_a_missing_yaml_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        resolve_scenario(str(tmp_path / "gone.yaml"))


# --- hardening (issue 14) -----------------------------------------------------------------------

def test_an_unknown_field_is_a_scenario_error_with_a_suggestion():
    with pytest.raises(ScenarioError, match="^n_developer: not a Scenario field; did you mean "
                                            "'n_developers'"):
        Scenario(n_developer=5)
    with pytest.raises(ScenarioError, match="did you mean 'n_developers'"):
        replace(presets()["siloed"], n_developer=5)


def test_whole_numbers_come_in_many_forms_and_are_stored_as_int():
    import numpy as np

    s = Scenario(n_developers=np.int64(7), n_testers=3.0, n_ops=np.float64(2.0))
    assert (s.n_developers, s.n_testers, s.n_ops) == (7, 3, 2)
    assert all(type(v) is int for v in (s.n_developers, s.n_testers, s.n_ops))
    assert type(Scenario(monitoring=np.float32(0.5)).monitoring) is float
    with pytest.raises(ScenarioError, match="n_teams: 2.5 is not allowed; give a whole number"):
        Scenario(n_teams=2.5)


def test_fields_that_do_not_apply_are_warnings_not_errors(tmp_path):
    s = Scenario(n_teams=40)
    assert s.warnings() == ["n_teams: 40 has no effect unless organisation='collaborative' "
                            "(here 'siloed'); it is ignored"]
    path = save_scenario(s, tmp_path / "s.yaml")
    from devsim.scenario import ScenarioWarning
    with pytest.warns(ScenarioWarning, match=r"s\.yaml: n_teams: 40"):
        load_scenario(path)


def test_a_duplicate_key_is_named_with_its_lines(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("n_ops: 2\nname: x\nn_ops: 3\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="line 3: duplicate key 'n_ops' \\(first at line 1\\)"):
        load_scenario(path)


def test_save_to_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .*nope.* does not exist"):
        save_scenario(Scenario(), tmp_path / "nope" / "s.yaml")
