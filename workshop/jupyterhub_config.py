"""JupyterHub for a devsim workshop: one machine, one room, one day.

    make hub                                    # here: installs what is missing, then starts
    .venv/bin/jupyterhub -f workshop/jupyterhub_config.py   # the same, by hand

What it sets up (JupyterHub 5.1 or later; docs/instructor-guide.md, "Running a workshop on
one JupyterHub", is the trainer's page):

* **Log-in**: JupyterHub's SharedPasswordAuthenticator. Every learner picks a user name and
  types the one password the trainer hands out (``WORKSHOP_PASSWORD``; if unset, one is made
  up once and kept in ``STATE/password``). Suited to a one-day class, not to more: anyone
  with the password can log in under any name but the trainer's.
* **Spawner**: the local process spawner in its simple form (SimpleLocalProcessSpawner).
  Every learner's server runs as the hub's own Unix user, in its own folder
  ``WORKSHOP_HOMES/<name>``. No Unix accounts to create; learners are *not* isolated from
  each other (their code can read other learners' folders). For a room where that matters,
  use The Littlest JupyterHub (one Unix user per learner, systemd limits).
* **The course**: a pre-spawn hook runs ``devsim workspace <folder>`` before each start:
  the first start creates the learner's copy of the lessons and exercises, later starts
  take course updates and never overwrite a learner's changes. JupyterLab opens on lesson 00.
* **Idle culling**: jupyterhub-idle-culler, as a hub service, stops a server idle for
  ``WORKSHOP_CULL_IDLE_S`` seconds (default 5400: a lunch break survives, the evening does
  not); files stay. Inside each server, kernels idle for an hour are shut down too.
* **Limits**: ``WORKSHOP_MEM_LIMIT`` (default 1G) and ``WORKSHOP_CPU_LIMIT`` (default 1) are
  set, but the local process spawner does **not** enforce them: it only passes them to the
  server as ``MEM_LIMIT``/``CPU_LIMIT`` (shown by jupyter-resource-usage, if installed).
  SystemdSpawner (TLJH) and KubeSpawner (Zero to JupyterHub, workshop/z2jh-values.yaml)
  enforce them. What *is* enforced here: at most ``WORKSHOP_MAX_LEARNERS`` running servers
  (default 30, the measured capacity of 2 cores; the next learner is told the hub is full).

A hub that cannot start says so in one line, with the fix, before JupyterHub starts:
a port already taken, configurable-http-proxy (npm) or node missing, running as root
without ``WORKSHOP_ALLOW_ROOT=1`` (``make hub`` sets it for root: each learner's server then
gets ``--allow-root``, without which it exits and the hub answers a bare 500).

Settings, all from the environment: ``WORKSHOP_IP`` (default all interfaces),
``WORKSHOP_PORT`` (8000), ``WORKSHOP_HUB_PORT`` (8081) and ``WORKSHOP_API_PORT`` (8001) for
the hub's and the proxy's internal ports, ``WORKSHOP_PASSWORD``, ``WORKSHOP_ADMIN_PASSWORD``
(32 characters or more; lets the user ``trainer`` in as admin), ``WORKSHOP_STATE`` (the
hub's files, default ``workshop/.state``), ``WORKSHOP_HOMES`` (default ``STATE/learners``),
``WORKSHOP_PROXY`` (the configurable-http-proxy command), ``WORKSHOP_CULL_IDLE_S``,
``WORKSHOP_MEM_LIMIT``, ``WORKSHOP_CPU_LIMIT``, ``WORKSHOP_MAX_LEARNERS``,
``WORKSHOP_ALLOW_ROOT``.
"""
# This file is executed by JupyterHub (traitlets), which provides `c`.
import asyncio
import os
import secrets
import shutil
import socket
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent          # the environment JupyterHub runs from
ENV = os.environ.get


def fail(message: str) -> None:
    """Stop before JupyterHub starts: one line, what is wrong and the fix."""
    raise SystemExit(f"workshop: {message}")


def setting_int(name: str, default: int, low: int, high: int) -> int:
    raw = ENV(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        fail(f"{name}={raw!r} is not allowed; give a whole number from {low} to {high}")
    return value


def check_port(ip: str, port: int, name: str) -> None:
    """Fail in one line if something already listens on (ip, port)."""
    host = ip or "0.0.0.0"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            fail(f"port {port} on {host} is taken ({exc.strerror}); stop what holds it "
                 f"(see: ss -ltnp 'sport = :{port}') or choose another: make hub {name}={port + 10}")


IP = ENV("WORKSHOP_IP", "")
PORT = setting_int("WORKSHOP_PORT", 8000, 1, 65535)
HUB_PORT = setting_int("WORKSHOP_HUB_PORT", 8081, 1, 65535)
API_PORT = setting_int("WORKSHOP_API_PORT", 8001, 1, 65535)
STATE = Path(ENV("WORKSHOP_STATE", str(HERE / ".state"))).expanduser().resolve()
HOMES = Path(ENV("WORKSHOP_HOMES", str(STATE / "learners"))).expanduser().resolve()
CULL_IDLE_S = setting_int("WORKSHOP_CULL_IDLE_S", 5400, 60, 7 * 24 * 3600)
MAX_LEARNERS = setting_int("WORKSHOP_MAX_LEARNERS", 30, 1, 10000)
ALLOW_ROOT = ENV("WORKSHOP_ALLOW_ROOT", "") == "1"

# --- checks that would otherwise surface as a traceback or a bare 500 -----------------------
if hasattr(os, "geteuid") and os.geteuid() == 0 and not ALLOW_ROOT:
    fail("running as root: each learner's server would exit unless given --allow-root (the "
         "hub then answers a bare 500); run as a normal user, or set WORKSHOP_ALLOW_ROOT=1 "
         "(make hub does so for root)")

PROXY = ENV("WORKSHOP_PROXY") or str(HERE / ".proxy" / "node_modules" / ".bin"
                                      / "configurable-http-proxy")
if not Path(PROXY).is_file():
    PROXY = shutil.which("configurable-http-proxy") or ""
if not PROXY:
    fail("configurable-http-proxy (npm) is missing; install it with: bash scripts/ensure_hub.sh "
         "(or: npm install -g configurable-http-proxy)")
if not shutil.which("node"):
    fail("node is missing, and configurable-http-proxy runs on it; install it with: bash "
         "scripts/ensure_hub.sh (or: apt-get install nodejs npm)")
if not (BIN / "jupyterhub-singleuser").exists():
    fail(f"jupyterhub-singleuser is not in {BIN}; install the hub with: bash scripts/ensure_hub.sh")
if not (BIN / "devsim").exists():
    fail(f"the devsim command is not in {BIN}; install devsim there: {BIN / 'python'} -m pip "
         "install devsim (or make hub from the repository)")

check_port(IP, PORT, "WORKSHOP_PORT")
check_port("127.0.0.1", HUB_PORT, "WORKSHOP_HUB_PORT")
check_port("127.0.0.1", API_PORT, "WORKSHOP_API_PORT")

try:
    STATE.mkdir(parents=True, exist_ok=True)
    HOMES.mkdir(parents=True, exist_ok=True)
except OSError as exc:
    fail(f"cannot create {exc.filename} ({exc.strerror}); set WORKSHOP_STATE to a writable folder")

PASSWORD = ENV("WORKSHOP_PASSWORD", "")
if not PASSWORD:
    saved = STATE / "password"
    if not saved.exists():
        saved.write_text(secrets.token_urlsafe(6) + "\n", encoding="utf-8")
        saved.chmod(0o600)
    PASSWORD = saved.read_text(encoding="utf-8").strip()
if len(PASSWORD) < 8:
    fail("WORKSHOP_PASSWORD is shorter than 8 characters; give a longer one")
ADMIN_PASSWORD = ENV("WORKSHOP_ADMIN_PASSWORD", "")
if ADMIN_PASSWORD and len(ADMIN_PASSWORD) < 32:
    fail("WORKSHOP_ADMIN_PASSWORD is shorter than 32 characters (JupyterHub's rule for the "
         "admin password); give a longer one, e.g. from: python3 -c 'import secrets; "
         "print(secrets.token_urlsafe(24))'")

# --- the hub ------------------------------------------------------------------------------
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{HUB_PORT}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{API_PORT}"
c.ConfigurableHTTPProxy.command = [PROXY]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.active_server_limit = MAX_LEARNERS
c.JupyterHub.cleanup_servers = True        # stopping the hub stops every learner's server

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = PASSWORD
if ADMIN_PASSWORD:
    c.SharedPasswordAuthenticator.admin_password = ADMIN_PASSWORD
    c.Authenticator.admin_users = {"trainer"}
c.Authenticator.allow_all = True

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.notebook_dir = str(HOMES / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.args = (["--allow-root"] if ALLOW_ROOT else []) + [
    # kernels idle for an hour are shut down inside each server (memory back, files kept)
    "--MappingKernelManager.cull_idle_timeout=3600",
    "--MappingKernelManager.cull_interval=300",
]
c.Spawner.default_url = "/lab/tree/notebooks/00_welcome.ipynb"
c.Spawner.mem_limit = ENV("WORKSHOP_MEM_LIMIT", "1G")      # not enforced by this spawner
c.Spawner.cpu_limit = float(ENV("WORKSHOP_CPU_LIMIT", "1"))  # not enforced by this spawner
# A room starting at once on a small machine: allow for slow first starts.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180


async def make_workspace(spawner):
    """Before each start: `devsim workspace` creates or updates the learner's course copy."""
    home = Path(spawner.home_dir)
    proc = await asyncio.create_subprocess_exec(
        str(BIN / "devsim"), "workspace", str(home),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    except asyncio.TimeoutError:
        proc.kill()
        raise RuntimeError(f"devsim workspace {home} took over 120 s") from None
    if proc.returncode:
        last = (err.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"devsim workspace {home} failed: {last[:300]}")
    spawner.log.info("%s: %s", spawner.user.name, out.decode().splitlines()[0])


c.Spawner.pre_spawn_hook = make_workspace

# --- idle culling ---------------------------------------------------------------------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_IDLE_S}",
                "--cull-every=300"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]

shown = IP or socket.gethostname()
print(f"workshop: learners open http://{shown}:{PORT}/ and log in with any name and the "
      f"password {PASSWORD} (homes in {HOMES}; state in {STATE})", file=sys.stderr, flush=True)
