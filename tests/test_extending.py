"""Extending devsim touches one data entry (plus its behaviour) and shows everywhere.

* A stage: one :class:`devsim.valuestream.Stage` added to a copy of the value stream flows
  to the event log, to ``stage_times``, to the value stream map and to the words the
  exercise checks understand, in flow order, with no other code changed.
* A metric: one :class:`devsim.registry.Metric` entry plus one function decorated with
  :func:`devsim.metrics.summarised` gives a column in every run's summary and in
  experiment results, a name with its unit in tables, text from the one formatter, and a
  column of the command line's sweep table.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from devsim import compare, metrics, presets, registry, report, run, stage_times  # noqa: E402
from devsim.valuestream import VALUE_STREAM, Stage  # noqa: E402

SEED = 7


@pytest.fixture
def docs_stream():
    """The course's value stream plus a 'docs' stage after the code review."""
    docs = Stage("docs", "write the docs", "work", {"siloed": "dev", "collaborative": "own"},
                 step="work", effort=lambda scenario, size: 0.25 * size,
                 aliases=("documentation",))
    return VALUE_STREAM.insert(docs, after="review")


@pytest.mark.parametrize("name", ["siloed", "collaborative"])
def test_a_stage_added_as_data_flows_to_log_stage_times_and_map(docs_stream, name):
    from devsim import plots

    scenario = presets()[name]
    log = run(scenario, seed=SEED, stream=docs_stream)
    rows = log.stages[log.stages["stage"] == "docs"]
    assert len(rows) > 0, "the docs stage never ran"
    # It is done by the team the stream names: dev when siloed, the product team otherwise.
    expected_teams = {"dev"} if name == "siloed" else set(log.capacity) - {"security"}
    assert set(rows["team"]) <= expected_teams
    # Effort is what the stage states: a quarter of the change's size.
    sizes = log.items.set_index("item_id")["size_person_hours"]
    effort = rows.set_index("item_id")["effort_person_hours"]
    assert (effort - 0.25 * sizes.loc[effort.index]).abs().max() < 1e-9

    table = stage_times(log)
    order = list(table.index)
    assert "docs" in order
    assert order.index("review") < order.index("docs") < order.index("pipeline")

    fig = plots.value_stream_map({name: log})
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert any(t.startswith("docs") for t in ticks), ticks
    labels = [t for t in ticks if t]
    assert labels.index(next(t for t in labels if t.startswith("review"))) < \
        labels.index(next(t for t in labels if t.startswith("docs")))

    assert docs_stream.aliases()["documentation"] == "docs"
    assert docs_stream.aliases()["write the docs"] == "docs"


def test_the_course_stream_is_unchanged_by_a_copy(docs_stream):
    assert "docs" not in VALUE_STREAM.order
    log = run(presets()["siloed"], seed=SEED)
    assert "docs" not in set(log.stages["stage"])


def test_a_stage_makes_a_change_slower_by_its_work(docs_stream):
    # Common random numbers: the same changes arrive; each now has a docs step to do.
    scenario = presets()["collaborative"]
    base = run(scenario, seed=SEED)
    more = run(scenario, seed=SEED, stream=docs_stream)
    lead = metrics.dora_metrics
    assert lead(more)["lead_time_hours"] > lead(base)["lead_time_hours"]


@pytest.fixture
def restored_registry():
    before_metrics, before_labels = dict(registry.METRICS), dict(registry.LABELS)
    before_summarised = dict(metrics._SUMMARISED)
    yield
    for live, saved in ((registry.METRICS, before_metrics), (registry.LABELS, before_labels),
                        (metrics._SUMMARISED, before_summarised)):
        live.clear()
        live.update(saved)


def test_a_metric_added_as_one_entry_shows_everywhere(restored_registry):
    key = "hotfix_share_of_deploys"
    registry.register(registry.Metric(
        key, "Hotfix deploys", "Hotfixes", "share of deploys", "lower", "share", "flow",
        noun="deploys"))

    @metrics.summarised(key)
    def hotfix_share(log):
        d = log.deploys
        return float((d["kind"] == "hotfix").mean()) if len(d) else float("nan")

    log = run(presets()["siloed"], seed=SEED)
    value = metrics.summarise(log)[key]
    assert 0 < value < 1
    assert value == hotfix_share(log)

    res = compare(["siloed", "collaborative"], n=2, seed=SEED, executor="serial")
    assert key in res.frame.columns
    assert res.labels[key] == ("Hotfix deploys", "share of deploys")
    assert registry.format_value(key, 0.123) == "12%"
    assert "Hotfixes (%)" in registry.display_table(res.frame).columns
    assert "Hotfixes (%)" in res.table([key]).columns

    text = report.sweep_table(
        compare(["siloed"], n=2, seed=SEED, executor="serial", extra=[{"x": 1}]), "x", [key])
    assert "Hotfixes" in text and "(%)" in text


def test_a_metric_needs_its_registry_entry():
    with pytest.raises(KeyError, match="not a devsim metric"):
        metrics.summarised("no_such_metric")
