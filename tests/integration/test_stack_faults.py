"""`make run`'s stack under faults, and two worker services sharing one burst: real processes.

Each test runs the site from this checkout with its own var folder (a copy of one seeded
SQLite database), free ports and its own Redis: `python -m config.stack` as `make run` ends,
or (two worker services) the stack's parts started one by one. Every graded submission logs
one "submission N graded" line, so a verdict stored twice would show.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from config.stack import BASE_DIR, Stack, celery_worker_argv
from tests.services import RedisServer, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CORRECT_RNN_STEP = """
import numpy as np

def rnn_step(x_t, h_prev, U, W, b):
    return np.tanh(U @ x_t + W @ h_prev + b)
"""
GRADED_LINE = re.compile(r"submission (\d+) graded: (\w+)")
STARTED_LINE = re.compile(r"started (.+?) \(pid (\d+)\)")


def site_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """A shell's environment for a site living in `var_dir` (none of the test run's settings)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "UNROLLED_VAR_DIR"}
        and not key.startswith("PYTEST")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="true",
        UNROLLED_VAR_DIR=str(var_dir),
        # One learner sends the whole burst.
        SUBMISSION_RATE_LIMIT="100000/min",
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database holding the seeded course, copied by each test."""
    var_dir = tmp_path_factory.mktemp("seeded-site")
    env = site_env(var_dir)
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    manage(env, "import_course", "content/rnn-from-scratch")
    return var_dir / "db.sqlite3"


@pytest.fixture
def site_dir(tmp_path: Path, seeded_database: Path) -> Path:
    shutil.copy2(seeded_database, tmp_path / "db.sqlite3")
    return tmp_path


def http(url: str, *, data: dict | None = None, token: str = "") -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def wait_for(condition, timeout_s: float, what: str, poll_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll_s)
    raise AssertionError(f"{what}: not after {timeout_s:.0f} s")


class HomeWatcher(threading.Thread):
    """GET / every 0.2 s until stopped; remember every answer that was not a 200."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.answers: Counter = Counter()
        self.failures: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.2):
            try:
                status = http(f"{self.base}/")[0]
            except Exception as exc:  # the site did not answer: exactly what is checked
                status = repr(exc)
            self.answers[status] += 1
            if status != 200:
                self.failures.append(f"{time.strftime('%X')} {status}")


def submit_burst(base: str, token: str, count: int, on_accepted=None) -> list[int]:
    """Send `count` submissions from 6 clients; call on_accepted(n) after each; return ids."""
    accepted: list[int] = []
    lock = threading.Lock()

    def one(_: int) -> int:
        status, body = http(
            f"{base}/api/exercises/rnn-step/submissions",
            data={"code": CORRECT_RNN_STEP},
            token=token,
        )
        assert status == 202, (status, body[:300])
        submission_id = json.loads(body)["id"]
        with lock:
            accepted.append(submission_id)
            if on_accepted:
                on_accepted(len(accepted))
        return submission_id

    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(one, range(count)))


def final_rows(db: Path, ids: list[int]) -> dict[int, tuple[str, int]]:
    """Return {id: (status, deliveries)} of those submissions that are final."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        rows = conn.execute(
            "SELECT id, status, deliveries FROM exercises_submission "
            "WHERE status NOT IN ('queued', 'running')"
        ).fetchall()
    wanted = set(ids)
    return {row[0]: (row[1], row[2]) for row in rows if row[0] in wanted}


def count_rows(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute("SELECT COUNT(*) FROM exercises_submission").fetchone()[0]


def graded_lines(*logs: Path) -> Counter:
    """How many times each submission id was logged as graded."""
    found: Counter = Counter()
    for log in logs:
        for match in GRADED_LINE.finditer(log.read_text(errors="replace")):
            found[int(match.group(1))] += 1
    return found


def started_pids(log: Path, name: str) -> list[int]:
    text = log.read_text(errors="replace")
    return [int(pid) for found, pid in STARTED_LINE.findall(text) if found == name]


def session_processes(session_id: int) -> list[str]:
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            if os.getsid(process.pid) == session_id:
                found.append(f"{process.pid}: {' '.join(process.info['cmdline'] or [])}")
        except (ProcessLookupError, psutil.Error):
            continue
    return found


class RunningStack:
    """`python -m config.stack` (what `make run` ends with) in its own session, logging to a file."""

    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = site_env(var_dir, PORT=str(self.port), EMBEDDED_REDIS_PORT=str(free_port()))
        self.log = var_dir / "stack.log"
        self.db = var_dir / "db.sqlite3"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "config.stack"], cwd=BASE_DIR, env=self.env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def wait_until_serving(self) -> None:
        def serving() -> bool:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                return http(f"{self.base}/")[0] == 200
            except OSError:
                return False

        wait_for(serving, 180, "the site never answered")

    def terminate(self) -> float:
        """SIGTERM the stack; return how long until it exited (killing all on a timeout)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise
        return time.monotonic() - started

    def kill_all(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def test_sigterm_stops_every_process_of_the_stack_with_status_0(site_dir):
    stack = RunningStack(site_dir)
    try:
        stack.wait_until_serving()
        assert len(session_processes(stack.proc.pid)) >= 5  # stack, redis, 2 workers, beat, web
        took_s = stack.terminate()
    finally:
        stack.kill_all()
    assert stack.proc.returncode == 0, stack.log.read_text()[-3000:]
    # The stack waits 1.5 s per batch (web and workers, then Redis) before killing.
    assert took_s < 6, f"SIGTERM took {took_s:.1f} s"
    wait_for(lambda: not session_processes(stack.proc.pid), 5, "processes left after SIGTERM")
    assert "All processes stopped." in stack.log.read_text()


def kill_during_burst(stack: RunningStack, token: str, name: str, count: int) -> list[int]:
    """Send a burst, SIGKILL `name`'s main process a third of the way in; return the ids."""
    (victim,) = started_pids(stack.log, name)[-1:]
    killed_at: list[float] = []

    def maybe_kill(accepted: int) -> None:
        if accepted == count // 3 and not killed_at:
            os.kill(victim, signal.SIGKILL)
            killed_at.append(time.monotonic())

    ids = submit_burst(stack.base, token, count, maybe_kill)
    assert killed_at, "the burst ended before the kill"
    wait_for(
        lambda: (
            len(started_pids(stack.log, name)) >= 2 and started_pids(stack.log, name)[-1] != victim
        ),
        30,
        f"{name} restarted",
    )
    # The beat's own sweeper re-enqueues only what stayed unfinished for 60 s: a drain well
    # before that comes from the stack's sweep after the restart.
    wait_for(
        lambda: len(final_rows(stack.db, ids)) == len(ids),
        max(5.0, 45 - (time.monotonic() - killed_at[0])),
        f"every submission graded after killing {name}",
        poll_s=0.5,
    )
    return ids


def test_killed_worker_and_redis_are_restarted_the_site_answers_and_nothing_is_lost(site_dir):
    stack = RunningStack(site_dir)
    watcher = HomeWatcher(stack.base)
    try:
        stack.wait_until_serving()
        token = manage(stack.env, "create_api_token", "fault-learner").strip()
        watcher.start()
        ids = kill_during_burst(stack, token, "worker (live)", 90)
        ids += kill_during_burst(stack, token, "redis", 90)
        for name in ("worker (bulk)", "beat (sweeper)"):
            (victim,) = started_pids(stack.log, name)[-1:]
            os.kill(victim, signal.SIGKILL)
            wait_for(
                lambda name=name, victim=victim: started_pids(stack.log, name)[-1] != victim,
                30,
                f"{name} restarted",
            )
        assert stack.proc.poll() is None, "the stack stopped"
        watcher.halt.set()
        watcher.join()
        assert stack.terminate() < 6
    finally:
        watcher.halt.set()
        stack.kill_all()
    log = stack.log.read_text(errors="replace")
    assert stack.proc.returncode == 0, log[-3000:]
    assert not watcher.failures, f"the home page failed: {watcher.failures[:10]}"
    assert watcher.answers[200] > 20
    for name in ("worker (live)", "redis", "worker (bulk)", "beat (sweeper)"):
        assert f"{name} exited with status -9; restarting it" in log
    assert log.count("sweeping submissions in flight after") >= 2

    rows = final_rows(stack.db, ids)
    assert len(set(ids)) == len(ids) == count_rows(stack.db) == 180
    assert {status for status, _ in rows.values()} == {"passed"}, Counter(rows.values())
    graded = graded_lines(stack.log)
    assert set(graded) == set(ids)
    assert set(graded.values()) == {1}, [i for i, n in graded.items() if n > 1]


def test_two_worker_services_share_a_burst_none_lost_none_twice(site_dir):
    redis = RedisServer(port=free_port(), data_dir=site_dir / "redis").start()
    env = site_env(site_dir, REDIS_URL=redis.url)
    stack = Stack(env=env)
    logs = [site_dir / "worker-1.log", site_dir / "worker-2.log"]
    try:
        # What `docker compose up --scale worker=2` runs: the same service twice, other names.
        for number, log in enumerate(logs, start=1):
            argv = celery_worker_argv("live", 2, "INFO", name=f"live-{number}")
            stack.start(f"worker {number}", [*argv, "--logfile", str(log)])
        web_port = free_port()
        stack.start_web("127.0.0.1", web_port, access_log=False)
        base = f"http://127.0.0.1:{web_port}"
        wait_for(
            lambda: all(log.exists() and " ready." in log.read_text() for log in logs),
            120,
            "both workers ready",
        )
        token = manage(env, "create_api_token", "scale-learner").strip()
        ids = submit_burst(base, token, 160)
        db = site_dir / "db.sqlite3"
        wait_for(lambda: len(final_rows(db, ids)) == len(ids), 120, "burst graded", 0.5)
    finally:
        stack.stop()
        redis.stop()
    rows = final_rows(db, ids)
    assert len(set(ids)) == len(ids) == count_rows(db) == 160
    assert set(rows.values()) == {("passed", 1)}, Counter(rows.values())
    per_worker = [graded_lines(log) for log in logs]
    assert all(per_worker), "one worker graded nothing"
    both = per_worker[0] + per_worker[1]
    assert set(both) == set(ids)
    assert set(both.values()) == {1}, "a submission was graded by both workers"
