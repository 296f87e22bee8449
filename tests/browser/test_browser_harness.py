"""The browser tests' own checks catch what they claim to (so a pass means something).

A deliberately broken notebook must fail every check that applies to it; a page's
JavaScript errors must be reported, except the allow-listed harmless one; and the reading of
what a cell displays must follow the lessons' code.
"""
from __future__ import annotations

import json

import pytest

import harness

BROKEN = [
    "import sys\nfrom matplotlib.figure import Figure\nfrom devsim import plots, widgets",
    "Figure()",  # a figure without _repr_png_: shows as the text <Figure size ...>
    'print("careful, learner", file=sys.stderr)',
    'widgets.sandbox("no-such-preset")',  # raises ScenarioError: the run stops here
    "1 + 1",  # never runs
]


def _notebook(sources: list[str]) -> str:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": s} for s in sources]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {
        "display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5})


def test_a_broken_notebook_fails_the_lesson_checks(lab, context, console):
    path = "notebooks/zz_broken_on_purpose.ipynb"
    (lab.root / path).write_text(_notebook(BROKEN))
    page = harness.open_lab_notebook(context, lab, path, console)
    harness.run_all_cells(page, timeout=120)
    problems = harness.notebook_problems(harness.cell_report(page),
                                         harness.code_sources(lab.root / path))
    text = "\n".join(problems)
    assert "not every cell ran once in order" in text
    assert "code cell 2 (Figure()): a figure shown as text" in text
    assert "code cell 3" in text and "careful, learner" in text
    assert "code cell 4" in text and "ScenarioError" in text
    assert "code cell 4 (widgets.sandbox(\"no-such-preset\")): displays a widget, but no " \
           "widget was rendered" in text
    assert not console.errors, console.errors


def test_console_errors_are_reported_unless_allow_listed(context):
    console = harness.ConsoleLog()
    page = context.new_page()
    console.attach(page)
    # The context aborts requests that leave 127.0.0.1: both stylesheets fail to load; only
    # the Font Awesome one that Voila's template links is allowed.
    page.set_content(
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@fortawesome/'
        'fontawesome-free@^5/css/all.min.css">'
        '<link rel="stylesheet" href="https://example.invalid/other.css">'
        "<script>console.error('boom'); setTimeout(() => { throw new Error('oops'); });"
        "</script>")
    # Playwright delivers page events while it runs a call: wait in the page, not in sleep().
    harness.wait_for(lambda: page.wait_for_timeout(100) or (
        len(console.errors) >= 3 and console.allowed), 10, "three errors and one allowed")
    text = "\n".join(console.errors)
    assert "boom" in text and "oops" in text and "example.invalid" in text
    assert "fontawesome" not in text
    assert len(console.allowed) == 1 and "fontawesome" in console.allowed[0]


@pytest.mark.parametrize("source, shows", [
    ('widgets.sandbox("collaborative", baseline="siloed", n=1)', "widget"),
    ('sandbox = widgets.sandbox("collaborative")\nsandbox', "widget"),
    ('widgets.time_slider(logs["siloed"])', "widget"),
    ("plots.value_stream_map(logs)", "image"),
    ("fig = plots.compare_dora(results)\nfig", "image"),
    ("Projector(FOLDER, n=N)", "widget"),
    ("x = plots.value_stream_map(logs)", None),  # assigned, not shown
    ("plots.value_stream_map(logs);", None),  # a trailing semicolon hides the output
    ("print(widgets.GROUP_TITLES)", None),
    ("%timeit plots.cumulative_flow(log)", None),
])
def test_expected_display_reads_the_last_line(source, shows):
    assert harness.expected_display(source) == shows
