"""devsim.measure: a real team's keys, through the same metric functions as a simulated run,
with bootstrap CIs over weeks, DORA clusters with their spread, the monthly trend and the
rules stated with their counts (sample records in tests/data)."""
from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import devsim
import devsim.plots
from devsim import dora
from devsim.cli import main
from devsim.measurement import Measurement
from devsim.metrics import dora_metrics
from devsim.records import read_records

matplotlib.use("Agg")
DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def team() -> Measurement:
    return devsim.measure(DATA / "team")


def test_the_keys_are_the_metric_functions_of_the_records_log(team):
    assert team.values == dora_metrics(read_records(DATA / "team").log)
    # 11 planned deploys (d6 is unplanned, s1 is staging, d2 is a duplicate); d3 failed and
    # incidents point at d5 (by change c7), d8 and d11 (DevLake's rule): 4 of 11.
    assert team.counts["planned"] == 11 and team.counts["failed"] == 4
    assert team.values["change_failure_rate"] == pytest.approx(4 / 11)
    assert team.values["rework_rate"] == pytest.approx(1 / 12)
    # Restore times 3 h, 2 h (duplicate collapsed to the latest resolution), 0.75 h.
    assert team.values["time_to_restore_hours"] == pytest.approx(2.0)
    assert team.counts["changes"] == 16      # 17 changes, c10's lead time was zero


def test_bootstrap_is_seeded_and_brackets_the_value(team):
    again = devsim.measure(DATA / "team")
    pd.testing.assert_frame_equal(team.resampled, again.resampled)
    other = devsim.measure(DATA / "team", seed=2)
    assert not team.resampled.equals(other.resampled)
    assert len(team.resampled) == 1000 and team.weeks == 9
    for key in ("deploy_frequency_per_day", "lead_time_hours", "change_failure_rate"):
        lo, hi = team.ci[key]
        assert lo <= team.values[key] <= hi, key


def test_bootstrap_medians_match_exact_medians_within_the_histogram_resolution(tmp_path):
    rng = np.random.default_rng(3)
    n = 400
    t = np.sort(rng.uniform(0, 24 * 120, n))
    lead = rng.lognormal(np.log(30), 1.0, n)
    start = pd.Timestamp("2024-01-01T00:00Z")
    iso = lambda h: (start + pd.to_timedelta(h, unit="h")).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa
    folder = tmp_path / "r"
    folder.mkdir()
    pd.DataFrame({"deploy_id": [f"d{i}" for i in range(n)], "time_created": iso(t),
                  "changes": [f"c{i}" for i in range(n)]}).to_csv(folder / "deployments.csv",
                                                                  index=False)
    pd.DataFrame({"change_id": [f"c{i}" for i in range(n)],
                  "time_created": iso(t - lead)}).to_csv(folder / "changes.csv", index=False)
    m = devsim.measure(folder, resamples=300)
    # Resample weeks by hand, exactly, with the same draws.
    items = m.log.items
    week = ((items["deployed"] - m.log.start_hours) // 168).astype(int).to_numpy()
    lead_h = (items["deployed"] - items["committed"]).to_numpy()
    draws = np.random.default_rng(1).integers(0, m.weeks, size=(300, m.weeks))
    exact = [np.median(np.concatenate([lead_h[week == w] for w in row])) for row in draws[:50]]
    got = m.resampled["lead_time_hours"].to_numpy()[:50]
    assert np.allclose(got, exact, rtol=0.03)


def test_the_table_reads_for_a_newcomer(team):
    text = team.table()
    assert text.isascii()
    flat = " ".join(text.split())
    for words in ("Deployment frequency", "Lead time for changes (median)", "Change failure rate",
                  "Time to restore service (median)", "Deployment rework rate",
                  "DORA 2019 cluster (its band)", "resamples in it", "1.31/week",
                  "95% CI = bootstrap over the period: 1,000 resamples of its 9 weeks, drawn "
                  "with replacement (seed 1)",
                  "distinct failed deploys / distinct planned deploys: 4 of 11",
                  "DevLake's rule", "Four Keys' rule", "read as UTC",
                  "duplicate deploy events collapsed (first row kept): 1",
                  "changes with a lead time of zero or less: skipped (Four Keys' rule): 1",
                  "rows of other environments (staging): not counted: 1",
                  "Skipped rows and references: 0 (nothing skipped)", "Overall"):
        assert words in flat, words
    assert str(team) == text


def test_clusters_and_their_spread(team):
    classes = team.classes()
    assert set(classes) == set(dora.keys(2019))
    assert classes["change_failure_rate"].cluster == "low"
    assert team.overall() == "low"
    spread = team.spread("lead_time_hours")
    assert spread.endswith("CI reaches Elite") and spread[:-len(", CI reaches Elite")].endswith("%")


def test_report_year_2023_classifies_recovery_time():
    m = devsim.measure(DATA / "team", year=2023, resamples=50)
    assert "recovery_time_hours" in m.classes()
    assert "DORA 2023 cluster" in m.table()


def test_monthly_trend_uses_the_same_functions(team):
    monthly = team.monthly
    assert list(monthly["month"]) == [pd.Timestamp("2024-01-01T00:00Z"),
                                      pd.Timestamp("2024-02-01T00:00Z")]
    assert monthly["days"].sum() == pytest.approx(59)
    assert monthly["deploys"].sum() == team.counts["planned"]


def test_trend_figure(team):
    fig = devsim.plots.team_trend(team)
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title(loc="left") == "Deployment frequency"
    with pytest.raises(TypeError, match="measurement"):
        devsim.plots.team_trend("records/")


def test_flat_commits_file_measures():
    m = devsim.measure(DATA / "commits.csv", resamples=100)
    # r2 failed, r3 redeployed the same commit: 1 failed of 7 deploys.
    assert m.values["change_failure_rate"] == pytest.approx(1 / 7)
    assert m.counts["changes"] == 7


def test_records_already_read_and_bad_arguments():
    r = read_records(DATA / "team")
    m = devsim.measure(r, resamples=0)
    assert all(math.isnan(lo) for lo, _ in m.ci.values())
    assert "No bootstrap (resamples 0)" in m.table()
    for kwargs, match in [({"year": 2020}, "year"), ({"resamples": -1}, "resamples"),
                          ({"resamples": 1.5}, "resamples"), ({"seed": -1}, "seed")]:
        with pytest.raises(ValueError, match=match):
            devsim.measure(r, **kwargs)


def test_a_short_period_gets_no_ci(tmp_path):
    m = devsim.measure(DATA / "team", until="2024-01-20", resamples=100)
    assert m.weeks == 3 and math.isnan(m.ci["lead_time_hours"][0])
    assert "No CI: the period has 3 weeks" in m.table()


def test_cli_measure_prints_the_table(capsys):
    assert main(["measure", str(DATA / "team"), "--resamples", "200", "--year", "2021"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "DORA 2021 cluster" in out and "200 resamples" in out


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_cli_measure_this_repository_with_commits_as_deploys(capsys):
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--git-dir"],
                      capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    tags = subprocess.run(["git", "-C", str(ROOT), "tag"], capture_output=True, text=True).stdout
    if not tags.strip():
        assert main(["measure", str(ROOT)]) == 2
        assert "--deploys commits" in capsys.readouterr().err
    assert main(["measure", str(ROOT), "--deploys", "commits", "--resamples", "100"]) == 0
    out = capsys.readouterr().out
    assert "each commit on the main branch as a deploy" in out and "Deployment frequency" in out
