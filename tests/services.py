"""Real servers for the tests: Redis, PostgreSQL and Celery workers, started and stopped here.

Nothing here is a fake: each is the real program on loopback, on a free port, in a
temporary directory. In CI (CI=true) a missing program is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from config.stack import BASE_DIR, die_with_parent, redis_server_binary, wait_for_port

IN_CI = os.environ.get("CI") == "true"


def missing_tool(message: str) -> None:
    """Fail in CI, skip elsewhere: a tool the test needs is not installed."""
    if IN_CI:
        pytest.fail(f"{message} (CI never skips for a missing tool)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class RedisServer:
    port: int
    data_dir: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                redis_server_binary(),
                "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.data_dir), "--save", "", "--appendonly", "no",
                "--loglevel", "warning",
            ],
            preexec_fn=die_with_parent,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port("127.0.0.1", self.port, 10, self.proc)
        return self

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc)
            self.proc = None


def postgres_bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster owned by the `postgres` user when we are root."""

    root: Path
    port: int
    proc: subprocess.Popen | None = None

    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgres://unrolled:unrolled@127.0.0.1:{self.port}/unrolled"

    def start(self) -> PostgresServer:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            missing_tool("PostgreSQL (initdb) is not installed")
        data = self.root / "data"
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        owner = self._as_owner()
        pwfile = self.root / "pw"
        pwfile.write_text("unrolled\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        subprocess.run(
            [*owner, str(bin_dir / "initdb"), "-D", str(data), "-U", "unrolled",
             "--pwfile", str(pwfile), "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.proc = subprocess.Popen(
            [*owner, str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port),
             "-h", "127.0.0.1", "-k", str(self.root), "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200"],
            preexec_fn=die_with_parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port("127.0.0.1", self.port, 30, self.proc)
        env = {**os.environ, "PGPASSWORD": "unrolled"}
        for _ in range(50):
            done = subprocess.run(
                [str(bin_dir / "createdb") if (bin_dir / "createdb").exists() else "createdb",
                 "-h", "127.0.0.1", "-p", str(self.port), "-U", "unrolled", "unrolled"],
                env=env, capture_output=True,
            )  # fmt: skip
            if done.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"createdb failed: {done.stderr.decode()}")
        return self

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc)
            self.proc = None


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
