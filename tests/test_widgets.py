"""Widgets without a browser: controls from metadata, the sandbox's update cycle, files.

Scenarios here run 90 days (not a year) to keep the suite fast; the sandbox's behaviour
does not depend on the horizon.
"""
from __future__ import annotations

import re

import base64
import math
import subprocess
import sys
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from devsim import load_scenario, presets, run, save_scenario  # noqa: E402
from devsim.experiment import load_results  # noqa: E402
from devsim.scenario import field_info  # noqa: E402
from devsim.widgets import (GROUP_TITLES, Sandbox, ScenarioControls, sandbox,  # noqa: E402
                            scenario_controls, sweep_explorer, time_slider)

SHORT = dict(horizon_days=90.0, warmup_days=10.0)
SEED = 7


@pytest.fixture(scope="module")
def short():
    p = presets()
    return replace(p["collaborative"], **SHORT), replace(p["siloed"], **SHORT)


@pytest.fixture
def box(short):
    scenario, baseline = short
    return Sandbox(scenario, baseline, n=1, seed=SEED, dashboard="figure")


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def png_outputs(out: W.Output) -> list[bytes]:
    return [base64.b64decode(o["data"]["image/png"]) for o in out.outputs
            if o.get("output_type") == "display_data" and "image/png" in o["data"]]


def watch(label: W.Label) -> list[str]:
    seen: list[str] = []
    label.observe(lambda change: seen.append(change["new"]), names="value")
    return seen


# --- controls -------------------------------------------------------------------------------------

def test_controls_follow_field_metadata(short):
    scenario, _ = short
    ctl = ScenarioControls(scenario)
    info = field_info()
    assert set(ctl.controls) == set(info) - {"name"}
    for name, widget in ctl.controls.items():
        meta = info[name]
        assert widget.tooltip == meta["help"], name
        assert widget.description.startswith(meta["label"]), name
        if meta["unit"]:
            assert f"({meta['unit']})" in widget.description, name
        if meta["choices"] is not None:
            assert isinstance(widget, W.Dropdown), name
            assert tuple(widget.options) == meta["choices"], name
            continue
        is_int = isinstance(meta["default"], int)
        assert isinstance(widget, W.IntSlider if is_int else W.FloatSlider), name
        assert widget.continuous_update is False, name
        assert widget.step == meta["step"], name
        assert meta["min"] <= widget.min < widget.max <= meta["max"], name
        # Every value the browser can produce lies on k * step and is a valid value.
        for v in (widget.min, widget.max, widget.value):
            k = v / widget.step
            assert math.isclose(k, round(k), abs_tol=1e-9), (name, v)
    assert len(ctl.widget.children) == len(GROUP_TITLES)
    assert ctl.get_scenario() == scenario


def test_scenario_controls_function_reads_back_and_validates(short):
    scenario, _ = short
    widget, get_scenario = scenario_controls(scenario, groups=["automation", "team"])
    assert isinstance(widget, W.Accordion)
    assert [widget.get_title(i) for i in range(2)] == ["Automation", "Team set-up"]
    controls = {c.description: c for box in widget.children for c in box.children}
    controls["Test automation (share)"].value = 0.35
    assert get_scenario() == replace(scenario, test_automation=0.35)
    controls["On call"].value = "ops_escalation"
    with pytest.raises(ValueError, match="on_call"):
        get_scenario()
    with pytest.raises(ValueError, match="groups: 'teams'"):
        scenario_controls(scenario, groups=["teams"])


def test_value_off_the_grid_is_kept_until_its_slider_moves(short):
    scenario = replace(short[0], arrival_rate_per_day=1.333333)
    ctl = ScenarioControls(scenario)
    slider = ctl.controls["arrival_rate_per_day"]
    assert slider.value == 1.35 and slider.min == 0.05
    assert ctl.get_scenario().arrival_rate_per_day == 1.333333
    slider.value = 1.5
    assert ctl.get_scenario().arrival_rate_per_day == 1.5


# --- the update cycle ------------------------------------------------------------------------------

def test_moving_a_slider_reruns_and_redraws(box):
    before_fig, before_texts = box.last_figure, texts(box.last_figure)
    before = box.results.frame.set_index("scenario")
    seen = watch(box.status)

    box.controls["test_automation"].value = 0.2  # from the preset's 0.8

    assert box.scenario.test_automation == 0.2
    after = box.results.frame.set_index("scenario")
    name, keys = box.scenario.name, ["lead_time_hours", "change_failure_rate"]
    # The tiles name what they show: the preset as edited.
    assert name.endswith(" (edited)")
    was = name.removesuffix(" (edited)")
    # More testing by hand: a longer lead time in this seeded run (and the whole row moves).
    assert after.loc[name, "lead_time_hours"] > before.loc[was, "lead_time_hours"]
    assert not after.loc[name].equals(before.loc[was])
    assert after.loc["siloed", keys].equals(before.loc["siloed", keys])
    assert box.last_figure is not before_fig
    assert texts(box.last_figure) != before_texts
    pngs = png_outputs(box.out)
    assert len(box.out.outputs) == 1 and len(pngs) == 1
    assert pngs[0].startswith(b"\x89PNG")
    assert seen[0] == "running…"
    assert re.match(r"updated in [0-9.]+ s(;|$)", seen[-1]), seen[-1]


def test_invalid_combination_names_field_and_keeps_last_dashboard(box):
    fig, outputs, scenario = box.last_figure, box.out.outputs, box.scenario

    box.controls["on_call"].value = "ops_escalation"

    assert "on_call" in box.status.value and "you_build_it" in box.status.value
    assert "\n" not in box.status.value
    assert box.last_figure is fig and box.out.outputs == outputs and box.scenario == scenario
    box.controls["on_call"].value = "you_build_it"
    assert box.status.value.startswith("updated in ")


def test_a_failing_run_or_plot_is_reported_not_raised(box, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from devsim import experiment, plots

    fig = box.last_figure

    def broken(*args, **kwargs):
        raise BrokenProcessPool("A child process terminated abruptly")

    closed = []
    monkeypatch.setattr(experiment, "compare", broken)
    monkeypatch.setattr(experiment, "shutdown", lambda: closed.append(True))
    box.controls["monitoring"].value = 0.5
    assert box.status.value.startswith("Error: the worker processes stopped") and closed
    monkeypatch.undo()

    def bad_plot(*args, **kwargs):
        raise ValueError("year: 1999 is not allowed\nsecond line")

    monkeypatch.setattr(plots, "dora_dashboard", bad_plot)
    box.controls["monitoring"].value = 0.6
    assert box.status.value == "Error: ValueError: year: 1999 is not allowed"
    assert box.last_figure is fig


def test_preset_picker_loads_a_preset_in_one_update(box):
    seen = watch(box.status)
    box.preset_picker.value = "siloed_automated"
    target = presets()["siloed_automated"]
    assert box.scenario == target
    assert box.controls["organisation"].value == "siloed"
    assert box.controls["test_automation"].value == target.test_automation
    assert seen.count("running…") == 1


def test_reset_returns_to_the_chosen_preset(box, short):
    box.controls["n_developers"].value = 9
    assert box.scenario.n_developers == 9
    box.reset_button.click()
    assert box.scenario == short[0]


def test_baseline_is_cached_while_the_scenario_changes(box):
    assert box.baseline_runs == 1
    box.controls["test_automation"].value = 0.5
    box.controls["deployment_automation"].value = 0.5
    assert box.baseline_runs == 1
    box.baseline_picker.value = "none"
    assert box.baseline is None and set(box.results.frame["scenario"]) == {box.scenario.name}
    box.baseline_picker.value = "siloed (custom)"
    assert box.baseline_runs == 1 and len(set(box.results.frame["scenario"])) == 2


def test_baseline_numbers_equal_compare(box, short):
    from devsim.experiment import compare

    scenario, baseline = short
    direct = compare([scenario, baseline], n=1, seed=SEED, executor="serial", progress=False)
    cols = ["scenario", "lead_time_hours", "change_failure_rate"]
    assert box.results.frame[cols].equals(direct.frame[cols])


def test_same_preset_as_baseline_gets_its_own_label(short):
    scenario = short[0]
    box = Sandbox(scenario, scenario, seed=SEED, dashboard="figure")
    labels = list(box.results.frame["scenario"])
    assert len(labels) == 2 and labels[0] != labels[1]


def test_year_change_redraws_without_rerunning(box):
    results, fig = box.results, box.last_figure
    box.year_picker.value = 2023
    assert box.results is results and box.last_figure is not fig


def test_replications_use_the_pool(short):
    box = Sandbox(short[0], None, n=2, seed=SEED, dashboard="figure")
    assert box.results.frame["replication"].tolist() == [0, 1]
    assert "updated in" in box.status.value


def test_value_stream_map_on_request(box, monkeypatch):
    from devsim import experiment

    assert box.value_stream_out.outputs == ()
    box.show_value_stream.value = True
    assert len(png_outputs(box.value_stream_out)) == 1
    # Shown again, the map draws the runs it kept: the model does not run again.
    runs = []
    real = experiment.run
    monkeypatch.setattr(experiment, "run", lambda *a, **k: runs.append(a) or real(*a, **k))
    box.show_value_stream.value = False
    assert box.value_stream_out.outputs == ()
    box.show_value_stream.value = True
    assert len(png_outputs(box.value_stream_out)) == 1 and runs == []


def test_sandbox_function_and_bad_arguments():
    with pytest.raises(ValueError, match="preset: 'agile'"):
        sandbox("agile")
    with pytest.raises(ValueError, match="n: 0"):
        sandbox(n=0)
    with pytest.raises(ValueError, match="year: 1999"):
        sandbox(year=1999)


def test_no_stray_output(short, capfd):
    box = Sandbox(short[0], short[1], seed=SEED, dashboard="figure")
    box.controls["monitoring"].value = 0.5
    box.controls["on_call"].value = "ops_escalation"
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# --- files ---------------------------------------------------------------------------------------

def test_save_refuses_to_overwrite_unless_ticked(box, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("keep me\n")
    box.scenario_path.value = str(path)
    box.save_button.click()
    assert "already exists" in box.message.value and "Overwrite" in box.message.value
    assert path.read_text() == "keep me\n"
    box.overwrite.value = True
    box.save_button.click()
    assert box.message.value.startswith("Saved")
    assert load_scenario(path) == box.scenario


def test_load_applies_a_saved_scenario(box, tmp_path, short):
    path = tmp_path / "team.yaml"
    save_scenario(replace(short[0], name="my team", n_developers=8), path)
    box.scenario_path.value = str(path)
    box.load_button.click()
    assert box.message.value == f"Loaded {path}"
    assert box.scenario.name == "my team" and box.scenario.n_developers == 8
    assert box.controls["n_developers"].value == 8
    assert box.preset_picker.value == "my team (team.yaml)"


@pytest.mark.parametrize("content, words", [
    ("organisation: [siloed\n", "not valid YAML"),
    ("test_automation: 2\n", "test_automation"),
    ("teams: 3\n", "unknown key 'teams'"),
])
def test_load_of_a_bad_file_shows_one_line(box, tmp_path, content, words):
    scenario = box.scenario
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    box.scenario_path.value = str(path)
    box.load_button.click()
    assert box.message.value.startswith("Not loaded") and words in box.message.value
    assert "\n" not in box.message.value
    assert box.scenario == scenario


def test_load_of_a_missing_file_or_a_folder(box, tmp_path):
    box.scenario_path.value = str(tmp_path / "nothing.yaml")
    box.load_button.click()
    assert "no such scenario file" in box.message.value
    box.scenario_path.value = str(tmp_path)
    box.load_button.click()
    assert box.message.value.startswith("Not loaded")


def test_export_results_with_the_same_overwrite_rule(box, tmp_path):
    csv = tmp_path / "r.csv"
    box.results_path.value = str(csv)
    box.export_button.click()
    assert box.message.value.startswith("Exported 2 rows")
    assert load_results(csv).frame.equals(box.results.frame)
    box.export_button.click()
    assert "already exists" in box.message.value
    box.results_path.value = str(tmp_path / "r.txt")
    box.export_button.click()
    assert ".csv or .json" in box.message.value
    box.results_path.value = str(tmp_path / "r.json")
    box.export_button.click()
    assert len(load_results(tmp_path / "r.json").frame) == 2


# --- display helpers (devsim.display) ----------------------------------------------------------

def test_display_helpers_render_a_figure_and_report_one_line():
    from matplotlib.figure import Figure

    from devsim import widgets
    from devsim.display import (ERROR_COLOUR, error_text, figure_bundle, one_line, set_status,
                                show_figure)

    assert widgets.show_figure is show_figure  # the public name of the widgets stays
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    bundle = figure_bundle(fig)
    assert bundle["output_type"] == "display_data"
    assert base64.b64decode(bundle["data"]["image/png"]).startswith(b"\x89PNG")
    out = W.Output()
    show_figure(out, fig)
    assert len(png_outputs(out)) == 1
    exc = ValueError("n: 0 is not allowed\nmore detail")
    assert one_line(exc) == "n: 0 is not allowed"
    assert one_line(KeyError()) == "KeyError"
    assert error_text(exc) == "Error: ValueError: n: 0 is not allowed"
    label = W.Label()
    set_status(label, "broken", error=True)
    assert label.value == "broken" and label.style.text_color == ERROR_COLOUR
    set_status(label, "fine")
    assert label.value == "fine" and label.style.text_color is None


def test_group_titles_have_one_home():
    from devsim import scenario, widgets

    assert widgets.GROUP_TITLES is scenario.GROUP_TITLES
    assert set(scenario.GROUP_TITLES) == set(scenario.FIELD_GROUPS)


# --- other widgets -------------------------------------------------------------------------------

def test_time_slider_steps_through_a_run(short):
    log = run(short[0], seed=SEED)
    ts = time_slider(log)
    assert ts.slider.continuous_update is False
    assert ts.slider.max == math.ceil(log.end_hours / 24)
    first = ts.last_figure
    ts.slider.value = 40
    assert ts.t_hours == 960.0 and ts.last_figure is not first
    assert len(png_outputs(ts.out)) == 1


def test_sweep_explorer_switches_metric_without_rerunning(short):
    ex = sweep_explorer(short[0], "test_automation", [0.2, 0.8], "change_failure_rate", n=1,
                        seed=SEED)
    results, fig = ex.results, ex.last_figure
    ex.metric_picker.value = "lead_time_hours"
    assert ex.results is results and ex.last_figure is not fig
    assert len(png_outputs(ex.out)) == 1
    with pytest.raises(ValueError, match="metric: 'speed'"):
        sweep_explorer(short[0], "test_automation", [0.2], "speed", n=1)


def test_widgets_never_import_pyplot():
    code = ("import sys; from dataclasses import replace; import devsim.widgets as w; "
            "from devsim import presets; p = presets(); "
            "b = w.Sandbox(replace(p['collaborative'], horizon_days=30.0, warmup_days=5.0), None, dashboard='figure'); "
            "assert b.last_figure is not None, b.status.value; "
            "print('matplotlib.pyplot' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_default_html_tiles_change_with_a_slider(short):
    """The default dashboard is HTML text: one tile per key, with value and cluster."""
    import re

    box = Sandbox(short[0], short[1], n=1, seed=SEED)
    assert box.last_figure is None and box.out.outputs == ()
    html = box.tiles.value
    assert html == box.last_html
    metrics = re.findall(r'data-metric="(\w+)"', html)
    assert metrics == ["deploy_frequency_per_day", "lead_time_hours", "change_failure_rate",
                       "time_to_restore_hours", "rework_rate"]
    lead = box.results.frame.loc[box.results.frame["scenario"] == box.scenario.name,
                                 "lead_time_hours"].mean()
    from devsim.plots import format_metric
    assert format_metric("lead_time_hours", lead)[0] in html
    box.controls["test_automation"].value = 0.2
    assert box.scenario.test_automation == 0.2
    assert box.tiles.value != html and "updated in" in box.status.value


def test_bad_dashboard_kind_is_named(short):
    with pytest.raises(ValueError, match="dashboard"):
        Sandbox(short[0], None, dashboard="pie")


def test_one_replication_says_its_clusters_are_one_runs_and_offers_more(short):
    box = Sandbox(short[0], None, n=1, seed=SEED)
    assert "1 replication" in box.status.value and "Replications" in box.status.value
    two = Sandbox(short[0], None, n=2, seed=SEED)
    assert "1 replication" not in two.status.value
