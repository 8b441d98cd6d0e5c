"""Real programs for the tests: Celery workers, Chromium, and the servers of config/servers.py.

Redis and PostgreSQL are started by config/servers.py, which the benchmarks share.

Nothing here is a fake: each is the real program on loopback, on a free port, in a
temporary directory. In CI (CI=true) a missing program is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.servers import (  # noqa: F401 -- the tests' one import of the shared servers
    MissingTool,
    PostgresServer,
    RedisServer,
    free_port,
    postgres_bin_dir,
    stop_process,
)
from config.stack import BASE_DIR, die_with_parent

IN_CI = os.environ.get("CI") == "true"


def missing_tool(message: str) -> None:
    """Fail in CI, skip elsewhere: a tool the test needs is not installed."""
    if IN_CI:
        pytest.fail(f"{message} (CI never skips for a missing tool)")
    pytest.skip(message)


def start_celery_worker(
    env: dict[str, str], queues: str = "live,bulk", concurrency: int = 2, name: str = "test"
) -> subprocess.Popen:
    """Start a real Celery worker process and wait until it is ready to take tasks."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues,
         "-c", str(concurrency), "-n", f"{name}@%h", "-l", "INFO", "--without-gossip",
         "--without-mingle"],
        cwd=BASE_DIR, env=env, preexec_fn=die_with_parent,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError("celery worker exited:\n" + "".join(seen[-40:]))
            continue
        seen.append(line)
        if " ready." in line:
            break
    else:
        stop_process(proc)
        raise RuntimeError("celery worker not ready after 60 s:\n" + "".join(seen[-40:]))
    # Keep draining its output so the pipe never fills and blocks the worker.
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc


def worker_env(redis_url: str, **extra: str) -> dict[str, str]:
    """Environment of a Celery worker sharing the test's SQLite database file and Redis."""
    from django.db import connection

    database_name = connection.settings_dict["NAME"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{database_name}",
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


CHROMIUM = "/usr/bin/chromium"
# Headless, and quiet on a machine with no network beyond loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium_page(artifacts: Path) -> Iterator[Any]:
    """Yield a Playwright page in Debian's headless Chromium; fail on any JavaScript error or
    Content-Security-Policy violation.

    `artifacts` is emptied first: the test saves its screenshots there.
    """
    if not Path(CHROMIUM).exists():
        missing_tool(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda message: note_csp_violation(message, errors))
        yield page
        context.close()
        browser.close()
        assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


def note_csp_violation(message: Any, errors: list[str]) -> None:
    """Record a console message in which the browser reports a Content-Security-Policy violation."""
    if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
        errors.append(f"CSP violation: {message.text}")
