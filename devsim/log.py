"""The event log: flat records of one run, the only thing metrics read.

Four tables (pandas DataFrames, times in hours from the start of the run):

``items``
    one row per change: ``item_id, kind ('feature' | 'fix'), team, size_person_hours,
    arrival, committed, deployed, defective, security_flaw, escaped``. ``committed`` is when
    development first finished (the commit); ``deployed`` when the change first ran in
    production (NaN if it never did within the run).
``stages``
    one row per change per stage visit: ``item_id, stage, team, queued, started, finished,
    effort_person_hours, work_hours, work_type ('planned' | 'rework' | 'unplanned')``.
    ``work_hours`` is calendar time actually worked (a person, or a pipeline when
    ``team == 'pipeline'``); the rest of ``finished - queued`` is waiting (ticket pickup,
    queue, pre-emption by incidents, a CAB or release train).
``deploys``
    one row per deployment attempt: ``deploy_id, kind ('change' | 'release' | 'hotfix'),
    started, time, n_items, failed, rework``. ``rework`` marks unplanned deploys made to fix
    a user-facing problem (DORA's deployment rework rate).
``incidents``
    one row per production failure: ``incident_id, item_id, deploy_id, cause ('defect' |
    'security' | 'failed_deploy'), start, detected, restored, responder, action``.

Because metrics only read these tables, they can read a real team's records too: see
:func:`EventLog.from_frames`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["EventLog", "ITEM_COLUMNS", "STAGE_COLUMNS", "DEPLOY_COLUMNS", "INCIDENT_COLUMNS"]

ITEM_COLUMNS = ("item_id", "kind", "team", "size_person_hours", "arrival", "committed",
                "deployed", "defective", "security_flaw", "escaped")
STAGE_COLUMNS = ("item_id", "stage", "team", "queued", "started", "finished",
                 "effort_person_hours", "work_hours", "work_type")
DEPLOY_COLUMNS = ("deploy_id", "kind", "started", "time", "n_items", "failed", "rework")
INCIDENT_COLUMNS = ("incident_id", "item_id", "deploy_id", "cause", "start", "detected",
                    "restored", "responder", "action")


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
    """

    start_hours: float
    end_hours: float
    capacity: dict[str, int]
    headcount: int
    work_hours_per_week: float = 40.0
    cost_per_person_hour: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    item_rows: list = field(default_factory=list, repr=False)
    stage_rows: list = field(default_factory=list, repr=False)
    deploy_rows: list = field(default_factory=list, repr=False)
    incident_rows: list = field(default_factory=list, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

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
                    work_hours_per_week: float = 40.0, cost_per_person_hour: float = 0.0):
        """Wrap tables from elsewhere (a real team's deploy log) so metrics can read them.

        Missing tables are empty; missing columns are an error naming them.
        """
        log = cls(start_hours=start_hours, end_hours=end_hours, capacity=dict(capacity or {}),
                  headcount=headcount, work_hours_per_week=work_hours_per_week,
                  cost_per_person_hour=cost_per_person_hour)
        for key, frame, columns in (("items", items, ITEM_COLUMNS), ("stages", stages, STAGE_COLUMNS),
                                    ("deploys", deploys, DEPLOY_COLUMNS),
                                    ("incidents", incidents, INCIDENT_COLUMNS)):
            if frame is None:
                frame = _frame([], columns)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"{key}: missing columns {', '.join(missing)}")
            log._cache[key] = frame
        return log
