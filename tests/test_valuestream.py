"""The value stream as data (devsim.valuestream): order, teams, kinds, aliases, copies.

Data checks only, no simulation (a stage added to a copy and run through the model is
tested in test_extending.py).
"""
from __future__ import annotations

import pytest

from devsim import metrics
from devsim.log import ITEM_COLUMNS
from devsim.valuestream import (KINDS, MILESTONES, ORGANISATIONS, STAGE_ORDER, VALUE_STREAM,
                                Stage, ValueStream)

INCIDENT_STAGES = ("triage", "no_code_fix", "diagnose", "hotfix", "rollback",
                   "emergency_approval", "minor_fix", "toil", "support")


def _docs(**kw) -> Stage:
    spec = dict(key="docs", label="write the docs", kind="work",
                teams={"siloed": "dev", "collaborative": "own"}, step="work",
                effort=lambda scenario, size: 0.25 * size, aliases=("documentation",))
    return Stage(**{**spec, **kw})


# --- order ---------------------------------------------------------------------------------------

def test_planned_stages_in_the_order_a_change_meets_them():
    assert VALUE_STREAM.order == (
        "backlog", "develop", "review", "fix", "clarify", "environment", "pipeline", "test",
        "security",
        "cab_prep", "cab", "release", "deploy")
    assert STAGE_ORDER == VALUE_STREAM.order
    assert metrics.STAGE_ORDER == VALUE_STREAM.order   # no second copy that could drift


def test_incident_response_follows_the_planned_path_and_is_not_in_the_order():
    keys = [s.key for s in VALUE_STREAM.stages]
    assert tuple(keys[-len(INCIDENT_STAGES):]) == INCIDENT_STAGES
    assert all(VALUE_STREAM[k].incident for k in INCIDENT_STAGES)
    assert not set(INCIDENT_STAGES) & set(VALUE_STREAM.order)
    assert all(VALUE_STREAM[k].kind == "work" for k in INCIDENT_STAGES
               if k != "emergency_approval")
    assert VALUE_STREAM["emergency_approval"].kind == "gate"  # a wait, nobody's work


def test_the_path_runs_each_model_step_once_in_order():
    path = [s.key for s in VALUE_STREAM.path]
    assert path == ["backlog", "develop", "review", "environment", "pipeline", "security",
                    "cab", "release"]
    # Stages another step enters (fix, tests inside the build, the deploy of a release) have
    # no step of their own.
    for key in ("fix", "clarify", "test", "cab_prep", "deploy"):
        assert VALUE_STREAM[key].step is None, key


# --- teams and kinds -------------------------------------------------------------------------------

@pytest.mark.parametrize("organisation", ORGANISATIONS)
def test_every_stage_has_a_team_in_both_organisations(organisation):
    routing = VALUE_STREAM.routing(organisation)
    assert list(routing) == [s.key for s in VALUE_STREAM.stages]
    for stage in VALUE_STREAM.stages:
        team = routing[stage.key]
        assert team == stage.team(organisation)
        if stage.kind in ("queue", "gate", "schedule"):
            assert team is None, stage.key          # no one works while a change waits
        elif stage.kind == "automated":
            assert team == "pipeline", stage.key
        else:
            assert team not in (None, "pipeline"), stage.key


def test_the_siloed_teams_and_the_collaborative_product_team():
    siloed = VALUE_STREAM.routing("siloed")
    assert {k: siloed[k] for k in ("develop", "environment", "test", "security", "deploy")} == {
        "develop": "dev", "environment": "ops", "test": "qa", "security": "security",
        "deploy": "ops"}
    collaborative = VALUE_STREAM.routing("collaborative")
    for key in ("develop", "review", "environment", "test", "deploy", "triage", "hotfix"):
        assert collaborative[key] == "own", key
    assert collaborative["security"] == "security"   # an enabling team, still separate


def test_every_stage_kind_is_known_and_each_kind_is_used():
    assert {s.kind for s in VALUE_STREAM.stages} == set(KINDS)
    assert VALUE_STREAM["cab"].kind == "gate" and VALUE_STREAM["release"].kind == "schedule"
    assert VALUE_STREAM["backlog"].kind == "queue" and VALUE_STREAM["pipeline"].kind == "automated"


# --- words ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("word, key", [
    ("qa", "test"), ("testing", "test"), ("release train", "release"), ("train", "release"),
    ("approval", "cab"), ("change advisory board", "cab"), ("peer review", "review"),
    ("code review", "review"), ("ci", "pipeline"), ("build", "pipeline"),
    ("deployment", "deploy"), ("dev", "develop"), ("provisioning", "environment"),
    ("cab paperwork", "cab_prep"), ("wip", "backlog"), ("deploy", "deploy"),
])
def test_aliases_map_learners_words_to_stage_keys(word, key):
    assert VALUE_STREAM.aliases()[word] == key


def test_aliases_are_lower_case_and_leave_out_incident_work():
    words = VALUE_STREAM.aliases()
    assert all(w == w.lower() for w in words)
    assert set(words.values()) == set(VALUE_STREAM.order)   # every planned stage, no other
    assert not set(INCIDENT_STAGES) & set(words)


def test_labels_and_lookup():
    assert VALUE_STREAM.label("cab") == "change advisory board"
    assert VALUE_STREAM.label("canary") == "canary"   # a stage it does not know: as is
    with pytest.raises(KeyError) as info:
        VALUE_STREAM["canary"]
    assert "'canary'" in str(info.value) and "develop" in str(info.value)


def test_milestones_are_columns_of_the_item_table():
    assert set(MILESTONES.values()) <= set(ITEM_COLUMNS)
    assert MILESTONES["deployed"] == "deployed" and MILESTONES["arrived"] == "arrival"


# --- copies and refusals ----------------------------------------------------------------------------

def test_insert_makes_a_copy_with_the_stage_in_place():
    before = VALUE_STREAM.stages
    longer = VALUE_STREAM.insert(_docs(), after="review")
    assert VALUE_STREAM.stages == before and "docs" not in VALUE_STREAM.order
    assert longer is not VALUE_STREAM
    order = list(longer.order)
    assert order[order.index("review") + 1] == "docs"
    assert len(order) == len(VALUE_STREAM.order) + 1
    # A generic work stage runs its own step, next to the review in the path.
    path = [s.key for s in longer.path]
    assert path[path.index("review") + 1] == "docs"
    assert longer.aliases()["documentation"] == "docs"
    assert longer.routing("siloed")["docs"] == "dev"


def test_two_generic_work_stages_each_run():
    two = VALUE_STREAM.insert(_docs(), after="review").insert(
        _docs(key="threat_model", label="threat model", aliases=()), after="docs")
    path = [s.key for s in two.path]
    assert path.index("docs") + 1 == path.index("threat_model")


def test_insert_after_an_unknown_stage_is_refused():
    with pytest.raises(KeyError, match="canary"):
        VALUE_STREAM.insert(_docs(), after="canary")


def test_a_duplicate_stage_is_refused():
    with pytest.raises(ValueError, match="'develop' appears twice"):
        VALUE_STREAM.insert(_docs(key="develop"), after="review")
    with pytest.raises(ValueError, match="appears twice"):
        ValueStream(stages=(_docs(), _docs()))


def test_the_generic_work_step_needs_an_effort():
    with pytest.raises(ValueError) as info:
        _docs(effort=None)
    message = str(info.value)
    assert message.startswith("effort:") and "'docs'" in message


def test_a_stage_needs_a_known_kind_and_a_team_for_each_organisation():
    with pytest.raises(ValueError, match="^kind: 'meeting'"):
        _docs(kind="meeting")
    with pytest.raises(ValueError) as info:
        _docs(teams={"siloed": "dev"})
    assert str(info.value).startswith("teams:") and "collaborative" in str(info.value)
    # None (no one) is a team choice, not a missing one.
    assert _docs(kind="queue", teams={"siloed": None, "collaborative": None}, step=None,
                 effort=None).team("siloed") is None


def test_stages_are_frozen():
    with pytest.raises(AttributeError):
        VALUE_STREAM["develop"].label = "coding"
