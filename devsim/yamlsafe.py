"""Reading a YAML file someone else wrote, without letting it hang or crash the reader.

Scenario files come from learners, and the leaderboard and projector read a shared folder
of them, so one careless or hostile file must not stop the room. :func:`read_yaml` is the
only way devsim reads YAML (:func:`devsim.scenario.load_scenario` calls it). Before
anything is built it checks, on the file's bytes and then on the parser's event stream
(no object is constructed yet):

* the size: at most :data:`MAX_FILE_BYTES` (a full scenario written by devsim is about
  2 KB);
* the encoding: UTF-8 (a byte-order mark is allowed); UTF-16 and other bytes are named;
* the nesting: at most :data:`MAX_DEPTH` levels of lists and mappings (a scenario has one),
  so a 2,000-level file is refused at level 21, not by a ``RecursionError``;
* aliases (``*name``): at most :data:`MAX_ALIASES` uses, and at most :data:`MAX_NODES`
  values once every alias is expanded, so a "billion laughs" file is refused after reading
  a few hundred events instead of building a billion-item list;
* duplicate keys: an error naming the key and both lines (YAML would keep the last one
  silently).

Every error is a :class:`YamlFileError` (a ``ValueError``) whose one-line message starts
with the file's name, gives the line where it is known, and quotes a value only up to
:data:`QUOTE_CHARS` characters (:func:`short_repr`), so a message never holds a file's
content or the ``repr`` of a huge value.

This module imports nothing from devsim.
"""
from __future__ import annotations

import numbers
import os
import stat
from pathlib import Path
from typing import Any

import yaml

__all__ = ["read_yaml", "short_repr", "YamlFileError", "MAX_FILE_BYTES", "MAX_DEPTH",
           "MAX_ALIASES", "MAX_NODES", "QUOTE_CHARS"]

#: Largest file read, in bytes (256 KiB; devsim writes a whole scenario in about 2 KB).
MAX_FILE_BYTES = 256 * 1024
#: Deepest nesting of lists and mappings (a scenario is one flat mapping: depth 1).
MAX_DEPTH = 20
#: Most alias uses (``*name``) in one file (a scenario needs none).
MAX_ALIASES = 100
#: Most values (scalars, lists, mappings) once every alias is expanded (a scenario has ~110).
MAX_NODES = 10_000
#: Longest quote of a value in a message, in characters.
QUOTE_CHARS = 40

try:  # libyaml's parser when present (fast); the pure-Python one gives the same events
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlFileError(ValueError):
    """A YAML file that cannot be read; the message names the file, the line and the problem."""


def short_repr(value: Any, limit: int = QUOTE_CHARS) -> str:
    """A ``repr`` of ``value`` cut to about ``limit`` characters, built without ever making
    the full ``repr`` of a large value.

    Parameters
    ----------
    value : object
        Anything; containers and long texts are described or cut, never rendered whole.
    limit : int
        Most characters quoted from a text.

    Returns
    -------
    str
        ``'abc'``, ``'aaaa...' (5000 characters)``, ``a list of 3 items``, ``12``, ...
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}... ({len(value)} characters)"
    if isinstance(value, (bytes, bytearray)):
        if len(value) <= limit:
            return repr(bytes(value))
        return f"{bytes(value[:limit])!r}... ({len(value)} bytes)"
    if isinstance(value, bool) or value is None or type(value).__name__ in ("bool", "bool_"):
        return repr(bool(value)) if value is not None else "None"
    if isinstance(value, numbers.Integral):
        try:
            n = int(value)
        except Exception:  # noqa: BLE001 - an odd Integral: describe its type only
            return f"a {type(value).__name__}"
        if n.bit_length() > 128:  # repr of a 5,000-digit int raises; this is plenty
            return f"a whole number of about {int(n.bit_length() * 0.30103) + 1} digits"
        return repr(n)  # numpy's np.int64(3) shows as 3, as the learner typed it
    if isinstance(value, numbers.Real):
        try:
            text = repr(float(value))
        except Exception:  # noqa: BLE001
            return f"a {type(value).__name__}"
        return text if len(text) <= limit else text[:limit] + "..."
    for kind, name in ((dict, "mapping"), (list, "list"), (tuple, "tuple"), (set, "set"),
                       (frozenset, "set")):
        if isinstance(value, kind):
            n = len(value)
            return f"a {name} of {n} item{'s' if n != 1 else ''}"
    size = getattr(value, "size", None)  # numpy arrays and the like
    if isinstance(size, numbers.Integral) and not isinstance(value, numbers.Number):
        return f"a {type(value).__name__} of {int(size)} items"
    return f"a {type(value).__name__}"


def _line_of(data: bytes, position: int) -> int:
    return data[:max(position, 0)].count(b"\n") + 1


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise YamlFileError(f"{path}: no such {what}") from None
    except OSError as exc:
        raise YamlFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise YamlFileError(f"{path}: is a folder, not a {what}")
    if not stat.S_ISREG(st.st_mode):  # a FIFO or a device would block or never end
        raise YamlFileError(f"{path}: is not a regular file; give a {what}")
    if st.st_size > MAX_FILE_BYTES:
        raise YamlFileError(f"{path}: is {st.st_size:,} bytes; a {what} may be at most "
                            f"{MAX_FILE_BYTES:,} bytes")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise YamlFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:  # grew after stat
        raise YamlFileError(f"{path}: is over {MAX_FILE_BYTES:,} bytes; a {what} may be at "
                            f"most {MAX_FILE_BYTES:,} bytes")
    return data


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlFileError(f"{path}: is UTF-16 text, not UTF-8; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise YamlFileError(f"{path}: line {_line_of(data, exc.start)}: is not UTF-8 text "
                            f"(byte 0x{bad:02x}); save it as UTF-8") from None


def _yaml_problem(path: Path, exc: yaml.YAMLError, text: str) -> YamlFileError:
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[:max(exc.position, 0)].count("\n") + 1
        return YamlFileError(f"{path}: line {line}: not valid YAML: character "
                             f"#x{exc.character:04x} is not allowed ({exc.reason})")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"line {mark.line + 1}: " if mark is not None else ""
    parts = [p for p in (getattr(exc, "context", None), getattr(exc, "problem", None)) if p]
    what = ", ".join(parts) or type(exc).__name__
    what = " ".join(what.split())
    if len(what) > 160:
        what = what[:160] + "..."
    if "nesting depth" in what:  # libyaml's own limit on flow nesting, met first
        return YamlFileError(f"{path}: {where}nested deeper than {MAX_DEPTH} levels; a "
                             "scenario file is one flat mapping of field: value")
    hint = "; indent with spaces, not tabs" if "tab" in what else ""
    return YamlFileError(f"{path}: {where}not valid YAML: {what}{hint}")


def _check_events(path: Path, text: str) -> None:
    """Depth, alias and expanded-size limits, read from the parser's events alone."""
    sizes: dict[str, int] = {}   # anchor -> values it stands for, expanded
    stack: list[list] = []       # open collections: [values so far, anchor]
    expanded = aliases = 0

    def add(n: int, mark) -> None:
        nonlocal expanded
        expanded += n
        if stack:
            stack[-1][0] += n
        if expanded > MAX_NODES:
            raise YamlFileError(
                f"{path}: line {mark.line + 1}: holds over {MAX_NODES:,} values once its "
                f"aliases are expanded; a scenario file has about 100")

    for event in yaml.parse(text, Loader=_BaseLoader):
        mark = event.start_mark
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise YamlFileError(f"{path}: line {mark.line + 1}: nested deeper than "
                                    f"{MAX_DEPTH} levels; a scenario file is one flat mapping "
                                    "of field: value")
            add(1, mark)
            stack.append([0, event.anchor])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            inner, anchor = stack.pop()
            if anchor is not None:
                sizes[anchor] = inner + 1
        elif isinstance(event, yaml.ScalarEvent):
            add(1, mark)
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlFileError(f"{path}: line {mark.line + 1}: uses more than "
                                    f"{MAX_ALIASES} aliases (*name); a scenario file needs none")
            add(sizes.get(event.anchor, 1), mark)


class _Loader(_BaseLoader):
    """The safe loader, refusing duplicate keys and turning a value Python cannot build
    (a 5,000-digit number, 2024-13-45) into a YAML error at its line."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as exc:
            text = " ".join(str(exc).split())
            if "digits" in text:
                text = "a number too long to read"
            text = text[:120]
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({text})", node.start_mark) from None

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue  # "<<: *base" then overriding a key is allowed
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue  # the base class names the unhashable key
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise _DuplicateKey(key, line, seen[key])
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


class _DuplicateKey(Exception):
    def __init__(self, key, line, first):
        super().__init__(key, line, first)
        self.key, self.line, self.first = key, line, first


def read_yaml(path: str | Path, *, what: str = "YAML file",
              lines: dict | None = None) -> Any:
    """Read one YAML document from a file, within the limits above.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file should be, for messages ("scenario file").
    lines : dict, optional
        If given, filled with ``key -> line number`` for the keys of a top-level mapping,
        so a caller can point at the line of a bad value.

    Returns
    -------
    object
        The document (None for an empty file).

    Raises
    ------
    YamlFileError
        Missing, a folder, not a regular file, too large, not UTF-8, not valid YAML, too
        deep, too many aliases, a duplicate key. The message starts with the path.
    """
    path = Path(path)
    data = _read_bytes(path, what)
    text = _decode(path, data)
    try:
        _check_events(path, text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if lines is not None and isinstance(node, yaml.MappingNode):
                for key_node, _ in node.value:
                    if isinstance(key_node, yaml.ScalarNode):
                        lines.setdefault(key_node.value, key_node.start_mark.line + 1)
            return loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _DuplicateKey as dup:
        raise YamlFileError(f"{path}: line {dup.line}: duplicate key {short_repr(dup.key)} "
                            f"(first at line {dup.first}); give each key once") from None
    except yaml.YAMLError as exc:
        raise _yaml_problem(path, exc, text) from None
    except RecursionError:  # the limits above make this unreachable; never a traceback
        raise YamlFileError(f"{path}: nested too deeply to read") from None
