"""The README matches the code: generated parameter table, runnable examples, quoted rules."""
from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from devsim import dora
from devsim.scenario import field_info, presets

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SCRIPT = ROOT / "scripts" / "param_table.py"


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _param_table_module():
    spec = importlib.util.spec_from_file_location("param_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _script(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def _section(title: str) -> str:
    text = _readme()
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"README.md has no section '## {title}'"
    return m.group(1)


def test_readme_parameter_table_matches_field_info():
    out = _script("--check", "README.md")
    assert out.returncode == 0, out.stderr


def test_generated_table_lists_every_field_and_preset():
    text = _param_table_module().table()
    rows = re.findall(r"^\| `(\w+)` \|", text, re.M)
    fields = list(field_info())
    assert sorted(r for r in rows if r in fields) == sorted(fields)
    assert [r for r in rows if r not in fields] == list(presets())
    info = field_info()
    # the documented range is the one validation enforces
    assert "| 1 to 500 |" in next(ln for ln in text.splitlines() if "`n_developers`" in ln)
    assert all(f"`{c}`" in text for c in info["approval"]["choices"])


def test_check_and_write_on_a_stale_copy(tmp_path, capsys):
    module = _param_table_module()
    copy = tmp_path / "README.md"
    copy.write_text(f"# title\n\n{module.START}\n| old | table |\n{module.END}\n\nafter\n",
                    encoding="utf-8")
    assert module.main(["--check", str(copy)]) == 1
    assert "--write" in capsys.readouterr().err  # the message says how to fix it

    assert module.main(["--write", str(copy)]) == 0
    text = copy.read_text(encoding="utf-8")
    assert text.startswith("# title\n\n") and text.endswith(f"{module.END}\n\nafter\n")
    assert "| old | table |" not in text and "`arrival_rate_per_day`" in text
    assert module.main(["--check", str(copy)]) == 0


def test_missing_markers_are_an_error(tmp_path, capsys):
    module = _param_table_module()
    copy = tmp_path / "README.md"
    copy.write_text("# no table here\n", encoding="utf-8")
    for mode in ("--check", "--write"):
        assert module.main([mode, str(copy)]) == 1
        assert "markers not found" in capsys.readouterr().err
    assert copy.read_text(encoding="utf-8") == "# no table here\n"
    assert module.main(["--check", str(tmp_path / "missing.md")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_readme_starts_with_the_two_commands():
    text = _readme()
    first_block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first_block, "README.md: no shell block"
    commands = [ln.split("#")[0].strip() for ln in first_block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make lab", "make test"]
    assert text.index(first_block.group(0)) < text.index("## Quick tour")


def test_readme_has_the_benchmark_markers():
    text = _readme()
    assert text.count("<!-- bench:start -->") == 1 and text.count("<!-- bench:end -->") == 1
    assert text.index("<!-- bench:start -->") < text.index("<!-- bench:end -->")


def test_readme_quotes_the_classification_rule_and_every_report_year():
    section = _section("Metrics")
    assert " ".join(dora.RULE.split()) in " ".join(section.split())
    for year in dora.REPORT_YEARS:
        assert str(year) in section, f"README.md Metrics does not name the report year {year}"
    second_hand = [y for y in dora.REPORT_YEARS if "second-hand" in dora.source(y)]
    if second_hand:
        assert "second-hand" in section


def test_readme_python_examples_run(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", _readme(), re.S)
    assert blocks, "README.md has no Python example"
    env = dict(os.environ, MPLBACKEND="Agg")  # for this subprocess only, never exported in CI
    for code in blocks:
        out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                             text=True, timeout=300, env=env)
        assert out.returncode == 0, f"README example failed:\n{code}\n{out.stderr}"
        assert out.stdout.strip(), "README example printed nothing"


def _readme_cli_commands() -> list[str]:
    return re.findall(r"^\| `devsim ([\w-]+)", _section("Command line"), re.M)


def test_readme_lists_the_cli_commands():
    assert _readme_cli_commands() == ["presets", "run", "compare", "sweep", "validate", "export",
                                      "leaderboard", "workspace", "lab", "measure", "fit"]


def test_readme_cli_commands_match_the_parser():
    """The README describes exactly the commands the CLI has, and its examples parse."""
    cli = pytest.importorskip("devsim.cli", reason="devsim.cli is not written yet")
    parser = cli.build_parser()
    commands = sorted(parser.commands)
    documented = _readme_cli_commands()
    assert sorted(documented) == commands, (
        f"README.md Command line describes {sorted(documented)}; the CLI has {commands}")
    examples = re.findall(r"^devsim (.+)$", _section("Command line"), re.M)
    assert examples, "README.md Command line has no example"
    for line in examples:
        args = parser.parse_args(shlex.split(line))  # exits (fails the test) if it does not parse
        assert args.command == line.split()[0]
