"""Run lesson and exercise notebooks and keep only the outputs CI compares.

Usage::

    python scripts/refresh_notebooks.py                 # every notebook in notebooks/ and exercises/
    python scripts/refresh_notebooks.py notebooks/01_*.ipynb
    python scripts/refresh_notebooks.py --strip-only    # no execution: just strip outputs

Each notebook is executed top to bottom on a fresh kernel (in its own folder). Cells marked
``# NBVAL_CHECK_OUTPUT`` keep their output (the headline numbers nbval compares in CI);
every other output, execution count and saved widget state is removed. The time each
notebook took is printed, so the course's run time can be reported.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat

MARK = "# NBVAL_CHECK_OUTPUT"
ROOT = Path(__file__).resolve().parent.parent


def strip(nb) -> None:
    """Drop every output except those of checked cells; drop counts and widget state."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if MARK in cell.source:
            # nbval rejects a cell with outputs but no execution count ("unrun reference
            # cell"); a constant count keeps diffs quiet.
            cell.execution_count = 1
            for out in cell.outputs:
                if "execution_count" in out:
                    out["execution_count"] = 1
        else:
            cell.execution_count = None
            cell.outputs = []


def execute(path: Path, timeout: int = 300) -> float:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    took = time.perf_counter() - t0
    strip(nb)
    nbformat.write(nb, path)
    return took


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--strip-only", action="store_true", help="do not execute, only strip outputs")
    args = ap.parse_args(argv)
    paths = args.paths or sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/*.ipynb")])
    total = 0.0
    for path in paths:
        if not path.is_file():
            print(f"refresh_notebooks: error: {path}: no such notebook", file=sys.stderr)
            return 2
        if args.strip_only:
            nb = nbformat.read(path, as_version=4)
            strip(nb)
            nbformat.write(nb, path)
            print(f"stripped {path}")
            continue
        took = execute(path)
        total += took
        print(f"{took:6.1f} s  {path}")
    if not args.strip_only:
        print(f"{total:6.1f} s  in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
