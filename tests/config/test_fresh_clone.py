"""`make run` on a fresh clone, with nothing installed but requirements.txt.

The README's first command, as a newcomer runs it: the site must answer, a submission sent
through the API must be graded by a real worker, and Ctrl-C must stop every process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.services import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CORRECT_RNN_STEP = """
import numpy as np

def rnn_step(x_t, h_prev, U, W, b):
    return np.tanh(U @ x_t + W @ h_prev + b)
"""


def runtime_env(clone: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell on a fresh machine: none of the test run's settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV"}
        and not key.startswith(("PYTEST", "UNROLLED_"))
    }
    env["PATH"] = ":".join(part for part in env.get("PATH", "").split(":") if ".venv" not in part)
    env.update(extra)
    return env


def http(url: str, *, data: dict | None = None, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read()


def wait_for_home(url: str, proc: subprocess.Popen, timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"make run exited with status {proc.returncode}"
        try:
            return http(url)[1].decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} never answered")


def leftovers(session_id: int, clone: Path) -> list[str]:
    """Processes of the stack's session, or running anything from the clone (sandboxes)."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            if os.getsid(process.pid) == session_id or str(clone) in cmdline:
                found.append(f"{process.pid}: {cmdline}")
        except (ProcessLookupError, psutil.Error):
            continue
    return found


def test_runtime_requirements_import_every_module_of_the_site(fresh_clone):
    """Every module of ours and the Redis transport import with requirements.txt alone."""
    script = (
        "import importlib, pkgutil, django\n"
        "django.setup()\n"
        "import kombu.transport.redis, gunicorn.app.wsgiapp, psycopg\n"
        "for package in ('accounts', 'config', 'courses', 'exercises', 'grader'):\n"
        "    root = importlib.import_module(package)\n"
        "    for info in pkgutil.walk_packages(root.__path__, package + '.'):\n"
        "        if info.name != 'config.settings.test':\n"
        "            importlib.import_module(info.name)\n"
        "print('imported')\n"
    )
    env = runtime_env(fresh_clone, DJANGO_SETTINGS_MODULE="config.settings.base", DEBUG="true")
    result = subprocess.run(
        [str(fresh_clone / ".venv" / "bin" / "python"), "-c", script],
        cwd=fresh_clone, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "imported"


def test_make_run_on_a_fresh_clone_serves_grades_and_stops_on_ctrl_c(fresh_clone):
    port = free_port()
    env = runtime_env(fresh_clone, PORT=str(port), EMBEDDED_REDIS_PORT=str(free_port()))
    base = f"http://127.0.0.1:{port}"
    log = (fresh_clone / "make-run.log").open("w")
    # Its own session, as a terminal gives: Ctrl-C is SIGINT to the whole foreground group.
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run"], cwd=fresh_clone, env=env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        home = wait_for_home(f"{base}/", proc, timeout_s=300)
        assert "Recurrent Neural Networks from Scratch" in home

        token = subprocess.run(
            [str(fresh_clone / ".venv" / "bin" / "python"), "manage.py", "create_api_token",
             "fresh-clone-learner"],
            cwd=fresh_clone, env=env, capture_output=True, text=True, check=True, timeout=60,
        ).stdout.strip()  # fmt: skip
        status, body = http(
            f"{base}/api/exercises/rnn-step/submissions",
            data={"code": CORRECT_RNN_STEP},
            token=token,
        )
        assert status == 202
        url = base + json.loads(body)["url"]
        deadline = time.monotonic() + 60
        result = {"status": "queued"}
        while result["status"] in {"queued", "running"} and time.monotonic() < deadline:
            assert proc.poll() is None, "make run exited while grading"
            time.sleep(0.2)
            result = json.loads(http(url, token=token)[1])
        assert result["status"] == "passed", result
        assert result["score"] == 1.0
        # The site is still up after grading: no part of the stack died on the way.
        assert http(f"{base}/")[0] == 200
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        finally:
            log.close()
    deadline = time.monotonic() + 10
    while leftovers(proc.pid, fresh_clone) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not leftovers(proc.pid, fresh_clone), "still running after Ctrl-C"
    assert "All processes stopped." in (fresh_clone / "make-run.log").read_text()
