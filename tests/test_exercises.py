"""The exercise notebooks: sources hold a verified solution and a wrong answer, learner copies
are generated from them, up to date, and give nothing away.

nbval runs both (``pytest --nbval-lax ... exercises``) and compares the checked cells: in a
source the solution prints ``correct`` and the wrong answer ``incorrect``; in a learner copy
the blank prints ``not_attempted``. These tests check, without a kernel, that the notebooks
are built so that those comparisons mean something.
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from devsim.checks import exercises

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "exercises" / "source"
SOURCES = sorted(SOURCE_DIR.glob("[0-9][0-9]_*.ipynb"))
LEARNER = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
SCRIPT = ROOT / "scripts" / "build_exercises.py"
MARK = "# NBVAL_CHECK_OUTPUT"


def _builder():
    spec = importlib.util.spec_from_file_location("build_exercises", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _builder()


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


def _text(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def _exercise_id(nb) -> str:
    first = next(c for c in nb.cells if c.cell_type == "code")
    found = re.findall(r'exercises\(\)\["(\w+)"\]', first.source)
    assert len(found) == 1, "the first code cell must pick one exercise: ex = exercises()[\"...\"]"
    return found[0]


def _solution_lines(source_nb) -> list[str]:
    """Lines of the solution cell long enough to give the answer away (not `)` or `8.0,`)."""
    cell = next(c for c in source_nb.cells if "solution" in _tags(c))
    lines = [line.split("  #")[0].strip() for line in cell.source.splitlines()]
    return [line for line in lines if len(line) >= 10 and not line.startswith("#")]


def test_one_source_and_one_learner_copy_per_exercise():
    ids = [_exercise_id(_read(p)) for p in SOURCES]
    assert ids == list(exercises()), f"sources cover {ids}, the checkers are {list(exercises())}"
    assert [p.name for p in LEARNER] == [p.name for p in SOURCES]


def test_learner_copies_are_up_to_date():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, (
        f"learner copies are stale; run scripts/build_exercises.py\n{proc.stderr}")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_source_has_solution_wrong_answer_and_checked_cells(path):
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert re.search(r"^\s*(import devsim|from devsim)", code[0].source, re.M)
    solution = [c for c in code if "solution" in _tags(c)]
    assert len(solution) == 1, "exactly one cell tagged 'solution'"
    assert re.match(r"^(\w+ = .*\n)*answer = ", solution[0].source), (
        "the solution cell assigns `answer`")
    assert "..." not in solution[0].source

    check = [c for c in code if "check" in _tags(c)]
    assert len(check) == 1, "exactly one cell tagged 'check'"
    assert check[0].source.startswith(MARK) and "ex.check(answer)" in check[0].source
    assert check[0].execution_count is not None, (
        "a checked cell needs an execution count, or nbval calls it unrun and fails")
    assert _text(check[0].outputs) == "correct\n", (
        "the stored output of the check cell must be the solution's verdict, `correct`; "
        "run scripts/refresh_notebooks.py on the source")

    wrong = [c for c in code if "wrong-answer" in _tags(c) and MARK in c.source]
    assert wrong, "a checked cell tagged 'wrong-answer' that checks a deliberately wrong answer"
    for cell in wrong:
        assert "ex.check(" in cell.source and "ex.check(answer)" not in cell.source
        assert _text(cell.outputs) == "incorrect\n" and cell.execution_count is not None

    # Only the check and the wrong answer are compared by nbval; nothing else keeps output.
    for c in code:
        if MARK in c.source:
            assert "check" in _tags(c) or "wrong-answer" in _tags(c)
        else:
            assert not c.outputs
    hints = "\n".join(c.source for c in code if "hint" in _tags(c))
    n_hints = len(exercises()[_exercise_id(nb)].hints)
    for level in range(1, n_hints + 1):
        assert f"ex.hint({level})" in hints
    assert "ex.solution()" in hints


@pytest.mark.parametrize("path", LEARNER, ids=lambda p: p.name)
def test_learner_copy_gives_nothing_away(path):
    nb = _read(path)
    source = _read(SOURCE_DIR / path.name)
    text = "\n".join(c.source for c in nb.cells)
    for line in _solution_lines(source):
        assert line not in text, f"the solution's text {line!r} is in the learner copy"
    assert not any("wrong-answer" in _tags(c) or "solution" in _tags(c) for c in nb.cells)
    assert "wrong = ex.check" not in text
    answer = [c for c in nb.cells if "answer" in _tags(c)]
    assert len(answer) == 1 and answer[0].source == build.BLANK
    for c in nb.cells:
        if "hint" in _tags(c):
            assert all(not line.strip() or line.lstrip().startswith("#")
                       for line in c.source.splitlines()), "hints stay commented out"
    assert nb.metadata["devsim"]["generated_from"] == f"source/{path.name}"


@pytest.mark.parametrize("path", LEARNER, ids=lambda p: p.name)
def test_learner_copy_keeps_only_the_blank_verdict(path):
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    checked = [c for c in code if MARK in c.source]
    assert len(checked) == 1 and "check" in _tags(checked[0])
    assert "ex.check(answer)" in checked[0].source
    assert _text(checked[0].outputs) == "not_attempted\n"
    assert checked[0].execution_count is not None, "nbval refuses an output without a count"
    for c in code:
        if c is not checked[0]:
            assert not c.outputs, "only the checked cell keeps an output"


# --- the builder itself, on a small notebook --------------------------------------------------

def _small_source():
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell("# Exercise 99"),
        v4.new_code_cell('from devsim.checks import exercises\nex = exercises()["ex03"]'),
        v4.new_code_cell("answer = replace(ex.start, release_interval_days=0.0)",
                         metadata={"tags": ["solution"]}),
        v4.new_code_cell(f"{MARK}\nresult = ex.check(answer)\nprint(result.status)",
                         metadata={"tags": ["check"]},
                         outputs=[v4.new_output("stream", name="stdout", text="correct\n")]),
        v4.new_code_cell("result", outputs=[v4.new_output("execute_result", data={
            "text/plain": "CheckResult(...)"}, execution_count=3)], execution_count=3),
        v4.new_code_cell("ex.hint(1)\nex.hint(2)", metadata={"tags": ["hint"]}),
        v4.new_markdown_cell("## Checking the checker", metadata={"tags": ["wrong-answer"]}),
        v4.new_code_cell(f"{MARK}\nwrong = ex.check({{'release_interval_days': 14.0}})\n"
                         "print(wrong.status)", metadata={"tags": ["wrong-answer"]}),
    ]
    return v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3",
                                                                  "display_name": "Python 3",
                                                                  "language": "python"}})


def test_builder_makes_the_learner_copy_and_detects_staleness(tmp_path, capsys):
    src_dir, out_dir = tmp_path / "source", tmp_path
    src_dir.mkdir()
    nbformat.write(_small_source(), src_dir / "99_demo.ipynb")
    args = ["--source", str(src_dir), "--out", str(out_dir)]
    assert build.main([*args, "--check"]) == 1  # missing
    assert "99_demo.ipynb: missing" in capsys.readouterr().err
    assert build.main(args) == 0
    assert build.main([*args, "--check"]) == 0

    nb = _read(out_dir / "99_demo.ipynb")
    sources = [c.source for c in nb.cells]
    assert build.BLANK in sources
    assert not any("release_interval_days=0.0" in s or "wrong" in s for s in sources)
    assert "# ex.hint(1)\n# ex.hint(2)" in sources
    check = next(c for c in nb.cells if "check" in _tags(c))
    assert _text(check.outputs) == "not_attempted\n" and check.execution_count is not None
    assert all(not c.outputs for c in nb.cells if c.cell_type == "code" and c is not check)
    assert len(nb.cells) == 6  # the two wrong-answer cells are gone

    # Running the copy (new language_info, execution counts) does not make it stale ...
    nb.metadata["language_info"] = {"name": "python", "version": "3.99"}
    nb.cells[1].execution_count = 1
    nbformat.write(nb, out_dir / "99_demo.ipynb")
    assert build.main([*args, "--check"]) == 0
    # ... but losing the checked cell's count (nbval would call it unrun) does,
    check.execution_count = None
    nbformat.write(nb, out_dir / "99_demo.ipynb")
    assert build.main([*args, "--check"]) == 1
    capsys.readouterr()
    check.execution_count = 7
    nbformat.write(nb, out_dir / "99_demo.ipynb")
    assert build.main([*args, "--check"]) == 0
    # ... and so does an edit of the copy (or of the source).
    nb.cells[0].source = "# Exercise 99, edited by hand"
    nbformat.write(nb, out_dir / "99_demo.ipynb")
    assert build.main([*args, "--check"]) == 1
    assert "99_demo.ipynb: stale" in capsys.readouterr().err
    assert build.main(args) == 0 and build.main([*args, "--check"]) == 0

    # A learner copy without a source is reported.
    nbformat.write(nb, out_dir / "98_orphan.ipynb")
    assert build.main([*args, "--check"]) == 1
    assert "98_orphan.ipynb: no source" in capsys.readouterr().err


def test_builder_refuses_a_source_without_its_solution(tmp_path, capsys):
    src = _small_source()
    src.cells = [c for c in src.cells if "solution" not in _tags(c)]
    (tmp_path / "source").mkdir()
    nbformat.write(src, tmp_path / "source" / "99_demo.ipynb")
    assert build.main(["--source", str(tmp_path / "source"), "--out", str(tmp_path)]) == 2
    assert "has 0 cells tagged 'solution'" in capsys.readouterr().err
