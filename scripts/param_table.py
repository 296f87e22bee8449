"""Print, check or update the README's table of Scenario parameters.

The table is generated from :func:`devsim.scenario.field_info` (the same metadata that
validation, the YAML files, the command line and the widgets read), with the group titles
the sandbox shows (:data:`devsim.scenario.GROUP_TITLES`), and from
:func:`devsim.scenario.presets`, so the documented ranges and defaults are the ones the code
enforces. In the README it sits between two markers::

    <!-- param-table:start -->
    ...generated...
    <!-- param-table:end -->

Usage::

    python scripts/param_table.py                    # print the table
    python scripts/param_table.py --check README.md  # exit 1 if the README's table is stale
    python scripts/param_table.py --write README.md  # replace the README's table in place
"""
from __future__ import annotations

import argparse
import difflib
import math
import sys
from pathlib import Path

from devsim.scenario import FIELD_GROUPS, GROUP_TITLES, Scenario, field_info, presets

START = "<!-- param-table:start -->"
END = "<!-- param-table:end -->"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _number(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        return f"{value:g}"
    return str(value)


def _default(value) -> str:
    if isinstance(value, str):
        return f"`{value}`"
    return _number(value)


def _allowed(meta: dict) -> str:
    if meta["choices"] is not None:
        return ", ".join(f"`{c}`" for c in meta["choices"])
    if meta["min"] is None:
        return "any non-empty text"
    return f"{_number(meta['min'])} to {_number(meta['max'])}"


def _meaning(label: str, help_text: str) -> str:
    """The widget label and the help text, without saying the label twice."""
    if not help_text:
        return label
    if help_text.lower().startswith(label.lower()):
        return help_text
    return f"*{label}*. {help_text}"


def _title(group: str) -> str:
    return GROUP_TITLES.get(group, group.replace("_", " ").capitalize())


def table() -> str:
    """The generated Markdown: one table per field group, then how each preset differs."""
    info = field_info()
    groups = list(FIELD_GROUPS) + sorted({m["group"] for m in info.values()} - set(FIELD_GROUPS))
    lines: list[str] = []
    for group in groups:
        names = [n for n, m in info.items() if m["group"] == group]
        if not names:
            continue
        lines += [f"**{_title(group)}**", "",
                  "| field | meaning | unit | default | allowed |",
                  "|---|---|---|---|---|"]
        for name in names:
            m = info[name]
            meaning = _meaning(m["label"], m["help"])
            lines.append(f"| `{name}` | {_cell(meaning)} | {_cell(m['unit'])} | "
                         f"{_cell(_default(m['default']))} | {_cell(_allowed(m))} |")
        lines.append("")
    base = Scenario()
    lines += ["**Presets** (`devsim.presets()`): each is the defaults above plus these changes.", "",
              "| preset | changes from the defaults |", "|---|---|"]
    for key, scenario in presets().items():
        changes = [f"`{name}={_number(getattr(scenario, name))}`" for name in info
                   if name != "name" and getattr(scenario, name) != getattr(base, name)]
        lines.append(f"| `{key}` | {_cell(', '.join(changes) or 'none (the defaults)')} |")
    return "\n".join(lines) + "\n"


def _split(text: str, path: Path) -> tuple[str, str, str]:
    """(before, inside, after) the markers; SystemExit with a message if they are missing."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise SystemExit(f"{path}: markers not found; put {START} and {END} (in that order) "
                         "on their own lines where the parameter table belongs")
    head = text[:start + len(START)]
    return head, text[start + len(START):end], text[end:]


def _block() -> str:
    return "\n" + table() + "\n"


def check(path: Path) -> int:
    """0 if the file's table matches the generated one, else print a diff and return 1."""
    text = path.read_text(encoding="utf-8")
    try:
        _, inside, _ = _split(text, path)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 1
    if inside == _block():
        return 0
    diff = list(difflib.unified_diff(inside.splitlines(), _block().splitlines(),
                                     f"{path} (current)", "generated", lineterm="", n=1))
    shown = 60
    print("\n".join(diff[:shown]), file=sys.stderr)
    if len(diff) > shown:
        print(f"... {len(diff) - shown} more diff lines", file=sys.stderr)
    print(f"{path}: the parameter table differs from devsim.scenario.field_info(); "
          f"update it with: python scripts/param_table.py --write {path}", file=sys.stderr)
    return 1


def write(path: Path) -> int:
    """Replace the table between the markers in place; 1 if the markers are missing."""
    text = path.read_text(encoding="utf-8")
    try:
        head, inside, tail = _split(text, path)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 1
    if inside == _block():
        print(f"{path}: parameter table already up to date")
        return 0
    path.write_text(head + _block() + tail, encoding="utf-8")
    print(f"{path}: parameter table updated")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", metavar="FILE", type=Path,
                      help="exit 1 if FILE's table (between the markers) is not the generated one")
    mode.add_argument("--write", metavar="FILE", type=Path,
                      help="replace FILE's table (between the markers) with the generated one")
    args = parser.parse_args(argv)
    target = args.check or args.write
    if target is not None and not target.is_file():
        print(f"{target}: no such file", file=sys.stderr)
        return 1
    if args.check:
        return check(args.check)
    if args.write:
        return write(args.write)
    sys.stdout.write(table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
