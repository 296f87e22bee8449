"""Browser tests: the course in JupyterLab and Voila, driven by Debian's Chromium.

Every test in this folder is marked ``browser``. The servers (see :mod:`harness`) serve a
temporary copy of ``notebooks/`` and ``exercises/``, listen on 127.0.0.1 only, on a free
port, and are stopped when the session ends; the browser reaches nothing but 127.0.0.1.

Screenshots and the servers' logs go to one folder, named at the end of the run
(``browser artifacts: ...``): ``$DEVSIM_BROWSER_ARTIFACTS`` if set (CI can keep it),
otherwise a folder under pytest's temporary directory. A failing test also leaves a
screenshot of each page it had open there.

Chromium must be at /usr/bin/chromium (``bash scripts/ensure_chromium.sh`` installs it); a
missing browser fails every test with that message instead of skipping them.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

import harness

HERE = Path(__file__).resolve().parent
_ARTIFACTS: list[Path] = []


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # The context fixture reads this to screenshot the pages of a failed test.
    setattr(item, f"rep_{report.when}", report)


def pytest_terminal_summary(terminalreporter):
    if _ARTIFACTS:
        terminalreporter.write_line(
            f"browser artifacts (screenshots, server logs): {_ARTIFACTS[0]}")


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Folder for screenshots and server logs."""
    chosen = os.environ.get("DEVSIM_BROWSER_ARTIFACTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("browser-artifacts",
                                                                 numbered=False)
    folder.mkdir(parents=True, exist_ok=True)
    _ARTIFACTS[:] = [folder]
    return folder


def _serve(start, tmp_path_factory, artifacts, name):
    base = tmp_path_factory.mktemp(name)
    root = harness.copy_course(base / "course")
    try:
        server = start(root, base / "server")
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.copy(server.log, artifacts / f"{name}.log")


@pytest.fixture(scope="session")
def lab(tmp_path_factory, artifacts):
    """JupyterLab on a copy of the course (:class:`harness.Server`)."""
    yield from _serve(harness.start_lab, tmp_path_factory, artifacts, "jupyterlab")


@pytest.fixture(scope="session")
def voila(tmp_path_factory, artifacts):
    """Voila serving a copy of the course folder (``voila/render/notebooks/...``)."""
    yield from _serve(harness.start_voila, tmp_path_factory, artifacts, "voila")


@pytest.fixture(scope="session")
def playwright_session():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_session):
    """Debian's Chromium (fails, with how to install it, if /usr/bin/chromium is missing)."""
    if not harness.CHROMIUM.exists():
        pytest.fail(harness.MISSING_CHROMIUM, pytrace=False)
    b = harness.launch_browser(playwright_session)
    yield b
    b.close()


@pytest.fixture()
def console():
    """The JavaScript errors of the pages a test attaches it to (:class:`harness.ConsoleLog`)."""
    return harness.ConsoleLog()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:80]


@pytest.fixture()
def context(browser, request, artifacts, lab_kernels_off):
    """A fresh browser context (no cookies, no storage, only 127.0.0.1 reachable).

    A failed test leaves a screenshot of each of its pages in the artifacts folder.
    """
    ctx = harness.new_context(browser)
    ctx.set_default_timeout(60_000)
    yield ctx
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for k, page in enumerate(ctx.pages):
            path = artifacts / f"FAILED-{_slug(request.node.name)}-{k}.png"
            try:
                page.screenshot(path=str(path))
                print(f"screenshot of the failed page: {path}")
            except Exception as exc:  # noqa: BLE001 - the test's own failure matters more
                print(f"could not screenshot {page.url}: {exc}")
    ctx.close()


@pytest.fixture()
def lab_kernels_off(request):
    """After a test that used JupyterLab, shut its kernels down (runs after the context
    closed its pages, so no page reconnects them)."""
    yield
    if "lab" in request.fixturenames:
        request.getfixturevalue("lab").shutdown_kernels()


@pytest.fixture()
def screenshot(artifacts, record_property, request):
    """``screenshot(locator_or_page, name)`` saves a PNG into the artifacts folder and names
    it in the test's output and in the JUnit report."""
    def save(target, name: str) -> Path:
        path = artifacts / f"{_slug(name)}.png"
        target.screenshot(path=str(path))
        print(f"screenshot: {path}")
        record_property(f"screenshot_{_slug(name)}", str(path))
        return path

    return save
