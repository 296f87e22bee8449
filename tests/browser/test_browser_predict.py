"""Predict, then reveal, in JupyterLab in Chromium: the answer waits for the learner's guess.

Lesson 01 is run with Run > Run All Cells; its prediction ("What the gates buy") must show
the question and the choices but nothing of the answer; choosing an answer and pressing
"Lock in my guess" shows the result table and the guess set beside the model's answer.
"""
from __future__ import annotations

import time

import harness

LESSON = "notebooks/01_wall_of_confusion.ipynb"
RUN_TIMEOUT = 300

# The last code cell's prompt and the kernel's state. Cells whose input is collapsed (the
# lessons' computed prose) show no prompt, so the run is done when the last cell has its
# number (there are as many as code cells) and nothing is queued.
_STATE = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const cells = nb ? [...nb.querySelectorAll('.jp-CodeCell')] : [];
  const ind = document.querySelector('.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
  const prompts = cells.map(c => {
    const p = c.querySelector('.jp-InputArea-prompt');
    return p ? p.textContent.trim() : '';
  });
  return {n: cells.length, last: prompts[prompts.length - 1], busy: prompts.includes('[*]:'),
          status: ind ? ind.dataset.status : null,
          errors: nb ? nb.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').length : 0};
}"""


def _run_all(page, timeout: float = RUN_TIMEOUT) -> None:
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    deadline = time.monotonic() + timeout
    while True:
        s = page.evaluate(_STATE)
        if s["status"] == "idle" and not s["busy"] and (s["last"] == f"[{s['n']}]:" or s["errors"]):
            assert not s["errors"], f"{LESSON}: a cell failed under Run All"
            return
        assert time.monotonic() < deadline, f"{LESSON} did not finish within {timeout} s: {s}"
        time.sleep(0.5)


def test_a_prediction_reveals_only_after_the_guess_is_locked(lab, context, console, screenshot):
    page = harness.open_lab_notebook(context, lab, LESSON, console)
    page.set_viewport_size({"width": 1366, "height": 900})
    _run_all(page)
    harness.wait_widgets_rendered(page)

    widget = page.locator(".devsim-predict").first
    widget.scroll_into_view_if_needed()
    assert "Predict." in widget.inner_text()
    lock = widget.locator("button", has_text="Lock in my guess")
    assert lock.is_disabled(), "the lock button waits for a choice"
    # Run All ran every cell, yet nothing of the answer is in the widget.
    assert widget.locator("table").count() == 0 and widget.locator("img").count() == 0
    assert "Your guess" not in widget.inner_text()
    screenshot(widget, "predict-before")

    widget.locator("label", has_text="no clear difference").click()
    harness.wait_for(lambda: not lock.is_disabled(), 10, "the lock button to be enabled")
    lock.click()
    harness.wait_for(lambda: widget.locator("table").count() > 0, 30, "the reveal's table")
    text = widget.inner_text()
    assert "Your guess: no clear difference." in text
    assert "The model: more" in text and "siloed minus collaborative" in text
    assert "Not this time" in text
    assert "Failures per change" in widget.locator("table").first.inner_text()
    assert widget.locator("button", has_text="Guess locked").is_disabled()
    widget.evaluate("e => e.scrollIntoView({block: 'start'})")
    screenshot(widget, "predict-after")
    assert not console.errors, "JavaScript errors:\n" + "\n".join(console.errors)
