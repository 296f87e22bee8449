"""A simulated run written as Four Keys' three tables (``devsim export --format fourkeys``,
:func:`devsim.records.write_fourkeys`) and measured again gives the run's own DORA keys.

The export writes one row per deploy attempt (a retry names its deployment's first attempt
in ``retry_of``), every committed change, and every incident with the deploy that caused it
and its cause; the reader takes those optional columns back, so the round trip is exact up
to the rounding of times to the second.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

import devsim
from devsim.cli import main
from devsim.metrics import dora_metrics
from devsim.records import read_fourkeys, write_fourkeys

KEYS = ("deploy_frequency_per_day", "lead_time_hours", "lead_time_p90_hours",
        "change_failure_rate", "time_to_restore_hours", "recovery_time_hours", "rework_rate",
        "failures_per_change")
#: Times are written to the second: a key in hours moves by at most 1/3600 h.
ATOL_HOURS = 1 / 3600 + 1e-9


def _same(a: float, b: float, tol: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol


@pytest.mark.parametrize("name", list(devsim.presets()))
def test_round_trip_gives_the_models_keys(name, tmp_path):
    log = devsim.run(devsim.presets()[name], seed=3)
    info = write_fourkeys(log, tmp_path / "fk")
    m = devsim.measure(tmp_path / "fk", since=info["since"], until=info["until"], resamples=0)
    want = dora_metrics(log)
    for key in KEYS:
        tol = ATOL_HOURS if key.endswith("_hours") else 1e-12
        assert _same(want[key], m.values[key], tol), (name, key, want[key], m.values[key])
    assert len(m.records.problems) == 0


def test_files_hold_absolute_times_from_the_start_date(tmp_path):
    log = devsim.run(devsim.presets()["siloed"], seed=1)
    info = write_fourkeys(log, tmp_path / "fk", start="2023-06-01")
    dep = pd.read_csv(tmp_path / "fk" / "deployments.csv", keep_default_na=False)
    assert list(dep.columns) == ["deploy_id", "time_created", "changes", "result", "unplanned",
                                 "retry_of"]
    assert dep["time_created"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()
    first = pd.Timestamp(dep["time_created"].iloc[0])
    assert first == pd.Timestamp("2023-06-01", tz="UTC") + pd.Timedelta(
        hours=round(log.deploys["time"].iloc[0] * 3600) / 3600)
    assert info["since"] == "2023-07-01T00:00:00Z"          # 30 days of warm-up
    assert set(dep["result"]) <= {"success", "failure"}
    inc = pd.read_csv(tmp_path / "fk" / "incidents.csv", keep_default_na=False)
    assert {"incident_id", "time_created", "time_resolved", "changes", "deploy_id",
            "cause"} <= set(inc.columns)


def test_each_deploy_carries_its_changes(tmp_path):
    """Deploys at the same instant (a CAB approving several changes) share them in order."""
    log = devsim.run(devsim.presets()["collaborative_cab"], seed=2)
    write_fourkeys(log, tmp_path / "fk")
    r = read_fourkeys(tmp_path / "fk")
    ok = ~log.deploys["failed"].to_numpy()
    got = r.log.deploys["n_items"].to_numpy()
    want = log.deploys.sort_values("deploy_id")["n_items"].to_numpy()
    assert (got[ok] == want[ok]).mean() > 0.99


def test_export_never_overwrites(tmp_path):
    log = devsim.run(devsim.presets()["collaborative"], seed=1)
    write_fourkeys(log, tmp_path / "fk")
    with pytest.raises(FileExistsError, match="already there"):
        write_fourkeys(log, tmp_path / "fk")
    write_fourkeys(log, tmp_path / "fk", overwrite=True)
    with pytest.raises(FileNotFoundError):
        write_fourkeys(log, tmp_path / "no" / "such" / "fk")
    with pytest.raises(TypeError):
        write_fourkeys("not a log", tmp_path / "x")


def test_reader_takes_retries_and_direct_links(tmp_path):
    folder = tmp_path / "fk"
    folder.mkdir()
    (folder / "deployments.csv").write_text(
        "deploy_id,time_created,changes,result,retry_of\n"
        "d1,2024-01-02T10:00:00Z,c1,failure,\n"
        "d2,2024-01-02T11:00:00Z,c1,success,d1\n"
        "d3,2024-01-03T10:00:00Z,c2,success,nope\n")
    (folder / "changes.csv").write_text("change_id,time_created\nc1,2024-01-01T10:00:00Z\n"
                                        "c2,2024-01-02T12:00:00Z\n")
    (folder / "incidents.csv").write_text(
        "incident_id,time_created,time_resolved,deploy_id,cause\n"
        "i1,2024-01-02T10:00:00Z,2024-01-02T11:00:00Z,d1,failed_deploy\n"
        "i2,2024-01-04T10:00:00Z,2024-01-04T12:00:00Z,d2,\n")
    r = read_fourkeys(folder)
    assert list(r.log.deploys["deployment"]) == [0, 0, 2]
    assert list(r.log.deploys["attempt"]) == [1, 2, 1]
    assert list(r.log.incidents["deploy_id"]) == [0, 1]
    assert list(r.log.incidents["cause"]) == ["failed_deploy", "defect"]
    assert list(r.problems["reason"]) == ["unknown retry_of"]
    v = dora_metrics(r.log)
    assert v["change_failure_rate"] == 0.5                   # 2 deployments, the first failed
    assert v["time_to_restore_hours"] == 2.0                 # the rollback is not a service incident
    assert v["lead_time_hours"] == 23.5      # median of c1 to the successful retry (25 h), c2 (22 h)


def test_cli_export_fourkeys(tmp_path, capsys):
    out = tmp_path / "fk"
    assert main(["export", "collaborative", "--format", "fourkeys", "-o", str(out),
                 "--start", "2024-02-01"]) == 0
    text = capsys.readouterr().out
    assert "deployments.csv" in text and "--since 2024-03-02T00:00:00Z" in text
    assert main(["export", "collaborative", "--format", "fourkeys", "-o", str(out)]) == 2
    assert "already there" in capsys.readouterr().err
    assert main(["export", "collaborative", "siloed", "--format", "fourkeys", "-o",
                 str(tmp_path / "two")]) == 2
    assert "one scenario" in capsys.readouterr().err
