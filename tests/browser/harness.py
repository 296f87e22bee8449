"""JupyterLab and Voila on a temporary copy of the course, driven by Debian's Chromium.

Shared by the browser tests (``tests/browser``), ``benchmarks/bench_browser.py`` and
``scripts/screenshots.py``, so all three start the servers and read the pages the same way.

* :func:`copy_course` copies ``notebooks/`` and ``exercises/`` into a temporary folder; the
  servers serve that copy, so a run never writes into the checkout (JupyterLab autosaves, the
  projector test adds a team file). The copy keeps the two folders side by side, as the
  projector notebook expects (``FOLDER = "../exercises/sample_teams"``).
* :func:`start_lab` and :func:`start_voila` start a server on 127.0.0.1, on a free port, with
  Jupyter's config, data and runtime folders (and the kernels' temporary files) inside the
  run's own folder, and wait until it answers. :meth:`Server.stop` stops it: SIGTERM, on
  which both servers shut their kernels down, then anything left that this server started.
* :func:`launch_browser` starts ``/usr/bin/chromium`` (never a browser downloaded by
  ``playwright install``); :func:`new_context` blocks every request that does not go to
  127.0.0.1, so no test depends on the internet.
* :class:`ConsoleLog` collects the JavaScript errors of a page (console errors and uncaught
  exceptions), minus the allow-listed harmless ones, each with the reason it is harmless.
* Lab helpers open a notebook, run all its cells through the Run menu, and read back what
  every code cell shows; sandbox helpers read the DORA tiles and move a slider with the
  keyboard, as a learner does.
"""
from __future__ import annotations

import ast
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]
# The servers come from the environment that runs the tests (.venv/bin in CI).
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
MISSING_CHROMIUM = (f"Chromium is missing at {CHROMIUM}: the browser tests drive Debian's "
                    "Chromium. Install it with `bash scripts/ensure_chromium.sh` (as root; "
                    "it runs apt-get install chromium). Do not use `playwright install`.")
VIEWPORT = {"width": 1400, "height": 1000}

# --- the course copy and the servers ---------------------------------------------------------


def copy_course(dest: Path) -> Path:
    """Copy ``notebooks/`` and ``exercises/`` into ``dest`` (created); returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for name in ("notebooks", "exercises"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore, dirs_exist_ok=True)
    return dest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (the server is told not to try others)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_env(workdir: Path) -> dict[str, str]:
    """The environment of a server: every Jupyter folder inside ``workdir``.

    The user settings switch JupyterLab's notebook windowing off, so every cell of a long
    lesson is in the page (with windowing, cells far below the screen are not rendered and
    could not be checked). The page config disables the announcements plugin, whose
    "receive official Jupyter news?" toast would cover the notebook. TMPDIR points into
    ``workdir`` too: the kernels' temporary folders and Voila's connection files go there.
    """
    jup = workdir / "jupyter"
    config = jup / "config"
    settings = config / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    dirs = {"JUPYTER_CONFIG_DIR": config, "JUPYTER_DATA_DIR": jup / "data",
            "JUPYTER_RUNTIME_DIR": jup / "runtime", "MPLCONFIGDIR": jup / "matplotlib",
            "TMPDIR": workdir / "tmp"}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    # MPLBACKEND would reach the kernels and change how plots display: never pass it on.
    # DEVSIM_TEAMS_DIR would point the projector away from the course copy under test.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MPLBACKEND", "JUPYTER_TOKEN", "JUPYTER_PORT", "DEVSIM_TEAMS_DIR")}
    env.update({k: str(v) for k, v in dirs.items()})
    return env


@dataclass
class Server:
    """A JupyterLab or Voila server started by :func:`start_lab` / :func:`start_voila`."""

    name: str
    url: str  # base URL, ends with "/"
    token: str | None
    proc: subprocess.Popen
    log: Path
    workdir: Path
    root: Path
    _log_file: Any = field(repr=False, default=None)

    def request(self, path: str, method: str = "GET", timeout: float = 10) -> tuple[int, bytes]:
        """HTTP status and body of ``url + path`` (with the token, if any)."""
        req = urllib.request.Request(self.url + path.lstrip("/"), method=method)
        if self.token:
            req.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def log_tail(self, lines: int = 80) -> str:
        if self._log_file is not None:
            self._log_file.flush()
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def shutdown_kernels(self) -> None:
        """Shut down every kernel of this JupyterLab (between lessons: frees memory and CPU)."""
        status, body = self.request("api/sessions")
        if status == 200:
            for session in json.loads(body):
                self.request(f"api/sessions/{session['id']}", method="DELETE")
        status, body = self.request("api/kernels")
        if status == 200:
            for kernel in json.loads(body):
                self.request(f"api/kernels/{kernel['id']}", method="DELETE")

    def stop(self, timeout: float = 30) -> None:
        """Stop the server; its kernels go with it."""
        if self.proc.poll() is None:
            # Both servers shut their kernels down cleanly on SIGTERM.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                # The server runs in its own process group (start_new_session): only its own.
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        _kill_leftovers(self.workdir)


def _kill_leftovers(workdir: Path, grace: float = 5) -> None:
    """Kill the processes whose command line names ``workdir``: kernels (their connection
    file is in this server's runtime or temporary folder) that outlived their server."""
    marker = str(workdir)
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmd and int(proc.name) != os.getpid():
            found.append(int(proc.name))
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for pid in found:
            try:
                os.kill(pid, sig)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in alive):
            time.sleep(0.2)
        found = [p for p in alive if Path(f"/proc/{p}").exists()]


def _start(name: str, cmd: list[str], *, port: int, token: str | None, ready: str,
           workdir: Path, root: Path, timeout: float) -> Server:
    log = workdir / f"{name}.log"
    log_file = open(log, "ab")  # noqa: SIM115 - closed by Server.stop
    proc = subprocess.Popen(cmd, cwd=workdir, env=jupyter_env(workdir), stdin=subprocess.DEVNULL,
                            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, f"http://127.0.0.1:{port}/", token, proc, log, workdir, root, log_file)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"{name} exited with code {proc.returncode} before answering "
                               f"{server.url}{ready}; the end of its log ({log}):\n"
                               f"{server.log_tail()}")
        try:
            status, _ = server.request(ready, timeout=5)
        except OSError:
            status = None
        if status == 200:
            return server
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{name} did not answer {server.url}{ready} within {timeout:g} s "
                               f"(last status {status}); the end of its log ({log}):\n"
                               f"{server.log_tail()}")
        time.sleep(0.25)


def start_lab(root: Path, workdir: Path, *, timeout: float = 120) -> Server:
    """JupyterLab serving ``root``, answering ``/api/status`` (token in :attr:`Server.token`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    cmd = [str(BIN / "jupyter"), "lab", "--no-browser",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           # Another process may take the port between free_port() and the bind: fail then,
           # rather than answer on a port nobody checks.
           "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           # Nothing fetched from the internet: no news, no update check, no PyPI search.
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly",
           # CI runs as root; Jupyter refuses to unless told.
           "--ServerApp.allow_root=True"]
    return _start("jupyterlab", cmd, port=port, token=token, ready="api/status",
                  workdir=workdir, root=root, timeout=timeout)


def start_voila(root: Path, workdir: Path, *, timeout: float = 120) -> Server:
    """Voila serving the folder ``root``: a notebook is at ``voila/render/<path>``."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cmd = [str(BIN / "voila"), str(root), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
           # A failing cell shows its traceback on the page, where the test reads it.
           "--show_tracebacks=True"]
    return _start("voila", cmd, port=port, token=None, ready="", workdir=workdir, root=root,
                  timeout=timeout)


# --- the browser ------------------------------------------------------------------------------


def launch_browser(playwright):
    """Debian's Chromium, headless, through Playwright."""
    if not CHROMIUM.exists():
        raise RuntimeError(MISSING_CHROMIUM)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def _is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:"))


def new_context(browser, viewport: dict[str, int] | None = None):
    """A browser context (fresh cookies and storage) that only reaches 127.0.0.1."""
    context = browser.new_context(viewport=viewport or VIEWPORT)
    context.route(lambda url: not _is_local(url), lambda route: route.abort())
    return context


@dataclass(frozen=True)
class Allowed:
    """A console error known to be harmless: what it matches and why it is harmless."""

    text: str  # regular expression on the message
    url: str  # regular expression on the source URL ("" matches any)
    why: str


#: Console errors that are not failures. Keep each one narrow, with its reason.
ALLOWED_ERRORS = (
    # Voila's "lab" template links Font Awesome from cdn.jsdelivr.net (voila/templates/lab/
    # index.html.j2). The tests block the internet (and a projector room may have none);
    # the page does not need it: voila.js bundles Font Awesome 5.15.4, so icons still show.
    Allowed(text=r"^Failed to load resource",
            url=r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@",
            why="Voila's template links Font Awesome from a CDN; voila.js bundles it anyway"),
)


@dataclass
class ConsoleLog:
    """JavaScript errors of the pages it is attached to."""

    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", lambda msg: self._console(page, msg))
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught {exc}"))

    def _console(self, page, msg) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        line = f"{page.url}: console.error {msg.text!r} (from {url or 'unknown source'})"
        for rule in ALLOWED_ERRORS:
            if re.search(rule.text, msg.text) and (not rule.url or re.search(rule.url, url)):
                self.allowed.append(f"{line}: allowed, {rule.why}")
                return
        self.errors.append(line)


# --- JupyterLab -------------------------------------------------------------------------------


def open_lab_notebook(context, lab: Server, path: str, console: ConsoleLog | None = None,
                      timeout: float = 120):
    """A new tab with ``path`` (relative to the served root) open in JupyterLab, its kernel
    started, connected and idle.

    ``?reset`` starts from an empty workspace: only this notebook, nothing restored.
    """
    page = context.new_page()
    if console is not None:
        console.attach(page)
    page.goto(f"{lab.url}lab/tree/{path}?reset&token={lab.token}", timeout=timeout * 1000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout * 1000)
    # The toolbar's execution indicator reads "idle" before any kernel exists (JupyterLab
    # shows "No Kernel | Initializing" meanwhile), and Run All then opens a "Select Kernel"
    # dialog: wait for the kernel's name, the server's word that it is idle and connected,
    # and the indicator.
    wait_for(lambda: _kernel_ready(page, lab, path), timeout,
             f"the kernel of {path} to start and connect")
    return page


def _kernel_ready(page, lab: Server, path: str) -> bool:
    shown = page.evaluate("""() => {
      const name = document.querySelector('.jp-NotebookPanel-toolbar .jp-KernelName');
      const ind = document.querySelector(
          '.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
      return [name ? name.textContent.trim() : '', ind ? ind.dataset.status : ''];
    }""")
    if not shown[0] or shown[0] == "No Kernel" or shown[1] != "idle":
        return False
    status, body = lab.request("api/sessions")
    if status != 200:
        return False
    return any(s["path"] == path and s.get("kernel") and
               s["kernel"].get("execution_state") == "idle" and
               s["kernel"].get("connections", 0) >= 1 for s in json.loads(body))


_STATE_JS = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const cells = nb ? [...nb.querySelectorAll('.jp-CodeCell')] : [];
  const ind = document.querySelector(
      '.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
  return {
    prompts: cells.map(c => {
      // A collapsed input (computed prose) shows a placeholder and no prompt: null.
      if (c.querySelector('.jp-InputPlaceholder')) return null;
      const p = c.querySelector('.jp-InputArea-prompt');
      return p ? p.textContent.trim() : '';
    }),
    status: ind ? ind.dataset.status : null,
    errors: nb ? nb.querySelectorAll(
        '[data-mime-type="application/vnd.jupyter.stderr"]').length : 0,
    dialog: [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText).join(' | '),
  };
}"""


def run_all_cells(page, timeout: float = 300) -> dict[str, Any]:
    """Run > Run All Cells, then wait until every code cell has run (or one failed).

    Done means: the kernel is idle, no cell is queued or running (``[*]``), and either every
    visible prompt reads its cell's place, ``[1]`` to ``[n]`` (a fresh kernel ran every cell
    once; a cell with collapsed input shows no prompt), or a cell shows an error (JupyterLab
    then stops the run). Returns the last state seen.
    """
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(_STATE_JS)
        if state["dialog"]:
            raise AssertionError(f"JupyterLab opened a dialog instead of running: "
                                 f"{state['dialog']!r}")
        # Each visible prompt reads its cell's place ([1] to [n]); collapsed cells show none.
        shown = [(i, p) for i, p in enumerate(state["prompts"], 1) if p is not None]
        in_order = bool(shown) and all(p == f"[{i}]:" for i, p in shown)
        if state["status"] == "idle" and "[*]:" not in state["prompts"] and (
                in_order or state["errors"]):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"the notebook did not finish running within {timeout:g} s: "
                                 f"kernel {state['status']}, prompts {state['prompts']}")
        time.sleep(0.5)


_CELLS_JS = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  return [...nb.querySelectorAll('.jp-CodeCell')].map(c => {
    const area = c.querySelector('.jp-Cell-outputArea');
    const outs = area ? [...area.querySelectorAll(':scope > .jp-OutputArea-child')] : [];
    const p = c.querySelector('.jp-InputArea-prompt');
    return {
      prompt: c.querySelector('.jp-InputPlaceholder') ? null : (p ? p.textContent.trim() : ''),
      outputs: outs.map(o => {
        const body = o.querySelector('.jp-OutputArea-output');
        return {
          text: body ? body.innerText.slice(0, 3000) : '',
          widget: !!o.querySelector('.jupyter-widgets'),
          widget_labels: [...o.querySelectorAll('.widget-label')].map(l => l.textContent),
          stderr: [...o.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')]
                    .map(e => e.innerText.slice(0, 3000)),
          images: [...o.querySelectorAll('img')].map(i => i.complete && i.naturalWidth > 0),
        };
      }),
    };
  });
}"""


def cell_report(page) -> list[dict[str, Any]]:
    """What each code cell shows: prompt, and per output its text, widget, stderr, images."""
    return page.evaluate(_CELLS_JS)


def wait_widgets_rendered(page, timeout: float = 60) -> None:
    """Wait until no widget output still says "Loading widget..."."""
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-OutputArea-output')]"
        ".some(o => /^Loading widget/.test(o.textContent.trim()))", timeout=timeout * 1000)


# What a cell shows when its last line calls into these devsim modules (names as the lessons
# import them): a widget for devsim.widgets and the projector, a picture for devsim.plots.
_DISPLAYS = {"widgets": "widget", "plots": "image", "Projector": "widget", "projector": "widget"}


def _call_root(node: ast.AST) -> str | None:
    # a.b(...).c(...)[k] and the like: walk down calls, attributes and subscripts alike.
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def expected_display(source: str) -> str | None:
    """"widget", "image" or None: what a code cell's last line displays, read from its code.

    ``widgets.sandbox(...)`` and ``plots.cumulative_flow(...)`` as the last line, or a name
    assigned from such a call earlier in the cell (``sandbox = widgets.sandbox(...)`` then
    ``sandbox``).
    """
    if source.rstrip().endswith(";"):  # IPython shows nothing after a trailing semicolon
        return None
    try:
        body = ast.parse(source).body
    except SyntaxError:  # IPython magics: not ours to guess
        return None
    if not body or not isinstance(body[-1], ast.Expr):
        return None
    last = body[-1].value
    if isinstance(last, ast.Name):
        name = last.id
        for stmt in body[:-1]:   # the last assignment to that name wins
            if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                last = stmt.value
    if not isinstance(last, ast.Call):
        return None
    return _DISPLAYS.get(_call_root(last))


def code_sources(notebook: Path) -> list[str]:
    """The source of each code cell of ``notebook``, in order."""
    nb = json.loads(notebook.read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


_WIDGET_REPR = re.compile(r"^[A-Z]\w*\((children|value|layout)=")
_STATUS_ERROR = re.compile(r"^(Error|Not run|Watcher)\b")


def notebook_problems(report: list[dict[str, Any]], sources: list[str]) -> list[str]:
    """Everything wrong with a notebook after Run All, one line each (empty: all is well).

    Checks that every code cell ran once, in order; that no cell shows an error, a traceback
    or anything on stderr; that every widget output is a rendered widget (not its text repr)
    whose status lines show no error; that every image decoded; that no figure fell back to
    its text ``<Figure size ...>``; and that each cell whose code displays a widget or a plot
    (:func:`expected_display`) shows one.
    """
    problems = []
    if len(report) != len(sources):
        problems.append(f"{len(report)} code cells in the page, {len(sources)} in the file")
    # A collapsed input (computed prose) shows no prompt (None): its outputs are still checked.
    prompts = [c["prompt"] for c in report]
    if not all(p is None or p == f"[{i}]:" for i, p in enumerate(prompts, 1)):
        problems.append(f"not every cell ran once in order: prompts {prompts}")
    for k, (cell, source) in enumerate(zip(report, sources), start=1):
        where = f"code cell {k} ({source.strip().splitlines()[0][:60] if source.strip() else ''})"
        for out in cell["outputs"]:
            for text in out["stderr"]:
                problems.append(f"{where}: error or stderr output: {text[:800]}")
            if "Traceback" in out["text"]:
                problems.append(f"{where}: a traceback in the output: {out['text'][:800]}")
            if "<Figure size" in out["text"] and not out["images"]:
                problems.append(f"{where}: a figure shown as text, not as a picture")
            if _WIDGET_REPR.match(out["text"]) and not out["widget"]:
                problems.append(f"{where}: a widget shown as its text repr: {out['text'][:200]}")
            if "Error displaying widget" in out["text"]:
                problems.append(f"{where}: {out['text'][:300]}")
            for label in out["widget_labels"]:
                if _STATUS_ERROR.match(label.strip()):
                    problems.append(f"{where}: a widget reports an error: {label[:300]}")
            if not all(out["images"]):
                problems.append(f"{where}: an image that did not load")
        expected = expected_display(source)
        if expected == "widget" and not any(o["widget"] for o in cell["outputs"]):
            problems.append(f"{where}: displays a widget, but no widget was rendered")
        if expected == "image" and not any(o["images"] for o in cell["outputs"]):
            problems.append(f"{where}: displays a plot, but no image was rendered")
    return problems


# --- the sandbox and the projector ------------------------------------------------------------

SANDBOX = ".jp-OutputArea-output:has(div.devsim-tiles)"


def sandbox_root(page):
    """The output that holds the Sandbox (the one with DORA tiles), in JupyterLab or Voila."""
    return page.locator(SANDBOX).first


def tiles(root) -> dict[str, str]:
    """Metric -> the tile's value text, e.g. ``{"lead_time_hours": "12.0", ...}``."""
    return dict(root.locator("div.devsim-tile").evaluate_all(
        "ts => ts.map(t => [t.dataset.metric, t.querySelector('.devsim-value').textContent])"))


def sandbox_status(root) -> str:
    """The Sandbox's status line ("updated in 0.31 s", "running…" or an error)."""
    return root.locator(".widget-vbox > .widget-label").first.inner_text().strip()


def open_group(root, title: str) -> None:
    """Open the accordion section ``title`` (e.g. "Automation") if it is closed."""
    header = root.locator(f".jupyter-widget-Collapse-header:has(> span:text-is('{title}'))")
    contents = header.locator("xpath=following-sibling::*[1]")
    if "lm-mod-hidden" in (contents.get_attribute("class") or ""):
        header.click()
    contents.wait_for(state="visible")


def slider(root, label: str):
    """The slider row whose description is ``label``, e.g. "Test automation (share)"."""
    return root.locator(f".widget-slider:has(> label.widget-label:text-is('{label}'))")


def slider_readout(root, label: str) -> str:
    """The number shown next to the slider ``label``."""
    return slider(root, label).locator(".widget-readout").inner_text().strip()


@dataclass(frozen=True)
class Move:
    """One slider move: the tile's new text, and how long it took."""

    text: str
    browser_s: float  # key press -> the tile's text changed in the page
    kernel_s: float  # what the status line says the kernel took ("updated in 0.31 s")


# Times one move inside the page: from the keydown (capture phase, before noUiSlider sees
# it) to the DOM mutation that changes the tile's text, so Playwright's own round trips are
# not counted.
_WATCH_JS = """(root, [metric, before, timeoutMs]) => {
  const read = () => {
    const v = root.querySelector(`div.devsim-tile[data-metric="${metric}"] .devsim-value`);
    return v ? v.textContent : null;
  };
  window.__devsimMove = new Promise((resolve, reject) => {
    let t0 = null;
    document.addEventListener('keydown', () => { if (t0 === null) t0 = performance.now(); },
                              {capture: true, once: true});
    const obs = new MutationObserver(() => {
      const now = read();
      if (t0 !== null && now !== null && now !== before) {
        obs.disconnect();
        resolve({text: now, ms: performance.now() - t0});
      }
    });
    obs.observe(root, {subtree: true, childList: true, characterData: true});
    setTimeout(() => { obs.disconnect(); reject(new Error(
      `the ${metric} tile still reads ${before} after ${timeoutMs} ms`)); }, timeoutMs);
  });
}"""


def move_slider(root, label: str, key: str, metric: str, timeout: float = 60) -> Move:
    """Press ``key`` (ArrowLeft / ArrowRight: one step) on the slider ``label`` and wait until
    the tile of ``metric`` changes and the status line says "updated in".

    The handle is focused and pressed as a keyboard user would; noUiSlider reports a
    keyboard step as a finished move, so the Sandbox (which updates on release) runs at once.
    """
    before = tiles(root)[metric]
    root.evaluate(_WATCH_JS, [metric, before, int(timeout * 1000)])
    handle = slider(root, label).locator(".noUi-handle")
    handle.focus()
    handle.press(key)
    changed = root.page.evaluate("() => window.__devsimMove")
    # The kernel sends "running…", then the tiles, then "updated in …": wait for the last.
    status = wait_for(lambda: (s := sandbox_status(root)).startswith("updated in") and s,
                      timeout, f"the status line to read 'updated in' after moving {label}",
                      poll=0.05)
    match = re.match(r"updated in ([0-9.]+) s", status)
    return Move(changed["text"], changed["ms"] / 1000, float(match.group(1)) if match else
                float("nan"))


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, poll: float = 0.25):
    """Poll ``predicate`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        time.sleep(poll)


def page_problems(page) -> list[str]:
    """Error outputs anywhere in a page (Voila shows a failing cell's traceback as stderr)."""
    return page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
