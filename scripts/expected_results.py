"""The instructor guide's expected-results table, computed from the model.

    python scripts/expected_results.py                      # print the table
    python scripts/expected_results.py --write docs/instructor-guide.md
    python scripts/expected_results.py --check docs/instructor-guide.md   # exit 1 if stale

The table sits between ``<!-- expected-results:start -->`` and ``<!-- expected-results:end -->``.
It uses the seed and replications the lessons use, so the trainer's numbers match the room's.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import devsim as ds
from devsim.dora import classify

START, END = "<!-- expected-results:start -->", "<!-- expected-results:end -->"
N, SEED, YEAR = 10, ds.experiment.DEFAULT_SEED, 2019


def _fmt(metric: str, value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    if metric in ("change_failure_rate", "rework_rate", "flow_efficiency"):
        return f"{100 * value:.0f}%"
    if metric.endswith("_hours"):
        return f"{value / 24:.1f} d" if value >= 48 else f"{value:.1f} h"
    if metric == "deploy_frequency_per_day":
        return f"{value:.2f}/day" if value >= 1 else f"{7 * value:.2f}/week"
    if metric == "cost_per_change":
        return f"{value:,.0f}"
    return f"{value:.2f}"


def table() -> str:
    """Markdown table: one row per preset, DORA keys with their 2019 cluster, and flow figures."""
    res = ds.compare(list(ds.presets()), n=N, seed=SEED, progress=False)
    means = res.frame.groupby("scenario", sort=False).mean(numeric_only=True)
    keys = ["deploy_frequency_per_day", "lead_time_hours", "change_failure_rate",
            "time_to_restore_hours"]
    head = ["preset", "deploy frequency", "lead time (median)", "change failure rate",
            "time to restore (median)", "rework rate", "flow efficiency", "cost per change"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, row in means.iterrows():
        cells = [f"`{name}`"]
        for k in keys:
            c = classify(k, row[k], YEAR)
            cells.append(f"{_fmt(k, row[k])} ({c.label})")
        cells += [_fmt("rework_rate", row["rework_rate"]), _fmt("flow_efficiency", row["flow_efficiency"]),
                  _fmt("cost_per_change", row["cost_per_change"])]
        lines.append("| " + " | ".join(cells) + " |")
    base = ds.presets()["siloed"]
    note = (f"\nMeans of {N} replications, seed {SEED}, {base.horizon_days:.0f} simulated days of "
            f"which the first {base.warmup_days:.0f} are ignored as warm-up; clusters from DORA {YEAR} "
            f"({ds.dora.source(YEAR)}). Rule: {ds.dora.RULE}\n")
    return "\n".join(lines) + "\n" + note


def splice(text: str, content: str, path: Path) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"expected_results: error: {path} has no {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{content}{END}{tail}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--write", type=Path, metavar="FILE")
    g.add_argument("--check", type=Path, metavar="FILE")
    args = ap.parse_args(argv)
    content = table()
    if args.write is None and args.check is None:
        print(content)
        return 0
    path = args.write or args.check
    text = path.read_text(encoding="utf-8")
    new = splice(text, content, path)
    if args.check is not None:
        if new != text:
            print(f"{path}: the expected-results table is stale; run "
                  f"python scripts/expected_results.py --write {path}", file=sys.stderr)
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    print(f"wrote the expected-results table into {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
