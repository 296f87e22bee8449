"""The set-up files agree with each other.

There is no conda on the development machines or in CI, so ``environment.yml`` (used by
conda users and Binder) is checked here against ``pyproject.toml``: it holds exactly the
learners' dependencies (``[project.dependencies]``), never the test extra. The CI scripts,
the Makefile and the README's Binder link are checked for the promises the README makes
about them.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml needs Python 3.11 or tomli")

ROOT = Path(__file__).resolve().parents[1]

#: conda-forge names that differ from the PyPI names in pyproject.toml.
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib", "playwright-python": "playwright"}
#: PyPI extras that conda-forge ships as separate packages.
EXTRA_PACKAGES = {("dask", "distributed"): ["distributed"]}
#: Conda entries that are tooling, not dependencies of devsim.
TOOLING = {"python", "pip"}
EDITABLE = "-e ."
#: Tools no learner needs: they belong in the test extra, never in the learners' set.
TEST_TOOLS = {"pytest", "nbval", "hypothesis", "playwright", "dask", "distributed", "jupyterhub"}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _pyproject_packages() -> dict[str, str]:
    """Package name -> specifier (e.g. '>=4.1') of the learners' dependencies."""
    project = _pyproject()["project"]
    out: dict[str, str] = {}
    for line in project["dependencies"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        out[name] = str(req.specifier)
        for extra in sorted(req.extras):
            key = (name, canonicalize_name(extra))
            assert key in EXTRA_PACKAGES, (
                f"pyproject.toml: {line!r} has the extra [{extra}]; add the conda-forge packages "
                f"it stands for to EXTRA_PACKAGES in {Path(__file__).name}")
            for pkg in EXTRA_PACKAGES[key]:
                out[canonicalize_name(pkg)] = str(req.specifier)
    return out


_CONDA_SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*$")


def _conda_entries() -> tuple[dict[str, str], list[str]]:
    """(conda package -> specifier, pip lines) from environment.yml."""
    conda: dict[str, str] = {}
    pip: list[str] = []
    for dep in _environment()["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep.get("pip", []))
            continue
        m = _CONDA_SPEC.match(str(dep))
        assert m, f"environment.yml: cannot read the dependency {dep!r}"
        conda[m.group(1).lower()] = m.group(2).replace(" ", "")
    return conda, pip


def _environment_packages() -> dict[str, str]:
    """PyPI name -> specifier of everything environment.yml installs besides tooling."""
    conda, pip = _conda_entries()
    out = {canonicalize_name(CONDA_TO_PYPI.get(name, name)): spec
           for name, spec in conda.items() if name not in TOOLING}
    for line in pip:
        if line.strip().startswith("-e"):
            continue
        req = Requirement(line)
        out[canonicalize_name(req.name)] = str(req.specifier)
    return out


def test_environment_yml_lists_the_same_packages_as_pyproject():
    wanted, have = _pyproject_packages(), _environment_packages()
    missing = sorted(set(wanted) - set(have))
    extra = sorted(set(have) - set(wanted))
    assert not missing, (f"environment.yml lacks {', '.join(missing)} "
                         "(listed in pyproject.toml dependencies)")
    assert not extra, (f"environment.yml has {', '.join(extra)}, which pyproject.toml does not "
                       "list; add them there or remove them here")


def test_learners_get_no_test_tools():
    """pip and conda learners (Binder too) install the course, not the test suite."""
    deps = {canonicalize_name(Requirement(r).name)
            for r in _pyproject()["project"]["dependencies"]}
    assert not deps & TEST_TOOLS, (f"pyproject.toml dependencies hold {sorted(deps & TEST_TOOLS)}; "
                                   "move them to the test (or hub) extra")
    _, pip = _conda_entries()
    assert not [p for p in pip if "[" in p], f"environment.yml installs devsim with an extra: {pip}"
    extras = _pyproject()["project"]["optional-dependencies"]
    test = {canonicalize_name(Requirement(r).name) for r in extras["test"]}
    assert {"pytest", "nbval"} <= test, "the test extra must keep the test tools"


def test_environment_yml_has_the_same_lower_bounds_as_pyproject():
    wanted, have = _pyproject_packages(), _environment_packages()
    differ = [f"{name}: pyproject.toml {wanted[name] or '(none)'}, environment.yml "
              f"{have[name] or '(none)'}" for name in sorted(wanted) if wanted[name] != have.get(name)]
    assert not differ, "version bounds differ: " + "; ".join(differ)


def test_environment_yml_python_and_install_line():
    env = _environment()
    conda, pip = _conda_entries()
    requires = _pyproject()["project"]["requires-python"]
    assert env.get("channels") == ["conda-forge"], f"channels: {env.get('channels')!r}"
    assert conda.get("python") == requires, (
        f"environment.yml has python{conda.get('python')}; pyproject.toml requires-python is {requires}")
    assert "pip" in conda, "environment.yml: list pip as a conda dependency when it has a pip: section"
    assert EDITABLE in pip, f"environment.yml: the pip: section must install devsim with {EDITABLE!r}"


def test_ci_run_is_exactly_make_test():
    lines = [ln.strip() for ln in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()]
    commands = [ln for ln in lines if ln and not ln.startswith("#")
                and not ln.startswith(("set ", "cd "))]
    assert commands == ["make test"], f".ci/run runs {commands}, not just 'make test'"


def test_ci_keeps_config_in_the_checkout_and_leaves_the_matplotlib_backend_alone():
    text = (ROOT / ".ci/test.sh").read_text(encoding="utf-8")
    code = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    # An exported MPLBACKEND reaches notebook kernels, where plots then vanish.
    assert "MPLBACKEND" not in code
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "MPLCONFIGDIR"):
        assert re.search(rf'export {var}="\$PWD/', code), f".ci/test.sh must export {var} under $PWD"


def test_makefile_reinstalls_when_pyproject_changes():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\$\(STAMP\): pyproject\.toml$", text, re.M)
    for target in ("lab", "test", "bench", "hub", "wheelhouse"):
        assert re.search(rf"^{target}: \$\(STAMP\)$", text, re.M), f"make {target} must install first"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_targets_resolve():
    """`make -n` prints the commands without running them: the targets and variables exist."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
    out = subprocess.run(["make", "-n", "lab", "test", "bench", "hub", "wheelhouse"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "jupyter lab --port=" in out.stdout
    assert "scripts/ensure_hub.sh" in out.stdout
    assert "jupyterhub -f workshop/jupyterhub_config.py" in out.stdout
    assert "scripts/wheelhouse.sh" in out.stdout
    assert "bash .ci/test.sh" in out.stdout
    assert "benchmarks/bench_model.py" in out.stdout and "benchmarks/bench_widgets.py" in out.stdout


def test_ci_installs_the_hub_before_the_step_that_tests_it():
    text = (ROOT / ".ci/test.sh").read_text(encoding="utf-8")
    main = re.search(r"^main\(\) \{\n(.*?)^\}", text, re.S | re.M).group(1)
    steps = [ln.split()[1] for ln in main.splitlines() if ln.strip().startswith(("step ", "pytest_step "))]
    assert "hub-setup" in steps and "workshop" in steps, steps
    assert steps.index("hub-setup") < steps.index("workshop"), steps
    assert re.search(r"^\s*step hub-setup bash scripts/ensure_hub\.sh$", main, re.M)


def test_readme_binder_link_opens_lesson_00():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+", text)
    assert links, "README.md has no Binder launch link"
    for link in links:
        assert link.endswith("?urlpath=lab/tree/notebooks/00_welcome.ipynb"), link
    assert (ROOT / "notebooks" / "00_welcome.ipynb").is_file()


# --- .ci/test.sh steps, run on throw-away test folders ------------------------------------

def _run_step(folder: Path) -> subprocess.CompletedProcess:
    """Source .ci/test.sh, run one pytest step on ``folder`` and the closing summary."""
    script = (f'source "{ROOT}/.ci/test.sh"; '
              f'pytest_step probe -q -p no:cacheprovider -p no:nbval --rootdir "{folder}" "{folder}"; '
              "finish")
    env = dict(os.environ, DEVSIM_BIN=str(Path(sys.executable).parent))
    env.pop("PYTEST_ADDOPTS", None)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the probe needs no plugin; starts faster
    return subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_ci_step_that_collects_no_test_fails_and_says_so(tmp_path):
    out = _run_step(tmp_path)
    assert out.returncode != 0, "a step that tests nothing must fail CI"
    assert "collected no tests" in out.stderr
    assert _last_line(out.stdout) == "total: 0 passed, 0 failed, 0 skipped"


def test_ci_step_counts_passes_and_fails(tmp_path):
    (tmp_path / "test_probe.py").write_text(
        "import pytest\n"
        "def test_a(): assert 1 + 1 == 2\n"
        "def test_b(): assert 2 * 2 == 4\n"
        "@pytest.mark.skip(reason='probe')\n"
        "def test_c(): pass\n", encoding="utf-8")
    out = _run_step(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert _last_line(out.stdout) == "total: 2 passed, 0 failed, 1 skipped"
    assert "total time:" in out.stdout

    (tmp_path / "test_probe.py").write_text("def test_a(): assert 1 + 1 == 3\n", encoding="utf-8")
    out = _run_step(tmp_path)
    assert out.returncode == 1
    assert _last_line(out.stdout) == "total: 0 passed, 1 failed, 0 skipped"
