"""Predict, then reveal: a learner commits a guess before a lesson shows the result.

:func:`predict` builds a question with either a set of choices (radio buttons) or a slider,
and a **Lock in my guess** button. Until the button is pressed nothing of the answer is on
the page: the ``reveal`` callable (a Figure, a table, a sentence, or a list of them) is only
called, and its result only shown, after the guess is locked. Then a line sets the guess
beside the model's result (``answer``), the controls are frozen, and, when the trainer has
set ``DEVSIM_CLASS_DIR``, the guess is recorded for the class view
(:func:`devsim.classroom.record_prediction`; a bad folder is reported in one line and the
lesson goes on).

Under *Run All* and under nbval nobody presses the button, so the reveal waits; the numbers
nbval checks are printed by the lesson's own ``# NBVAL_CHECK_OUTPUT`` cells, placed after
the prediction. Like every widget here it writes output by assigning ``Output.outputs`` and
reports every failure in its status line.
"""
from __future__ import annotations

import html
import math
import numbers
from typing import Any, Callable, Sequence

import ipywidgets as W

from .. import classroom
from ..display import error_text, figure_bundle, one_line, set_status

__all__ = ["Prediction", "predict", "LOCK_LABEL"]

LOCK_LABEL = "Lock in my guess"
_RIGHT, _WRONG = "\u2714", "\u2716"   # a symbol as well as a word: never colour alone


def _bundle(obj: Any) -> dict[str, Any]:
    """One ``display_data`` output for ``obj``: a Figure as PNG, text as Markdown, else the
    object's own rich representation (a DataFrame's HTML, IPython's Markdown, ...)."""
    if hasattr(obj, "savefig"):
        return figure_bundle(obj)
    if isinstance(obj, str):
        return {"output_type": "display_data",
                "data": {"text/markdown": obj, "text/plain": obj}, "metadata": {}}
    data: dict[str, Any] = {}
    if hasattr(obj, "_repr_mimebundle_"):
        got = obj._repr_mimebundle_()
        data.update(got[0] if isinstance(got, tuple) else got or {})
    for mime, meth in (("text/html", "_repr_html_"), ("text/markdown", "_repr_markdown_")):
        if mime not in data and hasattr(obj, meth):
            value = getattr(obj, meth)()
            if value:
                data[mime] = value
    data.setdefault("text/plain", repr(obj))
    return {"output_type": "display_data", "data": data, "metadata": {}}


def _words(value: Any, unit: str = "") -> str:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        x = float(value)
        text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
        return f"{text} {unit}".strip()
    return str(value)


class Prediction(W.VBox):
    """A question, a guess, a lock button and, once locked, the reveal (see :func:`predict`).

    Attributes
    ----------
    control : ipywidgets.RadioButtons or ipywidgets.FloatSlider
        Where the learner makes the guess.
    button : ipywidgets.Button
        "Lock in my guess"; disabled until a choice is made.
    out : ipywidgets.Output
        Empty until the guess is locked; then what ``reveal`` returned.
    comparison : ipywidgets.HTML
        The guess against the model's result, once locked.
    status : ipywidgets.Label
        One line: what to do, a recording problem, or an error.
    locked : bool
    guess, result : Any
        The locked guess and the model's answer (None before).
    record_path : pathlib.Path or None
        The class-folder file of the guess, when one was written.
    """

    def __init__(self, question: str, *, id: str, lesson: str,
                 choices: Sequence[str] | None = None, slider: dict[str, Any] | None = None,
                 reveal: Callable[[], Any], answer: Callable[[], Any] | None = None):
        super().__init__()
        if not isinstance(question, str) or not question.strip():
            raise ValueError("question: give the question as text")
        if (choices is None) == (slider is None):
            raise ValueError("choices, slider: give exactly one of them")
        if not callable(reveal):
            raise TypeError("reveal: expected a function returning what to show")
        if answer is not None and not callable(answer):
            raise TypeError("answer: expected a function returning the model's result")
        self.question_id, self.lesson = str(id), str(lesson)
        self._reveal, self._answer = reveal, answer
        self.unit = ""
        if choices is not None:
            options = [str(c) for c in choices]
            if len(options) < 2 or len(set(options)) != len(options):
                raise ValueError("choices: give two or more different choices")
            self.control = W.RadioButtons(options=options, value=None,
                                          layout=W.Layout(width="auto"))
        else:
            spec = dict(slider)
            lo, hi, step = (float(spec.pop(k)) for k in ("min", "max", "step"))
            if not (lo < hi and step > 0):
                raise ValueError("slider: needs min < max and step > 0")
            value = float(spec.pop("value", lo))
            value = lo + round((min(max(value, lo), hi) - lo) / step) * step  # on the grid
            self.unit = str(spec.pop("unit", ""))
            desc = str(spec.pop("description", "My guess"))
            if spec:
                raise ValueError(f"slider: unknown keys {sorted(spec)}; allowed min, max, step, "
                                 "value, unit, description")
            self.control = W.FloatSlider(min=lo, max=hi, step=step, value=value,
                                         description=desc, continuous_update=True,
                                         readout_format=".3g",
                                         style={"description_width": "initial"},
                                         layout=W.Layout(width="480px"))
        self.button = W.Button(description=LOCK_LABEL, button_style="primary",
                               icon="", disabled=choices is not None,
                               layout=W.Layout(width="auto"))
        self.status = W.Label("Make your guess, then lock it in: the result appears below.")
        self.out = W.Output()
        self.comparison = W.HTML("")
        self.locked = False
        self.guess: Any = None
        self.result: Any = None
        self.record_path = None
        title = W.HTML(f"<b>Predict.</b> {html.escape(question)}")
        unit = W.Label(self.unit) if self.unit else W.Label("")
        self.children = [title, W.HBox([self.control, unit]),
                         W.HBox([self.button, self.status]), self.comparison, self.out]
        self.add_class("devsim-predict")
        self.control.observe(self._on_choice, names="value")
        self.button.on_click(lambda _b: self.lock())

    def _on_choice(self, change: dict) -> None:
        if not self.locked:
            self.button.disabled = change["new"] is None

    def _guess_words(self) -> str:
        return _words(self.guess, self.unit)

    def lock(self, guess: Any = None) -> bool:
        """Lock the guess (the control's value, or ``guess``), then reveal; False if there
        is no guess yet or it was locked already. Never raises: errors go to the status."""
        if self.locked:
            return False
        if guess is not None:
            try:
                self.control.value = guess
            except Exception as exc:  # noqa: BLE001 - a callback reports, never raises
                set_status(self.status, f"Not a possible guess: {one_line(exc)}", error=True)
                return False
        if self.control.value is None:
            set_status(self.status, "Choose an answer first.", error=True)
            return False
        self.guess = self.control.value
        self.locked = True
        self.control.disabled = True
        self.button.disabled = True
        self.button.description = "Guess locked"
        set_status(self.status, "")
        try:
            shown = self._reveal()
            items = list(shown) if isinstance(shown, (list, tuple)) else [shown]
            self.out.outputs = tuple(_bundle(x) for x in items if x is not None)
        except Exception as exc:  # noqa: BLE001
            set_status(self.status, error_text(exc), error=True)
            return True
        note = ""
        if self._answer is not None:
            try:
                got = self._answer()
                self.result, note = got if isinstance(got, tuple) else (got, "")
            except Exception as exc:  # noqa: BLE001
                set_status(self.status, error_text(exc), error=True)
        self.comparison.value = self._comparison_html(note)
        try:
            self.record_path = classroom.record_prediction(
                self.lesson, self.question_id, self.guess, result=self.result)
        except (OSError, ValueError) as exc:
            set_status(self.status, f"Your guess was not recorded: {one_line(exc)}", error=True)
        return True

    def _comparison_html(self, note: str) -> str:
        you = f"Your guess: <b>{html.escape(self._guess_words())}</b>."
        if self.result is None:
            return you
        model = f"The model: <b>{html.escape(_words(self.result, self.unit))}</b>"
        if note:
            model += f" ({html.escape(str(note))})"
        if isinstance(self.control, W.RadioButtons):
            right = str(self.result) == str(self.guess)
            verdict = f"{_RIGHT} Right." if right else f"{_WRONG} Not this time: read on."
        else:
            try:
                off = float(self.guess) - float(self.result)
            except (TypeError, ValueError):
                off = math.nan
            if math.isnan(off):
                verdict = ""
            elif off == 0:
                verdict = f"{_RIGHT} spot on"
            else:
                side = "above" if off > 0 else "below"
                verdict = f"You were {_words(abs(off), self.unit)} {side} it."
        return f"{you} {model}. {verdict}".strip()


def predict(question: str, *, id: str, lesson: str, choices: Sequence[str] | None = None,
            slider: dict[str, Any] | None = None, reveal: Callable[[], Any],
            answer: Callable[[], Any] | None = None) -> Prediction:
    """Ask for a guess before showing a result: predict, then reveal.

    Parameters
    ----------
    question : str
        The question, one or two sentences.
    id : str
        A short name of the question within the lesson (``"gates"``), for the class view.
    lesson : str
        The lesson (``"01"``).
    choices : list of str, optional
        The possible answers, shown as radio buttons (none chosen at first).
    slider : dict, optional
        Instead of choices: ``min``, ``max``, ``step``, optional ``value``, ``unit`` and
        ``description``; the guess is a number in that unit.
    reveal : callable
        Called once the guess is locked; returns what to show: a Figure, a DataFrame, a
        Markdown string, an IPython display object, or a list of them. Show the model's
        numbers with their confidence intervals (:meth:`devsim.Results.verdict`).
    answer : callable, optional
        Called after ``reveal``; returns the model's result as one of ``choices`` (or a
        number in the slider's unit), or ``(result, note)`` where ``note`` is a short text
        such as a verdict's difference and CI. Shown beside the guess.

    Returns
    -------
    Prediction
        The widget (an :class:`ipywidgets.VBox`).
    """
    return Prediction(question, id=id, lesson=lesson, choices=choices, slider=slider,
                      reveal=reveal, answer=answer)
