"""Build the learner copies of the exercise notebooks from their sources.

Usage::

    python scripts/build_exercises.py            # write exercises/NN_*.ipynb from exercises/source/
    python scripts/build_exercises.py --check    # exit 1 if a learner copy is missing or stale

Each source notebook (``exercises/source/NN_name.ipynb``) holds the verified solution and a
deliberately wrong answer, so CI can check the checker: the solution must print ``correct``
and the wrong answer ``incorrect``. The learner copy (``exercises/NN_name.ipynb``) is the same
notebook with, by cell tag:

* ``solution``: the source replaced by the blank ``answer = ...  # your answer here`` (tag
  ``answer`` instead), so the learner starts from nothing;
* ``wrong-answer``: removed (code and markdown);
* ``hint``: every line commented out, so *Run All* shows no hint nor the solution until the
  learner asks for it;
* ``check``: the checked cell, whose stored output is ``not_attempted`` (what the blank gives;
  nbval confirms it by running the learner copy) with an execution count, without which
  nbval would treat it as never run;

and every other output removed. Notebook metadata and cell ids are kept from the source.

``--check`` compares cells (type, id, source, metadata, outputs) and the notebook metadata
except what running rewrites (``language_info``, widget state, execution counts), not the
bytes, so running a learner copy with ``scripts/refresh_notebooks.py`` does not make it
stale.
"""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "exercises" / "source"
OUT_DIR = ROOT / "exercises"

BLANK = "answer = ...  # your answer here"
NOT_ATTEMPTED = "not_attempted\n"
MARK = "# NBVAL_CHECK_OUTPUT"
#: Notebook metadata that running a notebook rewrites; not part of what the builder decides.
VOLATILE_METADATA = ("language_info", "widgets")


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _set_tags(cell, new: list[str]) -> None:
    if new:
        cell.metadata["tags"] = new
    else:
        cell.metadata.pop("tags", None)


def _comment_out(source: str) -> str:
    return "\n".join(line if not line.strip() or line.lstrip().startswith("#") else f"# {line}"
                     for line in source.splitlines())


def learner_copy(source_nb, source_name: str):
    """The learner notebook built from ``source_nb`` (a new object; the source is untouched).

    Raises
    ------
    ValueError
        If the source lacks exactly one ``solution`` cell or a ``check`` cell.
    """
    nb = copy.deepcopy(source_nb)
    n_solution = sum("solution" in tags(c) for c in nb.cells)
    if n_solution != 1:
        raise ValueError(f"{source_name}: has {n_solution} cells tagged 'solution'; "
                         "give exactly one")
    if not any("check" in tags(c) for c in nb.cells):
        raise ValueError(f"{source_name}: has no cell tagged 'check' (the checked "
                         "`ex.check(answer)` cell)")
    cells = []
    for cell in nb.cells:
        t = tags(cell)
        if "wrong-answer" in t:
            continue
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.metadata.pop("execution", None)
            cell.outputs = []
            if "solution" in t:
                cell.source = BLANK
                _set_tags(cell, [x for x in t if x != "solution"] + ["answer"])
            elif "hint" in t:
                cell.source = _comment_out(cell.source)
            if "check" in t:
                if MARK not in cell.source:
                    raise ValueError(f"{source_name}: the 'check' cell must start with {MARK}")
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                       text=NOT_ATTEMPTED)]
                # nbval treats a cell without an execution count as never run and refuses
                # its stored output ("Unrun reference cell has outputs").
                cell.execution_count = 1
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    nb.metadata["devsim"] = {"generated_from": f"source/{source_name}",
                             "edit": "edit the source, then run scripts/build_exercises.py"}
    return nb


def canonical(nb) -> dict:
    """What the builder decides about a notebook, for comparing two of them."""
    cells = []
    for c in nb.cells:
        entry = {"cell_type": c.cell_type, "id": c.get("id"), "source": c.source,
                 "metadata": {k: v for k, v in c.metadata.items() if k != "execution"}}
        if c.cell_type == "code":
            entry["outputs"] = [{k: v for k, v in o.items() if k != "execution_count"}
                                for o in c.get("outputs", [])]
            # Which number does not matter, but a stored output needs one (see learner_copy).
            entry["counted"] = bool(entry["outputs"]) and c.get("execution_count") is not None
        cells.append(entry)
    meta = {k: v for k, v in nb.metadata.items() if k not in VOLATILE_METADATA}
    return {"nbformat": (nb.nbformat, nb.nbformat_minor), "metadata": meta, "cells": cells}


def build(source_dir: Path = SOURCE_DIR, out_dir: Path = OUT_DIR, *,
          check: bool = False) -> list[str]:
    """Write (or, with ``check``, compare) every learner copy.

    Returns
    -------
    list of str
        One line per learner copy that was (``check``: would be) written or is an orphan.
    """
    sources = sorted(source_dir.glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no source notebooks (NN_name.ipynb) in {source_dir}")
    lines = []
    for src in sources:
        target = out_dir / src.name
        built = learner_copy(nbformat.read(src, as_version=4), src.name)
        current = nbformat.read(target, as_version=4) if target.exists() else None
        if current is not None and canonical(current) == canonical(built):
            continue
        what = "missing" if current is None else "stale"
        if check:
            lines.append(f"{target.relative_to(out_dir.parent)}: {what}; run "
                         "scripts/build_exercises.py")
        else:
            nbformat.validate(built)
            nbformat.write(built, target)
            lines.append(f"wrote {target.relative_to(out_dir.parent)}")
    names = {s.name for s in sources}
    for orphan in sorted(out_dir.glob("[0-9][0-9]_*.ipynb")):
        if orphan.name not in names:
            lines.append(f"{orphan.relative_to(out_dir.parent)}: no source "
                         f"{source_dir.name}/{orphan.name}; delete it or add the source")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if a learner copy is missing or stale")
    ap.add_argument("--source", type=Path, default=SOURCE_DIR, help="folder of source notebooks")
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="folder of learner copies")
    args = ap.parse_args(argv)
    try:
        lines = build(args.source, args.out, check=args.check)
    except (FileNotFoundError, ValueError) as exc:
        print(f"build_exercises: error: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line, file=sys.stderr if args.check else sys.stdout)
    if args.check:
        return 1 if lines else 0
    orphans = [x for x in lines if "no source" in x]
    return 1 if orphans else 0


if __name__ == "__main__":
    sys.exit(main())
