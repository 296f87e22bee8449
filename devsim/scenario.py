"""Scenario: every input of one simulated organisation, frozen and validated.

The clock unit of the whole model is the **hour** of calendar time; a day is 24 hours.
People work ``work_hours_per_week`` hours a week, so *planned* work of ``e`` person-hours
occupies a person for ``e * 168 / work_hours_per_week`` calendar hours (the effort is
spread over the working week rather than modelling nights and weekends one by one).
Incident work is urgent and runs on the clock: a responder works through the night.
Automated steps (pipelines) also run on the clock.

Every field carries metadata (``group``, ``label``, ``unit``, ``min``, ``max``, ``step``,
``choices``, ``help``) that validation, the YAML files, the command line and the widgets
read, so a range is stated once.

Bad input: an unknown field, a value of the wrong type or out of range, or a combination
the model cannot run raises :class:`ScenarioError` (a ``ValueError``) naming the field,
the value (quoted up to 40 characters) and what is allowed. A whole-number field takes an
``int``, a numpy integer or an integer-valued float (``2.0`` is stored as ``2``); a number
field takes any real number, numpy's included (stored as ``float``). A field that has no
effect in the chosen organisation is not an error but a warning
(:meth:`Scenario.warnings`; :func:`load_scenario` also issues it as a
:class:`ScenarioWarning`). YAML files are read by :func:`devsim.yamlsafe.read_yaml`, which
limits their size, nesting and aliases and refuses duplicate keys.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import numbers
import os
import warnings as _warnings
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from .yamlsafe import YamlFileError, read_yaml, short_repr

__all__ = [
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "presets",
    "field_info",
    "FIELD_GROUPS",
    "GROUP_TITLES",
    "load_scenario",
    "save_scenario",
    "scenario_from_dict",
    "resolve_scenario",
    "with_change_size",
]

#: Title of each field group, in the order the sandbox shows them (widgets and docs).
GROUP_TITLES = {
    "team": "Team set-up",
    "handoffs": "Handoffs and approval",
    "automation": "Automation",
    "release": "Release",
    "quality": "Quality and work content",
    "incidents": "Incidents",
    "unplanned": "Unplanned work",
    "improvement": "Building automation",
    "demand": "Demand",
    "run": "Run settings (advanced)",
}

#: Declaration order of the field groups.
FIELD_GROUPS = ("demand", "team", "handoffs", "automation", "release", "quality", "incidents",
                "unplanned", "improvement", "run")


class ScenarioError(ValueError):
    """A scenario input is invalid; the message names the field, the value and what is allowed."""


class ScenarioWarning(UserWarning):
    """A field set to a value that has no effect in this scenario (see :meth:`Scenario.warnings`)."""


def _num(default, lo, hi, *, group, label, unit="", step=None, help="", slider_max=None):
    # slider_max: the top of a widget slider, where the allowed maximum is far beyond the
    # values learners try (a 500-developer slider would pin 6 developers to its left end).
    return field(default=default, metadata=dict(
        group=group, label=label, unit=unit, min=lo, max=hi, step=step, choices=None, help=help,
        slider_max=slider_max if slider_max is not None else hi))


def _choice(default, choices, *, group, label, help=""):
    return field(default=default, metadata=dict(
        group=group, label=label, unit="", min=None, max=None, step=None,
        choices=tuple(choices), help=help, slider_max=None))


@dataclass(frozen=True)
class Scenario:
    """All inputs of one run of the value-stream model.

    Hours are calendar hours unless a name says ``person_hours`` (effort). See the module
    docstring for how effort becomes calendar time. Use :func:`presets` for ready-made
    organisations and :func:`dataclasses.replace` to change a field.

    Some fields apply only in some scenarios; set away from its default where it does not
    apply, a field is ignored by the model and named by :meth:`warnings`:

    * ``n_teams``: only with ``organisation='collaborative'`` (a siloed organisation has one
      dev, one QA and one ops team);
    * ``release_slowdown_days``: only with ``on_call='ops_escalation'`` (ops own stability)
      and a release train (``release_interval_days`` > 0);
    * ``automation_step_person_hours``: only with ``improvement_share`` > 0;
    * ``cab_interval_days``, ``cab_rejection_rate``, ``cab_detection``,
      ``emergency_approval_hours``: only with ``approval='cab'``;
    * ``review_person_hours``, ``review_detection``: only with ``approval`` 'peer' or 'cab';
    * ``change_size_cv``: only with ``change_size_distribution='lognormal'``.

    Raises
    ------
    ScenarioError
        An unknown field (with the nearest real one: "did you mean 'n_developers'?"), a
        value of the wrong type or out of range, or a combination the model cannot run.
    TypeError
        More positional arguments than fields.
    """

    name: str = field(default="custom", metadata=dict(
        group="run", label="Name", unit="", min=None, max=None, step=None, choices=None,
        help="A label for tables and plots.", slider_max=None))

    # --- demand ---------------------------------------------------------------------------
    arrival_rate_per_day: float = _num(
        1.0, 0.01, 200.0, group="demand", label="Changes arriving", unit="per day", step=0.05,
        help="Mean number of new changes (features, fixes) entering the backlog per day (Poisson).", slider_max=30)
    change_size_person_hours: float = _num(
        16.0, 0.5, 400.0, group="demand", label="Change size", unit="person-hours", step=0.5,
        help="Mean development effort of one change: the batch size of the work.", slider_max=80)
    change_size_cv: float = _num(
        0.5, 0.0, 3.0, group="demand", label="Change size variability", unit="CV", step=0.05,
        help="Coefficient of variation of change size (lognormal; 0 = every change the same size).")
    change_size_distribution: str = _choice(
        "lognormal", ("lognormal", "exponential", "fixed"), group="demand",
        label="Change size distribution",
        help="lognormal uses change_size_cv; exponential and fixed ignore it (used by validation).")

    # --- team setup ----------------------------------------------------------------------
    organisation: str = _choice(
        "siloed", ("siloed", "collaborative"), group="team", label="Organisation",
        help=("siloed: separate dev, QA, ops and security teams passing tickets. "
              "collaborative: cross-functional product teams build, test, ship and run their "
              "own changes; security is an enabling team of experts."))
    n_developers: int = _num(6, 1, 500, group="team", label="Developers", unit="people", step=1,
                             help="Developers (in product teams when collaborative).", slider_max=60)
    n_testers: int = _num(2, 0, 200, group="team", label="Testers", unit="people", step=1,
                          help="Testers: the QA team when siloed; members of product teams when collaborative.", slider_max=20)
    n_ops: int = _num(2, 0, 200, group="team", label="Operations engineers", unit="people", step=1,
                      help="Ops engineers: the ops team when siloed; members of product teams when collaborative.", slider_max=20)
    n_security: int = _num(1, 0, 50, group="team", label="Security engineers", unit="people", step=1,
                           help="Security team (a gate when siloed, enabling experts when collaborative).", slider_max=10)
    n_teams: int = _num(1, 1, 50, group="team", label="Product teams", unit="teams", step=1,
                        help="Collaborative only: developers, testers and ops are split into this many teams.", slider_max=12)
    wip_limit: int = _num(0, 0, 10_000, group="team", label="WIP limit", unit="changes", step=1,
                          help="Most changes in progress (started, not yet in production); 0 = no limit.", slider_max=100)
    on_call: str = _choice(
        "ops_escalation", ("ops_escalation", "you_build_it"), group="team", label="On call",
        help=("ops_escalation: ops triage every incident and escalate to developers by ticket. "
              "you_build_it: the team that wrote the change is paged and fixes it."))
    work_hours_per_week: float = _num(40.0, 10.0, 168.0, group="team", label="Working week",
                                      unit="hours/week", step=1.0,
                                      help="Hours a person works per week (168 = round the clock).")

    # --- handoffs ------------------------------------------------------------------------
    handoff_delay_hours: float = _num(
        16.0, 0.0, 500.0, group="handoffs", label="Ticket pickup delay", unit="hours", step=0.5,
        help="Mean time (exponential) before a ticket passed to another team is picked up.", slider_max=72)
    page_response_hours: float = _num(
        0.25, 0.0, 500.0, group="handoffs", label="Page answered after", unit="hours", step=0.05,
        help=("Mean time (exponential) before another team answers a page: urgent work (an "
              "escalated incident, a hotfix deploy) crosses teams by page, not by ticket."),
        slider_max=24)
    clarification_share: float = _num(
        0.2, 0.0, 1.0, group="handoffs", label="Handoffs that come back", unit="share", step=0.05,
        help=("Share of tickets between teams that lose context: the receiving team sends the "
              "change back for clarification (a ticket each way and the sender's effort)."))
    clarification_person_hours: float = _num(
        1.0, 0.0, 40.0, group="handoffs", label="Clarification effort", unit="person-hours",
        step=0.25, help="Sender's effort to answer one request for clarification.", slider_max=8)
    approval: str = _choice(
        "cab", ("none", "peer", "cab"), group="handoffs", label="Change approval",
        help="none; peer (a colleague approves); cab (a change advisory board that meets on a schedule).")
    cab_interval_days: float = _num(7.0, 0.5, 90.0, group="handoffs", label="CAB meets every",
                                    unit="days", step=0.5, help="Days between CAB meetings.", slider_max=30)
    cab_rejection_rate: float = _num(
        0.1, 0.0, 0.9, group="handoffs", label="CAB sends back", unit="share", step=0.01,
        help="Share of changes the CAB sends back for more paperwork (they return at the next meeting).")
    cab_detection: float = _num(
        0.1, 0.0, 1.0, group="handoffs", label="CAB catches defects", unit="share", step=0.01,
        help=("Chance a CAB spots a defective change. Default 0.1: the board reads a summary of "
              "each change, not its code (a third of what peer review catches here)."))

    emergency_approval_hours: float = _num(
        8.0, 0.0, 500.0, group="handoffs", label="Emergency approval", unit="hours", step=0.5,
        help=("With a CAB: mean time (exponential) until an emergency change approval lets a "
              "hotfix deploy go out."), slider_max=48)

    # --- automation ----------------------------------------------------------------------
    test_automation: float = _num(0.2, 0.0, 1.0, group="automation", label="Test automation",
                                  unit="share", step=0.05,
                                  help="Share of testing done by an automated suite instead of by hand.")
    deployment_automation: float = _num(
        0.1, 0.0, 1.0, group="automation", label="Deployment automation", unit="share", step=0.05,
        help="Share of deploy steps scripted; also the chance an incident is fixed by automated rollback.")
    environment_automation: float = _num(
        0.1, 0.0, 1.0, group="automation", label="Environment automation", unit="share", step=0.05,
        help="Share of test-environment provisioning that is self-service infrastructure as code.")
    monitoring: float = _num(0.2, 0.0, 1.0, group="automation", label="Monitoring", unit="share",
                             step=0.05, help="Share of production failures caught by alerts rather than by users.")
    security_scanning: float = _num(
        0.0, 0.0, 1.0, group="automation", label="Security scanning", unit="share", step=0.05,
        help="Shift-left: coverage of automated security scans in the pipeline.")

    # --- release -------------------------------------------------------------------------
    release_interval_days: float = _num(
        28.0, 0.0, 180.0, group="release", label="Release interval", unit="days", step=1.0,
        help="0 = no train: each change deploys on its own (continuous delivery), or with a CAB at its change window; N = a release train every N days.", slider_max=90)

    # --- quality and work content --------------------------------------------------------
    defect_rate_per_hour: float = _num(
        0.02, 0.0, 1.0, group="quality", label="Defect rate", unit="per person-hour", step=0.005,
        help="Defects injected per hour of development; a change of size s is defective with probability 1-exp(-rate*s).")
    security_flaw_rate_per_hour: float = _num(
        0.003, 0.0, 1.0, group="quality", label="Security flaw rate", unit="per person-hour", step=0.001,
        help="Like the defect rate, for security flaws.")
    review_person_hours: float = _num(1.0, 0.0, 40.0, group="quality", label="Peer review effort",
                                      unit="person-hours", step=0.25, help="Effort of one code review.", slider_max=8)
    review_detection: float = _num(0.3, 0.0, 1.0, group="quality", label="Review catches defects",
                                   unit="share", step=0.05, help="Chance a review spots a defect.")
    manual_test_ratio: float = _num(
        0.5, 0.0, 5.0, group="quality", label="Manual test effort", unit="hours per dev hour", step=0.05,
        help="Testing effort per hour of development when nothing is automated.", slider_max=2)
    manual_test_detection: float = _num(0.5, 0.0, 1.0, group="quality", label="Manual tests catch",
                                        unit="share", step=0.05, help="Chance manual testing finds a defect.")
    automated_test_detection: float = _num(0.9, 0.0, 1.0, group="quality", label="Automated tests catch",
                                           unit="share", step=0.05,
                                           help="Chance a full automated suite finds a defect.")
    pipeline_hours: float = _num(0.5, 0.0, 48.0, group="quality", label="Build and test pipeline",
                                 unit="hours", step=0.25, help="Machine time of one CI run (build, tests, scans).", slider_max=8)
    environment_person_hours: float = _num(
        4.0, 0.0, 80.0, group="quality", label="Environment set-up effort", unit="person-hours", step=0.5,
        help="Ops effort to provision a test environment by hand (scaled by 1 - environment automation).", slider_max=24)
    security_review_share: float = _num(
        1.0, 0.0, 1.0, group="quality", label="Changes with manual security review", unit="share",
        step=0.05, help="Share of changes that go to the security team for a manual review.")
    security_review_person_hours: float = _num(4.0, 0.0, 80.0, group="quality",
                                               label="Security review effort", unit="person-hours",
                                               step=0.5, help="Effort of one manual security review.", slider_max=24)
    security_review_detection: float = _num(0.7, 0.0, 1.0, group="quality", label="Security review catches",
                                            unit="share", step=0.05,
                                            help="Chance a manual security review finds a flaw.")
    security_scan_detection: float = _num(0.8, 0.0, 1.0, group="quality", label="Full scanning catches",
                                          unit="share", step=0.05,
                                          help="Chance a full security scan finds a flaw.")
    rework_fraction: float = _num(0.3, 0.0, 2.0, group="quality", label="Fix effort", unit="x change size",
                                  step=0.05, help="Effort to fix a defect, as a share of the change's size.")
    deploy_person_hours: float = _num(3.0, 0.0, 80.0, group="quality", label="Manual deploy effort",
                                      unit="person-hours", step=0.25,
                                      help="Effort of one deploy done by hand (scaled by 1 - deployment automation).", slider_max=24)
    deploy_pipeline_hours: float = _num(0.25, 0.0, 24.0, group="quality", label="Deploy pipeline",
                                        unit="hours", step=0.05, help="Machine time of one automated deploy.", slider_max=4)
    manual_deploy_failure: float = _num(0.15, 0.0, 1.0, group="quality", label="Manual deploys that fail",
                                        unit="share", step=0.01,
                                        help="Chance a hand-made deploy fails and is rolled back.")
    automated_deploy_failure: float = _num(0.01, 0.0, 1.0, group="quality",
                                           label="Automated deploys that fail", unit="share", step=0.01,
                                           help="Chance a fully automated deploy fails and is rolled back.")

    # --- incidents -----------------------------------------------------------------------
    incident_onset_hours: float = _num(
        24.0, 0.0, 2000.0, group="incidents", label="Time until a defect bites", unit="hours", step=1.0,
        help="Mean time (exponential) from deploying an escaped defect to the failure it causes.", slider_max=168)
    detect_hours_by_users: float = _num(12.0, 0.0, 500.0, group="incidents", label="Users notice after",
                                        unit="hours", step=0.5,
                                        help="Mean time until users report a failure monitoring missed.", slider_max=72)
    detect_hours_by_monitoring: float = _num(0.1, 0.0, 24.0, group="incidents", label="Alert fires after",
                                             unit="hours", step=0.05, help="Mean time until an alert fires.")
    triage_person_hours: float = _num(1.0, 0.0, 40.0, group="incidents", label="Triage effort",
                                      unit="person-hours", step=0.25, help="First responder's investigation.", slider_max=8)
    no_code_fix_share: float = _num(
        0.3, 0.0, 1.0, group="incidents", label="Fixed without code", unit="share", step=0.05,
        help=("Share of incidents the first responder resolves without a code change (restart, "
              "config, failover), whichever team answers."))
    no_context_factor: float = _num(
        2.0, 1.0, 10.0, group="incidents", label="Diagnosis without context", unit="x effort",
        step=0.25, help=("Triage and diagnosis by a team that did not build the failing change "
                         "take this multiple of their effort (1 = context makes no difference)."))
    diagnose_hours_per_doubling: float = _num(
        2.0, 0.0, 40.0, group="incidents", label="Extra diagnosis per doubling",
        unit="person-hours", step=0.25,
        help=("Diagnosis effort added per doubling of the changes in the failing deploy "
              "(bisecting a release of n changes takes log2(n) steps)."), slider_max=8)
    release_slowdown_days: float = _num(
        7.0, 0.0, 90.0, group="incidents", label="Ops slow releases after failure", unit="days",
        step=1.0,
        help=("With ops_escalation and a release train: after a release that failed (a failed "
              "deploy or an incident), ops lengthen the next interval by this; after a clean one "
              "they shorten it again, never below the release interval."), slider_max=28)
    diagnose_person_hours: float = _num(2.0, 0.0, 80.0, group="incidents", label="Diagnosis effort",
                                        unit="person-hours", step=0.25,
                                        help="Developer effort to find the cause in the code.", slider_max=16)

    # --- unplanned work not caused by a planned change ---------------------------------
    minor_defects_per_defect: float = _num(
        3.0, 0.0, 20.0, group="unplanned", label="Minor defects per defect", unit="per defect",
        step=0.5,
        help=("Minor defects a change carries per defect it is likely to carry; tests catch them "
              "like defects, and users report those that escape: fix work, not incidents."))
    minor_fix_person_hours: float = _num(
        4.0, 0.0, 80.0, group="unplanned", label="Minor fix effort", unit="person-hours",
        step=0.5, help="Developer effort to reproduce and fix one reported minor defect.",
        slider_max=16)
    toil_person_hours_per_week: float = _num(
        30.0, 0.0, 400.0, group="unplanned", label="Toil with nothing automated",
        unit="person-hours/week", step=1.0,
        help=("Manual operations work (environments, configuration, patching) a week, scaled by "
              "one minus the mean of environment and deployment automation."), slider_max=80)
    support_person_hours_per_week: float = _num(
        12.0, 0.0, 400.0, group="unplanned", label="Support requests", unit="person-hours/week",
        step=1.0, help="Questions, access and data requests a week, answered by the on-call team.",
        slider_max=40)
    background_incidents_per_month: float = _num(
        1.0, 0.0, 100.0, group="unplanned", label="Incidents not caused by a change",
        unit="per month", step=0.5,
        help=("Failures from hardware, load or third parties: detected, triaged and resolved "
              "without code by the first responder."), slider_max=10)
    context_switch_hours: float = _num(
        0.25, 0.0, 8.0, group="unplanned", label="Context switch", unit="person-hours",
        step=0.05, help="Effort lost each time planned work is interrupted or an unplanned task is taken up.",
        slider_max=2)

    # --- building automation (a transformation's J-curve) ---------------------------------
    improvement_share: float = _num(
        0.0, 0.0, 0.75, group="improvement", label="Time spent building automation",
        unit="share", step=0.05,
        help=("Share of every team's working week spent building test, deployment and "
              "environment automation (from the end of the warm-up until each reaches 0.9)."))
    automation_step_person_hours: float = _num(
        200.0, 1.0, 10_000.0, group="improvement", label="Effort per automation step",
        unit="person-hours", step=10.0,
        help="Effort to raise test, deployment or environment automation by 0.1.",
        slider_max=1000)

    # --- run -----------------------------------------------------------------------------
    horizon_days: float = _num(365.0, 1.0, 3650.0, group="run", label="Simulated time", unit="days",
                               step=1.0, help="Length of one run.", slider_max=1095)
    warmup_days: float = _num(30.0, 0.0, 3000.0, group="run", label="Warm-up", unit="days", step=1.0,
                              help="Results ignore the first days, while the empty pipeline fills.", slider_max=180)
    cost_per_person_hour: float = _num(100.0, 0.0, 10_000.0, group="run", label="Cost rate",
                                       unit="currency/person-hour", step=5.0,
                                       help="Loaded cost of one person-hour.", slider_max=300)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            clean = _check_field(f, value)
            if clean is not value:  # 2.0 -> 2, np.int64(3) -> 3, np.float32 -> float
                object.__setattr__(self, f.name, clean)
        _check_combination(self)

    def warnings(self) -> list[str]:
        """Fields set (away from their default) where they have no effect: one line each.

        Returns
        -------
        list of str
            E.g. ``"n_teams: 40 has no effect unless organisation='collaborative' (here
            'siloed'); it is ignored"``; empty when every field applies. See the class
            docstring for which field applies when.
        """
        out = []
        for name, (other, allowed) in _APPLIES.items():
            value, default = getattr(self, name), _DEFAULTS[name]
            here = getattr(self, other)
            applies = here > 0 if allowed is None else here in allowed
            if value == default or applies:
                continue
            need = "> 0" if allowed is None else "=" + " or ".join(repr(a) for a in allowed)
            out.append(f"{name}: {short_repr(value)} has no effect unless {other}{need} "
                       f"(here {here!r}); it is ignored")
        if self.release_slowdown_days != _DEFAULTS["release_slowdown_days"] \
                and self.on_call == "ops_escalation" and self.release_interval_days == 0:
            out.append(f"release_slowdown_days: {short_repr(self.release_slowdown_days)} has no "
                       "effect unless release_interval_days > 0 (here 0: no release train to "
                       "slow down); it is ignored")
        return out

    # Derived values ------------------------------------------------------------------------
    @property
    def headcount(self) -> int:
        """People in the organisation."""
        return self.n_developers + self.n_testers + self.n_ops + self.n_security

    @property
    def demand_person_hours_per_day(self) -> float:
        """Development effort arriving per day (arrival rate x change size)."""
        return self.arrival_rate_per_day * self.change_size_person_hours

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain Python values (what a YAML file holds)."""
        return dataclasses.asdict(self)


#: Fields that apply only in some scenarios: field -> (the deciding field, its values
#: where the field applies; None: where it is above 0). Scenario.warnings() reads it; the class docstring states it.
_APPLIES = {
    "n_teams": ("organisation", ("collaborative",)),
    "release_slowdown_days": ("on_call", ("ops_escalation",)),
    "automation_step_person_hours": ("improvement_share", None),
    "cab_interval_days": ("approval", ("cab",)),
    "cab_rejection_rate": ("approval", ("cab",)),
    "cab_detection": ("approval", ("cab",)),
    "emergency_approval_hours": ("approval", ("cab",)),
    "review_person_hours": ("approval", ("peer", "cab")),
    "review_detection": ("approval", ("peer", "cab")),
    "change_size_cv": ("change_size_distribution", ("lognormal",)),
}
_DEFAULTS = {f.name: f.default for f in fields(Scenario)}
_FIELD_NAMES = tuple(_DEFAULTS)


#: Fields renamed since an earlier version: old name -> new name (named in the error).
_RENAMED = {"ops_resolve_share": "no_code_fix_share"}


def _did_you_mean(name: Any) -> str:
    """``"did you mean 'n_developers'? "`` for the nearest field, or nothing."""
    if name in _RENAMED:
        return f"it was renamed {_RENAMED[name]!r} (it now applies to whichever team answers); "
    close = difflib.get_close_matches(name, _FIELD_NAMES, n=1) if isinstance(name, str) else []
    return f"did you mean {close[0]!r}? " if close else ""


_dataclass_init = Scenario.__init__


@functools.wraps(_dataclass_init)
def _init(self, *args, **kwargs):
    # The dataclass __init__ would raise a bare TypeError ("unexpected keyword argument");
    # replace() builds through here too, so a typo there is named the same way.
    for key in kwargs:
        if key not in _DEFAULTS:
            shown = key if len(key) <= 40 else key[:40] + "..."
            raise ScenarioError(f"{shown}: not a Scenario field; "
                                f"{_did_you_mean(key)}field_info() lists the fields")
    _dataclass_init(self, *args, **kwargs)


Scenario.__init__ = _init


def _check_field(f: dataclasses.Field, value: Any) -> Any:
    """The value to store (a whole-number field's 2.0 becomes 2), or ScenarioError."""
    meta = f.metadata
    shown = short_repr(value)
    if f.name == "name":
        if not isinstance(value, str) or not value.strip():
            raise ScenarioError(f"name: {shown} is not allowed; give a non-empty text label")
        return value if type(value) is str else str(value)
    if meta["choices"] is not None:
        if not isinstance(value, str) or value not in meta["choices"]:
            allowed = ", ".join(repr(c) for c in meta["choices"])
            raise ScenarioError(f"{f.name}: {shown} is not allowed; choose one of {allowed}")
        return value if type(value) is str else str(value)
    lo, hi, unit = meta["min"], meta["max"], meta["unit"]
    is_int = isinstance(f.default, int)
    kind = "a whole number" if is_int else "a number"
    allowed = f"give {kind} from {lo} to {hi} ({unit})"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ScenarioError(f"{f.name}: {shown} is not allowed; {allowed}")
    if isinstance(value, numbers.Integral):
        exact = int(value)  # any size: no float() of a 400-digit number
        if not lo <= exact <= hi:
            raise ScenarioError(f"{f.name}: {shown} is out of range; allowed {lo} to {hi} ({unit})")
        if type(value) is int:
            return value
        return exact
    try:
        x = float(value)
    except (OverflowError, ValueError, TypeError):
        raise ScenarioError(f"{f.name}: {shown} is not allowed; {allowed}") from None
    if not math.isfinite(x):
        raise ScenarioError(f"{f.name}: {shown} is not allowed; {allowed}")
    if is_int and not x.is_integer():
        raise ScenarioError(f"{f.name}: {shown} is not allowed; {allowed}")
    if not lo <= x <= hi:
        raise ScenarioError(f"{f.name}: {shown} is out of range; allowed {lo} to {hi} ({unit})")
    if is_int:
        return int(x)
    return value if type(value) is float else x


def _check_combination(s: Scenario) -> None:
    """Rules that involve several fields; each message says how to fix it."""
    if s.warmup_days >= s.horizon_days:
        raise ScenarioError(
            f"warmup_days: {s.warmup_days} must be less than horizon_days ({s.horizon_days})")
    if 0 < s.release_interval_days < 1 / 24:
        raise ScenarioError(
            f"release_interval_days: {s.release_interval_days!r} is not allowed; give 0 (each "
            "change deploys on its own) or a train interval of at least 1 hour (0.0417 days)")
    p_fail = (s.manual_deploy_failure * (1 - s.deployment_automation)
              + s.automated_deploy_failure * s.deployment_automation)
    if p_fail >= 1:
        raise ScenarioError(
            "manual_deploy_failure / automated_deploy_failure: every deploy would fail (chance "
            f"{p_fail:.2f}), so nothing could reach production; give a failure chance below 1")
    if s.organisation == "siloed":
        if s.n_testers == 0 and s.manual_test_ratio > 0 and s.test_automation < 1:
            raise ScenarioError(
                "n_testers: 0 is not allowed for a siloed organisation with manual testing; "
                "give at least 1, or set test_automation to 1 or manual_test_ratio to 0")
        if s.n_ops == 0:
            raise ScenarioError("n_ops: 0 is not allowed for a siloed organisation; "
                                "its ops team deploys and runs production (give at least 1)")
    else:
        if s.on_call == "ops_escalation":
            raise ScenarioError(
                "on_call: 'ops_escalation' is not allowed with organisation='collaborative' "
                "(it has no separate ops team); choose 'you_build_it'")
        people = s.n_developers + s.n_testers + s.n_ops
        if s.n_teams > people:
            raise ScenarioError(
                f"n_teams: {s.n_teams} is more than the {people} developers, testers and ops "
                "to fill them; allowed 1 to " + str(people))
    if s.n_security == 0 and s.security_review_share > 0 and s.security_review_person_hours > 0:
        raise ScenarioError(
            "n_security: 0 is not allowed while security_review_share > 0; "
            "give at least 1, or set security_review_share to 0")


def field_info() -> dict[str, dict[str, Any]]:
    """Metadata of every field, in declaration order: group, label, unit, min, max, step,
    choices, help and default."""
    return {f.name: dict(f.metadata, default=f.default) for f in fields(Scenario)}


def with_change_size(scenario: Scenario, change_size_person_hours: float) -> Scenario:
    """Split the same demand into changes of another size.

    The arrival rate is scaled so that ``demand_person_hours_per_day`` stays the same: only
    the batch size changes, not the amount of work.

    Raises
    ------
    TypeError
        If ``scenario`` is not a Scenario.
    ScenarioError
        If the size, or the arrival rate it needs, is out of range.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected a Scenario, got {short_repr(scenario)}")
    by_name = {f.name: f for f in fields(Scenario)}
    change_size_person_hours = _check_field(by_name["change_size_person_hours"],
                                            change_size_person_hours)
    demand = scenario.demand_person_hours_per_day
    rate = round(demand / change_size_person_hours, 6)
    meta = by_name["arrival_rate_per_day"].metadata
    if not meta["min"] <= rate <= meta["max"]:
        raise ScenarioError(
            f"change_size_person_hours: {change_size_person_hours!r} would need {rate:g} changes "
            f"a day to keep the demand of {demand:g} person-hours a day, and arrival_rate_per_day "
            f"allows {meta['min']} to {meta['max']}; give a size from "
            f"{demand / meta['max']:.3g} to {demand / meta['min']:.3g} person-hours")
    return replace(scenario, change_size_person_hours=change_size_person_hours,
                   arrival_rate_per_day=rate)


def presets() -> dict[str, Scenario]:
    """The named organisations of the course, each "the baseline plus these changes".

    ``siloed`` is the baseline, exactly the field defaults: 11 people in four teams, a
    monthly release train, a weekly CAB, little automation.
    """
    siloed = Scenario(name="siloed")
    automation = dict(test_automation=0.8, deployment_automation=0.9,
                      environment_automation=0.9, monitoring=0.9)
    collaborative = replace(
        siloed, name="collaborative", organisation="collaborative", on_call="you_build_it",
        n_teams=2, approval="peer", release_interval_days=0.0,
        security_review_share=0.2, **automation)
    collaborative = with_change_size(collaborative, 8.0)
    return {
        "siloed": siloed,
        "siloed_automated": replace(siloed, name="siloed_automated", **automation),
        "collaborative": collaborative,
        "collaborative_cab": replace(collaborative, name="collaborative_cab", approval="cab"),
        "devsecops": replace(collaborative, name="devsecops", security_scanning=0.9,
                             security_review_share=0.05),
    }


# --- files ---------------------------------------------------------------------------------

def scenario_from_dict(data: Mapping[str, Any], *, source: str = "scenario") -> Scenario:
    """Build a Scenario from a mapping; missing keys take their defaults.

    Raises
    ------
    ScenarioError
        On an unknown key (the message suggests the nearest field and lists the valid
        keys) or an invalid value.
    """
    if not isinstance(data, Mapping):
        got = "nothing" if data is None else short_repr(data)
        raise ScenarioError(f"{source}: expected a mapping of field: value, got {got}")
    _check_keys(data, source)
    return Scenario(**dict(data))


def _check_keys(data: Mapping, source: str, lines: Mapping | None = None) -> None:
    unknown = [k for k in data if k not in _DEFAULTS]
    if unknown:
        key = unknown[0]
        line = (lines or {}).get(key) if isinstance(key, str) else None
        where = f" (line {line})" if line else ""
        raise ScenarioError(
            f"{source}: unknown key {short_repr(key)}{where}; {_did_you_mean(key)}"
            f"valid keys are: {', '.join(_FIELD_NAMES)}")


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario from a YAML file; missing fields take their defaults.

    The file is read by :func:`devsim.yamlsafe.read_yaml` (at most 256 KiB, 20 levels of
    nesting and 100 aliases; duplicate keys refused). Fields that have no effect in the
    scenario (:meth:`Scenario.warnings`) are issued as :class:`ScenarioWarning`, each
    starting with the file's name.

    Raises
    ------
    ScenarioError
        For every problem with the file (missing, a folder, unreadable, too large, not
        UTF-8, not valid YAML, a duplicate key) or its contents (an unknown field, a bad
        value). The message starts with the file's name, gives the line where known, and
        names the field and what is allowed.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file name, got {short_repr(path)}")
    path = Path(path)
    lines: dict[str, int] = {}
    try:
        data = read_yaml(path, what="scenario file", lines=lines)
    except YamlFileError as exc:
        raise ScenarioError(str(exc)) from None
    if data is None:
        data = {}
    try:
        if isinstance(data, Mapping):
            _check_keys(data, str(path), lines)
        scenario = scenario_from_dict(data, source=str(path))
    except ScenarioError as exc:
        msg = str(exc)
        if not msg.startswith(str(path)):
            name = msg.split(":", 1)[0]
            where = f" (line {lines[name]})" if name in lines else ""
            msg = f"{path}: {msg}{where}"
        raise ScenarioError(msg) from None
    for text in scenario.warnings():
        _warnings.warn(ScenarioWarning(f"{path}: {text}"), stacklevel=2)
    return scenario


def save_scenario(scenario: Scenario, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a scenario as YAML. An existing file is kept unless ``overwrite=True``.

    Raises
    ------
    TypeError
        If ``scenario`` is not a Scenario or ``path`` not a file name.
    FileExistsError
        If the file exists and ``overwrite`` is False.
    FileNotFoundError
        If the folder does not exist (the message names it).
    ValueError
        If ``path`` is a folder.
    """
    import yaml

    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected a Scenario, got {short_repr(scenario)}")
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise TypeError(f"path: expected a file name, got {short_repr(path)}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path: '{path}' is a folder; give a file name such as team.yaml")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path}: already exists; pass overwrite=True to replace it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{path}: the folder '{folder}' does not exist; create it first")
    text = yaml.safe_dump(scenario.to_dict(), sort_keys=False)
    # "x" never replaces a file that appeared after the check above.
    with path.open("w" if overwrite else "x", encoding="utf-8") as fh:
        fh.write(text)
    return path


def resolve_scenario(spec: str | Path | Scenario) -> Scenario:
    """A Scenario from a preset name, a YAML path, or a Scenario (returned as is)."""
    if isinstance(spec, Scenario):
        return spec
    if not isinstance(spec, (str, os.PathLike)):
        raise TypeError(f"scenario: expected a Scenario, a preset name or a YAML file, got "
                        f"{short_repr(spec)}")
    text = str(spec)
    table = presets()
    if text in table:
        return table[text]
    if text.strip() and "\x00" not in text and (text.endswith((".yaml", ".yml"))
                                                 or _exists(text)):
        return load_scenario(text)
    raise ScenarioError(
        f"scenario: {short_repr(text)} is neither a preset nor a scenario file; presets are: "
        f"{', '.join(table)}")


def _exists(text: str) -> bool:
    try:
        return Path(text).exists()
    except (OSError, ValueError):  # a name too long for the system is no file either
        return False
