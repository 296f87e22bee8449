"""The instructor guide agrees with the course: the expected-results table is the model's
current output with the lessons' own seed and replications, every lesson states the minutes
the guide's timing table gives it, and the agendas add up."""
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructor-guide.md"
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
EXERCISE_SOURCES = sorted((ROOT / "exercises" / "source").glob("[0-9][0-9]_*.ipynb"))
AGENDAS = {"Agenda: 90 minutes": 90, "Agenda: half a day (3.5 hours)": 210,
           "Agenda: full day (6.5 hours)": 390}
KEY_COLUMNS = ("deployment frequency", "lead time for changes (median)", "change failure rate",
               "time to restore service (median)")
LESSON07_COLUMNS = ("deploy frequency", "lead time", "change failure rate", "time to restore")

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}


def number(word: str) -> int:
    """'forty-five' -> 45, '25' -> 25."""
    word = word.lower()
    if word.isdigit():
        return int(word)
    parts = word.split("-")
    if len(parts) == 2:
        return _TENS[parts[0]] + _UNITS[parts[1]]
    return _TENS.get(word, _UNITS.get(word))


def _guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _section(title: str, level: int = 2) -> str:
    marks = "#" * level
    m = re.search(rf"^{marks} {re.escape(title)}\n(.*?)(?=^#{{1,{level}}} |\Z)", _guide(), re.M | re.S)
    assert m, f"instructor-guide.md has no section '{marks} {title}'"
    return m.group(1)


def _tables(text: str) -> list[list[dict]]:
    """Every Markdown table in ``text`` as a list of rows (dicts keyed by header)."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and re.match(r"^\|(\s*:?-+:?\s*\|)+\s*$", lines[i + 1]):
            head = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows, i = [], i + 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(head, cells)))
                i += 1
            tables.append(rows)
        else:
            i += 1
    return tables


def _timings() -> tuple[dict, dict]:
    """(lessons, exercises) from the guide's Timings: number -> minutes."""
    lessons, exercises = {}, {}
    for rows in _tables(_section("Timings")):
        for row in rows:
            if "lesson" in row:
                num = row["lesson"][:2]
                full = row["with *On your own* (min)"]
                lessons[num] = (int(row["core (min)"]), None if full == "-" else int(full))
            elif "exercise" in row:
                exercises[row["exercise"][:2]] = int(row["estimate (min)"])
    return lessons, exercises


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _src(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _stated_minutes(path: Path):
    """The lesson's duration sentence (in 'What you need'): (minutes, with On your own)."""
    for cell in _cells(path):
        text = _src(cell)
        if cell["cell_type"] == "markdown" and "## What you need" in text:
            flat = " ".join(text.split())
            m = re.search(r"About ([a-z-]+|\d+) minutes(?:; ([a-z-]+|\d+) with the \*On your own\*)?",
                          flat)
            assert m, f"{path.name}: 'What you need' states no 'About N minutes'"
            return number(m.group(1)), (number(m.group(2)) if m.group(2) else None)
    raise AssertionError(f"{path.name} has no 'What you need' cell")


def _script():
    spec = importlib.util.spec_from_file_location("expected_results",
                                                  ROOT / "scripts" / "expected_results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _checked_outputs(path: Path) -> list[str]:
    return ["".join(o.get("text", "")) for c in _cells(path)
            if c["cell_type"] == "code" and "# NBVAL_CHECK_OUTPUT" in _src(c)
            for o in c.get("outputs", []) if o.get("output_type") == "stream"]


# --- expected results -------------------------------------------------------------------

def test_expected_results_table_matches_the_model():
    proc = subprocess.run([sys.executable, "scripts/expected_results.py", "--check",
                           "docs/instructor-guide.md"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_expected_results_use_the_lessons_seed_and_replications():
    er = _script()
    lesson07 = (ROOT / "notebooks" / "07_goals_and_metrics.ipynb").read_text(encoding="utf-8")
    m = re.search(r"ds\.compare\(list\(presets\.values\(\)\), n=(\d+), seed=SEED", lesson07)
    assert m, "lesson 07 no longer compares every preset; point the table at what it runs"
    assert er.N == int(m.group(1)), f"lesson 07 runs n={m.group(1)}, the table n={er.N}"
    for path in LESSONS:
        seeds = re.findall(r"SEED = (\d+)", path.read_text(encoding="utf-8"))
        assert all(int(s) == er.SEED for s in seeds), f"{path.name} uses seed {seeds}"
    assert f"Means of {er.N} replications, seed {er.SEED}" in _guide()


def test_expected_results_clusters_are_what_lesson_07_shows():
    """The guide's cluster and 'k/n runs' per preset and key equal lesson 07's checked table."""
    shown = {}
    out = next(t for t in _checked_outputs(ROOT / "notebooks" / "07_goals_and_metrics.ipynb")
               if "overall" in t)
    for line in out.splitlines()[1:]:
        name, *cells = line.split()
        text = " ".join(cells)
        shown[name] = re.findall(r"(Elite|High|Medium|Low) (\d+/\d+)", text)[:4]
    table = _tables(_section("Expected results"))[0]
    for row in table:
        name = row["preset"].strip("`")
        guide = [re.search(r"\((Elite|High|Medium|Low), (\d+/\d+) runs", row[k]).groups()
                 for k in KEY_COLUMNS]
        assert guide == shown[name], f"{name}: guide {guide}, lesson 07 shows {shown[name]}"


def test_expected_results_numbers_are_what_lessons_00_and_04_print():
    """The script's means are the numbers lessons 00 and 04 print (3 significant figures)."""
    means = _script().results().frame.groupby("scenario").mean(numeric_only=True)
    out00 = next(t for t in _checked_outputs(ROOT / "notebooks" / "00_welcome.ipynb")
                 if "Lead time for changes" in t)
    keys = {"Deployment frequency": "deploy_frequency_per_day",
            "Lead time for changes": "lead_time_hours", "Change failure rate": "change_failure_rate",
            "Time to restore service": "time_to_restore_hours"}
    for line in out00.splitlines():
        label = next((k for k in keys if line.startswith(k)), None)
        if label is None:
            continue
        m = re.search(r"siloed\s+(\S+)\s+collaborative\s+(\S+)", line)
        for name, printed in zip(("siloed", "collaborative"), m.groups()):
            assert f"{means.loc[name, keys[label]]:.3g}" == printed, (name, label)
    out04 = next(t for t in _checked_outputs(ROOT / "notebooks" / "04_automation.ipynb")
                 if "overall" in t)
    for line in out04.splitlines()[2:]:
        name, lead_days, *_ = line.split()
        assert f"{means.loc[name, 'lead_time_hours'] / 24:.3g}" == lead_days, name


# --- timings ---------------------------------------------------------------------------

def test_timing_tables_cover_every_lesson_and_exercise():
    lessons, exercises = _timings()
    assert sorted(lessons) == [p.name[:2] for p in LESSONS]
    assert sorted(exercises) == [p.name[:2] for p in EXERCISES]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_states_the_guides_minutes(path):
    lessons, _ = _timings()
    core, full = lessons[path.name[:2]]
    assert _stated_minutes(path) == (core, full), (
        f"{path.name} states {_stated_minutes(path)} minutes; the guide's Timings say "
        f"{(core, full)}")


@pytest.mark.parametrize("path", EXERCISE_SOURCES + EXERCISES, ids=lambda p: p.name)
def test_exercise_states_the_guides_minutes_if_any(path):
    _, exercises = _timings()
    text = " ".join(_src(c) for c in _cells(path) if c["cell_type"] == "markdown")
    m = re.search(r"About ([a-z-]+|\d+) minutes", " ".join(text.split()))
    if m:
        assert number(m.group(1)) == exercises[path.name[:2]], path.name


def _agenda(title: str) -> list[dict]:
    rows = _tables(_section(title))[0]
    assert rows and {"start", "min", "what"} <= set(rows[0]), f"{title}: columns start, min, what"
    return rows


def _clock(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


@pytest.mark.parametrize("title", AGENDAS)
def test_agenda_adds_up(title):
    rows = _agenda(title)
    counted = sum(int(r["min"]) for r in rows if "not counted" not in r["what"])
    assert counted == AGENDAS[title], f"{title}: the rows add up to {counted} minutes"
    for a, b in zip(rows, rows[1:]):
        assert _clock(a["start"]) + int(a["min"]) == _clock(b["start"]), (
            f"{title}: '{a['what']}' starts {a['start']} and lasts {a['min']} min, "
            f"but the next row starts {b['start']}")


@pytest.mark.parametrize("title", AGENDAS)
def test_agenda_gives_each_lesson_and_exercise_its_time(title):
    lessons, exercises = _timings()
    for row in _agenda(title):
        need = sum(lessons[n][0] for n in re.findall(r"\b[Ll]esson (\d\d)", row["what"]))
        need += sum(exercises[n] for n in re.findall(r"\b[Ee]xercise (\d\d)", row["what"]))
        assert int(row["min"]) >= need, (
            f"{title}: '{row['what']}' has {row['min']} min; its core times add up to {need}")


# --- the rest of the guide -------------------------------------------------------------

def test_facilitation_script_covers_every_lesson_and_its_prediction():
    script = _section("Facilitation script")
    lessons, _ = _timings()
    for path in LESSONS:
        num = path.name[:2]
        m = re.search(rf"^### Lesson {num} [^\n]*\n(.*?)(?=^### |\Z)", script, re.M | re.S)
        assert m, f"the facilitation script has no block for lesson {num}"
        block = m.group(1)
        assert "Timing cues" in block and "Listen for" in block, f"lesson {num}"
        for pid in re.findall(r'widgets\.predict\(.*?id="(\w+)"', path.read_text(encoding="utf-8"),
                              re.S):
            assert f"`{pid}`" in block, f"lesson {num}: prediction {pid} is not in the script"


def test_guide_names_the_commands_it_relies_on():
    text = _guide()
    for needle in ("devsim workspace", "devsim leaderboard", "voila notebooks/projector.ipynb",
                   "<!-- expected-results:start -->", "ds.decompose(", "plots.waterfall(",
                   "jupyter labextension list", "jupyter server list", "--proxy",
                   "*Offline rooms*", "Set-ExecutionPolicy"):
        assert needle in text, needle
    for heading in ("Rubric", "Debrief: \"why is it faster?\""):
        assert f"### {heading}" in text, heading
