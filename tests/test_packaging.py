"""The course ships inside the package: a wheel holds notebooks/ and exercises/, and a
non-editable install in a fresh environment gives a learner the course with
``devsim workspace`` and opens it with ``devsim lab``.

The wheel is built from this checkout (``pip wheel``, with build isolation: setuptools from
the package index, as ``pip install .`` does). The fresh environment gets devsim from the
wheel and borrows devsim's dependencies from the test environment (a path line, so no
install from the network); tests/test_offline.py installs everything from scratch.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from devsim.workspace import MANIFEST, sync_workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                           "--disable-pip-version-check", "--wheel-dir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (found,) = out.glob("devsim-*.whl")
    return found


def _course_files(tmp_path: Path) -> set[str]:
    """What `devsim workspace` copies from the repository: the one source of the course."""
    return set(sync_workspace(tmp_path / "probe", source=ROOT).added)


def test_wheel_holds_every_course_file(wheel, tmp_path):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n[len("devsim/course/"):] for n in names
               if n.startswith("devsim/course/") and not n.endswith("/")}
    course = _course_files(tmp_path)
    assert "notebooks/00_welcome.ipynb" in course
    missing, extra = sorted(course - shipped), sorted(shipped - course)
    assert not missing, (f"the wheel lacks {missing[:5]}: add their folder or file type to "
                         "[tool.setuptools] packages / package-dir / package-data in pyproject.toml")
    assert not extra, f"the wheel ships files the workspace would not copy: {extra[:5]}"


def test_wheel_holds_every_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "devsim"
    modules = {p.relative_to(ROOT).as_posix() for p in package.rglob("*.py")
               if "__pycache__" not in p.parts}
    data = {p.relative_to(ROOT).as_posix() for p in (package / "data").iterdir()
            if p.suffix in (".yaml", ".csv")}
    missing = sorted((modules | data) - names)
    assert not missing, (f"the wheel lacks {missing[:5]}: list the sub-package in "
                         "[tool.setuptools] packages of pyproject.toml")


@pytest.fixture(scope="module")
def fresh(wheel, tmp_path_factory) -> Path:
    """A new environment with devsim installed from the wheel (not editable)."""
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install",
                           "--quiet", "--no-deps", "--no-index", "--disable-pip-version-check",
                           str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # devsim's dependencies come from the test environment, after the new environment's own
    # site-packages (a plain path line: the editable devsim's hook there is not run).
    (Path(site) / "zz_borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return py


def _devsim(py: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    script = py.parent / ("devsim.exe" if os.name == "nt" else "devsim")
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={k: v for k, v in os.environ.items()
                                            if k not in ("PYTHONPATH",)})


def test_non_editable_install_gives_the_course(fresh, tmp_path):
    where = subprocess.run([str(fresh), "-c", "import devsim, devsim.workspace as w; "
                            "print(devsim.__file__); print(w.default_source())"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split()
    assert not where[0].startswith(str(ROOT)), f"devsim came from the checkout: {where[0]}"
    assert where[1].endswith(os.path.join("devsim", "course")), where[1]

    dest = tmp_path / "course"
    out = _devsim(fresh, "workspace", str(dest), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (dest / "notebooks" / "00_welcome.ipynb").is_file()
    assert (dest / "exercises" / "08_capstone.ipynb").is_file()
    assert (dest / MANIFEST).is_file()
    assert set(_course_files(tmp_path)) <= {p.relative_to(dest).as_posix()
                                            for p in dest.rglob("*") if p.is_file()}

    # the learner's edit survives a second run
    mine = dest / "notebooks" / "00_welcome.ipynb"
    mine.write_text(mine.read_text(encoding="utf-8").replace("Welcome", "My welcome", 1),
                    encoding="utf-8")
    edited = mine.read_bytes()
    out = _devsim(fresh, "workspace", str(dest), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert mine.read_bytes() == edited
    assert "notebooks/00_welcome.ipynb" in out.stdout.split("Kept")[1]


def test_devsim_lab_prepares_the_workspace_and_opens_lesson_00(fresh, tmp_path):
    dest = tmp_path / "ws"
    out = _devsim(fresh, "lab", str(dest), "--dry-run", "--no-browser", "--port", "8899",
                  cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (dest / "notebooks" / "00_welcome.ipynb").is_file()
    command = out.stdout.strip().splitlines()[-1]
    assert "-m jupyter lab" in command and "bash" not in command
    assert f"--ServerApp.root_dir={dest.resolve()}" in command
    assert "--LabApp.default_url=/lab/tree/notebooks/00_welcome.ipynb" in command
    assert "--port=8899" in command and "--no-browser" in command
