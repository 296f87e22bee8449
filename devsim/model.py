"""The SimPy model of a software delivery value stream.

Clock: **hours** of calendar time (see :mod:`devsim.scenario` for how person-hours of
planned work become calendar hours). One change travels::

    backlog -> develop -> review -> environment -> build & test -> security review
            -> CAB -> release (train or on its own) -> deploy -> production

A defect found on the way sends the change back to its developers (a fix, then the stage
again). A defect or security flaw that escapes causes an incident in production after a
while; it is detected (by monitoring or by users), triaged, diagnosed and restored by an
automated rollback or a hotfix deploy. Incident work pre-empts planned work (the
model's ``_Team`` resource, with ``simpy.PreemptiveResource``'s semantics): it is the
unplanned work that slows delivery down.

Structure, not parameters, separates the two organisations. :func:`_routing` decides once,
from the Scenario, which team does each stage; a *handoff* (a ticket that waits
``handoff_delay_hours`` on average before pickup) happens whenever the next stage belongs
to a different team than the one holding the change. Siloed: developers, QA, ops and
security are four teams, so a change crosses several handoffs and ops is paged first for
incidents. Collaborative: each change belongs to one cross-functional product team that
does every stage itself; only a manual security review goes out to the security team.

Assumptions and their sources are listed in the README ("Model assumptions").
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import simpy

from .log import DeployRow, EventLog, IncidentRow, ItemRow, StageRow
from .scenario import Scenario
from .streams import KeyedStream, make_stream
from .valuestream import VALUE_STREAM, ValueStream

__all__ = ["run"]

URGENT, PLANNED = 0, 1
PIPELINE = "pipeline"


def run(scenario: Scenario, seed: int, replication: int = 0, *,
        stream: ValueStream = VALUE_STREAM, progress=None) -> EventLog:
    """Simulate one organisation for ``scenario.horizon_days``.

    Parameters
    ----------
    scenario : Scenario
        The inputs; never modified.
    seed : int
        Seed of every random stream. The same (scenario, seed, replication) gives the same log.
    replication : int
        Replication number; replication *i* of two scenarios shares random numbers (CRN).
    stream : ValueStream
        The stages a change walks (:data:`devsim.valuestream.VALUE_STREAM`); a copy with a
        stage added runs that stage too (a ``"work"`` stage needs no model code).
    progress : None, bool or callable
        None or False (default): nothing. True: a tqdm bar on stderr in simulated days, with
        its estimate of the time left. A callable: called with the fraction of the horizon
        simulated so far (increasing, ending at 1.0). With progress the clock runs in slices
        (``env.run(until=t)`` for increasing ``t``), which processes the same events in the
        same order: the log is identical.

    Returns
    -------
    EventLog
        Items, stage visits, deploys and incidents, with the measurement window.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected a devsim Scenario, got {type(scenario).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: {seed!r} is not allowed; give a whole number >= 0")
    if not isinstance(stream, ValueStream):
        raise TypeError(f"stream: expected a devsim ValueStream, got {type(stream).__name__}")
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        raise TypeError(f"progress: expected None, True, False or a function of the fraction "
                        f"done, got {type(progress).__name__}")
    model = _Model(scenario, seed, replication, stream)
    horizon = scenario.horizon_days * 24.0
    if progress is None or progress is False:
        model.env.run(until=horizon)
    elif progress is True:
        from tqdm import tqdm

        days = scenario.horizon_days
        with tqdm(total=days, desc=f"devsim: simulating {scenario.name}, {days:g} days",
                  unit="day", leave=False, bar_format=_BAR_DAYS) as bar:
            def show(fraction: float) -> None:
                bar.update(fraction * days - bar.n)

            _run_in_slices(model.env, horizon, show)
    else:
        _run_in_slices(model.env, horizon, progress)
    model.finish()
    return model.log


#: tqdm's default bar with the simulated days shown as whole days.
_BAR_DAYS = "{l_bar}{bar}| {n:.0f}/{total:.0f} days [{elapsed}<{remaining}, {rate_fmt}]"


def _run_in_slices(env: simpy.Environment, until: float, report, slices: int = 200) -> None:
    """Run ``env`` to ``until`` in ``slices`` steps (at most one a simulated hour), calling
    ``report(fraction)`` after each; the last fraction is exactly 1.0.

    Each ``env.run(until=t)`` adds one stop event; the model's own events keep their order
    (time, priority, then scheduling order), so the results are those of a single run.
    """
    n = max(1, min(slices, math.ceil(until)))
    for i in range(1, n + 1):
        t = until if i == n else until * i / n
        if t > env.now:
            env.run(until=t)
        report(i / n if i < n else 1.0)


@dataclass(eq=False)
class _Item:
    item_id: int
    kind: str
    team: str             # owning product team (collaborative) or the dev team
    size: float           # person-hours
    lineage: str          # arrival number, or the fixed change's lineage + "/fix<k>"
    rng: KeyedStream      # the change's own stream (common random numbers per lineage)
    u: list               # per-item uniforms, drawn at arrival (common random numbers)
    arrival: float
    defective: bool       # carries a defect now (a fix clears it)
    security_flaw: bool
    born_defective: bool = False   # as created, for the item table
    born_flawed: bool = False
    holder: str = ""      # team holding the change now (a different next team = a handoff)
    committed: float = math.nan
    deployed: float = math.nan
    escaped: bool = False
    wip_request: object = None
    n_fixes: int = 0      # fixes this change has spawned (their lineages)
    streams: dict = field(default_factory=dict)   # sub-streams by purpose

    def stream(self, purpose: str) -> KeyedStream:
        """The change's own stream for one purpose (hand-offs, deploys, CAB, incidents)."""
        if purpose not in self.streams:
            self.streams[purpose] = self.rng.child(purpose)
        return self.streams[purpose]


# Indexes into _Item.u
_U_DEFECT, _U_FLAW, _U_REVIEW, _U_TEST, _U_SCAN, _U_SECSHARE, _U_SECREVIEW, _U_CAB, _U_TEAM = range(9)
_N_U = 9


class _Team:
    """People of one team: a priority queue with pre-emption, specialised for this model.

    Semantics match ``simpy.PreemptiveResource`` (lower priority value first, FIFO within a
    priority; an urgent request that finds everyone busy interrupts the planned holder that
    started last), but a free member is granted without scheduling an event, which makes
    the model about twice as fast as with SimPy's general resource.
    """

    __slots__ = ("env", "capacity", "holders", "waiting", "order")

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env = env
        self.capacity = capacity
        self.holders: dict[int, tuple[int, simpy.Process]] = {}
        self.waiting: list = []
        self.order = 0

    def request(self, priority: int, proc, preempt: bool):
        """Returns (key, event): event is None when granted at once, else wait for it."""
        self.order += 1
        key = self.order
        if len(self.holders) < self.capacity:
            self.holders[key] = (priority, proc)
            return key, None
        if preempt:
            victim = max(self.holders, key=lambda k: (self.holders[k][0], k))
            if self.holders[victim][0] > priority:
                _, victim_proc = self.holders.pop(victim)
                victim_proc.interrupt("pre-empted by incident work")
                self.holders[key] = (priority, proc)
                return key, None
        granted = self.env.event()
        heapq.heappush(self.waiting, (priority, key, granted, proc))
        return key, granted

    def release(self, key: int) -> None:
        self.holders.pop(key, None)
        if self.waiting and len(self.holders) < self.capacity:
            priority, wkey, granted, proc = heapq.heappop(self.waiting)
            self.holders[wkey] = (priority, proc)
            granted.succeed()


def _routing(s: Scenario, stream: ValueStream) -> dict[str, str]:
    """Which team does each stage ('own' = the change's product team), from the value stream.

    ``first_responder`` is the team paged for an incident: the triage team, or with
    ``on_call='you_build_it'`` the team that developed the change.
    """
    route = stream.routing(s.organisation)
    route["first_responder"] = route["develop"] if s.on_call == "you_build_it" else route["triage"]
    return route


def _teams(s: Scenario) -> dict[str, int]:
    """Team name -> headcount."""
    if s.organisation == "siloed":
        teams = {"dev": s.n_developers, "qa": s.n_testers, "ops": s.n_ops}
    else:
        people = s.n_developers + s.n_testers + s.n_ops
        base, extra = divmod(people, s.n_teams)
        teams = {f"team-{i + 1}": base + (1 if i < extra else 0) for i in range(s.n_teams)}
    teams["security"] = s.n_security
    return {name: n for name, n in teams.items() if n > 0}


class _Model:
    """One run: the SimPy environment, the teams, the random streams and the processes.

    A change is a process (:meth:`_change`) that walks the value stream's path: for each
    stage with a ``step``, the method ``_step_<step>`` runs (``_step_work`` for a plain work
    stage that states its effort). Checks that find a defect send the change to a fix and
    then through the check again; incidents are processes of their own (:meth:`_incident`)
    whose work pre-empts planned work. Every record goes to :attr:`log` through
    :meth:`EventLog.record`.
    """

    def __init__(self, s: Scenario, seed: int, replication: int, stream: ValueStream):
        self.s = s
        self.stream = stream
        self.env = simpy.Environment()
        self.planned_factor = 168.0 / s.work_hours_per_week
        # Arrivals and sizes are drawn in arrival order, the same in every scenario; every
        # other draw belongs to a change (its KeyedStream), so it cannot drift.
        self.seed, self.replication = seed, replication
        self.rng = {n: make_stream(seed, replication, n) for n in ("arrivals", "sizes")}
        self.n_features = 0
        capacity = _teams(s)
        self.resources = {n: _Team(self.env, c) for n, c in capacity.items()}
        self.product_teams = [n for n in capacity if n.startswith("team-")] or ["dev"]
        self.route = _routing(s, stream)
        self.path = [(stage, getattr(self, f"_step_{stage.step}")) for stage in stream.path]
        self.wip = simpy.Resource(self.env, capacity=s.wip_limit) if s.wip_limit > 0 else None
        self.log = EventLog(
            start_hours=s.warmup_days * 24.0, end_hours=s.horizon_days * 24.0, capacity=capacity,
            headcount=s.headcount, work_hours_per_week=s.work_hours_per_week,
            cost_per_person_hour=s.cost_per_person_hour, stream=stream,
            meta=dict(scenario=s.to_dict(), seed=seed, replication=replication))
        self.items: list[_Item] = []
        self.ready_for_release: list[tuple[_Item, simpy.Event, float]] = []
        self.cab_queue: list[tuple[_Item, simpy.Event]] = []
        self.n_deploys = 0
        self.n_incidents = 0
        self.env.process(self._arrivals())
        if s.release_interval_days > 0:
            self.env.process(self._release_train())
        if s.approval == "cab":
            self.env.process(self._cab_meetings())

    # --- helpers ------------------------------------------------------------------------
    def _team(self, stage: str, item: _Item) -> str:
        team = self.route[stage]
        return item.team if team == "own" else team

    def _size(self) -> float:
        s, r = self.s, self.rng["sizes"]
        mean = s.change_size_person_hours
        if s.change_size_distribution == "fixed" or (s.change_size_distribution == "lognormal"
                                                     and s.change_size_cv == 0):
            return mean
        if s.change_size_distribution == "exponential":
            return r.exponential(mean)
        sigma2 = math.log1p(s.change_size_cv ** 2)
        return math.exp(math.log(mean) - sigma2 / 2 + math.sqrt(sigma2) * r.normal())

    def _new_item(self, kind: str, size: float, team: str | None = None, *,
                  clean: bool = False, parent: _Item | None = None) -> _Item:
        """A change with its own stream and per-item uniforms; ``clean`` = created without
        defect or flaw; ``parent`` = the change this one fixes (its lineage continues)."""
        s = self.s
        if parent is None:
            lineage = str(self.n_features)
            self.n_features += 1
        else:
            lineage = f"{parent.lineage}/fix{parent.n_fixes}"
            parent.n_fixes += 1
        rng = KeyedStream(self.seed, self.replication, lineage)
        u = rng.uniforms(_N_U)
        if team is None:
            team = self.product_teams[min(int(u[_U_TEAM] * len(self.product_teams)),
                                          len(self.product_teams) - 1)]
        defective = not clean and u[_U_DEFECT] < -math.expm1(-s.defect_rate_per_hour * size)
        flawed = not clean and u[_U_FLAW] < -math.expm1(-s.security_flaw_rate_per_hour * size)
        item = _Item(item_id=len(self.items), kind=kind, team=team, size=size, lineage=lineage,
                     rng=rng, u=u,
                     arrival=self.env.now, defective=defective, security_flaw=flawed,
                     born_defective=defective, born_flawed=flawed)
        self.items.append(item)
        return item

    def _work(self, team: str, effort: float, urgent: bool):
        """Hold one member of ``team`` for ``effort`` person-hours; returns (started, worked).

        Planned work is stretched over the working week and can be pre-empted by urgent
        (incident) work, after which it queues again for the remaining effort.
        """
        res = self.resources[team]
        env = self.env
        remaining = effort if urgent else effort * self.planned_factor
        priority = URGENT if urgent else PLANNED
        proc = env.active_process
        started = None
        worked = 0.0
        while remaining > 1e-9:
            key, granted = res.request(priority, proc, urgent)
            t0 = None
            try:
                if granted is not None:
                    yield granted
                t0 = env.now
                if started is None:
                    started = t0
                yield env.timeout(remaining)
            except simpy.Interrupt:
                # Pre-empted by an incident: the slot is gone; queue again for the rest.
                if t0 is not None:
                    worked += env.now - t0
                    remaining -= env.now - t0
                continue
            worked += remaining
            remaining = 0.0
            res.release(key)
        # Negligible effort (<= 1e-9 h) is never queued: it starts and ends now.
        return (started if started is not None else env.now), worked

    def _step(self, item: _Item, stage: str, effort: float, *, work_type: str = "planned",
              urgent: bool = False, team: str | None = None):
        """One stage visit by a team: handoff (if the team changes), queue, work, record."""
        team = team or self._team(stage, item)
        queued = self.env.now
        if item.holder and team != item.holder:
            yield self.env.timeout(item.stream("handoffs").exponential(self.s.handoff_delay_hours))
        item.holder = team
        started, worked = yield from self._work(team, effort, urgent)
        self.log.record(StageRow(item_id=item.item_id, stage=stage, team=team, queued=queued,
                                 started=started, finished=self.env.now,
                                 effort_person_hours=effort, work_hours=worked,
                                 work_type=work_type))

    def _machine(self, item: _Item, stage: str, hours: float):
        """An automated step: runs on the clock with no queue (pipelines scale out)."""
        t0 = self.env.now
        yield self.env.timeout(hours)
        self.log.record(StageRow(item_id=item.item_id, stage=stage, team=PIPELINE, queued=t0,
                                 started=t0, finished=self.env.now, effort_person_hours=0.0,
                                 work_hours=hours, work_type="planned"))

    def _wait(self, item: _Item, stage: str, team: str, queued: float):
        """A wait with no work (WIP slot, CAB meeting, release train), ending now."""
        self.log.record(StageRow(item_id=item.item_id, stage=stage, team=team, queued=queued,
                                 started=self.env.now, finished=self.env.now,
                                 effort_person_hours=0.0, work_hours=0.0, work_type="planned"))

    def _fix(self, item: _Item, work_type: str = "rework"):
        """A defect was found: back to the change's developers for a fix."""
        yield from self._step(item, "fix", self.s.rework_fraction * item.size, work_type=work_type)

    # --- processes ----------------------------------------------------------------------
    def _arrivals(self):
        s = self.s
        mean_gap = 24.0 / s.arrival_rate_per_day
        while True:
            yield self.env.timeout(self.rng["arrivals"].exponential(mean_gap))
            item = self._new_item("feature", self._size())
            self.env.process(self._change(item))

    def _change(self, item: _Item):
        """A change's life: each stage of the value stream's path in order, then production."""
        for stage, step in self.path:
            yield from step(item, stage)

    # --- the steps of the path (one per distinct Stage.step) ----------------------------
    def _step_wip(self, item: _Item, stage):
        if self.wip is not None and item.kind == "feature":
            item.wip_request = self.wip.request()
            queued = self.env.now
            yield item.wip_request
            if self.env.now > queued:
                self._wait(item, stage.key, stage.key, queued)

    def _step_develop(self, item: _Item, stage):
        yield from self._step(item, stage.key, item.size,
                              work_type="rework" if item.kind == "fix" else "planned")
        item.committed = self.env.now

    def _step_review(self, item: _Item, stage):
        s = self.s
        if s.approval != "none" and s.review_person_hours > 0:
            yield from self._inspect(item, stage.key, s.review_person_hours, "defective",
                                     item.u[_U_REVIEW] < s.review_detection)

    def _step_environment(self, item: _Item, stage):
        s = self.s
        env_effort = s.environment_person_hours * (1 - s.environment_automation)
        if env_effort > 0:
            yield from self._step(item, stage.key, env_effort)

    def _step_security(self, item: _Item, stage):
        s = self.s
        if s.n_security > 0 and s.security_review_person_hours > 0 and \
                item.u[_U_SECSHARE] < s.security_review_share:
            yield from self._inspect(item, stage.key, s.security_review_person_hours,
                                     "security_flaw",
                                     item.u[_U_SECREVIEW] < s.security_review_detection)

    def _step_cab(self, item: _Item, stage):
        if self.s.approval == "cab":
            yield from self._cab(item)

    def _step_release(self, item: _Item, stage):
        if self.s.release_interval_days > 0:
            done = self.env.event()
            self.ready_for_release.append((item, done, self.env.now))
            yield done
        else:
            yield from self._deploy([item], kind="change")

    def _step_work(self, item: _Item, stage):
        """A plain work stage added to the value stream: its team works its effort once."""
        effort = float(stage.effort(self.s, item.size))
        if effort > 0:
            yield from self._step(item, stage.key, effort)

    def _inspect(self, item: _Item, stage: str, effort: float, flaw: str, spots: bool):
        """A human check: if it spots the change's flaw, a fix, then the check again."""
        while True:
            yield from self._step(item, stage, effort)
            if getattr(item, flaw) and spots:
                setattr(item, flaw, False)
                yield from self._fix(item)
                continue
            return

    def _step_build_and_test(self, item: _Item, stage):
        """The pipeline, then manual tests; a defect found sends the change to a fix and back."""
        s = self.s
        a = s.test_automation
        manual_effort = s.manual_test_ratio * item.size * (1 - a)
        p_test = s.automated_test_detection * a + (s.manual_test_detection * (1 - a)
                                                   if s.manual_test_ratio > 0 else 0.0)
        p_scan = s.security_scan_detection * s.security_scanning
        while True:
            if s.pipeline_hours > 0:
                yield from self._machine(item, "pipeline", s.pipeline_hours)
            if manual_effort > 0:
                yield from self._step(item, "test", manual_effort)
            if item.defective and item.u[_U_TEST] < p_test:
                item.defective = False
                yield from self._fix(item)
                continue
            if item.security_flaw and item.u[_U_SCAN] < p_scan:
                item.security_flaw = False
                yield from self._fix(item)
                continue
            return

    def _cab(self, item: _Item):
        s = self.s
        while True:
            queued = self.env.now
            decided = self.env.event()
            self.cab_queue.append((item, decided))
            outcome = yield decided
            self._wait(item, "cab", "cab", queued)
            if outcome == "approved":
                return
            if outcome == "defect":
                item.defective = False
                yield from self._fix(item)
            else:
                yield from self._step(item, "cab_prep", s.review_person_hours or 1.0)

    def _cab_meetings(self):
        s = self.s
        while True:
            yield self.env.timeout(s.cab_interval_days * 24.0)
            pending, self.cab_queue = self.cab_queue, []
            for item, decided in pending:
                if item.defective and item.u[_U_CAB] < s.cab_detection:
                    decided.succeed("defect")
                elif item.stream("cab").uniform() < s.cab_rejection_rate:
                    decided.succeed("rejected")
                else:
                    decided.succeed("approved")

    def _release_train(self):
        while True:
            yield self.env.timeout(self.s.release_interval_days * 24.0)
            if self.ready_for_release:
                batch, self.ready_for_release = self.ready_for_release, []
                self.env.process(self._train(batch))

    def _train(self, batch):
        for item, _, queued in batch:
            self._wait(item, "release", "release", queued)
        yield from self._deploy([item for item, _, _ in batch], kind="release")
        for _, done, _ in batch:
            done.succeed()

    def _deploy(self, items: list[_Item], kind: str, responder: str | None = None):
        """Deploy ``items`` until a deploy succeeds; a failed deploy is rolled back and retried.

        Returns the id of the deploy that succeeded.
        """
        s = self.s
        lead = items[0]
        team = responder or self._team("deploy", lead)
        urgent = kind == "hotfix"
        effort = s.deploy_person_hours * (1 - s.deployment_automation)
        p_fail = (s.manual_deploy_failure * (1 - s.deployment_automation)
                  + s.automated_deploy_failure * s.deployment_automation)
        queued = self.env.now
        rework = kind == "hotfix" or all(i.kind == "fix" for i in items)
        first, attempt = None, 0
        while True:
            attempt += 1
            started = self.env.now
            if kind == "release":
                lead.holder = team  # a release train is scheduled: no ticket to wait for
            worked = 0.0
            if effort > 0:
                queued_step = self.env.now
                if lead.holder and team != lead.holder:
                    yield self.env.timeout(lead.stream("handoffs").exponential(s.handoff_delay_hours))
                lead.holder = team
                t_start, worked = yield from self._work(team, effort, urgent)
                started = t_start if t_start is not None else started
                for item in items:
                    self.log.record(StageRow(
                        item_id=item.item_id, stage="deploy", team=team, queued=queued_step,
                        started=t_start, finished=self.env.now,
                        effort_person_hours=effort / len(items), work_hours=worked / len(items),
                        work_type="unplanned" if urgent else "planned"))
            if s.deployment_automation > 0 and s.deploy_pipeline_hours > 0:
                t0 = self.env.now
                yield self.env.timeout(s.deploy_pipeline_hours)
                for item in items:
                    self.log.record(StageRow(
                        item_id=item.item_id, stage="deploy", team=PIPELINE, queued=t0, started=t0,
                        finished=self.env.now, effort_person_hours=0.0,
                        work_hours=s.deploy_pipeline_hours,
                        work_type="unplanned" if urgent else "planned"))
            deploy_id = self.n_deploys
            self.n_deploys += 1
            first = deploy_id if first is None else first
            failed = lead.stream("deploys").uniform() < p_fail
            self.log.record(DeployRow(deploy_id=deploy_id, deployment=first, attempt=attempt,
                                      kind=kind, started=started,
                                      time=self.env.now, n_items=len(items), failed=failed,
                                      rework=rework))
            if not failed:
                break
            yield from self._rollback_failed_deploy(deploy_id, lead, team, effort)
        if kind == "hotfix":
            return deploy_id  # the change was already in production; this deploy repairs it
        now = self.env.now
        for item in items:
            item.deployed = now
            if item.wip_request is not None:
                self.wip.release(item.wip_request)
                item.wip_request = None
            if item.defective:
                item.escaped = True
                self.env.process(self._incident(item, deploy_id, "defect"))
            if item.security_flaw:
                item.escaped = True
                self.env.process(self._incident(item, deploy_id, "security"))
        return deploy_id

    def _rollback_failed_deploy(self, deploy_id: int, lead: _Item, team: str, effort: float):
        """A deploy that fails is seen at once and rolled back by whoever deployed it."""
        start = self.env.now
        if effort > 0:
            _, worked = yield from self._work(team, effort, urgent=True)
            self.log.record(StageRow(item_id=lead.item_id, stage="rollback", team=team,
                                     queued=start, started=start, finished=self.env.now,
                                     effort_person_hours=effort, work_hours=worked,
                                     work_type="unplanned"))
        if self.s.deployment_automation > 0:
            yield self.env.timeout(self.s.deploy_pipeline_hours)
        self._incident_row(lead.item_id, deploy_id, "failed_deploy", start, start, team, "rollback")

    def _incident_row(self, item_id, deploy_id, cause, start, detected, responder, action):
        self.log.record(IncidentRow(incident_id=self.n_incidents, item_id=item_id,
                                    deploy_id=deploy_id, cause=cause, start=start,
                                    detected=detected, restored=self.env.now,
                                    responder=responder, action=action))
        self.n_incidents += 1

    def _incident(self, item: _Item, deploy_id: int, cause: str):
        """An escaped defect or flaw fails in production, is detected, triaged and restored."""
        s = self.s
        r = item.stream(f"incident-{cause}")
        yield self.env.timeout(r.exponential(s.incident_onset_hours))
        start = self.env.now
        by_monitoring = r.uniform() < s.monitoring
        yield self.env.timeout(r.exponential(s.detect_hours_by_monitoring if by_monitoring
                                             else s.detect_hours_by_users))
        detected = self.env.now
        responder = self._team("first_responder", item)
        item.holder = ""  # a page, not a ticket: the first responder starts at once
        yield from self._step(item, "triage", s.triage_person_hours, work_type="unplanned",
                              urgent=True, team=responder)
        ops_alone = r.uniform() < s.ops_resolve_share
        if self.route["first_responder"] == "ops" and ops_alone:
            yield from self._step(item, "ops_fix", s.triage_person_hours, work_type="unplanned",
                                  urgent=True, team="ops")
            self._incident_row(item.item_id, deploy_id, cause, start, detected, responder, "ops_fix")
            return
        yield from self._step(item, "diagnose", s.diagnose_person_hours, work_type="unplanned",
                              urgent=True, team=self._team("diagnose", item))
        if r.uniform() < s.deployment_automation:
            # Automated rollback restores service; the real fix follows as planned work.
            yield self.env.timeout(s.deploy_pipeline_hours)
            self._incident_row(item.item_id, deploy_id, cause, start, detected, responder, "rollback")
            fix = self._new_item("fix", max(s.rework_fraction * item.size, 0.25), team=item.team,
                                 clean=True, parent=item)
            self.env.process(self._change(fix))
            return
        yield from self._step(item, "hotfix", s.rework_fraction * item.size, work_type="unplanned",
                              urgent=True, team=self._team("hotfix", item))
        if cause == "security":
            item.security_flaw = False
        else:
            item.defective = False
        yield from self._deploy([item], kind="hotfix")
        self._incident_row(item.item_id, deploy_id, cause, start, detected, responder, "hotfix")

    def finish(self) -> None:
        """Write the item table (called once the clock has stopped)."""
        for i in self.items:
            self.log.record(ItemRow(item_id=i.item_id, lineage=i.lineage, kind=i.kind, team=i.team,
                                    size_person_hours=i.size, arrival=i.arrival,
                                    committed=i.committed, deployed=i.deployed,
                                    defective=i.born_defective, security_flaw=i.born_flawed,
                                    escaped=i.escaped))
