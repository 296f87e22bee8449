"""Regenerate the golden back-test files: one CSV per preset in this folder.

Run from the repository root after an *intended* change to the model or the metrics::

    .venv/bin/python tests/golden/make_golden.py

Each file holds ``N_REPLICATIONS`` replications of one preset at seed ``SEED``: one row per
replication, the columns of :func:`devsim.summarise` rounded to ``SIGNIFICANT`` significant
digits. ``tests/test_validation.py`` recomputes them and fails on any difference, so an
unintended change to results is seen; review the diff of the CSVs before committing them.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd

from devsim import presets, replicate

HERE = Path(__file__).resolve().parent
N_REPLICATIONS = 3
SEED = 2026
SIGNIFICANT = 6


def round_significant(value: float, digits: int = SIGNIFICANT) -> float:
    """``value`` rounded to ``digits`` significant digits (NaN and infinities unchanged)."""
    if not math.isfinite(value):
        return value
    return float(f"{value:.{digits}g}")


def golden_path(name: str) -> Path:
    """The CSV of preset ``name``."""
    return HERE / f"{name}.csv"


def golden_frame(name: str) -> pd.DataFrame:
    """The golden table of preset ``name``, computed now (in this process, no pool).

    Columns: ``replication``, ``seed``, then every metric of :func:`devsim.summarise` in its
    own order, rounded with :func:`round_significant`.
    """
    frame = replicate(presets()[name], n=N_REPLICATIONS, seed=SEED, executor="serial",
                      progress=False).frame
    frame = frame.drop(columns=["scenario"])
    metrics = [c for c in frame.columns if c not in ("replication", "seed")]
    frame[metrics] = frame[metrics].astype(float).apply(lambda col: col.map(round_significant))
    return frame.reset_index(drop=True)


def main() -> int:
    for name in presets():
        path = golden_path(name)
        golden_frame(name).to_csv(path, index=False)
        print(f"wrote {path.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
