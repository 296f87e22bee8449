"""Design rules: which fields an organisation chooses, and how a change of design is judged.

An exercise (:mod:`devsim.checks`) and the team challenge (:mod:`devsim.leaderboard`) both
ask for a better *design* of the same organisation under the same work: this module is
the one home of what that means (the fields that may change, the demand that must stay,
the headcount budget), so both judge an answer by the same rules.
"""
from __future__ import annotations

from typing import Any, Sequence

from .scenario import Scenario

__all__ = ["DESIGN_FIELDS", "DESIGN_GROUPS", "DEMAND_TOLERANCE", "changed_fields", "same_design",
           "design_violations", "format_field_value"]

#: Fields an organisation *chooses* (its design): structure, staffing, approval, automation,
#: release cadence, how many changes get a manual security review, and the batch size (as
#: long as the demand, arrival rate x change size, stays the same). Every other field
#: describes the work, the people's skills, the users or the run, and is part of the
#: challenge, not of the answer.
DESIGN_FIELDS = (
    "organisation", "n_developers", "n_testers", "n_ops", "n_security", "n_teams", "wip_limit",
    "on_call", "approval", "cab_interval_days", "test_automation", "deployment_automation",
    "environment_automation", "monitoring", "security_scanning", "release_interval_days",
    "security_review_share", "change_size_person_hours",
)

#: Relative tolerance on demand (arrival rate x change size) when the batch size changes.
DEMAND_TOLERANCE = 0.01

#: The design fields in groups a trainer names when asking "why is it faster?": each group is
#: switched as a whole by :func:`devsim.attribution.decompose` (fields that only make sense
#: together, such as an organisation and its on-call rule, share a group). Every design field
#: is in exactly one group; ``handoff_delay_hours`` (how long a ticket waits) is part of the
#: structure, because only a structure with handoffs has tickets.
DESIGN_GROUPS: dict[str, tuple[str, ...]] = {
    "structure": ("organisation", "n_teams", "on_call", "wip_limit", "handoff_delay_hours"),
    "automation": ("test_automation", "deployment_automation", "environment_automation",
                   "monitoring"),
    "approval": ("approval", "cab_interval_days", "cab_rejection_rate", "cab_detection"),
    "release cadence": ("release_interval_days",),
    "batch size": ("change_size_person_hours", "arrival_rate_per_day"),
    "security": ("security_review_share", "security_scanning"),
    "people": ("n_developers", "n_testers", "n_ops", "n_security", "work_hours_per_week"),
}


def changed_fields(start: Scenario, answer: Scenario) -> dict[str, tuple[Any, Any]]:
    """Fields whose value differs between two scenarios (``name`` ignored): name -> (old, new)."""
    a, b = start.to_dict(), answer.to_dict()
    return {k: (a[k], b[k]) for k in a if k != "name" and a[k] != b[k]}


def same_design(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios are the same organisation (only the name may differ)."""
    return not changed_fields(a, b)


def format_field_value(v: Any) -> str:
    """A field value as a person would type it in Python (0.5, 'cab', 6)."""
    if isinstance(v, float):
        return f"{v:g}"
    return repr(v) if isinstance(v, str) else str(v)


def design_violations(start: Scenario, answer: Scenario, *,
                      allowed: Sequence[str] = DESIGN_FIELDS, allowed_text: str = "design fields",
                      max_people: int | None = None, no_cab: bool = False) -> list[str]:
    """Why ``answer`` breaks an exercise's (or a challenge's) rules; empty when it does not.

    Parameters
    ----------
    start : Scenario
        What the learner started from; fields outside ``allowed`` must keep its values.
    answer : Scenario
        The learner's (or team's) scenario.
    allowed : sequence of str
        Fields that may change. ``change_size_person_hours`` in it also allows
        ``arrival_rate_per_day`` to change, provided the demand (arrival rate x change size)
        stays within :data:`DEMAND_TOLERANCE` of the start's.
    allowed_text : str
        How a message names the allowed set ("automation fields").
    max_people : int or None
        Headcount budget.
    no_cab : bool
        Refuse ``approval='cab'``.

    Returns
    -------
    list of str
        One teaching sentence per broken rule.
    """
    out = []
    changes = changed_fields(start, answer)
    size_ok = "change_size_person_hours" in allowed
    batch = {"arrival_rate_per_day", "change_size_person_hours"}
    bad = [k for k in changes if k not in allowed and not (size_ok and k in batch)]
    if bad:
        what = ", ".join(f"{k} ({format_field_value(changes[k][0])} → {format_field_value(changes[k][1])})"
                         for k in bad)
        names = ", ".join(a for a in allowed)
        out.append(f"You changed {what}, but this exercise allows only {allowed_text}: {names}.")
    if size_ok and batch & set(changes):
        d0, d1 = start.demand_person_hours_per_day, answer.demand_person_hours_per_day
        if abs(d1 - d0) > DEMAND_TOLERANCE * d0:
            out.append(
                f"Your demand is {d1:g} person-hours/day (arrival_rate_per_day x "
                f"change_size_person_hours) but the organisation must deliver {d0:g}: changing the "
                "batch size must not change the amount of work. Use "
                f"with_change_size(s, {answer.change_size_person_hours:g}), which adjusts the "
                "arrival rate for you.")
    if max_people is not None and answer.headcount > max_people:
        out.append(
            f"Your organisation has {answer.headcount} people "
            f"(n_developers {answer.n_developers} + "
            f"n_testers {answer.n_testers} + n_ops {answer.n_ops} + n_security "
            f"{answer.n_security}); the budget is {max_people}.")
    if no_cab and answer.approval == "cab":
        out.append("approval is 'cab': this exercise asks for no change advisory board "
                   "(choose 'peer' or 'none').")
    return out
