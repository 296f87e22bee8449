"""The ``devsim`` command line: run, compare and sweep scenarios from a terminal.

Every scenario argument is a preset name (``devsim presets`` lists them) or a YAML file
(``devsim validate`` checks one). Bad input never shows a traceback: it prints one line,
``devsim: error: <what is wrong and what is allowed>``, to stderr and exits with status 2.

Examples
--------
::

    devsim presets
    devsim run siloed -n 20
    devsim compare siloed collaborative --year 2023
    devsim sweep siloed release_interval_days 0 7 14 28 --metric lead_time_hours
    devsim export siloed collaborative -o results.csv
    devsim leaderboard exercises/sample_teams --max-people 12 --export board.json
    devsim workspace ~/devsim-course
    devsim lab ~/devsim-course

This module owns every command-line option (all argparse lives here) and how a command
reports: one line per error, exit status 0, 1 (a leaderboard with nobody ranked) or 2.
The work is done by the library: :mod:`devsim.experiment` (runs), :mod:`devsim.report`
(text tables), :mod:`devsim.leaderboard` (the team challenge), :mod:`devsim.workspace`
(the learner's copy of the course), :mod:`devsim.scenario` and :mod:`devsim.registry`
(metric names); it imports nothing that draws.
"""
from __future__ import annotations

import argparse
import difflib
import math
import os
import re
import subprocess
import sys
import warnings
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Sequence

from . import dora, experiment, leaderboard
from .registry import METRICS, is_metric
from .report import describe_changes, dora_table, sweep_table
from .scenario import (Scenario, ScenarioError, ScenarioWarning, field_info, load_scenario,
                       presets, resolve_scenario, with_change_size)
from .workspace import lab_command, sync_workspace
from .measurement import measure as measure_records
from .fit import export_fourkeys, fit as fit_records

__all__ = ["main", "build_parser"]

PROG = "devsim"
DEFAULT_N = 20
#: Show a progress bar (on a terminal only) from this many model runs; fewer runs get one
#: when they are expected to take long (devsim.experiment decides from its estimate).
PROGRESS_FROM_RUNS = 10
DEFAULT_SWEEP_METRICS = ("lead_time_hours", "deploy_frequency_per_day", "change_failure_rate",
                         "time_to_restore_hours")


class UsageError(Exception):
    """Bad command-line syntax; reported like every other input error."""


#: What argparse should read as a (negative) value, not an option: -1, -0.5, -1e3, -inf, -nan.
NEGATIVE_NUMBER = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$",
                             re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # argparse reads "-inf" and "-1e3" as unknown options; no devsim option looks like a
        # number, so every number-like word is a value (a sweep value, a bad --seed).
        self._negative_number_matcher = NEGATIVE_NUMBER

    # argparse prints the whole usage before its error; one line is easier to read and test.
    def error(self, message: str):  # noqa: D102
        raise UsageError(message)


# --- argument types: each message names the option, the value and what is allowed ---------

def _replications(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = None
    if n is None or not 1 <= n <= 10_000:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed; give a whole number of replications from 1 to 10000")
    return n


def _seed(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; give a whole number >= 0")
    return n


def _year(text: str) -> int:
    years = ", ".join(map(str, dora.REPORT_YEARS))
    try:
        y = int(text)
    except ValueError:
        y = None
    if y not in dora.REPORT_YEARS:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; choose one of {years}")
    return y


def _people(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; give a whole number >= 1")
    return n


# --- helpers ---------------------------------------------------------------------------------

def _progress(runs: int) -> bool | None:
    """A bar only for long work and only on a terminal: a log file or a pipe gets no noise.

    True for many runs on a terminal; otherwise None, which lets the experiment decide from
    the estimated run time (a single run of a large organisation over years gets a bar in
    simulated days with the time left), again only on a terminal.
    """
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return False
    return True if runs >= PROGRESS_FROM_RUNS else None


def _scenarios(specs: Sequence[str]) -> list[Scenario]:
    seen = set()
    for spec in specs:
        if spec in seen:
            raise ValueError(f"scenario: {spec!r} is given twice; give each scenario once")
        seen.add(spec)
    return [resolve_scenario(s) for s in specs]


def _check_output(path: str, force: bool, option: str = "output") -> Path:
    """Fail before any simulation runs, not after minutes of it (``option`` names the flag)."""
    out = Path(path)
    if out.suffix.lower() not in (".csv", ".json"):
        raise ValueError(f"{option}: {path!r} is not allowed; the file name must end in .csv "
                         "or .json")
    if out.exists() and not force:
        raise FileExistsError(f"{path}: already exists; pass --force to overwrite it")
    if out.exists() and out.is_dir():
        raise ValueError(f"{option}: {path!r} is a directory; give a file name ending in .csv "
                         "or .json")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"{option}: {path!r} is not allowed; the folder {str(parent)!r} does "
                         "not exist")
    return out


def _parse_value(field_name: str, text: str) -> Any:
    """A sweep value typed on the command line, converted to the field's type."""
    info = field_info()[field_name]
    if info["choices"] is not None:
        return text  # the Scenario names the allowed choices if it is not one
    is_int = isinstance(info["default"], int)
    kind = "a whole number" if is_int else "a number"
    allowed = f"give {kind} from {info['min']} to {info['max']} ({info['unit']})"
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(f"{field_name}: {_quote(text)} is not allowed; {allowed}") from None
    if not math.isfinite(value) or (is_int and not value.is_integer()):
        raise ScenarioError(f"{field_name}: {_quote(text)} is not allowed; {allowed}")
    if not info["min"] <= value <= info["max"]:
        raise ScenarioError(f"{field_name}: {_quote(text)} is out of range; allowed "
                            f"{info['min']} to {info['max']} ({info['unit']})")
    return int(value) if is_int else value


def _quote(text: str, limit: int = 40) -> str:
    """A typed word quoted for a message, cut to ``limit`` characters."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def _printable(text: str) -> str:
    """Text safe to print anywhere: a file name's undecodable bytes shown as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _check_field(name: str) -> None:
    valid = [f.name for f in fields(Scenario) if f.name != "name"]
    if name not in valid:
        close = difflib.get_close_matches(name, valid, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ScenarioError(f"field: {_quote(name)} is not a Scenario field; {hint}"
                            f"valid fields are: {', '.join(valid)}")


def _check_metrics(metrics: Sequence[str]) -> list[str]:
    for m in metrics:
        if not is_metric(m):
            close = difflib.get_close_matches(m, list(METRICS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"metric: {_quote(m)} is not allowed; {hint}choose from "
                             f"{', '.join(METRICS)} or utilisation_<team>")
    return list(dict.fromkeys(metrics))


# --- commands --------------------------------------------------------------------------------

def cmd_presets(args) -> int:
    """Each preset as the earlier preset it differs from least, plus those changes."""
    import textwrap

    table = presets()
    names = list(table)
    width = max(len(k) for k in table)
    for i, (name, s) in enumerate(table.items()):
        if i == 0:
            release = (f"release train every {s.release_interval_days:g} days"
                       if s.release_interval_days else "continuous delivery")
            text = (f"the baseline: {s.organisation}, {s.headcount} people, {release}, "
                    f"approval: {s.approval}")
        else:
            parent = min(names[:i], key=lambda p: _n_changes(s, table[p]))
            text = f"{parent} + {describe_changes(s, table[parent])}"
        lines = textwrap.wrap(text, width=max(40, 96 - width))
        print(f"{name.ljust(width)}  {lines[0]}")
        for line in lines[1:]:
            print(" " * (width + 2) + line)
    return 0


def _n_changes(s: Scenario, base: Scenario) -> int:
    return sum(1 for k, v in s.to_dict().items() if k != "name" and v != getattr(base, k))


def cmd_run(args) -> int:
    """Replications of one scenario: the DORA table."""
    s = resolve_scenario(args.scenario)
    res = experiment.replicate(s, n=args.n, seed=args.seed, progress=_progress(args.n))
    print(dora_table(res, args.year))
    return 0


def cmd_compare(args) -> int:
    """Scenarios side by side on common random numbers."""
    scenarios = _scenarios(args.scenarios)
    runs = len(scenarios) * args.n
    res = experiment.compare(scenarios, n=args.n, seed=args.seed, progress=_progress(runs))
    print(dora_table(res, args.year))
    return 0


def cmd_sweep(args) -> int:
    """One field over several values: metric means and CIs per value."""
    base = resolve_scenario(args.scenario)
    _check_field(args.field)
    metrics = _check_metrics(args.metric or DEFAULT_SWEEP_METRICS)
    values = [_parse_value(args.field, v) for v in args.values]
    if len(set(values)) != len(values):
        raise ValueError(f"{args.field}: a value is given twice in {' '.join(args.values)}; "
                         "give each value once")
    apply = None
    if args.keep_demand:
        if args.field != "change_size_person_hours":
            raise ValueError(f"--keep-demand: only works with change_size_person_hours, "
                             f"not {args.field!r}")
        apply = with_change_size
    # Build every variant first so a bad value fails before any run, naming the field.
    said = set(base.warnings())  # the file's own warnings were given when it was read
    for v in values:
        variant = (apply or (lambda s, x: replace(s, **{args.field: x})))(base, v)
        for text in variant.warnings():
            if text not in said:
                said.add(text)
                warnings.warn(ScenarioWarning(text), stacklevel=1)
    res = experiment.sweep(base, args.field, values, n=args.n, seed=args.seed, apply=apply,
                           progress=_progress(len(values) * args.n))
    print(sweep_table(res, args.field, metrics, args.year))
    return 0


def cmd_validate(args) -> int:
    """Check every scenario file given: ``FILE: ok`` on stdout, then a ``FILE: warning: ...``
    line per field that has no effect; a bad file is one error line on stderr and the
    others are still checked. Returns 2 if any file failed."""
    status = 0
    for path in args.files:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ScenarioWarning)
            try:
                load_scenario(path)
            except KeyboardInterrupt:
                raise
            except (ScenarioError, ValueError, OSError) as exc:
                _error(exc)
                status = 2
                continue
        print(_printable(f"{path}: ok"))
        for w in caught:
            if issubclass(w.category, ScenarioWarning):
                text = str(w.message)
                text = text[len(str(path)):].lstrip(": ") if text.startswith(str(path)) else text
                print(_printable(f"{path}: warning: {text}"))
    return status


def cmd_export(args) -> int:
    """Write the replications of scenarios to CSV or JSON (never over a file without --force)."""
    if args.format == "fourkeys":
        return _export_fourkeys(args)
    out = _check_output(args.output, args.force)
    scenarios = _scenarios(args.scenarios)
    runs = len(scenarios) * args.n
    res = experiment.compare(scenarios, n=args.n, seed=args.seed, progress=_progress(runs))
    res.save(out, overwrite=args.force)
    print(f"{out}: wrote {len(res.frame)} rows ({len(scenarios)} scenario"
          f"{'s' if len(scenarios) != 1 else ''} x {args.n} replications, seed {args.seed})")
    return 0


def _export_fourkeys(args) -> int:
    """One run of one scenario as Four Keys' three tables in the folder ``-o``."""
    if len(args.scenarios) != 1:
        raise ValueError("--format fourkeys: give one scenario (one run is written)")
    info = export_fourkeys(args.scenarios[0], args.output, seed=args.seed,
                                     start=args.start, overwrite=args.force)
    print(f"{args.output}: wrote deployments.csv ({info['deploys']} rows), changes.csv "
          f"({info['changes']}), incidents.csv ({info['incidents']}): one run, seed "
          f"{args.seed}, starting {info['start']}")
    print(f"the model's window (warm-up excluded): devsim measure {args.output} --since "
          f"{info['since']} --until {info['until']}")
    return 0


def cmd_fit(args) -> int:
    """Fit a scenario to a team's records, print the fit report, write the YAML file."""
    out = Path(args.output)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise ValueError(f"output: {args.output!r} is not allowed; the file name must end in "
                         ".yaml or .yml")
    if out.exists() and not args.force:
        raise FileExistsError(f"{args.output}: already exists; pass --force to overwrite it")
    result = fit_records(args.path, base=args.base, n=args.n, seed=args.seed,
                           name=args.name or out.stem, year=args.year, deploys=args.deploys,
                           branch=args.branch, incidents=args.incidents,
                           environment=args.environment, since=args.since, until=args.until)
    print(result.report())
    result.save(out, overwrite=args.force)
    print(f"\n{out}: wrote the fitted scenario (devsim run {out}; the sandbox's Load button; "
          "a team file for devsim leaderboard)")
    return 0


def cmd_leaderboard(args) -> int:
    """Rank the team files of a folder: the table, each unranked team's reason, the rule.

    Returns 0 if at least one team was ranked, 1 if none was; bad input (a missing or empty
    folder, an export file already there) raises before anything runs.
    """
    folder = Path(args.dir)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise leaderboard.LeaderboardError(f"folder: '{folder}' {what}")
    if not leaderboard.team_files(folder):
        raise leaderboard.LeaderboardError(f"folder: no team files (*.yaml, *.yml) in '{folder}'")
    if args.export:
        _check_output(args.export, args.force, option="export")
    table, errors = leaderboard.evaluate_folder(folder, n=args.n, seed=args.seed,
                                                year=args.year, max_people=args.max_people)
    n_ranked = int(table["rank"].notna().sum()) if not table.empty else 0
    budget = f", budget {args.max_people} people" if args.max_people is not None else ""
    print(f"{PROG} leaderboard: {folder}: {n_ranked} ranked, {len(table) - n_ranked} not "
          f"ranked, {len(errors)} invalid (n={args.n}, seed={args.seed}, DORA {args.year} "
          f"clusters{budget})")
    print(leaderboard.format_table(table))
    for team, note in zip(table["team"], table["note"]):
        if note:
            print(f"{team}: {note}")
    print(f"\n{leaderboard.SCORE_RULE}")
    for line in errors:
        print(line, file=sys.stderr)
    if args.export:
        written = leaderboard.export_table(table, args.export, errors=errors,
                                           overwrite=args.force)
        print(f"exported to {written}")
    return 0 if n_ranked else 1


def cmd_workspace(args) -> int:
    """Copy or update the course into the learner's folder and print what happened."""
    if not args.dest.strip():
        raise ValueError("dest: '' is not allowed; give the folder for your workspace (it is "
                         "created if missing)")
    if args.source is not None and not args.source.strip():
        raise ValueError("--source: '' is not allowed; give the course folder holding "
                         "notebooks/ and exercises/")
    print(sync_workspace(args.dest, source=args.source))
    return 0


def cmd_lab(args) -> int:
    """Create or update the learner's workspace, then run JupyterLab on it until Ctrl+C."""
    if not args.dest.strip():
        raise ValueError("dest: '' is not allowed; give the folder for your workspace (it is "
                         "created if missing)")
    print(sync_workspace(args.dest))
    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                         or os.environ.get("WAYLAND_DISPLAY"))
    cmd = lab_command(args.dest, port=args.port, open_browser=not (args.no_browser or headless))
    if args.dry_run:
        print(subprocess.list2cmdline(cmd))
        return 0
    print("Starting JupyterLab: open the address it prints (http://localhost:...?token=...); "
          "stop it with Ctrl+C twice.", flush=True)
    proc = subprocess.Popen(cmd)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue  # JupyterLab answers Ctrl+C itself (it asks, or stops on the second)


def _problem_limit(text: str) -> int | None:
    if text.strip().lower() == "all":
        return None
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{_quote(text)} is not allowed; give a whole number "
                                         ">= 0, or all")
    return n


def _resamples(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if not 0 <= n <= 100_000:
        raise argparse.ArgumentTypeError(f"{_quote(text)} is not allowed; give a whole number "
                                         "from 0 to 100000")
    return n


def cmd_measure(args) -> int:
    """DORA's keys of a real team's records: each skipped row as one line on stderr, then
    the report (keys, CIs, clusters, rules, skipped rows by reason) on stdout."""
    m = measure_records(args.path, year=args.year, resamples=args.resamples, seed=args.seed,
                        deploys=args.deploys, branch=args.branch, incidents=args.incidents,
                        environment=args.environment, since=args.since, until=args.until)
    for line in m.records.problem_lines(args.problems):
        print(_printable(f"{PROG}: skipped: {line}"), file=sys.stderr)
    print(m.table())
    return 0


# --- parser ----------------------------------------------------------------------------------

_SCENARIO_HELP = "a preset name (devsim presets) or a YAML scenario file"


def _common(p: argparse.ArgumentParser, *, n: int = DEFAULT_N, year: bool = True) -> None:
    p.add_argument("-n", "--replications", dest="n", type=_replications, default=n, metavar="N",
                   help=f"replications per scenario (default {n})")
    p.add_argument("--seed", type=_seed, default=experiment.DEFAULT_SEED,
                   help=f"base seed; replication i uses (seed, i) everywhere (default "
                        f"{experiment.DEFAULT_SEED})")
    if year:
        p.add_argument("--year", type=_year, default=2019, metavar="YEAR",
                       help="DORA report year whose clusters classify the results: "
                            f"{', '.join(map(str, dora.REPORT_YEARS))} (default 2019)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``devsim`` (exposed for documentation and tests)."""
    parser = _Parser(prog=PROG, description="Simulate a software delivery value stream and "
                     "report DORA's keys. SCENARIO is a preset name or a YAML file.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("presets", help="list the presets, each as the closest earlier preset "
                                       "plus its changes")
    p.set_defaults(func=cmd_presets)

    p = sub.add_parser("run", help="replications of one scenario: the DORA table")
    p.add_argument("scenario", metavar="SCENARIO", help=_SCENARIO_HELP)
    _common(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="scenarios side by side on common random numbers")
    p.add_argument("scenarios", metavar="SCENARIO", nargs="+", help=_SCENARIO_HELP)
    _common(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("sweep", help="vary one field: metric mean and CI per value")
    p.add_argument("scenario", metavar="SCENARIO", help=_SCENARIO_HELP)
    p.add_argument("field", metavar="FIELD", help="a Scenario field, e.g. release_interval_days")
    p.add_argument("values", metavar="VALUE", nargs="+", help="values of FIELD to try")
    _common(p)
    p.add_argument("--metric", nargs="+", action="extend", metavar="METRIC",
                   help="metrics to show (default: "
                        f"{' '.join(DEFAULT_SWEEP_METRICS)})")
    p.add_argument("--keep-demand", action="store_true",
                   help="with change_size_person_hours: scale the arrival rate so the work "
                        "arriving stays the same (only the batch size changes)")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("validate", help="check YAML scenario files")
    p.add_argument("files", metavar="FILE", nargs="+", help="YAML scenario files")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("export", help="write replications to a CSV or JSON file, or one run "
                                      "as Four Keys' tables (--format fourkeys)")
    p.add_argument("scenarios", metavar="SCENARIO", nargs="+", help=_SCENARIO_HELP)
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="file ending in .csv or .json; with --format fourkeys a folder")
    _common(p, year=False)
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--format", choices=("results", "fourkeys"), default="results",
                   help="results (default): one row per replication; fourkeys: one run as "
                        "deployments.csv, changes.csv, incidents.csv in the folder OUT")
    p.add_argument("--start", default=None, metavar="DATE",
                   help="--format fourkeys: the run's first day, ISO 8601 (default 2024-01-01)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("leaderboard", help="team challenge: rank the scenario files in a folder")
    p.add_argument("dir", metavar="DIR", help="folder of team scenario files (*.yaml, *.yml)")
    _common(p, n=leaderboard.DEFAULT_N)
    p.add_argument("--max-people", type=_people, default=None, metavar="N",
                   help="headcount budget; teams above it are shown but not ranked")
    p.add_argument("--export", default=None, metavar="PATH",
                   help="also write the table to a .csv or .json file")
    p.add_argument("--force", action="store_true", help="overwrite an existing export file")
    p.set_defaults(func=cmd_leaderboard)

    p = sub.add_parser("workspace", help="copy or update the course in a learner's folder, "
                                         "never overwriting their changes")
    p.add_argument("dest", metavar="DEST", help="your workspace folder (created if missing)")
    p.add_argument("--source", default=None, metavar="DIR",
                   help="the course folder holding notebooks/ and exercises/ (default: next "
                        "to the installed devsim)")
    p.set_defaults(func=cmd_workspace)

    p = sub.add_parser("lab", help="open JupyterLab on your workspace at lesson 00 (creates or "
                                   "updates it first, like devsim workspace)")
    p.add_argument("dest", metavar="DEST", nargs="?", default="~/devsim-course",
                   help="your workspace folder (default ~/devsim-course)")
    p.add_argument("--port", type=int, default=None, metavar="PORT",
                   help="the port to try first (default 8888; the next free one if busy)")
    p.add_argument("--no-browser", action="store_true",
                   help="do not open a browser (on Linux without a display this is automatic)")
    p.add_argument("--dry-run", action="store_true",
                   help="prepare the workspace and print the JupyterLab command, not run it")
    p.set_defaults(func=cmd_lab)
    p = sub.add_parser("measure", help="DORA's keys of a real team's records: Four Keys "
                                       "CSVs, a CSV of deployed commits, or a git repository")
    p.add_argument("path", metavar="PATH", help="a folder with deployments.csv and changes.csv "
                   "(Four Keys), a CSV with deploy_id, deploy_time, commit_sha, commit_time, or "
                   "a git repository")
    p.add_argument("--deploys", choices=("tags", "commits"), default=None,
                   help="git only: release tags as deploys (default), or each commit on the "
                        "main branch")
    p.add_argument("--branch", default="HEAD", help="git --deploys commits: the main branch "
                                                    "(default HEAD)")
    p.add_argument("--incidents", default=None, metavar="FILE",
                   help="an incidents CSV (incident_id, time_created, time_resolved, optional "
                        "changes)")
    p.add_argument("--environment", default="production",
                   help="with an environment column: the deploys that count (default "
                        "production)")
    p.add_argument("--since", default=None, metavar="TIME",
                   help="start of the period, ISO 8601 (no offset = UTC)")
    p.add_argument("--until", default=None, metavar="TIME",
                   help="end of the period (exclusive), ISO 8601")
    p.add_argument("--year", type=_year, default=2019, metavar="YEAR",
                   help="DORA report year whose clusters classify the keys: "
                        f"{', '.join(map(str, dora.REPORT_YEARS))} (default 2019)")
    p.add_argument("--resamples", type=_resamples, default=1000, metavar="N",
                   help="bootstrap resamples of the period's weeks (default 1000; 0: no CI)")
    p.add_argument("--seed", type=_seed, default=1, help="bootstrap seed (default 1)")
    p.add_argument("--problems", type=_problem_limit, default=20, metavar="N",
                   help="skipped rows to name one per line on stderr (default 20; all)")
    p.set_defaults(func=cmd_measure)

    p = sub.add_parser("fit", help="fit a scenario to a team's records (as devsim measure "
                                   "reads them) and write it as YAML")
    p.add_argument("path", metavar="PATH", help="the team's records, as for devsim measure")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="the fitted scenario, a file ending in .yaml")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--base", default=None, metavar="SCENARIO",
                   help="keep this organisation's structure (default: the closest preset)")
    p.add_argument("--name", default=None, help="the scenario's name (default: the file's stem)")
    p.add_argument("-n", "--replications", dest="n", type=_replications, default=3, metavar="N",
                   help="replications per candidate in the search (default 3)")
    p.add_argument("--seed", type=_seed, default=experiment.DEFAULT_SEED,
                   help=f"seed of the search (default {experiment.DEFAULT_SEED})")
    p.add_argument("--year", type=_year, default=2019, metavar="YEAR",
                   help="DORA report year (default 2019)")
    p.add_argument("--deploys", choices=("tags", "commits"), default=None,
                   help="git only: release tags (default) or each commit as deploys")
    p.add_argument("--branch", default="HEAD", help="git --deploys commits: the main branch")
    p.add_argument("--incidents", default=None, metavar="FILE", help="an incidents CSV")
    p.add_argument("--environment", default="production",
                   help="with an environment column: the deploys that count")
    p.add_argument("--since", default=None, metavar="TIME", help="start of the period")
    p.add_argument("--until", default=None, metavar="TIME", help="end of the period (exclusive)")
    p.set_defaults(func=cmd_fit)
    parser.commands = tuple(sub.choices)  # for the message when no command is given
    return parser


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, FileExistsError) and exc.strerror:
        where = exc.filename if exc.filename is not None else ""
        return f"{where}: {exc.strerror}" if where else exc.strerror
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())  # one line, whatever the exception held


def _error(exc: BaseException | str) -> None:
    text = exc if isinstance(exc, str) else _message(exc)
    text = _printable(" ".join(text.split()))
    print(f"{PROG}: error: {text}", file=sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    # A scenario warning is one line like an error; other warnings keep Python's format.
    if issubclass(category, ScenarioWarning):
        print(_printable(f"{PROG}: warning: {' '.join(str(message).split())}"), file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``devsim`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 for a leaderboard with nobody ranked, 2 on bad input
        (one line on stderr; also an unexpected error, which ``DEVSIM_DEBUG=1`` shows in
        full), 130 on Ctrl-C. A scenario field that has no effect is one
        ``devsim: warning: ...`` line on stderr (``devsim validate`` prints it on stdout).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except UsageError as exc:
        _error(str(exc))
        return 2
    except SystemExit as exc:  # --help and --version exit through argparse
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    if getattr(args, "func", None) is None:
        commands = ", ".join(parser.commands)
        _error(f"give a command: {commands} (devsim COMMAND --help for more)")
        return 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ScenarioWarning)
            warnings.showwarning = _show_warning
            return args.func(args)
    except BrokenPipeError:
        # The reader went away (devsim ... | head): not an error worth a message.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (ScenarioError, ValueError, OSError) as exc:  # FileExistsError is an OSError
        _error(exc)
        return 2
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback; DEVSIM_DEBUG=1 shows it
        if os.environ.get("DEVSIM_DEBUG"):
            raise
        _error(f"unexpected {type(exc).__name__}: {_message(exc)[:200]} (this is a devsim "
               "bug; run with DEVSIM_DEBUG=1 for the details and report it)")
        return 2


if __name__ == "__main__":
    sys.exit(main())
