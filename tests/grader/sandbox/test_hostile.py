"""Hostile learner code: every attack ends in a clear error or a failed call, and nothing else.

After each attack: the side effect did not happen, no process of the sandbox uid is left,
no process beyond the zygote's standbys is left, no signal reached this process, its limits
and priority are unchanged, nothing is left in the scratch folders (not even extended
attributes), the canary secret of this process's environment appears nowhere in the result,
and a correct run still succeeds.

The suite runs three ways in `make test`: as root with namespaces and with them off (the
compose worker's configuration), both in this process; and as an unprivileged user, in a
subprocess running this module as `nobody` (with and without namespaces again).
"""

from __future__ import annotations

import os
import re
import resource
import signal
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.sandbox import Sandbox
from grader.sandbox.runner import Zygote

from .attack_kit import LIMITS, PREVIOUS_SECRET, PROJECT, Attack
from .attacks import ATTACKS
from .conftest import CANARY
from .unprivileged import as_unprivileged_user

# One folder per xdist worker: each worker sets up and removes its own (module-scoped fixture).
SECRETS_DIR = (
    Path(__file__).resolve().parent
    / f"_fake_secrets_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
)


@pytest.fixture(
    scope="module",
    params=["namespaces", "namespaces off"],
)
def sandbox(request) -> Iterator[Sandbox]:
    """Both ways this process can run the sandbox: with namespaces and without (compose)."""
    os.environ["UNROLLED_CANARY_SECRET"] = CANARY
    box = Sandbox(namespaces=request.param == "namespaces")
    box.start()
    yield box
    box.close()


@pytest.fixture(scope="module")
def context() -> Iterator[dict]:
    prepared = os.environ.get("UNROLLED_HOSTILE_SECRETS")
    if prepared:  # made by the root run for the unprivileged one, which cannot write here
        yield {"project": str(PROJECT), "test_pid": os.getpid(),
               "fake_env": f"{prepared}/.env", "fake_db": f"{prepared}/db.sqlite3"}  # fmt: skip
        return
    SECRETS_DIR.mkdir(exist_ok=True)
    fake_env = SECRETS_DIR / ".env"
    fake_env.write_text(f"SECRET_KEY={CANARY}\n")
    fake_db = SECRETS_DIR / "db.sqlite3"
    fake_db.write_bytes(b"SQLite format 3\x00" + CANARY.encode())
    for path in (SECRETS_DIR, fake_env, fake_db):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    yield {
        "project": str(PROJECT),
        "test_pid": os.getpid(),
        "fake_env": str(fake_env),
        "fake_db": str(fake_db),
    }
    for path in (fake_env, fake_db):
        path.unlink()
    SECRETS_DIR.rmdir()


@pytest.fixture(scope="module")
def received_signals() -> Iterator[list[int]]:
    received: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda number, frame: received.append(number))
    yield received
    signal.signal(signal.SIGUSR1, previous)


def _processes_of(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:") and int(line.split()[1]) == uid:
                pids.append(int(entry))
    return pids


def _sandbox_processes(sandbox: Sandbox) -> list[int]:
    """Return the pids of every process below the zygote, seen from here."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    below: list[int] = []
    frontier = [sandbox._process.pid]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        below += children
        frontier += children
    return below


def _expected_processes(sandbox: Sandbox) -> int:
    # The standby children, and with a pid namespace the zygote proper (its PID 1).
    return Zygote.STANDBY + (1 if isinstance(sandbox.hello.get("namespaces"), list) else 0)


def _scratch_leftovers(sandbox: Sandbox) -> list[str]:
    """Return anything in the slot's scratch folder but empty folders without xattrs.

    The folder is read as the zygote sees it: with namespaces on, its scratch is a private
    tmpfs that the host's path does not show.
    """
    zygote_view = Path(f"/proc/{sandbox._process.pid}/root")
    scratch = zygote_view / str(sandbox._slot.scratch).lstrip("/")
    found = []
    for entry in scratch.iterdir():
        try:
            if not stat.S_ISDIR(entry.lstat().st_mode):  # a file or a link, even to a folder
                found.append(f"{entry} (not a folder)")
            elif any(entry.iterdir()):
                found.append(f"{entry} (holds {sorted(p.name for p in entry.iterdir())})")
            elif os.listxattr(entry):
                found.append(f"{entry} (xattrs {os.listxattr(entry)})")
        except FileNotFoundError:
            continue  # removed while we looked: the zygote cleaning up a finished job
    return found


def test_there_are_at_least_thirty_distinct_attacks():
    assert len({a.name for a in ATTACKS}) == len(ATTACKS) >= 30


@pytest.mark.parametrize("case", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_is_contained(case: Attack, sandbox, context, received_signals):
    if case.before:
        primed = sandbox.run(case.before, "f", [[PREVIOUS_SECRET]])
        assert primed.outcomes[0].ok
    cpu_limit = resource.getrlimit(resource.RLIMIT_CPU)
    priority = os.getpriority(os.PRIO_PROCESS, 0)
    affinity = os.sched_getaffinity(0)
    result = sandbox.run(case.code, "attack", [[context]], limits=case.limits)
    case.expect(result)
    assert resource.getrlimit(resource.RLIMIT_CPU) == cpu_limit
    assert os.getpriority(os.PRIO_PROCESS, 0) == priority
    assert os.sched_getaffinity(0) == affinity
    give_up = time.monotonic() + 5.0
    while len(_sandbox_processes(sandbox)) > _expected_processes(sandbox):
        assert time.monotonic() < give_up, f"left running: {_sandbox_processes(sandbox)}"
        time.sleep(0.01)
    # The zygote removes a job's folder once it has reaped the child, just after the verdict.
    while _scratch_leftovers(sandbox) and time.monotonic() < give_up:
        time.sleep(0.01)
    assert _scratch_leftovers(sandbox) == []

    assert CANARY not in repr(result)
    assert PREVIOUS_SECRET not in repr(result)
    for path in case.must_not_exist:
        assert not os.path.lexists(path), path
    assert received_signals == []
    uid = sandbox._slot.uid if sandbox._slot else None
    if uid is not None:
        # A finished child may still be tearing down for a moment; it must not linger.
        give_up = time.monotonic() + 2.0
        while _processes_of(uid) and time.monotonic() < give_up:
            time.sleep(0.01)
        assert _processes_of(uid) == []
    if case.after:
        case.after(sandbox)
    healthy = sandbox.run("def f(x):\n    return x + 1\n", "f", [[41]])
    assert healthy.status == "ok" and healthy.outcomes[0].value == 42


def test_hostile_suite_passes_as_an_unprivileged_user():
    """The whole suite above, as `nobody` (user namespace where allowed, and namespaces off)."""
    secrets = PROJECT / "tests" / "grader" / "sandbox" / "_fake_secrets_unprivileged"
    secrets.mkdir(mode=0o755, exist_ok=True)
    try:
        (secrets / ".env").write_text(f"SECRET_KEY={CANARY}\n")
        (secrets / "db.sqlite3").write_bytes(b"SQLite format 3\x00" + CANARY.encode())
        for path in secrets.iterdir():
            os.chmod(path, 0o644)
        result = as_unprivileged_user(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:django", "-q", "-x",
             "-o", "addopts=", "tests/grader/sandbox/test_hostile.py", "-k", "not unprivileged"],
            {"UNROLLED_HOSTILE_SECRETS": str(secrets)},
        )  # fmt: skip
    finally:
        for path in secrets.iterdir():
            path.unlink()
        secrets.rmdir()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    # Every attack ran in both unprivileged modes (user namespace, namespaces off).
    assert passed and int(passed.group(1)) >= 2 * len(ATTACKS), result.stdout[-2000:]
    assert "skipped" not in result.stdout.splitlines()[-1], result.stdout[-2000:]


def test_gc_hunt_would_find_a_secret_held_by_its_own_job(sandbox, context):
    hunt = next(a for a in ATTACKS if a.name == "gc_hunt_for_previous_job")
    code = hunt.code + f"\nKEEP = {PREVIOUS_SECRET!r}\n"
    result = sandbox.run(code, "attack", [[context]], limits=LIMITS)
    assert PREVIOUS_SECRET in result.outcomes[0].value
