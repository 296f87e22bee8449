"""Lesson and exercise notebooks follow the course rules (no kernel needed).

nbval runs them; this checks what nbval cannot: that outputs are stripped except the
checked headline cells, that notebooks stay thin (import devsim, define no model code),
that every lesson has the fixed shape, and that prose quotes no model result typed by hand.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NOTEBOOKS = LESSONS + sorted((ROOT / "exercises").glob("*.ipynb")) + sorted(
    (ROOT / "notebooks").glob("[!0-9]*.ipynb"))
MARK = "# NBVAL_CHECK_OUTPUT"
SECTIONS = ("What you'll do", "What you'll learn", "What you need", "On your own", "In practice",
            "Further reading")
# A number with a unit of model output, typed into prose, would drift from what the cells
# compute (Ciw's tutorial did). Such numbers must come from a cell (e.g. a Markdown display).
TYPED_RESULT = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)?\s*(?:%|percent|hours?\b|days?\b|weeks?\b|deploys?\b|"
    r"deployments?\b|changes? per|incidents?\b|person-hours)", re.I)
CITED = ("10+ deploys per day", "10+ Deploys per Day")


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _src(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_there_are_lessons():
    assert len(LESSONS) >= 9, f"expected lessons 00-08 in notebooks/, found {[p.name for p in LESSONS]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_checked_cells_keep_outputs(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code" and MARK not in _src(cell):
            assert not cell.get("outputs"), (
                f"{path.name} cell {i} keeps outputs; run scripts/refresh_notebooks.py --strip-only")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checked_cells_have_their_output(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code" and MARK in _src(cell):
            assert cell.get("outputs"), (
                f"{path.name} cell {i} is checked by nbval but has no stored output; "
                "run scripts/refresh_notebooks.py on it")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin(path):
    code = [(i, _src(c)) for i, c in enumerate(_cells(path)) if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cell"
    assert re.search(r"^\s*(import devsim|from devsim)", code[0][1], re.M), (
        f"{path.name}: the first code cell must import from devsim")
    for i, src in code:
        assert "sys.path" not in src, f"{path.name} cell {i} edits sys.path; devsim is installed"
        assert not re.search(r"^\s*class\s+\w", src, re.M), f"{path.name} cell {i} defines a class"
        assert not re.search(r"\byield\b", src), f"{path.name} cell {i} defines a generator"
        assert "import *" not in src, f"{path.name} cell {i} uses a star import"
        assert "plt.show" not in src, f"{path.name} cell {i}: plots return Figures; no plt.show()"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_shape(path):
    text = "\n".join(_src(c) for c in _cells(path) if c["cell_type"] == "markdown")
    missing = [s for s in SECTIONS if s.lower() not in text.lower()]
    assert not missing, f"{path.name} lacks the sections {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_quotes_no_typed_results(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "markdown":
            continue
        text = _src(cell)
        for cited in CITED:
            text = text.replace(cited, "")
        hits = TYPED_RESULT.findall(text)
        assert not hits, (f"{path.name} cell {i} types results by hand: {hits}; compute them in a "
                          "cell (e.g. display(Markdown(...)))")
