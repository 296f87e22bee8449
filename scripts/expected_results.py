"""The instructor guide's expected-results table, computed from the model.

    python scripts/expected_results.py                      # print the table
    python scripts/expected_results.py --write docs/instructor-guide.md
    python scripts/expected_results.py --check docs/instructor-guide.md   # exit 1 if stale

The table sits between ``<!-- expected-results:start -->`` and ``<!-- expected-results:end -->``.
It uses the seed and the replications the lessons use (:data:`N`, :data:`SEED`): lesson 07 runs
exactly this comparison (every preset, ``n=5``, seed 2026), and lessons 00, 01, 04 and 06 run
subsets of it with the same ``n`` and seed, so on common random numbers their numbers for a
preset are these. ``tests/test_instructor_guide.py`` checks both against the lessons.
"""
from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import devsim as ds
from devsim.dora import five_keys, keys, place
from devsim.registry import format_value, metric

START, END = "<!-- expected-results:start -->", "<!-- expected-results:end -->"
#: Replications and seed of the lessons' own comparisons (lesson 07: ``ds.compare(list(presets.values()),
#: n=5, seed=SEED)``); lesson 05 alone runs 10 for its on-call and monitoring experiments.
N, SEED, YEAR = 5, ds.experiment.DEFAULT_SEED, 2019
FLOW = ("flow_efficiency", "cost_per_change")


@functools.lru_cache(maxsize=1)
def results() -> "ds.Results":
    """Every preset, N replications, seed SEED: lesson 07's own comparison."""
    return ds.compare(list(ds.presets()), n=N, seed=SEED, progress=False)


def table() -> str:
    """Markdown table: one row per preset, DORA's five keys with their 2019 cluster and how
    many runs land in it, then flow figures. Numbers and names come from devsim's registry."""
    frame = results().frame
    columns = [*five_keys(YEAR), *FLOW]
    head = ["preset", *(metric(k).name.lower() for k in columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    gaps = []
    for name in dict.fromkeys(frame["scenario"]):
        rows = frame[frame["scenario"] == name]
        cells = [f"`{name}`"]
        for k in columns:
            text = format_value(k, float(rows[k].mean()))
            if k in keys(YEAR):
                p = place(k, rows[k], YEAR)
                # as lesson 07 prints it: the mean's cluster, how many runs land there, and
                # whether the 95% CI reaches into another cluster
                sure = f"{p.agreement} runs" + (
                    ", borderline " + "/".join(c.capitalize() for c in p.spans) if p.borderline else "")
                text += f" ({p.label}, {sure})"
                if p.gap:
                    gaps.append(f"`{name}`, {metric(k).name.lower()}: {p.gap}.")
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    base = ds.presets()["siloed"]
    note = (f"\nMeans of {N} replications, seed {SEED}: the replications and seed the lessons use "
            f"(lesson 07 runs exactly this comparison; lessons 00, 01, 04 and 06 run some of these "
            f"presets with the same n and seed, so they show the same numbers; lesson 05 runs 10 "
            f"replications for its on-call and monitoring experiments, so its restore times differ "
            f"a little). {base.horizon_days:.0f} simulated days, of "
            f"which the first {base.warmup_days:.0f} are ignored as warm-up; clusters from DORA "
            f"{YEAR} ({ds.dora.source(YEAR)}), with how many of the {N} runs land in the mean's "
            f"cluster. Rule: {ds.dora.RULE}\n")
    if gaps:
        note += "\n" + "\n".join(f"- {g}" for g in gaps) + "\n"
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
