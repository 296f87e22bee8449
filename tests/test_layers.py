"""The package's structure, read from the code: one direction of imports, no private reach.

* No devsim module imports a ``_``-prefixed name of another devsim module, nor reaches one
  through an attribute (``experiment._pool()``).
* Only the model imports simpy; nothing below the plots imports matplotlib or ipywidgets.
* Every module imports only what the README's "Where things live" map allows it, and the
  map names every module (so the map cannot drift from the code).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "devsim"
README = ROOT / "README.md"

#: Modules that may draw or show: the plots package and the widget layer above it.
DRAWING = re.compile(r"^(plots(\..*)?|widgets(\..*)?|projector|display)$")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts) or "__init__"


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, level: int, name: str | None, here: str, is_package: bool) -> str | None:
    """The devsim module an import names (relative to ``here``), or None if not devsim."""
    if level == 0:
        if not (name or "").startswith("devsim"):
            return None
        return (name or "")[len("devsim."):] or "__init__"
    base = here.split(".") if here != "__init__" else []
    if not is_package:
        base = base[:-1]
    base = base[:len(base) - (level - 1)] if level > 1 else base
    full = ".".join(base + ([name] if name else []))
    return full or "__init__"


def _imports(path: Path, here: str) -> tuple[set[str], list[str], set[str]]:
    """(devsim modules imported, private names taken from them, third-party tops)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    modules, private, third = set(), [], set()
    aliases: dict[str, str] = {}
    mods = _modules()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                target = _resolve(a.name, 0, a.name, here, is_package)
                if target is None:
                    third.add(a.name.split(".")[0])
                else:
                    modules.add(target)
                    aliases[a.asname or a.name.split(".")[0]] = target
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", node.level, node.module, here, is_package)
            if target is None:
                third.add((node.module or "").split(".")[0])
                continue
            for a in node.names:
                sub = f"{target}.{a.name}" if target != "__init__" else a.name
                if sub in mods:          # "from . import experiment": a module
                    modules.add(sub)
                    aliases[a.asname or a.name] = sub
                    continue
                modules.add(target)
                if a.name.startswith("_") and not a.name.startswith("__"):
                    private.append(f"from {target} import {a.name}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            private.append(f"{aliases[node.value.id]}.{node.attr}")
    modules.discard(here)
    return modules, private, third


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_private_name_of_another_module(name):
    path = _modules()[name]
    _, private, _ = _imports(path, name)
    # Inside one package (plots.*, checks.*) modules are one room; between rooms, public only.
    crossing = [p for p in private
                if _top(p.split(" ")[1] if p.startswith("from ") else p) != _top(name)]
    assert not crossing, f"devsim/{path.relative_to(PACKAGE)} reaches private names: {crossing}"


@pytest.mark.parametrize("name", sorted(_modules()))
def test_only_the_model_imports_simpy_and_only_drawing_modules_draw(name):
    _, _, third = _imports(_modules()[name], name)
    if name != "model":
        assert "simpy" not in third, f"{name} imports simpy; only devsim.model runs SimPy"
    if not DRAWING.match(name):
        drawn = third & {"matplotlib", "ipywidgets", "IPython"}
        assert not drawn, f"{name} imports {sorted(drawn)}; only plots and the widget layer draw"


def _readme_map() -> dict[str, set[str]]:
    text = README.read_text(encoding="utf-8")
    m = re.search(r"<!-- where-things-live:start -->(.*?)<!-- where-things-live:end -->", text, re.S)
    assert m, "README.md has no 'Where things live' map between its markers"
    allowed: dict[str, set[str]] = {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([\w.]+)`", cells[0])
        may = set(re.findall(r"`([\w.]+)`", cells[2]))
        for n in names:
            allowed[n] = may
    return allowed


def test_the_readme_map_names_every_module():
    allowed = _readme_map()
    rooms = {_room(n) for n in _modules()} - {"__init__"}
    missing = sorted(rooms - set(allowed))
    assert not missing, f"README 'Where things live' does not name: {missing}"
    stale = sorted(set(allowed) - rooms)
    assert not stale, f"README 'Where things live' names modules that do not exist: {stale}"


def _room(name: str) -> str:
    """A package (plots, checks, widgets) is one room of the map."""
    return _top(name) if (PACKAGE / _top(name)).is_dir() else name


@pytest.mark.parametrize("name", sorted(n for n in _modules() if n != "__init__"))
def test_each_module_imports_only_what_the_map_allows(name):
    allowed = _readme_map()
    room = _room(name)
    modules, _, _ = _imports(_modules()[name], name)
    used = {_room(m) for m in modules} - {room, "__init__"}
    extra = sorted(used - allowed.get(room, set()))
    assert not extra, (f"devsim/{_modules()[name].relative_to(PACKAGE)} imports {extra}, which "
                       f"the README map does not allow {room!r}")
