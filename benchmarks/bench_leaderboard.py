"""How many replications the leaderboard needs so that its ranks do not flip.

Evaluates ``exercises/sample_teams`` (:func:`devsim.leaderboard.evaluate_folder`, the
runs of ``devsim leaderboard``) at n = 3, 5, 10, 15, 20 replications per team and at 3n,
on the leaderboard's seed and two others (common random numbers: replication *i* is the
same run at every n, so 3n adds 2n runs to the n already made), and prints for each n

* the ranks at n and at 3n (``=2`` marks a tie, see :data:`devsim.leaderboard.SCORE_RULE`);
* the flips: a pair of teams in one order at n and in the other at 3n, each order strict;
  a pair tied at n or at 3n is not a flip (a tie says "cannot tell them apart");
* how many teams share a rank at n and at 3n, and the pairs tied at n that 3n orders (a
  tie costs the room a clear winner: with wide CIs a small n ties everyone and never flips);
* the borderline keys (``~High/Medium``: the 95% CI of a mean reaches two clusters) at n;
* the wall time of one evaluation at n and at 3n, on devsim's shared process pool
  (started, and each worker warmed, before the clock: the time a trainer waits in a
  session that already ran once; a first ``devsim leaderboard`` adds the pool start-up).

The leaderboard's default (:data:`devsim.leaderboard.DEFAULT_N`, also the projector's and
``devsim leaderboard``'s) is the smallest n with no flip and no pair left tied that 3n
orders, on every seed, whose wall time a trainer accepts:
:data:`ACCEPT_S` seconds for the whole sample folder on a 2-core machine (the projector
re-runs only a team that saved, so a refresh costs a sixth of that). The script prints the
choice next to the current default; it never fails (wall time on a shared machine is too
noisy to fail a build on).

Run: ``.venv/bin/python benchmarks/bench_leaderboard.py [--seed 2026 1 2] [--ns 3 5 10 15 20]``
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import subprocess
import time
from pathlib import Path

from devsim import experiment, leaderboard
from devsim.dora import keys

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "exercises" / "sample_teams"
NS = (3, 5, 10, 15, 20)
#: Longest wall time (s) a trainer accepts for one evaluation of the sample folder (six
#: files, five teams) on 2 cores: the CLI answers while the room waits, the projector's
#: first page appears within it.
ACCEPT_S = 10.0


def _header() -> None:
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "devsim"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "?", ""
    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?") \
        if Path("/proc/cpuinfo").exists() else (platform.processor() or "?")
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    print(f"devsim leaderboard benchmark, {now}")
    print(f"  CPU {cpu} | cores {os.cpu_count()} | Python {platform.python_version()} | "
          f"devsim at {commit or '?'}{' (devsim/ modified)' if dirty else ''}")
    try:
        load = os.getloadavg()
        print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start")
    except OSError:
        pass


def _warm() -> None:
    """Start the shared pool and run devsim once in every worker, before any clock."""
    from devsim.scenario import Scenario

    short = Scenario(horizon_days=20.0, warmup_days=5.0)
    experiment.compare([short], n=2 * (os.cpu_count() or 2), progress=False)


def evaluate(n: int, seed: int):
    """(table, wall seconds) of one evaluation of the sample folder."""
    t0 = time.perf_counter()
    table, _ = leaderboard.evaluate_folder(SAMPLES, n=n, seed=seed)
    return table, time.perf_counter() - t0


def ranks(table) -> dict[str, tuple[int, bool]]:
    """team -> (rank, tied) for the ranked teams."""
    return {t: (int(r), bool(tied)) for t, r, tied
            in zip(table["team"], table["rank"], table["tied"]) if r is not None and r == r}


def flips(a: dict, b: dict) -> list[tuple[str, str]]:
    """Pairs in strictly opposite orders at a and at b (a pair tied in either is not one)."""
    out = []
    for x, y in itertools.combinations(sorted(set(a) & set(b)), 2):
        (ra, _), (rb, _) = a[x], a[y]
        (sa, _), (sb, _) = b[x], b[y]
        if ra != rb and sa != sb and (ra < rb) != (sa < sb):
            out.append((x, y) if ra < rb else (y, x))
    return out


def unsettled(a: dict, b: dict) -> list[tuple[str, str]]:
    """Pairs tied at a that b puts in a strict order (b settles what a leaves open)."""
    return [(x, y) for x, y in itertools.combinations(sorted(set(a) & set(b)), 2)
            if a[x][0] == a[y][0] and b[x][0] != b[y][0]]


def _shown(r: dict) -> str:
    order = sorted(r, key=lambda t: (r[t][0], t))
    return " ".join(f"{'=' if r[t][1] else ''}{r[t][0]} {t}" for t in order)


def _borderline(table) -> list[str]:
    year = table.attrs["year"]
    out = []
    for team, row in zip(table["team"], table.to_dict("records")):
        for k in keys(year):
            if str(row[f"{k}_placement"]).startswith("~"):
                out.append(f"{team} {k.split('_')[0]} {row[f'{k}_placement']}")
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns", type=int, nargs="+", default=list(NS), help="replications to try")
    ap.add_argument("--seed", type=int, nargs="+", default=[experiment.DEFAULT_SEED, 1, 2],
                    help="base seeds: the leaderboard's default first, then others to see "
                         "whether a choice holds beyond one seed (default: %(default)s)")
    args = ap.parse_args(argv)
    _header()
    print(f"  folder {SAMPLES.relative_to(ROOT)}; accepted wall time <= {ACCEPT_S:g} s an "
          f"evaluation; current default n = {leaderboard.DEFAULT_N}")
    _warm()
    figures: dict = {}
    for seed in args.seed:
        print(f"\nseed {seed}")
        print(f"  {'n':>3} {'3n':>3} {'wall n':>7} {'wall 3n':>8} {'tied n':>6} "
              f"{'tied 3n':>7}  flips")
        for n in args.ns:
            t_n, w_n = evaluate(n, seed)
            t_3n, w_3n = evaluate(3 * n, seed)
            r_n, r_3n = ranks(t_n), ranks(t_3n)
            f = flips(r_n, r_3n)
            figures[(seed, n)] = dict(ranks_n=r_n, ranks_3n=r_3n, flips=f, wall_n=w_n,
                                      wall_3n=w_3n, borderline=_borderline(t_n))
            flip_text = ("none" if not f else
                         ", ".join(f"{x}>{y}" for x, y in f))
            u = unsettled(r_n, r_3n)
            if u:
                flip_text += "; tied at n, ordered at 3n: " + ", ".join(f"{x}={y}" for x, y in u)
            figures[(seed, n)]["unsettled"] = unsettled(r_n, r_3n)
            tied_n = sum(t for _, t in r_n.values())
            tied_3n = sum(t for _, t in r_3n.values())
            figures[(seed, n)].update(tied_n=tied_n, tied_3n=tied_3n)
            print(f"  {n:>3} {3 * n:>3} {w_n:>6.1f}s {w_3n:>7.1f}s {tied_n:>6} {tied_3n:>7}  "
                  f"{flip_text}")
            print(f"          at n:  {_shown(r_n)}")
            print(f"          at 3n: {_shown(r_3n)}")
            border = figures[(seed, n)]["borderline"]
            print(f"          borderline at n: {', '.join(border) if border else 'none'}")
    # Flip-free alone would favour a tiny n (its wide CIs tie everything): n must also
    # settle every pair that 3n settles.
    ok = [n for n in args.ns
          if all(not figures[(s, n)]["flips"] and not figures[(s, n)]["unsettled"]
                 and figures[(s, n)]["wall_n"] <= ACCEPT_S for s in args.seed)]
    try:
        load = os.getloadavg()
        print(f"\n  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at end")
    except OSError:
        pass
    if ok:
        print(f"smallest n with no flip, nothing left tied that 3n orders, and wall time "
              f"<= {ACCEPT_S:g} s on every seed: {ok[0]} "
              f"(default now {leaderboard.DEFAULT_N}"
              f"{', the same' if ok[0] == leaderboard.DEFAULT_N else ''})")
    else:
        print(f"no n tried has no flip within {ACCEPT_S:g} s; try larger --ns")
    return figures


if __name__ == "__main__":
    main()
