"""devsim.decompose: Shapley shares of a difference, on common random numbers."""
from __future__ import annotations

from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import devsim as ds  # noqa: E402
from devsim import plots  # noqa: E402

SHORT = dict(horizon_days=150.0, warmup_days=20.0)
SEED = 11


@pytest.fixture(scope="module")
def pair():
    p = ds.presets()
    a = replace(p["siloed"], **SHORT)
    b = replace(a, name="better", release_interval_days=7.0, test_automation=0.8,
                deployment_automation=0.9, approval="peer")
    return a, b


@pytest.fixture(scope="module")
def shares(pair):
    return ds.decompose(*pair, keys=["lead_time_hours", "change_failure_rate"], n=3, seed=SEED,
                        executor="serial")


def test_only_groups_that_differ_get_a_share(shares):
    groups = set(shares["group"])
    assert groups == {"release cadence", "automation", "approval", "total"}
    row = shares[(shares["metric"] == "lead_time_hours") & (shares["group"] == "automation")]
    assert row["fields"].iloc[0] == "test_automation, deployment_automation"


def test_shares_add_up_to_the_whole_difference(pair, shares):
    # Efficiency of Shapley values, per replication and so for the means.
    direct = ds.compare(list(pair), n=3, seed=SEED, executor="serial")
    for key in ("lead_time_hours", "change_failure_rate"):
        rows = shares[shares["metric"] == key]
        total = rows[rows["group"] == "total"]["mean"].iloc[0]
        assert rows[rows["group"] != "total"]["mean"].sum() == pytest.approx(total, abs=1e-9)
        diff = direct.difference(key, pair[0].name, pair[1].name)[0]
        assert total == pytest.approx(diff, rel=1e-12, abs=1e-12)


def test_one_group_gets_the_whole_difference(pair):
    a, _ = pair
    b = replace(a, name="continuous", release_interval_days=0.0)
    s = ds.decompose(a, b, ["lead_time_hours"], n=2, seed=SEED, executor="serial")
    assert list(s["group"]) == ["release cadence", "total"]
    assert s["mean"].iloc[0] == pytest.approx(s["mean"].iloc[1], rel=1e-12)
    assert s["mean"].iloc[0] < 0 and s["ci_high"].iloc[0] < 0  # no train is faster


def test_fields_outside_every_group_and_unknown_metrics_are_named(pair):
    a, _ = pair
    with pytest.raises(ValueError, match="defect_rate_per_hour"):
        ds.decompose(a, replace(a, defect_rate_per_hour=0.01), n=2, executor="serial")
    with pytest.raises(ValueError, match="keys: no_such_metric"):
        ds.decompose(a, replace(a, release_interval_days=7.0), ["no_such_metric"], n=2,
                     executor="serial")


def test_an_invalid_mixture_names_the_groups_to_merge():
    p = ds.presets()
    a, b = replace(p["siloed"], **SHORT), replace(p["collaborative"], **SHORT)
    # on_call apart from the organisation: collaborative with ops_escalation is invalid.
    groups = {"org": ("organisation", "n_teams"), "on call": ("on_call",),
              "rest": tuple(f for f in ds.field_info() if f not in
                            ("name", "organisation", "n_teams", "on_call"))}
    with pytest.raises(ValueError, match="org.*not a valid organisation.*merge"):
        ds.decompose(a, b, n=2, groups=groups, executor="serial")


def test_waterfall_draws_each_group_and_the_total(shares):
    fig = plots.waterfall(shares, "lead_time_hours")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "total" and set(labels[:-1]) == {"release cadence", "automation",
                                                          "approval"}
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "days" in texts or " h" in texts
    with pytest.raises(ValueError, match="metric_key"):
        plots.waterfall(shares, "rework_rate")
