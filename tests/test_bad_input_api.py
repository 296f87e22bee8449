"""Bad input through the API: every Scenario field, YAML files, experiments and result files.

Generated cases (parametrize over every field and kind of bad value, plus hypothesis) check
what issue 14 asks of the library: only the documented exception types (ScenarioError,
ValueError, TypeError, FileNotFoundError, FileExistsError), a one-line message that names
the field or argument and quotes a value only briefly, nothing written outside the target
folder and no existing file overwritten. No simulation runs longer than a few milliseconds:
runs use a 20-day horizon and one replication.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import warnings
from dataclasses import fields, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from devsim import experiment
from devsim.experiment import (LogCache, Results, combine, compare, load_results, mean_ci,
                               replicate, run_logs, sweep, transformation)
from devsim.scenario import (Scenario, ScenarioError, ScenarioWarning, field_info,
                             load_scenario, presets, resolve_scenario, save_scenario,
                             scenario_from_dict, with_change_size)
from devsim.yamlsafe import (MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, QUOTE_CHARS,
                             read_yaml, short_repr)

INFO = field_info()
NUMERIC = [k for k, v in INFO.items() if v["choices"] is None and k != "name"]
INTEGER = [k for k in NUMERIC if isinstance(INFO[k]["default"], int)]
FLOAT = [k for k in NUMERIC if k not in INTEGER]
CHOICE = [k for k, v in INFO.items() if v["choices"] is not None]
DOCUMENTED = (ScenarioError, ValueError, TypeError, FileNotFoundError, FileExistsError)
SHORT = dict(horizon_days=20.0, warmup_days=2.0)
#: A message lists the choices (all 52 fields at most, ~1,100 characters); one quoting a
#: huge value in full would be far longer.
MAX_MESSAGE = 2000


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    assert len(text) < MAX_MESSAGE, text[:300]
    return text


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root with its bytes (None for a folder)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink() or p.is_fifo():
            out[str(p.relative_to(root))] = b"<special>"
        elif p.is_file():
            out[str(p.relative_to(root))] = p.read_bytes()
        else:
            out[str(p.relative_to(root))] = None
    return out


# --- every Scenario field x every kind of bad value ----------------------------------------

def _bad_values(name: str) -> list[tuple[str, object]]:
    info = INFO[name]
    lo, hi = info["min"], info["max"]
    cases = [("text", "5"), ("none", None), ("bool", True), ("numpy_bool", np.bool_(False)),
             ("nan", math.nan), ("inf", math.inf), ("minus_inf", -math.inf),
             ("below", lo - 1), ("above", hi + 1), ("list", [lo]),
             ("huge_int", 10 ** 400), ("long_text", "x" * 100_000), ("complex", 1j)]
    if name in INTEGER:
        cases += [("fraction", lo + 0.5), ("numpy_fraction", np.float64(lo + 0.25))]
    return cases


NUMERIC_CASES = [(name, kind, value) for name in NUMERIC for kind, value in _bad_values(name)]


@pytest.mark.parametrize("name, kind, value", NUMERIC_CASES,
                         ids=[f"{n}-{k}" for n, k, _ in NUMERIC_CASES])
def test_a_bad_number_is_refused_naming_the_field(name, kind, value):
    with pytest.raises(ScenarioError) as info:
        Scenario(**{name: value})
    text = _one_line(info.value)
    assert text.startswith(f"{name}: "), text
    lo, hi = INFO[name]["min"], INFO[name]["max"]
    assert f"{lo} to {hi}" in text, text
    assert len(text) < 250, text  # a long value is quoted, not copied


CHOICE_CASES = [(name, value) for name in CHOICE
                for value in ("nope", "", 3, None, True, ["cab"], "x" * 10_000)]


@pytest.mark.parametrize("name, value", CHOICE_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(CHOICE_CASES)])
def test_a_bad_choice_is_refused_listing_the_choices(name, value):
    with pytest.raises(ScenarioError) as info:
        Scenario(**{name: value})
    text = _one_line(info.value)
    assert text.startswith(f"{name}: ")
    assert all(repr(c) in text for c in INFO[name]["choices"])
    assert len(text) < 250


@pytest.mark.parametrize("name", NUMERIC)
def test_numpy_numbers_are_accepted_and_stored_as_python_numbers(name):
    default = INFO[name]["default"]
    kind = np.int64 if name in INTEGER else np.float32
    s = Scenario(**{name: kind(default)})
    value = getattr(s, name)
    assert type(value) is (int if name in INTEGER else float)
    assert value == pytest.approx(default)
    yaml.safe_dump(s.to_dict())  # a numpy value would make YAML fail


@pytest.mark.parametrize("name", INTEGER)
def test_an_integer_valued_float_is_stored_as_an_int(name):
    default = INFO[name]["default"]
    for value in (float(default), np.float64(default), Fraction(default)):
        s = Scenario(**{name: value})
        assert type(getattr(s, name)) is int and getattr(s, name) == default


@pytest.mark.parametrize("name", [f.name for f in fields(Scenario)])
def test_an_unknown_field_suggests_the_nearest(name):
    typo = name[:-1] if len(name) > 6 else name + "x"
    for build in (lambda: Scenario(**{typo: 1}),
                  lambda: replace(presets()["siloed"], **{typo: 1})):
        with pytest.raises(ScenarioError) as info:
            build()
        text = _one_line(info.value)
        assert text.startswith(f"{typo}: ") and "not a Scenario field" in text
        assert f"did you mean {name!r}?" in text, text


def test_unknown_field_from_issue_14():
    with pytest.raises(ScenarioError, match="did you mean 'n_developers'"):
        Scenario(n_developer=5)
    with pytest.raises(ScenarioError, match="did you mean 'n_developers'"):
        dataclasses.replace(presets()["siloed"], n_developer=5)


def test_integer_fields_never_reach_the_model_as_floats():
    s = replace(presets()["collaborative"], n_teams=2.0, n_developers=np.int32(6), **SHORT)
    assert type(s.n_teams) is int and type(s.n_developers) is int
    log = run_logs(s, n=1)[0]  # the model would fail with range(2.0)
    assert log is not None


# --- warnings: fields that do not apply -------------------------------------------------------

@pytest.mark.parametrize("changes, field_name", [
    (dict(n_teams=4), "n_teams"),
    (dict(approval="peer", cab_interval_days=3.0), "cab_interval_days"),
    (dict(approval="none", cab_rejection_rate=0.5), "cab_rejection_rate"),
    (dict(approval="peer", cab_detection=0.5), "cab_detection"),
    (dict(approval="none", review_detection=0.9), "review_detection"),
    (dict(approval="none", review_person_hours=3.0), "review_person_hours"),
    (dict(on_call="you_build_it", release_slowdown_days=14.0), "release_slowdown_days"),
    (dict(release_slowdown_days=14.0, release_interval_days=0.0), "release_slowdown_days"),
    (dict(automation_step_person_hours=50.0), "automation_step_person_hours"),
    (dict(change_size_distribution="fixed", change_size_cv=1.0), "change_size_cv"),
])
def test_a_field_that_does_not_apply_is_a_warning(changes, field_name, tmp_path):
    s = Scenario(**changes)
    (text,) = s.warnings()
    assert text.startswith(f"{field_name}: ") and "no effect" in text and "\n" not in text
    path = save_scenario(s, tmp_path / "w.yaml")
    with pytest.warns(ScenarioWarning, match=field_name):
        assert load_scenario(path) == s


def test_presets_and_defaults_give_no_warning():
    assert Scenario().warnings() == []
    for s in presets().values():
        assert s.warnings() == [], s.name


# --- YAML files -------------------------------------------------------------------------------

def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BAD_FILES = {
    "syntax": (b"name: [unclosed\n", ["not valid YAML", "line"]),
    "tab": (b"name: x\n\tn_ops: 3\n", ["line 2", "tabs"]),
    "duplicate": (b"n_ops: 2\nname: x\nn_ops: 3\n", ["duplicate key 'n_ops'", "line 3",
                                                       "first at line 1"]),
    "duplicate_same_value": (b"n_ops: 2\nn_ops: 2\n", ["duplicate key 'n_ops'"]),
    "alias_bomb": (_bomb().encode(), [f"over {MAX_NODES:,} values", "aliases"]),
    "many_aliases": (("a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n").encode(),
                     [f"more than {MAX_ALIASES} aliases"]),
    "deep_flow": (b"[" * 2000 + b"]" * 2000, [f"deeper than {MAX_DEPTH} levels"]),
    "deep_block": (b"- " * 2000 + b"x\n", [f"deeper than {MAX_DEPTH} levels"]),
    "deep_mapping": (b"a: {" * 2000 + b"}" * 2000, [f"deeper than {MAX_DEPTH} levels"]),
    "latin1": ("name: caf\u00e9\n".encode("latin-1"), ["not UTF-8", "0xe9", "line 1"]),
    "utf16": ("name: x\n".encode("utf-16"), ["UTF-16"]),
    "utf16_be": ("name: x\n".encode("utf-16-be").join([b"\xfe\xff", b""]), ["UTF-16"]),
    "random_bytes": (bytes(range(128, 256)), ["not UTF-8"]),
    "nul": (b"name: x\x00\n", ["not valid YAML", "#x0000"]),
    "list": (b"- a list\n- of things\n", ["expected a mapping", "a list of 2 items"]),
    "scalar": (b"just text\n", ["expected a mapping", "'just text'"]),
    "huge": (b"# " + b"x" * (MAX_FILE_BYTES + 10) + b"\n", [f"{MAX_FILE_BYTES:,} bytes"]),
    "two_documents": (b"n_ops: 2\n---\nn_ops: 3\n", ["single document"]),
    "undefined_alias": (b"n_ops: *nowhere\n", ["undefined alias"]),
    "unhashable_key": (b"? [1, 2]\n: 3\n", ["unhashable key"]),
    "huge_number": (b"n_ops: " + b"9" * 6000 + b"\n", ["number too long"]),
    "bad_date": (b"name: 2024-13-45\n", ["cannot read this value"]),
    "unknown_key": (b"name: x\nn_developer: 3\n", ["unknown key 'n_developer'", "(line 2)",
                                                     "did you mean 'n_developers'"]),
    "bad_value": (b"name: x\nn_teams: 2.5\n", ["n_teams: 2.5", "whole number", "(line 2)"]),
    "long_value": (b"approval: " + b"z" * 50_000 + b"\n", ["approval:", "50000 characters"]),
    "long_list_value": (b"n_ops: [" + b"1, " * 3000 + b"1]\n", ["n_ops: a list of 3001 items"]),
    "bool_value": (b"n_ops: yes\n", ["n_ops: True"]),
    "null_value": (b"n_ops:\n", ["n_ops: None"]),
    "recursive": (b"n_ops: &a [*a]\n", ["n_ops: a list of 1 item"]),
    "combination": (b"horizon_days: 10\nwarmup_days: 30\n", ["warmup_days", "horizon_days"]),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_bad_file_is_refused_naming_the_file(kind, tmp_path):
    data, parts = BAD_FILES[kind]
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(data)
    before = _tree(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = _one_line(info.value)
    assert text.startswith(f"{path}: "), text
    for part in parts:
        assert part in text, (part, text)
    assert len(text) < 400 or "valid keys are" in text
    assert _tree(tmp_path) == before  # reading writes nothing


def test_a_folder_a_fifo_and_a_missing_file_are_named(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    os.mkfifo(tmp_path / "pipe.yaml")
    for name, part in (("dir.yaml", "is a folder"), ("pipe.yaml", "not a regular file"),
                       ("nope.yaml", "no such scenario file")):
        with pytest.raises(ScenarioError, match=part) as info:
            load_scenario(tmp_path / name)  # a FIFO would block if it were opened
        assert str(info.value).startswith(str(tmp_path / name))


def test_an_unreadable_file_is_named(tmp_path):
    path = tmp_path / "secret.yaml"
    path.write_text("n_ops: 2\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who reads every file")
        with pytest.raises(ScenarioError, match="cannot read it"):
            load_scenario(path)
    finally:
        path.chmod(0o600)


def test_yaml_merge_keys_and_a_bom_are_fine(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: ok\nn_ops: 3\n")
    assert load_scenario(path) == Scenario(name="ok", n_ops=3)
    data = read_yaml_text(tmp_path, "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 3\n")
    assert data["m"] == {"x": 3, "y": 2}


def read_yaml_text(folder: Path, text: str):
    path = folder / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return read_yaml(path)


@given(st.binary(max_size=400))
@settings(max_examples=120)
def test_any_bytes_give_a_scenario_or_a_scenario_error(data):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)
            try:
                load_scenario(path)
            except ScenarioError as exc:
                assert str(exc).startswith(str(path)) and "\n" not in str(exc)


_YAML_WORDS = st.sampled_from(["n_ops", "name", "approval", "n_teams", "&a", "*a", "[", "]",
                               "{", "}", ":", "-", "\n", "  ", "\t", "'", '"', "#", "---",
                               "cab", "1", "2.5", "-3", ".nan", "yes", "~", "<<", "?", ","])


@given(st.lists(_YAML_WORDS, max_size=40).map(" ".join))
@settings(max_examples=120)
def test_yaml_like_text_gives_a_scenario_or_a_scenario_error(text):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)
            try:
                load_scenario(path)
            except ScenarioError as exc:
                assert str(exc).startswith(str(path)) and "\n" not in str(exc)


_ANY_VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                       st.text(max_size=60), st.lists(st.integers(), max_size=3))


@given(st.dictionaries(st.sampled_from(list(INFO)), _ANY_VALUE, max_size=6))
@settings(max_examples=150)
def test_any_mapping_gives_a_scenario_or_a_scenario_error_naming_a_field(data):
    try:
        s = scenario_from_dict(data, source="form")
    except ScenarioError as exc:
        text = _one_line(exc)
        assert text.startswith("form: ") or any(text.startswith(f"{k}") for k in INFO) \
            or text.split(":")[0].split(" / ")[0] in INFO, text
    else:
        for f in fields(Scenario):  # stored values have the field's type
            v = getattr(s, f.name)
            if f.name in INTEGER:
                assert type(v) is int
            elif f.name in FLOAT:
                assert type(v) in (int, float)


def test_short_repr_never_builds_a_huge_repr():
    assert short_repr("x" * 10 ** 6).endswith("(1000000 characters)")
    assert short_repr(list(range(10 ** 6))) == "a list of 1000000 items"
    assert "digits" in short_repr(10 ** 5000)
    assert short_repr(np.int64(3)) == "3" and short_repr(np.float64(0.5)) == "0.5"
    assert len(short_repr("y" * 1000)) < QUOTE_CHARS + 30


# --- save_scenario / with_change_size / resolve_scenario ----------------------------------------

def test_save_scenario_to_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.*does not exist"):
        save_scenario(Scenario(), tmp_path / "nowhere" / "s.yaml")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("target, error, part", [
    ("folder", ValueError, "is a folder"),
    ("existing", FileExistsError, "already exists"),
])
def test_save_scenario_never_overwrites(target, error, part, tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "existing").write_text("mine\n")
    before = _tree(tmp_path)
    with pytest.raises(error, match=part):
        save_scenario(Scenario(), tmp_path / target)
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("call, error, part", [
    (lambda: save_scenario("siloed", "x.yaml"), TypeError, "scenario: "),
    (lambda: save_scenario(Scenario(), ""), TypeError, "path: "),
    (lambda: save_scenario(Scenario(), None), TypeError, "path: "),
    (lambda: with_change_size("siloed", 8.0), TypeError, "scenario: "),
    (lambda: with_change_size(Scenario(), 0), ScenarioError, "change_size_person_hours: 0"),
    (lambda: with_change_size(Scenario(), math.nan), ScenarioError, "change_size_person_hours"),
    (lambda: with_change_size(Scenario(), "8"), ScenarioError, "change_size_person_hours"),
    (lambda: with_change_size(Scenario(arrival_rate_per_day=100.0), 0.5), ScenarioError,
     "arrival_rate_per_day"),
    (lambda: resolve_scenario(None), TypeError, "scenario: "),
    (lambda: resolve_scenario(5), TypeError, "scenario: "),
    (lambda: resolve_scenario("x" * 5000), ScenarioError, "scenario: "),
    (lambda: resolve_scenario("bad\x00name"), ScenarioError, "scenario: "),
    (lambda: load_scenario(None), TypeError, "path: "),
    (lambda: load_scenario(3), TypeError, "path: "),
])
def test_scenario_helpers_name_the_bad_argument(call, error, part, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as info:
        call()
    text = _one_line(info.value)
    assert part in text, text
    assert list(tmp_path.iterdir()) == []


# --- experiments: arguments ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def short():
    return replace(presets()["collaborative"], **SHORT)


@pytest.fixture(scope="module")
def results(short):
    return compare([short, replace(short, name="other", n_developers=7)], n=2, seed=3,
                   executor="serial")


BAD_N = [0, -1, 10_001, 1.5, 2.0, "2", None, True, np.bool_(True), math.nan, [2]]
BAD_SEED = [-1, 1.5, "1", None, True, math.inf, np.float64(1.0)]


@pytest.mark.parametrize("n", BAD_N, ids=repr)
@pytest.mark.parametrize("fn", ["compare", "replicate", "sweep", "run_logs", "transformation"])
def test_a_bad_n_is_named(fn, n, short):
    call = {
        "compare": lambda: compare([short], n=n, executor="serial"),
        "replicate": lambda: replicate(short, n=n, executor="serial"),
        "sweep": lambda: sweep(short, "n_ops", [1, 2], n=n, executor="serial"),
        "run_logs": lambda: run_logs(short, n=n),
        "transformation": lambda: transformation(short, n=n, executor="serial"),
    }[fn]
    with pytest.raises(ValueError, match=r"^n: .* is not allowed; give a whole number"):
        call()


@pytest.mark.parametrize("seed", BAD_SEED, ids=repr)
@pytest.mark.parametrize("fn", ["compare", "replicate", "sweep", "run_logs", "transformation",
                                "LogCache.get"])
def test_a_bad_seed_is_named(fn, seed, short):
    call = {
        "compare": lambda: compare([short], n=1, seed=seed, executor="serial"),
        "replicate": lambda: replicate(short, n=1, seed=seed, executor="serial"),
        "sweep": lambda: sweep(short, "n_ops", [1], n=1, seed=seed, executor="serial"),
        "run_logs": lambda: run_logs(short, n=1, seed=seed),
        "transformation": lambda: transformation(short, n=1, seed=seed, executor="serial"),
        "LogCache.get": lambda: LogCache().get(short, seed),
    }[fn]
    with pytest.raises(ValueError, match=r"^seed: .* is not allowed; give a whole number >= 0"):
        call()


@pytest.mark.parametrize("replication", [-1, 1.5, "0", None, True], ids=repr)
def test_a_bad_replication_is_named(replication, short):
    with pytest.raises(ValueError, match=r"^replication: .* is not allowed"):
        LogCache().get(short, 1, replication)


@pytest.mark.parametrize("kind", [np.int8, np.int32, np.int64, np.uint16, int])
def test_numpy_integers_are_accepted_for_n_seed_and_replication(kind, short):
    res = compare([short], n=kind(1), seed=kind(7), executor="serial")
    assert res.seed == 7 and type(res.seed) is int and len(res.frame) == 1
    logs = run_logs(short, n=kind(1), seed=kind(7))
    assert len(logs) == 1
    cache = LogCache()
    assert cache.get(short, kind(7), kind(0)) is cache.get(short, 7, 0)


@pytest.mark.parametrize("call, error, part", [
    (lambda s: compare("siloed", n=1), TypeError, "scenarios: "),
    (lambda s: compare(s, n=1), TypeError, "scenarios: "),
    (lambda s: compare(5, n=1), TypeError, "scenarios: "),
    (lambda s: compare([], n=1), ValueError, "scenarios: "),
    (lambda s: compare([s, 5], n=1), TypeError, "scenario: "),
    (lambda s: compare([s], n=1, executor="threads"), ValueError, "executor: "),
    (lambda s: compare([s], n=1, progress="yes"), ValueError, "progress: "),
    (lambda s: replicate(s, n=1, executor=3), ValueError, "executor: "),
    (lambda s: sweep(s, "n_developer", [1]), ScenarioError, "did you mean 'n_developers'"),
    (lambda s: sweep(s, "name", ["a"]), ScenarioError, "field_name: 'name'"),
    (lambda s: sweep(s, 3, [1]), ScenarioError, "field_name: 3"),
    (lambda s: sweep(s, "n_ops", []), ValueError, "values: "),
    (lambda s: sweep(s, "n_ops", "12"), TypeError, "values: "),
    (lambda s: sweep(s, "n_ops", 3), TypeError, "values: "),
    (lambda s: sweep(s, "n_ops", [2.5]), ScenarioError, "n_ops: 2.5"),
    (lambda s: sweep(s, "n_ops", [1], apply="x"), TypeError, "apply: "),
    (lambda s: transformation(s, invest_share=0.9), ValueError,
     "invest_share: 0.9 is not allowed; give a share from 0 to 0.75"),
    (lambda s: transformation(s, invest_share=True), ValueError, "invest_share: True"),
    (lambda s: transformation(s, invest_share=math.nan), ValueError, "invest_share: nan"),
    (lambda s: transformation(s, invest_share="0.2"), ValueError, "invest_share: '0.2'"),
    (lambda s: transformation(s, months=0), ValueError,
     "months: 0 is not allowed; give a whole number from 1 to 120"),
    (lambda s: transformation(s, months=2.5), ValueError, "months: 2.5"),
    (lambda s: transformation(replace(s, horizon_days=3010, warmup_days=3000), months=30),
     ValueError,
     "months: 30 is not allowed; give a whole number from 1 to 21 (with a warm-up of 3000 days)"),
    (lambda s: transformation(s, s), TypeError,
     "after: transformation no longer takes an 'after' scenario"),
    (lambda s: transformation(s, after="collaborative"), TypeError, "after: "),
    (lambda s: transformation(s, invest_months=3), TypeError,
     "invest_months: no longer used; the investment runs until the automation is built"),
    (lambda s: transformation(5), TypeError, "scenario: "),
    (lambda s: transformation("nosuch"), ScenarioError, "scenario: 'nosuch'"),
    (lambda s: mean_ci("abc"), TypeError, "values: "),
    (lambda s: mean_ci([1.0, "x"]), TypeError, "values: 'x'"),
    (lambda s: mean_ci(3), TypeError, "values: "),
    (lambda s: combine(), ValueError, "parts: "),
    (lambda s: combine("x"), TypeError, "parts: "),
    (lambda s: LogCache(0), ValueError, "size: "),
    (lambda s: LogCache().get("siloed", 1), TypeError, "scenario: "),
])
def test_experiment_functions_name_the_bad_argument(call, error, part, short):
    with pytest.raises(error) as info:
        call(short)
    assert part in _one_line(info.value)


def test_transformation_accepts_numpy_numbers(short, monkeypatch):
    # Only the validation is under test here: stop before the runs.
    monkeypatch.setattr(experiment, "_execute", lambda *a, **k: (_ for _ in ()).throw(
        RuntimeError("validated")))
    with pytest.raises(RuntimeError, match="validated"):
        transformation(short, invest_share=np.float64(0.25), months=np.int64(6),
                       n=np.int64(1), seed=np.uint8(3))


# --- Results ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, part", [
    (("lead_time_hours", "collaborative", "nosuch"), "b: 'nosuch'"),
    (("lead_time_hours", "nosuch", "other"), "a: 'nosuch'"),
    (("lead_time_hours", None, "other"), "a: None"),
    (("bogus", "collaborative", "other"), "metric: 'bogus'"),
    ((3, "collaborative", "other"), "metric: 3"),
])
def test_difference_names_an_unknown_scenario_or_metric(args, part, results):
    with pytest.raises(ValueError) as info:
        results.difference(*args)
    text = _one_line(info.value)
    assert part in text and "choose from" in text
    assert ("collaborative" in text and "other" in text) or "lead_time_hours" in text


@pytest.mark.parametrize("metrics, by, part", [
    (["bogus"], "scenario", "metric: 'bogus'"),
    (["lead_time_hours", "nope"], "scenario", "metric: 'nope'"),
    ("bogus", "scenario", "metric: 'bogus'"),
    (None, "nosuch", "by: 'nosuch'"),
    (3, "scenario", "metrics: "),
])
def test_summary_names_an_unknown_metric_or_group(metrics, by, part, results):
    with pytest.raises((ValueError, TypeError)) as info:
        results.summary(metrics, by=by)
    assert part in _one_line(info.value)


def test_summary_and_difference_still_work(results):
    assert set(results.summary("lead_time_hours")["metric"]) == {"lead_time_hours"}
    m, lo, hi = results.difference("lead_time_hours", "collaborative", "other")
    assert math.isfinite(m)


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_results_load_back_bit_for_bit(results, suffix, tmp_path):
    path = results.save(tmp_path / f"r{suffix}")
    back = load_results(path)
    pd.testing.assert_frame_equal(back.frame, results.frame, check_exact=True)
    assert back.scenarios == results.scenarios and back.seed == results.seed


def test_awkward_floats_load_back_bit_for_bit(tmp_path):
    values = [0.1 + 0.2, 1 / 3, 2.0 ** -1074, 1.7976931348623157e308, -0.0, math.nan,
              123456.78901234567, 6.2e-9 * (1 + 2 ** -52)]
    frame = pd.DataFrame({"scenario": ["s"] * len(values), "replication": range(len(values)),
                          "seed": [1] * len(values), "x": values})
    res = Results(frame=frame, scenarios={"s": Scenario(name="s")}, seed=1)
    back = load_results(res.save(tmp_path / "r.json"))
    pd.testing.assert_frame_equal(back.frame, frame, check_exact=True)
    assert [math.copysign(1, v) for v in back.frame["x"][:5]] == \
        [math.copysign(1, v) for v in values[:5]]


def _good_json(results) -> str:
    return json.dumps(results.to_dict())


BAD_RESULT_FILES = {
    "empty.json": lambda r: b"",
    "blank.json": lambda r: b"   \n",
    "garbage.json": lambda r: b"\x00\xff garbage",
    "not_json.json": lambda r: b"hello world",
    "list.json": lambda r: b"[1, 2, 3]",
    "number.json": lambda r: b"42",
    "foreign.json": lambda r: b'{"rows": [], "name": "something else"}',
    "no_rows.json": lambda r: b'{"devsim_results": 1, "seed": 1, "scenarios": {}}',
    "rows_int.json": lambda r: b'{"devsim_results": 1, "seed": 1, "scenarios": {}, "rows": 5}',
    "truncated.json": lambda r: _good_json(r)[: len(_good_json(r)) // 2].encode(),
    "bad_seed.json": lambda r: _good_json(r).replace('"seed": 3', '"seed": "x"').encode(),
    "bad_scenario.json": lambda r: _good_json(r).replace('"n_ops": 2', '"n_ops": -5').encode(),
    "deep.json": lambda r: b"[" * 100_000 + b"]" * 100_000,
    "latin1.json": lambda r: "{\"caf\u00e9\": 1}".encode("latin-1"),
    "empty.csv": lambda r: b"",
    "garbage.csv": lambda r: b"a,b,c\n1,2,3\n",
    "no_header_json.csv": lambda r: b"# devsim results; x\n# not json\nscenario\n",
    "header_only.csv": lambda r: b"# devsim results; x\n",
    "truncated.csv": lambda r: r_csv(r)[:-7],
    "latin1.csv": lambda r: "# devsim results caf\u00e9\n".encode("latin-1"),
}


def r_csv(results) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return results.save(Path(tmp) / "r.csv").read_bytes()


@pytest.mark.parametrize("name", sorted(BAD_RESULT_FILES))
def test_load_results_names_a_bad_file_and_what_it_expected(name, results, tmp_path):
    path = tmp_path / name
    path.write_bytes(BAD_RESULT_FILES[name](results))
    with pytest.raises(ValueError) as info:
        load_results(path)
    text = _one_line(info.value)
    assert text.startswith(f"{path}: ")
    assert "devsim results" in text or "UTF-8" in text, text


@pytest.mark.parametrize("make, error, part", [
    (lambda p: p / "missing.json", FileNotFoundError, "no such results file"),
    (lambda p: (p / "d.json").mkdir() or p / "d.json", ValueError, "is a folder"),
    (lambda p: p / "r.txt", ValueError, ".csv or .json"),
])
def test_load_results_names_a_missing_file_a_folder_or_a_bad_suffix(make, error, part, tmp_path):
    with pytest.raises(error, match=part):
        load_results(make(tmp_path))


@pytest.mark.parametrize("target, error, part", [
    ("nowhere/r.json", FileNotFoundError, "does not exist"),
    ("nowhere/r.csv", FileNotFoundError, "does not exist"),
    ("existing.json", FileExistsError, "already exists"),
    ("existing.csv", FileExistsError, "already exists"),
    ("folder.json", ValueError, "is a folder"),
    ("r.txt", ValueError, ".csv or .json"),
])
def test_results_save_never_overwrites_and_names_a_missing_folder(target, error, part, results,
                                                                  tmp_path):
    (tmp_path / "existing.json").write_text("mine")
    (tmp_path / "existing.csv").write_text("mine")
    (tmp_path / "folder.json").mkdir()
    before = _tree(tmp_path)
    with pytest.raises(error) as info:
        results.save(tmp_path / target)
    assert part in _one_line(info.value)
    if "nowhere" in target:
        assert "nowhere" in str(info.value)
    assert _tree(tmp_path) == before


def test_the_readme_states_the_limits_the_loader_applies():
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("## Bad input", 1)[1].split("\n## ", 1)[0]
    assert f"**{MAX_FILE_BYTES // 1024} KiB**" in section
    assert f"**{MAX_DEPTH}** levels" in section
    assert f"**{MAX_ALIASES}** aliases" in section
    assert f"**{MAX_NODES:,}** values" in section
    assert f"**{QUOTE_CHARS}** characters" in section
