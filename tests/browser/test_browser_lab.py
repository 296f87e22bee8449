"""The course in JupyterLab, in Chromium: every lesson runs and renders; the Sandbox responds.

Each test opens one notebook in a fresh tab (``?reset``: an empty workspace), runs it with
Run > Run All Cells on a fresh kernel, and shuts the kernel down afterwards, so the lessons
run one at a time.
"""
from __future__ import annotations

import pytest

import expected
import harness

LESSONS = sorted(p.name for p in (harness.REPO / "notebooks").glob("0*.ipynb"))
SANDBOX = "notebooks/08_sandbox.ipynb"
SLIDER = "Test automation (share)"  # in the "Automation" section of the controls
# A lesson takes 15-30 s to run on 2 cores; this only stops a hung run.
RUN_TIMEOUT = 300


def test_there_are_lessons_to_check():
    assert LESSONS, f"no notebooks/0*.ipynb in {harness.REPO}"
    assert (harness.REPO / SANDBOX).is_file(), f"{SANDBOX} is missing"


def _run(context, lab, path, console):
    page = harness.open_lab_notebook(context, lab, path, console)
    harness.run_all_cells(page, timeout=RUN_TIMEOUT)
    harness.wait_widgets_rendered(page)
    problems = harness.notebook_problems(harness.cell_report(page),
                                         harness.code_sources(lab.root / path))
    return page, problems


def test_sandbox_slider_updates_the_tiles_in_jupyterlab(lab, context, console, screenshot):
    page, problems = _run(context, lab, SANDBOX, console)
    assert not problems, f"{SANDBOX} after Run All:\n" + "\n".join(problems)

    root = harness.sandbox_root(page)
    root.scroll_into_view_if_needed()
    assert harness.sandbox_status(root).startswith("updated in")
    before = harness.tiles(root)
    assert before == expected.sandbox_tiles("collaborative"), \
        "the first dashboard is not the collaborative preset's"

    harness.open_group(root, "Automation")
    assert harness.slider_readout(root, SLIDER) == "0.80"
    move = harness.move_slider(root, SLIDER, "ArrowLeft", "lead_time_hours")
    print(f"JupyterLab: slider released -> tile updated in {move.browser_s:.2f} s "
          f"(kernel: {move.kernel_s:.2f} s)")

    assert harness.slider_readout(root, SLIDER) == "0.75"
    after = harness.tiles(root)
    assert after["lead_time_hours"] == move.text != before["lead_time_hours"]
    # Exactly what the model gives for the new value, on every tile.
    assert after == expected.sandbox_tiles("collaborative", test_automation=0.75)
    root.evaluate("e => e.scrollIntoView({block: 'start'})")
    screenshot(page, "jupyterlab-sandbox")

    assert not console.errors, "JavaScript errors:\n" + "\n".join(console.errors)


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_and_renders_in_jupyterlab(lab, context, console, screenshot, lesson):
    page, problems = _run(context, lab, f"notebooks/{lesson}", console)
    assert not problems, f"{lesson} after Run All:\n" + "\n".join(problems)
    assert not console.errors, "JavaScript errors:\n" + "\n".join(console.errors)
    # The last widget the lesson shows (the sandbox or the time slider), as a record.
    widgets = page.locator(".jp-Cell-outputArea > .jp-OutputArea-child:has(.jupyter-widgets)")
    if widgets.count():
        widgets.last.evaluate("e => e.scrollIntoView({block: 'start'})")
        screenshot(page, f"jupyterlab-{lesson.removesuffix('.ipynb')}")
