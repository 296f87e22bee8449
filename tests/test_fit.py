"""Fitting the model to a team's records (devsim.fit), validated by round trips.

A preset's run is exported as Four Keys' tables, measured over the run's window and fitted
(on its own seed, not the export's). The fit must recover what the records can tell, within
stated tolerances (the README's validation table lists them with the last measured values):

* the arrival rate within 10%;
* the release interval exactly (0 for continuous delivery);
* the model's per-attempt deploy failure probability inside the 95% Wilson interval of the
  observed share of failed deploy attempts;
* the fitted scenario's simulated lead time (median) and change failure rate inside the
  observed values' 95% bootstrap intervals.
"""
from __future__ import annotations

import math
from dataclasses import replace

import pytest

import devsim
from devsim.cli import main
from devsim.fit import FitError, _wilson, export_fourkeys, fit
from devsim.records import RecordsError
from devsim.scenario import load_scenario

EXPORT_SEED = 3


def _p_fail(s: devsim.Scenario) -> float:
    a = s.deployment_automation
    return s.manual_deploy_failure * (1 - a) + s.automated_deploy_failure * a


def _exported(name: str) -> devsim.Scenario:
    """The preset whose records are fitted. The siloed ones keep their release interval
    (release_slowdown_days 0): with ops' slowdown a year holds 6 releases, and a fit needs
    10; the slowdown's own estimate is tested on intervals below."""
    s = devsim.presets()[name]
    return replace(s, release_slowdown_days=0.0) if s.on_call == "ops_escalation" else s


@pytest.fixture(scope="module")
def fits(tmp_path_factory):
    out = {}
    for name in ("siloed", "siloed_automated", "collaborative"):
        folder = tmp_path_factory.mktemp(name) / "fk"
        info = export_fourkeys(_exported(name), folder, seed=EXPORT_SEED)
        out[name] = fit(folder, since=info["since"], until=info["until"], n=2, check_n=5)
    return out


@pytest.mark.parametrize("name", ["siloed", "siloed_automated", "collaborative"])
def test_fit_recovers_the_generating_parameters(fits, name):
    f = fits[name]
    true, got = _exported(name), f.scenario
    assert got.release_slowdown_days == 0 or got.on_call != "ops_escalation"
    assert abs(got.arrival_rate_per_day / true.arrival_rate_per_day - 1) <= 0.10
    assert got.release_interval_days == true.release_interval_days
    rows = f.measurement.log.deploys
    inside = (rows["time"] >= f.measurement.log.start_hours) & \
             (rows["time"] < f.measurement.log.end_hours)
    lo, hi = _wilson(int(rows.loc[inside, "failed"].sum()), int(inside.sum()))
    assert lo <= _p_fail(true) <= hi
    assert lo <= _p_fail(got) <= hi
    cmp = f.comparison.set_index("key")
    for key in ("lead_time_hours", "change_failure_rate"):
        row = cmp.loc[key]
        assert row.observed_low <= row.simulated <= row.observed_high, (key, row.to_dict())
    assert f.scenario.organisation == true.organisation


def test_report_names_fitted_and_assumed_fields(fits):
    f = fits["collaborative"]
    text = f.report()
    for word in ("observed", "simulated", "arrival_rate_per_day", "release_interval_days",
                 "Assumed", "n_developers"):
        assert word in text
    assert set(f.fitted["field"]).isdisjoint(f.assumptions["field"])
    assert {"arrival_rate_per_day", "release_interval_days", "manual_deploy_failure",
            "defect_rate_per_hour"} <= set(f.fitted["field"])


def test_fitted_file_loads_like_any_scenario(fits, tmp_path):
    f = fits["siloed_automated"]
    path = f.save(tmp_path / "team.yaml")
    assert load_scenario(path) == f.scenario
    with pytest.raises(FileExistsError):
        f.save(tmp_path / "team.yaml")
    from devsim import leaderboard
    table, errors = leaderboard.evaluate_folder(tmp_path, n=2, seed=1, year=2019)
    assert not errors and list(table["team"]) == ["team"]


def test_fit_of_an_empty_record_set_is_one_line(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "deployments.csv").write_text("deploy_id,time_created,changes\n")
    (folder / "changes.csv").write_text("change_id,time_created\n")
    with pytest.raises(RecordsError, match="no rows"):
        fit(folder)


def test_fit_needs_enough_deploys(tmp_path):
    folder = tmp_path / "few"
    folder.mkdir()
    (folder / "deployments.csv").write_text(
        "deploy_id,time_created,changes\n"
        + "".join(f"d{i},2024-01-{i + 2:02d}T10:00:00Z,c{i}\n" for i in range(5)))
    (folder / "changes.csv").write_text(
        "change_id,time_created\n"
        + "".join(f"c{i},2024-01-{i + 1:02d}T10:00:00Z\n" for i in range(5)))
    with pytest.raises(FitError, match="too few deploys to fit: 5 planned deploys"):
        fit(folder)
    assert main(["fit", str(folder), "-o", str(tmp_path / "t.yaml")]) == 2


def test_cli_fit_writes_and_never_overwrites(tmp_path, capsys):
    folder = tmp_path / "fk"
    export_fourkeys("collaborative", folder, seed=EXPORT_SEED)
    out = tmp_path / "team.yaml"
    out.write_text("keep me")
    assert main(["fit", str(folder), "-o", str(out), "-n", "1"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "keep me"
    assert main(["fit", str(folder), "-o", str(tmp_path / "team.txt")]) == 2
    assert main(["fit", str(folder), "-o", str(out), "-n", "1", "--force"]) == 0
    text = capsys.readouterr().out
    assert "observed" in text and "team.yaml: wrote" in text
    assert load_scenario(out).name == "team"


def test_bad_arguments():
    with pytest.raises(ValueError, match="n: 0"):
        fit("x", n=0)
    with pytest.raises(ValueError, match="check_n"):
        fit("x", check_n=1)


def test_validation_figures(fits, capsys):
    """Print the figures of the README's validation rows (run with -s to see them)."""
    for name, f in fits.items():
        true, got = devsim.presets()[name], f.scenario
        cmp = f.comparison.set_index("key")
        print(f"{name}: base {f.base}; arrival {got.arrival_rate_per_day:.3f} vs "
              f"{true.arrival_rate_per_day}; interval {got.release_interval_days:g} vs "
              f"{true.release_interval_days:g}; p_fail {_p_fail(got):.4f} vs {_p_fail(true):.4f}; "
              + "; ".join(f"{k} {cmp.loc[k, 'simulated']:.3g} vs {cmp.loc[k, 'observed']:.3g} "
                          f"[{cmp.loc[k, 'observed_low']:.3g}, {cmp.loc[k, 'observed_high']:.3g}]"
                          for k in ("lead_time_hours", "change_failure_rate")))


def test_slowdown_is_read_from_growing_intervals():
    """Intervals that grow by about a week after failed releases give a 7-day slowdown and
    the shortest interval as the train's; steady intervals give none (exact)."""
    from devsim.fit import _Observed, _slowdown

    def observed(gaps):
        return _Observed(days=365.0, arrival=1.0, per_deploy=20.0, interval_days=28.0,
                         gaps_days=tuple(gaps), attempts=10, failed_attempts=1,
                         incidents_per_day=0.1, failures_per_change=0.1, n_planned=10,
                         n_incidents=30, values={})

    siloed = devsim.presets()["siloed"]
    growing = [28.5, 35.2, 42.1, 48.9, 56.3, 49.0, 56.2]
    assert _slowdown(siloed, observed(growing), 28.0)[0] == 7.0
    steady = [28.1, 27.9, 28.3, 28.0, 27.8]
    assert _slowdown(siloed, observed(steady), 28.0)[0] == 0.0
    collaborative = devsim.presets()["collaborative"]   # no ops team runs a train
    assert _slowdown(collaborative, observed(growing), 28.0)[0] == 0.0
