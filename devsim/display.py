"""Display helpers of the widget layer: a figure as a PNG output, errors as one status line.

This module owns how the upper rooms (:mod:`devsim.widgets`, :mod:`devsim.projector`) put
things on a page:

* a matplotlib Figure becomes a ``display_data`` output holding a PNG
  (:func:`figure_bundle`), shown in an :class:`ipywidgets.Output` by one assignment of its
  ``outputs`` (:func:`show_figure`). Rendering here means the picture does not depend on the
  kernel having registered matplotlib's display formatter (it has not if pyplot was never
  imported), and one assignment never leaks as cell output under nbval nor flashes a blank
  frame (``with out:`` and ``out.clear_output()`` do both);
* an exception becomes one line of text (:func:`one_line`, :func:`error_text`), so a
  callback reports an error on the page instead of printing a traceback;
* a status label is set with the error colour when it reports a failure (:func:`set_status`).

It imports nothing from devsim and does not import ipywidgets or pyplot: it works on any
object with the attributes it sets (``outputs``; ``value`` and ``style.text_color``), and on
any Figure through its ``savefig``.
"""
from __future__ import annotations

import base64
import errno
import io
from typing import Any

__all__ = ["ERROR_COLOUR", "figure_bundle", "show_figure", "one_line", "error_text",
           "set_status", "os_error_text", "MESSAGE_CHARS"]

#: Longest message a status line shows; longer text is cut with "…" (a message that quotes
#: a learner's value must not fill the screen).
MESSAGE_CHARS = 240

# What a learner reads for the file errors a save, load or export meets.
_ERRNO_WORDS = {
    errno.ENAMETOOLONG: "the file name is too long",
    errno.ENOENT: "the folder or file does not exist",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EROFS: "the disk is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EEXIST: "the file already exists",
    errno.ELOOP: "too many symbolic links",
}

#: Text colour of an error on a page (a dark red that reads on white and on a projector).
ERROR_COLOUR = "#b00020"


def figure_bundle(fig: Any) -> dict[str, Any]:
    """A ``display_data`` output holding ``fig`` as PNG (what the browser receives).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to render; it is not closed or changed.

    Returns
    -------
    dict
        A Jupyter output (``output_type``, ``data`` with ``image/png`` in base64 and
        ``text/plain``, ``metadata``), ready for ``Output.outputs``.
    """
    buf = io.BytesIO()
    # No bbox_inches="tight": it draws the figure twice; plots lay themselves out.
    fig.savefig(buf, format="png")
    return {"output_type": "display_data",
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                     "text/plain": repr(fig)},
            "metadata": {}}


def show_figure(out: Any, fig: Any) -> None:
    """Replace what ``out`` shows by ``fig`` (rendered to PNG).

    Parameters
    ----------
    out : ipywidgets.Output
        The output area.
    fig : matplotlib.figure.Figure
        The figure to show.

    Notes
    -----
    One assignment of ``out.outputs``: no ``with out:`` and no ``clear_output()`` (both leak
    as cell output under nbval), and no blank frame between the old and the new picture.
    """
    out.outputs = (figure_bundle(fig),)


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when the message is empty).

    Parameters
    ----------
    exc : BaseException

    Returns
    -------
    str
        One line, fit for a status label.
    """
    text = str(exc).strip() or type(exc).__name__
    line = text.splitlines()[0]
    # Control characters (from a file name or a file) would break the line on a page.
    line = "".join(c if c.isprintable() else "?" for c in line)
    return line if len(line) <= MESSAGE_CHARS else line[:MESSAGE_CHARS - 1] + "…"


def os_error_text(exc: BaseException) -> str:
    """A file error in a learner's words: "permission denied", "the file name is too long".

    Parameters
    ----------
    exc : BaseException
        Usually an ``OSError``; a ``ValueError`` for a name with a NUL character.

    Returns
    -------
    str
        A short phrase without the path (the caller names the file), fit to follow
        "Not saved: my.yaml: ".
    """
    if isinstance(exc, OSError):
        if exc.errno in _ERRNO_WORDS:
            return _ERRNO_WORDS[exc.errno]
        if exc.strerror:
            return exc.strerror[:1].lower() + exc.strerror[1:]
    if isinstance(exc, ValueError) and "null" in str(exc):
        return "the file name holds a NUL character"
    return one_line(exc)


def error_text(exc: BaseException) -> str:
    """An unexpected error as a status line: ``"Error: ValueError: <first line>"``.

    Parameters
    ----------
    exc : BaseException

    Returns
    -------
    str

    See Also
    --------
    one_line : the message alone, for errors the text around it already explains.
    """
    return f"Error: {type(exc).__name__}: {one_line(exc)}"


def set_status(label: Any, text: str, *, error: bool = False) -> None:
    """Show ``text`` in a status label, in :data:`ERROR_COLOUR` when it reports an error.

    Parameters
    ----------
    label : ipywidgets.Label
        The status label.
    text : str
        One line ("" clears the label).
    error : bool
        Colour the text as an error; otherwise the theme's colour.
    """
    label.style.text_color = ERROR_COLOUR if error else None
    label.value = text
