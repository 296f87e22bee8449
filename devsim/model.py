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
#: Person-hours of one toil task and of one support request.
_TOIL_TASK, _SUPPORT_TASK = 2.0, 1.0
#: How far built automation goes (the level of the presets' automated organisations).
_BUILT_AUTOMATION = 0.9
#: The longest release interval ops stretch to (the field's own maximum).
_MAX_INTERVAL_DAYS = 180.0


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


def _poisson(r, mean: float) -> int:
    """A Poisson count with a small mean, from one stream's uniforms (Knuth's method)."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, r.uniform()
    while p > limit:
        k += 1
        p *= r.uniform()
    return k


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
    outcome: dict | None = None   # the release it went out in (marked failed by ops)
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
        # Automation levels now: the Scenario's, raised by built automation (_improvement).
        self.auto = {"test_automation": s.test_automation,
                     "deployment_automation": s.deployment_automation,
                     "environment_automation": s.environment_automation}
        self.env.process(self._arrivals())
        if s.release_interval_days > 0:
            self.env.process(self._release_train())
        if s.approval == "cab":
            self.env.process(self._cab_meetings())
        for name in ("toil", "support", "background_incidents"):
            self.rng[name] = make_stream(seed, replication, name)
        self.env.process(self._toil())
        if s.support_person_hours_per_week > 0:
            self.env.process(self._support())
        if s.background_incidents_per_month > 0:
            self.env.process(self._background_incidents())
        if s.improvement_share > 0:
            self.log.meta["automation_steps"] = []
            self.log.meta["improvement"] = {"start": None, "end": None,
                                            "person_hours_per_hour": 0.0}
            self.env.process(self._improvement())

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
                # Pre-empted by an incident: the slot is gone; queue again for the rest,
                # plus the effort of getting back into it (a context switch).
                if t0 is not None:
                    worked += env.now - t0
                    remaining -= env.now - t0
                remaining += self.s.context_switch_hours * self.planned_factor
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
        yield from self._handoff(item, team, urgent)
        started, worked = yield from self._work(team, effort, urgent)
        self.log.record(StageRow(item_id=item.item_id, stage=stage, team=team, queued=queued,
                                 started=started, finished=self.env.now,
                                 effort_person_hours=effort, work_hours=worked,
                                 work_type=work_type))

    def _handoff(self, item: _Item, team: str, urgent: bool):
        """Pass the change to ``team`` if another team holds it: urgent work by page
        (``page_response_hours``), planned work by ticket (``handoff_delay_hours``), and a
        share ``clarification_share`` of tickets comes back to the sender for clarification
        (the sender's effort and a ticket each way) before the receiver can start."""
        sender = item.holder
        if not sender or team == sender:
            item.holder = team
            return
        s = self.s
        if urgent:
            yield self.env.timeout(item.stream("handoffs").exponential(s.page_response_hours))
        else:
            yield self.env.timeout(item.stream("handoffs").exponential(s.handoff_delay_hours))
            if s.clarification_share > 0 and sender in self.resources:
                r = item.stream("clarify")
                if r.uniform() < s.clarification_share:
                    yield self.env.timeout(r.exponential(s.handoff_delay_hours))
                    yield from self._task(sender, s.clarification_person_hours, "clarify",
                                          item.item_id, "rework")
                    yield self.env.timeout(r.exponential(s.handoff_delay_hours))
        item.holder = team

    def _machine(self, item: _Item, stage: str, hours: float):
        """An automated step: runs on the clock with no queue (pipelines scale out)."""
        t0 = self.env.now
        yield self.env.timeout(hours)
        self.log.record(StageRow(item_id=item.item_id, stage=stage, team=PIPELINE, queued=t0,
                                 started=t0, finished=self.env.now, effort_person_hours=0.0,
                                 work_hours=hours, work_type="planned"))

    def _wait(self, item: _Item, stage: str, team: str, queued: float,
              work_type: str = "planned"):
        """A wait with no work (WIP slot, CAB meeting, release train), ending now."""
        self.log.record(StageRow(item_id=item.item_id, stage=stage, team=team, queued=queued,
                                 started=self.env.now, finished=self.env.now,
                                 effort_person_hours=0.0, work_hours=0.0, work_type=work_type))

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
        env_effort = s.environment_person_hours * (1 - self.auto["environment_automation"])
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
        if self.s.release_interval_days > 0 or self.s.approval == "cab":
            # A release train, or the CAB's change window: approved changes go out together.
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
        a = self.auto["test_automation"]
        manual_effort = s.manual_test_ratio * item.size * (1 - a)
        p_test = self._p_test()
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

    def _p_test(self) -> float:
        """Chance that testing (automated and manual, as automated now) finds a defect."""
        s, a = self.s, self.auto["test_automation"]
        return s.automated_test_detection * a + (s.manual_test_detection * (1 - a)
                                                 if s.manual_test_ratio > 0 else 0.0)

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
            if s.release_interval_days == 0:
                self.env.process(self._change_window())

    def _change_window(self):
        """The CAB's change window: what the meeting approved deploys together, as one release.

        Approved changes resume at this instant and join ``ready_for_release``; this zero
        wait is processed after them (same time, scheduled later), so the window takes all.
        """
        yield self.env.timeout(0)
        if self.ready_for_release:
            batch, self.ready_for_release = self.ready_for_release, []
            yield from self._train(batch)

    def _release_train(self):
        """A train every ``release_interval_days``. Where ops own stability and not delivery
        (``on_call='ops_escalation'``), they answer a failed release (a failed attempt or an
        incident it caused, known by the next departure) by freezing: the train waits
        ``release_slowdown_days`` more and every later interval is that much longer; a clean
        release shortens the intervals again, never below ``release_interval_days``."""
        s = self.s
        base = s.release_interval_days
        loop = s.on_call == "ops_escalation" and s.release_slowdown_days > 0
        extra = 0.0
        last = None
        while True:
            yield self.env.timeout((base + extra) * 24.0)
            if loop and last is not None:
                if last["failed"]:
                    step = min(s.release_slowdown_days, _MAX_INTERVAL_DAYS - base - extra)
                    if step > 0:
                        extra += step
                        yield self.env.timeout(step * 24.0)  # the freeze
                else:
                    extra = max(0.0, extra - s.release_slowdown_days)
            if self.ready_for_release:
                batch, self.ready_for_release = self.ready_for_release, []
                last = {"failed": False}
                self.env.process(self._train(batch, last))

    def _train(self, batch, outcome: dict | None = None):
        for item, _, queued in batch:
            self._wait(item, "release", "release", queued)
            item.outcome = outcome
        yield from self._deploy([item for item, _, _ in batch], kind="release", outcome=outcome)
        for _, done, _ in batch:
            done.succeed()

    def _deploy(self, items: list[_Item], kind: str, responder: str | None = None,
                outcome: dict | None = None):
        """Deploy ``items`` until a deploy succeeds; a failed deploy is rolled back and retried.

        ``outcome`` (a release's record) is marked ``failed`` if an attempt fails. Returns
        the id of the deploy that succeeded.
        """
        s = self.s
        lead = items[0]
        team = responder or self._team("deploy", lead)
        urgent = kind == "hotfix"
        auto = self.auto["deployment_automation"]
        effort = s.deploy_person_hours * (1 - auto)
        p_fail = s.manual_deploy_failure * (1 - auto) + s.automated_deploy_failure * auto
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
                yield from self._handoff(lead, team, urgent)
                t_start, worked = yield from self._work(team, effort, urgent)
                started = t_start if t_start is not None else started
                for item in items:
                    self.log.record(StageRow(
                        item_id=item.item_id, stage="deploy", team=team, queued=queued_step,
                        started=t_start, finished=self.env.now,
                        effort_person_hours=effort / len(items), work_hours=worked / len(items),
                        work_type="unplanned" if urgent else "planned"))
            if auto > 0 and s.deploy_pipeline_hours > 0:
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
            if outcome is not None:
                outcome["failed"] = True
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
                self.env.process(self._incident(item, deploy_id, "defect", len(items)))
            if item.security_flaw:
                item.escaped = True
                self.env.process(self._incident(item, deploy_id, "security", len(items)))
            if item.kind == "feature":
                self._minor_defects(item)
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
        if self.auto["deployment_automation"] > 0:
            yield self.env.timeout(self.s.deploy_pipeline_hours)
        self._incident_row(lead.item_id, deploy_id, "failed_deploy", start, start, team, "rollback")

    def _incident_row(self, item_id, deploy_id, cause, start, detected, responder, action):
        self.log.record(IncidentRow(incident_id=self.n_incidents, item_id=item_id,
                                    deploy_id=deploy_id, cause=cause, start=start,
                                    detected=detected, restored=self.env.now,
                                    responder=responder, action=action))
        self.n_incidents += 1

    def _incident(self, item: _Item, deploy_id: int, cause: str, n_deployed: int = 1):
        """An escaped defect or flaw fails in production, is detected, triaged and restored.

        The first responder triages (slower without the change's context), resolves the
        share that needs no code, or rolls back at once where deployment is automated;
        otherwise developers are paged, diagnose (longer the more changes the deploy held)
        and hotfix.
        """
        s = self.s
        r = item.stream(f"incident-{cause}")
        yield self.env.timeout(r.exponential(s.incident_onset_hours))
        start = self.env.now
        if item.outcome is not None:
            item.outcome["failed"] = True  # ops see the release failed
        by_monitoring = r.uniform() < s.monitoring
        yield self.env.timeout(r.exponential(s.detect_hours_by_monitoring if by_monitoring
                                             else s.detect_hours_by_users))
        detected = self.env.now
        if not by_monitoring:  # users' reports reach the responders as tickets, alerts page
            yield self.env.timeout(r.exponential(s.handoff_delay_hours))
        responder = self._team("first_responder", item)
        builder = self._team("develop", item)
        context = 1.0 if responder == builder else s.no_context_factor
        item.holder = ""  # the on-call responder starts at once: no further handoff
        yield from self._step(item, "triage", s.triage_person_hours * context,
                              work_type="unplanned", urgent=True, team=responder)
        if r.uniform() < s.no_code_fix_share:
            yield from self._step(item, "no_code_fix", s.triage_person_hours * context,
                                  work_type="unplanned", urgent=True, team=responder)
            self._incident_row(item.item_id, deploy_id, cause, start, detected, responder,
                               "no_code_fix")
            return
        diagnose = (s.diagnose_person_hours
                    + s.diagnose_hours_per_doubling * math.log2(max(n_deployed, 1)))
        if r.uniform() < self.auto["deployment_automation"]:
            # Automated rollback on detection restores service; diagnosis and the real fix
            # follow as a new planned change through the whole pipeline.
            yield self.env.timeout(s.deploy_pipeline_hours)
            self._incident_row(item.item_id, deploy_id, cause, start, detected, responder, "rollback")
            fix = self._new_item("fix", max(s.rework_fraction * item.size, 0.25) + diagnose,
                                 team=item.team, clean=True, parent=item)
            self.env.process(self._change(fix))
            return
        team = self._team("diagnose", item)
        yield from self._step(item, "diagnose", diagnose * (1.0 if team == builder else context),
                              work_type="unplanned", urgent=True, team=team)
        yield from self._step(item, "hotfix", s.rework_fraction * item.size, work_type="unplanned",
                              urgent=True, team=self._team("hotfix", item))
        if cause == "security":
            item.security_flaw = False
        else:
            item.defective = False
        if s.approval == "cab" and s.emergency_approval_hours > 0:
            queued = self.env.now
            yield self.env.timeout(r.exponential(s.emergency_approval_hours))
            self._wait(item, "emergency_approval", "cab", queued, "unplanned")
        yield from self._deploy([item], kind="hotfix")
        self._incident_row(item.item_id, deploy_id, cause, start, detected, responder, "hotfix")

    # --- unplanned work no planned change causes ------------------------------------------
    def _task(self, team: str, effort: float, stage: str, item_id, work_type: str,
              urgent: bool = False):
        """Work on no change's path (a clarification, a chore, an outage): queue at
        ``team``, work, record the stage row. No handoff: the task starts at that team."""
        queued = self.env.now
        started, worked = yield from self._work(team, effort, urgent)
        self.log.record(StageRow(item_id=item_id, stage=stage, team=team, queued=queued,
                                 started=started, finished=self.env.now,
                                 effort_person_hours=effort, work_hours=worked,
                                 work_type=work_type))

    def _chore(self, team: str, effort: float, stage: str, item_id=None):
        """An unplanned task at planned priority (it waits its turn, nobody is paged): the
        effort plus a context switch, recorded as unplanned work."""
        yield from self._task(team, effort + self.s.context_switch_hours, stage, item_id,
                              "unplanned")

    def _minor_defects(self, item: _Item) -> None:
        """Minor defects that escaped testing are reported by users and fixed (no incident)."""
        s = self.s
        if s.minor_defects_per_defect <= 0 or s.minor_fix_person_hours <= 0:
            return
        r = item.stream("minor")
        escaped = (s.minor_defects_per_defect * s.defect_rate_per_hour * item.size
                   * (1 - self._p_test()))
        for _ in range(_poisson(r, escaped)):
            self.env.process(self._minor_fix(item, r.exponential(s.detect_hours_by_users)))

    def _minor_fix(self, item: _Item, delay: float):
        yield self.env.timeout(delay)
        yield from self._chore(self._team("develop", item), self.s.minor_fix_person_hours,
                               "minor_fix", item.item_id)

    def _random_team(self, r) -> str:
        teams = self.product_teams
        return teams[min(int(r.uniform() * len(teams)), len(teams) - 1)]

    def _on_call_team(self, r) -> str:
        """The team that answers work no change owns: the first responder, or with
        ``you_build_it`` a product team drawn from ``r``."""
        team = self.route["first_responder"]
        return self._random_team(r) if team == "own" else team

    def _toil(self):
        """Manual operations work in tasks of ``_TOIL_TASK`` person-hours, at a rate that
        falls as environments and deploys are automated (re-read after every task)."""
        s, r = self.s, self.rng["toil"]
        while True:
            manual = 1 - (self.auto["environment_automation"]
                          + self.auto["deployment_automation"]) / 2
            per_week = s.toil_person_hours_per_week * manual
            if per_week <= 0:
                return  # automation only grows: toil stays at 0
            yield self.env.timeout(r.exponential(168.0 * _TOIL_TASK / per_week))
            team = "ops" if s.organisation == "siloed" else self._random_team(r)
            self.env.process(self._chore(team, _TOIL_TASK, "toil"))

    def _support(self):
        """Support requests of ``_SUPPORT_TASK`` person-hours, for the on-call team."""
        s, r = self.s, self.rng["support"]
        mean_gap = 168.0 * _SUPPORT_TASK / s.support_person_hours_per_week
        while True:
            yield self.env.timeout(r.exponential(mean_gap))
            self.env.process(self._chore(self._on_call_team(r), _SUPPORT_TASK, "support"))

    def _background_incidents(self):
        """Failures no change caused (hardware, load, third parties): detected like any
        failure and resolved without code by the first responder."""
        s, r = self.s, self.rng["background_incidents"]
        mean_gap = 30 * 24.0 / s.background_incidents_per_month
        while True:
            yield self.env.timeout(r.exponential(mean_gap))
            if r.uniform() < s.monitoring:
                detect, ticket = r.exponential(s.detect_hours_by_monitoring), 0.0
            else:
                detect = r.exponential(s.detect_hours_by_users)
                ticket = r.exponential(s.handoff_delay_hours)
            self.env.process(self._operational_incident(detect, ticket, r))

    def _operational_incident(self, detect_after: float, ticket: float, r):
        s = self.s
        start = self.env.now
        yield self.env.timeout(detect_after)
        detected = self.env.now
        yield self.env.timeout(ticket)
        team = self._on_call_team(r)
        for stage in ("triage", "no_code_fix"):
            yield from self._task(team, s.triage_person_hours, stage, None, "unplanned",
                                  urgent=True)
        self._incident_row(None, None, "operational", start, detected, team, "no_code_fix")

    # --- building automation ---------------------------------------------------------------
    def _improvement(self):
        """From the end of the warm-up, ``improvement_share`` of everyone's week goes to
        building automation: planned work slows by that share, and every
        ``automation_step_person_hours`` invested raises the lowest of test, deployment and
        environment automation by 0.1, until each reaches ``_BUILT_AUTOMATION``."""
        s = self.s
        yield self.env.timeout(s.warmup_days * 24.0)
        invested_per_hour = s.headcount * s.work_hours_per_week / 168.0 * s.improvement_share
        if invested_per_hour <= 0:
            return
        self.log.meta["improvement"].update(start=self.env.now,
                                            person_hours_per_hour=invested_per_hour)
        self.planned_factor = 168.0 / (s.work_hours_per_week * (1 - s.improvement_share))
        while True:
            below = [k for k, v in self.auto.items() if v < _BUILT_AUTOMATION - 1e-9]
            if not below:
                break
            yield self.env.timeout(s.automation_step_person_hours / invested_per_hour)
            key = min(below, key=lambda k: (self.auto[k], below.index(k)))
            self.auto[key] = min(_BUILT_AUTOMATION, round(self.auto[key] + 0.1, 10))
            self.log.meta["automation_steps"].append(
                {"time": self.env.now, "field": key, "level": self.auto[key],
                 "person_hours": s.automation_step_person_hours})
        self.planned_factor = 168.0 / s.work_hours_per_week
        self.log.meta["improvement"]["end"] = self.env.now

    def finish(self) -> None:
        """Write the item table (called once the clock has stopped)."""
        for i in self.items:
            self.log.record(ItemRow(item_id=i.item_id, lineage=i.lineage, kind=i.kind, team=i.team,
                                    size_person_hours=i.size, arrival=i.arrival,
                                    committed=i.committed, deployed=i.deployed,
                                    defective=i.born_defective, security_flaw=i.born_flawed,
                                    escaped=i.escaped))
