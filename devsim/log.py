"""The event log: flat records of one run, the only thing metrics read.

Four tables (pandas DataFrames, times in hours from the start of the run):

``items``
    one row per change: ``item_id, lineage, kind ('feature' | 'fix'), team,
    size_person_hours, arrival, committed, deployed, defective, security_flaw, escaped``.
    ``lineage`` is the change's arrival number ("17"), or for a fix the lineage of the
    change it fixes plus a count ("17/fix0"): the same lineage is the same change in every
    scenario run with the same seed (common random numbers). ``committed`` is when
    development first finished (the commit); ``deployed`` when the change first ran in
    production (NaN if it never did within the run).
``stages``
    one row per change per stage visit: ``item_id, stage, team, queued, started, finished,
    effort_person_hours, work_hours, work_type ('planned' | 'rework' | 'unplanned')``.
    ``work_hours`` is calendar time actually worked (a person, or a pipeline when
    ``team == 'pipeline'``); the rest of ``finished - queued`` is waiting (ticket pickup,
    queue, pre-emption by incidents, a CAB or release train).
``deploys``
    one row per deployment attempt: ``deploy_id, deployment, attempt, kind ('change' |
    'release' | 'hotfix'), started, time, n_items, failed, rework``. A *deployment* is one
    batch of changes going out: its attempts share ``deployment`` (the first attempt's
    ``deploy_id``) and count ``attempt`` 1, 2, ... (a failed attempt is rolled back and
    retried). ``rework`` marks unplanned deployments made to fix a user-facing problem
    (DORA's deployment rework rate).
``incidents``
    one row per production failure: ``incident_id, item_id, deploy_id, cause ('defect' |
    'security' | 'failed_deploy'), start, detected, restored, responder, action``.

Because metrics only read these tables, they can read a real team's records too: see
:func:`EventLog.from_frames`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from .valuestream import VALUE_STREAM, ValueStream

__all__ = ["EventLog", "ItemRow", "StageRow", "DeployRow", "IncidentRow", "ITEM_COLUMNS",
           "STAGE_COLUMNS", "DEPLOY_COLUMNS", "INCIDENT_COLUMNS"]


class ItemRow(NamedTuple):
    """One change (a row of ``items``)."""

    item_id: int
    lineage: str
    kind: str
    team: str
    size_person_hours: float
    arrival: float
    committed: float
    deployed: float
    defective: bool
    security_flaw: bool
    escaped: bool


class StageRow(NamedTuple):
    """One stage visit of one change (a row of ``stages``)."""

    item_id: int
    stage: str
    team: str
    queued: float
    started: float
    finished: float
    effort_person_hours: float
    work_hours: float
    work_type: str


class DeployRow(NamedTuple):
    """One deployment attempt (a row of ``deploys``)."""

    deploy_id: int
    deployment: int
    attempt: int
    kind: str
    started: float
    time: float
    n_items: int
    failed: bool
    rework: bool


class IncidentRow(NamedTuple):
    """One production failure and its restoration (a row of ``incidents``)."""

    incident_id: int
    item_id: int
    deploy_id: int
    cause: str
    start: float
    detected: float
    restored: float
    responder: str
    action: str


# The column names are the rows' field names: one definition, so a renamed field renames
# the column everywhere (and a row built with a wrong keyword fails at once).
ITEM_COLUMNS = ItemRow._fields
STAGE_COLUMNS = StageRow._fields
DEPLOY_COLUMNS = DeployRow._fields
INCIDENT_COLUMNS = IncidentRow._fields

_TABLE_OF = {ItemRow: "item_rows", StageRow: "stage_rows", DeployRow: "deploy_rows",
             IncidentRow: "incident_rows"}


def _with_defaults(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns a real team's records may lack, filled as the simplest reading: every
    deploy row is its own deployment's only attempt; an item's lineage is its id."""
    fill = {}
    if table == "deploys":
        if "deployment" not in frame.columns and "deploy_id" in frame.columns:
            fill["deployment"] = frame["deploy_id"]
        if "attempt" not in frame.columns:
            fill["attempt"] = 1
    if table == "items" and "lineage" not in frame.columns and "item_id" in frame.columns:
        fill["lineage"] = frame["item_id"].astype(str)
    return frame.assign(**fill) if fill else frame


def _frame(rows, columns) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=list(columns))


@dataclass
class EventLog:
    """Records of one run plus what is needed to read them.

    Attributes
    ----------
    start_hours, end_hours
        The measurement window (warm-up excluded).
    capacity
        People per team, for utilisation.
    headcount
        People in the organisation, for cost.
    meta
        Scenario (as a dict), seed and replication: enough to reproduce the run.
    stream
        The value stream the run walked (stage order and names for tables and charts).
    """

    start_hours: float
    end_hours: float
    capacity: dict[str, int]
    headcount: int
    work_hours_per_week: float = 40.0
    cost_per_person_hour: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    stream: ValueStream = field(default=VALUE_STREAM, repr=False)
    item_rows: list = field(default_factory=list, repr=False)
    stage_rows: list = field(default_factory=list, repr=False)
    deploy_rows: list = field(default_factory=list, repr=False)
    incident_rows: list = field(default_factory=list, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def record(self, row: ItemRow | StageRow | DeployRow | IncidentRow) -> None:
        """Append one row to its table (the only way the model writes the log)."""
        getattr(self, _TABLE_OF[type(row)]).append(row)

    def derived(self, key: str, make):
        """A table derived from this log, computed once (the log never changes after a run)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _table(self, key, rows, columns) -> pd.DataFrame:
        if key not in self._cache:
            self._cache[key] = _frame(rows, columns)
        return self._cache[key]

    @property
    def items(self) -> pd.DataFrame:
        return self._table("items", self.item_rows, ITEM_COLUMNS)

    @property
    def stages(self) -> pd.DataFrame:
        return self._table("stages", self.stage_rows, STAGE_COLUMNS)

    @property
    def deploys(self) -> pd.DataFrame:
        return self._table("deploys", self.deploy_rows, DEPLOY_COLUMNS)

    @property
    def incidents(self) -> pd.DataFrame:
        return self._table("incidents", self.incident_rows, INCIDENT_COLUMNS)

    @classmethod
    def from_frames(cls, *, items=None, stages=None, deploys=None, incidents=None,
                    start_hours: float, end_hours: float, capacity=None, headcount: int = 0,
                    work_hours_per_week: float = 40.0, cost_per_person_hour: float = 0.0,
                    stream: ValueStream = VALUE_STREAM):
        """Wrap tables from elsewhere (a real team's deploy log) so metrics can read them.

        Missing tables are empty; missing columns are an error naming them, except
        ``deploys.deployment`` and ``deploys.attempt`` (each row its own deployment's
        only attempt) and ``items.lineage`` (the item id).
        """
        log = cls(start_hours=start_hours, end_hours=end_hours, capacity=dict(capacity or {}),
                  headcount=headcount, work_hours_per_week=work_hours_per_week,
                  cost_per_person_hour=cost_per_person_hour, stream=stream)
        for key, frame, columns in (("items", items, ITEM_COLUMNS), ("stages", stages, STAGE_COLUMNS),
                                    ("deploys", deploys, DEPLOY_COLUMNS),
                                    ("incidents", incidents, INCIDENT_COLUMNS)):
            if frame is None:
                frame = _frame([], columns)
            frame = _with_defaults(key, frame)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"{key}: missing columns {', '.join(missing)}")
            log._cache[key] = frame
        return log
