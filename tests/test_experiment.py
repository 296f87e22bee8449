"""Experiments: executors (serial, process pool, Dask), exports, intervals, helpers."""
from dataclasses import replace

import pandas as pd
import pytest

import devsim as ds
from devsim.experiment import combine, compare, load_results, mean_ci, transformation

SEED = 2026
SHORT = dict(horizon_days=60.0, warmup_days=10.0)


@pytest.fixture(scope="module")
def pair():
    p = ds.presets()
    return [replace(p["siloed"], **SHORT), replace(p["collaborative"], **SHORT)]


@pytest.fixture(scope="module")
def serial(pair):
    return compare(pair, n=3, seed=SEED, executor="serial")


def test_mean_ci_matches_students_t_by_hand():
    # [1, 2, 3]: mean 2, sd 1, t(0.975, 2 df) = 4.303 -> half-width 4.303 / sqrt(3) = 2.4843
    m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and lo == pytest.approx(2 - 2.4843, abs=1e-4) and hi == pytest.approx(2 + 2.4843, abs=1e-4)
    assert mean_ci([float("nan"), 5.0])[0] == 5.0 and pd.isna(mean_ci([5.0])[1])


@pytest.mark.slow
def test_dask_cluster_executor_gives_the_serial_numbers(pair, serial):
    """A dask.distributed LocalCluster (worker processes) runs the same replications."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as cluster, \
            distributed.Client(cluster) as client:
        res = compare(pair, n=3, seed=SEED, executor=client.get_executor(), progress=False)
    pd.testing.assert_frame_equal(res.frame, serial.frame)


def test_process_pool_gives_the_serial_numbers(pair, serial):
    res = compare(pair, n=3, seed=SEED, progress=False)  # the shared pool
    pd.testing.assert_frame_equal(res.frame, serial.frame)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_export_round_trip_and_no_overwrite(serial, tmp_path, suffix):
    path = serial.save(tmp_path / f"r{suffix}")
    back = load_results(path)
    assert back.seed == SEED and set(back.scenarios) == set(serial.scenarios)
    assert back.scenarios["siloed"] == serial.scenarios["siloed"]
    # Bit for bit, JSON as well as CSV (JSON once changed numbers by up to 6.2e-9).
    pd.testing.assert_frame_equal(back.frame, serial.frame, check_exact=True)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        serial.save(path)
    assert path.read_bytes() == before
    serial.save(path, overwrite=True)


def test_a_repeated_scenario_gets_its_own_label(pair):
    res = compare([pair[0], pair[0]], n=2, seed=SEED, executor="serial")
    assert list(res.scenarios) == ["siloed", "siloed (2)"]
    assert res.frame.groupby("scenario").size().tolist() == [2, 2]


def test_bad_arguments_name_themselves(pair):
    with pytest.raises(ValueError, match="^n: "):
        compare(pair, n=0)
    with pytest.raises(ValueError, match="^seed: "):
        compare(pair, n=1, seed=-1)
    with pytest.raises(ValueError, match="^executor: "):
        compare(pair, n=2, executor="threads")


def test_combine_keeps_seed_and_refuses_clashes(pair, serial):
    other = compare([replace(pair[1], name="other")], n=3, seed=SEED, executor="serial")
    both = combine(serial, other)
    assert len(both.frame) == 9 and set(both.scenarios) == {"siloed", "collaborative", "other"}
    with pytest.raises(ValueError, match="appears twice"):
        combine(serial, serial)
    with pytest.raises(ValueError, match="seeds differ"):
        combine(serial, compare([replace(pair[1], name="x")], n=1, seed=1, executor="serial"))


def test_transformation_follows_one_organisation_week_by_week():
    """Investing and baseline are the same organisation on common random numbers: week
    rows for each, running totals that only grow, hours invested only while building, and
    exactly automation_step_person_hours per step the run logged (the log is the only
    source)."""
    t = transformation("siloed", invest_share=0.5, months=12, n=2, seed=SEED,
                       executor="serial", progress=False)
    weeks = 30 * 12 // 7
    assert t.attrs["weeks"] == weeks and t.attrs["invest_share"] == 0.5
    assert len(t) == 2 * 2 * weeks
    assert set(t["organisation"]) == {"investing", "baseline"}
    for (org, r), g in t.groupby(["organisation", "replication"]):
        assert list(g["week"]) == list(range(1, weeks + 1))
        assert g["cumulative_person_hours"].is_monotonic_increasing
        assert g["cumulative_changes"].is_monotonic_increasing
        if org == "baseline":
            assert (g["invested_person_hours"] == 0).all()
            assert (g["test_automation"] == 0.2).all()
            continue
        building = g["invested_person_hours"] > 0
        # one block of weeks from week 1, then nothing: the investment stops when built
        assert building.iloc[0] and not building.iloc[-1]
        assert building.sum() == building.iloc[:building.sum()].sum()
        start = {"test_automation": 0.2, "deployment_automation": 0.1,
                 "environment_automation": 0.1}   # siloed's
        steps = sum(round((g[k].iloc[-1] - level) / 0.1) for k, level in start.items())
        assert steps == 23
        assert g["invested_person_hours"].sum() == pytest.approx(23 * 200.0, rel=1e-9)
        for k in ("test_automation", "deployment_automation", "environment_automation"):
            assert g[k].is_monotonic_increasing and g[k].iloc[-1] == pytest.approx(0.9)
    pool = transformation("siloed", invest_share=0.5, months=12, n=2, seed=SEED,
                          progress=False)
    pd.testing.assert_frame_equal(pool, t)


def test_transformation_takes_no_after_state():
    with pytest.raises(TypeError, match="^after: transformation no longer takes"):
        transformation("siloed", "collaborative")
    with pytest.raises(TypeError, match="^invest_months: no longer used"):
        transformation("siloed", invest_months=3)


def test_numpy_integers_are_accepted_and_bools_refused(pair):
    import numpy as np

    res = compare(pair[:1], n=np.int64(2), seed=np.int64(1), executor="serial")
    assert len(res.frame) == 2 and res.seed == 1 and type(res.seed) is int
    with pytest.raises(ValueError, match="^n: True"):
        compare(pair, n=True)
    with pytest.raises(ValueError, match="^seed: 1.5"):
        compare(pair, n=1, seed=1.5)


def test_unknown_metric_or_scenario_is_named_with_the_choices(serial):
    with pytest.raises(ValueError, match="b: 'nosuch' is not a scenario.*siloed, collaborative"):
        serial.difference("lead_time_hours", "siloed", "nosuch")
    with pytest.raises(ValueError, match="metric: 'bogus' is not in these results; choose from"):
        serial.summary(["bogus"])


def test_load_results_names_a_foreign_file(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"rows": 5}', encoding="utf-8")
    with pytest.raises(ValueError, match="other.json: expected a devsim results JSON file"):
        load_results(path)


def test_a_verdict_says_higher_or_lower_only_when_the_ci_excludes_zero():
    from devsim import compare

    r = compare(["siloed", "siloed_automated"], n=4, seed=3, executor="serial")
    v = r.verdict("time_to_restore_hours", "siloed", "siloed_automated")
    assert v.word == "lower" and v.better is True and v.high < 0
    same = r.verdict("deploy_frequency_per_day", "siloed", "siloed_automated")
    assert same.word == "no clear difference" and same.better is None
    assert str(v).startswith("lower (") and "[" in v.text
