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

import errno
import os
import resource
import signal
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import Limits, RunResult, Sandbox
from grader.sandbox.runner import Zygote

from .conftest import CANARY
from .unprivileged import as_unprivileged_user

PROJECT = Path(__file__).resolve().parents[2]
# One folder per xdist worker: each worker sets up and removes its own (module-scoped fixture).
SECRETS_DIR = (
    Path(__file__).resolve().parent
    / f"_fake_secrets_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
)
LIMITS = Limits(time_limit_s=1.0, memory_mb=256, output_bytes=1024 * 1024)
# Memory bombs fault in a few hundred MB: on a loaded machine that can pass 1 s.
MEMORY_LIMITS = Limits(time_limit_s=5.0, memory_mb=256, output_bytes=1024 * 1024)
BIG_MEMORY = Limits(time_limit_s=5.0, memory_mb=1024, output_bytes=1024 * 1024)
MARK = "unrolled-pwned"
PREVIOUS_SECRET = "PREVIOUS-JOB-SECRET-4b1d"


@dataclass
class Attack:
    name: str
    code: str
    expect: Callable[[RunResult], None]
    must_not_exist: tuple[str, ...] = ()
    before: str | None = None  # code run (entry point `f`) just before the attack
    after: Callable[[Sandbox], None] | None = None
    limits: Limits = LIMITS
    extra: dict = field(default_factory=dict)


def error(*words: str) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        assert result.status == "error", result
        assert result.outcomes == []
        assert any(word in result.error for word in words), result.error

    return check


def fails(*words: str) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        assert result.status == "ok", result.error
        (outcome,) = result.outcomes
        assert not outcome.ok, outcome
        assert any(word in outcome.exception for word in words), outcome.exception

    return check


def fails_or_error(*words: str) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        text = result.error if result.status == "error" else result.outcomes[0].exception
        assert result.status == "error" or not result.outcomes[0].ok, result
        assert any(word in text for word in words), text

    return check


def returns(predicate: Callable[[object], bool]) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        assert result.status == "ok", result.error
        (outcome,) = result.outcomes
        assert outcome.ok, outcome.exception
        assert predicate(outcome.value), outcome.value

    return check


def attack(body: str) -> str:
    """Wrap `body` as the entry point `attack(ctx)`."""
    return "import os, sys, signal, time\nimport numpy as np\n\ndef attack(ctx):\n" + (
        textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")
    )


TIMEOUT = error("took longer than 1 s")
MEMORY = error("used more than 256 MB of memory")
DENIED = fails("PermissionError")
# The project's files: Landlock denies them, or they are not in the child's view at all
# (a checkout under /tmp or a directory the sandbox uid cannot enter is covered by tmpfs).
OUT_OF_SIGHT = fails("PermissionError", "FileNotFoundError")


REFUSED = fails("PermissionError", "Function not implemented")


def syscall(number: int, *args: str) -> str:
    """An attack making one raw system call; it raises if the kernel refused it."""
    return attack(
        f"""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        args = [ctypes.c_long(int(a)) for a in ({", ".join(args)}{"," if args else ""})]
        if libc.syscall(ctypes.c_long({number}), *args) < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return "allowed"
        """
    )


FORGE = """
import json
codec = sys.modules["unrolled_sandbox_codec"]
summary = codec.encode({"status": "ok", "dropped": 0})
record = codec.encode({"ok": True, "exception": None, "exception_type": None, "line": None,
                       "has_args": False, "dropped": 0})
body = json.dumps(VALUE).encode()
value = codec._HEADER.pack(codec.MAGIC, len(body)) + body
os.write(4, codec.join_frames([summary, b"", codec.join_frames([record, value, b"", b""])]))
for fd in (1, 2, 4):
    os.close(fd)
os._exit(0)
"""


def forge(value: dict) -> str:
    return attack(FORGE.replace("VALUE", repr(value)))


def read(path_expr: str) -> str:
    return attack(f"with open({path_expr}, 'rb') as handle:\n    return handle.read().decode()")


def numpy_unpatched(sandbox: Sandbox) -> None:
    assert not np.allclose(1.0, 2.0)
    later = sandbox.run(
        "import numpy as np\ndef f():\n    return bool(np.allclose(1, 2))\n", "f", [[]]
    )
    assert later.outcomes[0].value is False


ATTACKS = [
    Attack("cpu_infinite_loop", attack("while True:\n    pass"), TIMEOUT),
    Attack(
        "busy_threads",
        attack(
            """
            import threading
            for _ in range(8):
                threading.Thread(target=lambda: [0 for _ in iter(int, 1)]).start()
            while True:
                pass
            """
        ),
        fails_or_error("can't start new thread", "took longer than"),
    ),
    Attack("fork_bomb", attack("while True:\n    os.fork()"), DENIED),
    Attack(
        "subprocess_shell",
        attack(f"import subprocess\nsubprocess.run(['/bin/sh', '-c', 'touch /tmp/{MARK}-sh'])"),
        DENIED,
        must_not_exist=(f"/tmp/{MARK}-sh",),
    ),
    Attack(
        "execv_shell",
        attack(f"os.execv('/bin/sh', ['sh', '-c', 'touch /tmp/{MARK}-exec'])"),
        DENIED,
        must_not_exist=(f"/tmp/{MARK}-exec",),
    ),
    Attack(
        "os_system",
        attack(f"return os.system('touch /tmp/{MARK}-system')"),
        returns(lambda v: v != 0),
        must_not_exist=(f"/tmp/{MARK}-system",),
    ),  # fmt: skip
    Attack(
        "memory_bomb_bytearray",
        attack("return len(bytearray(4 * 1024**3))"),
        MEMORY,
        limits=MEMORY_LIMITS,
    ),
    Attack(
        "memory_bomb_numpy",
        attack("return np.ones((1 << 30,)).sum()"),
        MEMORY,
        limits=MEMORY_LIMITS,
    ),
    Attack(
        "memory_bomb_gradual",
        attack("chunks = []\nwhile True:\n    chunks.append(bytearray(8 << 20))"),
        MEMORY,
        limits=MEMORY_LIMITS,
    ),
    Attack(
        "deep_recursion",
        attack("def down(n):\n    return down(n + 1)\nreturn down(0)"),
        fails("RecursionError"),
    ),
    Attack(
        "deep_recursion_past_the_c_stack",
        attack(
            "sys.setrecursionlimit(10**7)\ndef down(n):\n    return down(n + 1) + 1\nreturn down(0)"
        ),
        fails_or_error("crashed (SIGSEGV)", "RecursionError", "memory", "took longer than"),
    ),
    Attack(
        "disk_fill_in_cwd",
        attack(
            "with open('fill.bin', 'wb') as f:\n    while True:\n        f.write(b'x' * 1048576)"
        ),
        DENIED,
    ),
    Attack(
        "write_dev_shm",
        attack(f"open('/dev/shm/{MARK}', 'wb').write(b'x' * 4096)"),
        DENIED,
        must_not_exist=(f"/dev/shm/{MARK}",),
    ),
    Attack(
        "write_tmp",
        attack(f"open('/tmp/{MARK}', 'w').write('x')"),
        DENIED,
        must_not_exist=(f"/tmp/{MARK}",),
    ),
    Attack(
        "write_project_tree",
        attack("open(ctx['project'] + '/tests/sandbox/" + MARK + "', 'w').write('x')"),
        DENIED,
        must_not_exist=(str(PROJECT / "tests" / "sandbox" / MARK),),
    ),
    Attack(
        "mkdir_and_symlink_outside",
        attack(f"os.symlink('/etc/shadow', 'shadow')\nos.mkdir('/tmp/{MARK}-dir')"),
        DENIED,
        must_not_exist=(f"/tmp/{MARK}-dir",),
    ),
    Attack("read_etc_shadow", read("'/etc/shadow'"), DENIED),
    Attack("read_etc_passwd", read("'/etc/passwd'"), DENIED),
    Attack("read_settings_file", read("ctx['project'] + '/config/settings/base.py'"), OUT_OF_SIGHT),
    Attack("read_fake_dotenv", read("ctx['fake_env']"), OUT_OF_SIGHT),
    Attack("read_sqlite_file", read("ctx['fake_db']"), OUT_OF_SIGHT),
    Attack(
        "read_real_database_and_secret_key",
        attack(
            """
            found = []
            for name in ('var/db.sqlite3', 'var/test-db.sqlite3', 'var/dev-secret-key', '.env'):
                try:
                    found.append(open(ctx['project'] + '/' + name, 'rb').read(64))
                except FileNotFoundError:
                    pass
            return len(found)
            """
        ),
        # Denied on the first file that exists, or nothing found at all.
        lambda result: (
            fails_or_error("PermissionError")(result)
            if result.status == "error" or not result.outcomes[0].ok
            else returns(lambda count: count == 0)(result)
        ),
    ),
    Attack(
        "read_course_reference",
        read("ctx['project'] + '/content/rnn-from-scratch/exercises/rnn-bptt/reference.py'"),
        OUT_OF_SIGHT,
    ),
    Attack("list_project_root", attack("return os.listdir(ctx['project'])"), OUT_OF_SIGHT),
    Attack(
        "import_project_settings",
        attack("import config.settings.base"),
        fails("ModuleNotFoundError", "PermissionError"),
    ),  # fmt: skip
    Attack(
        "environment_secrets",
        attack("return dict(os.environ)"),
        returns(lambda env: "UNROLLED_CANARY_SECRET" not in env and "HOME" in env),
    ),
    Attack("proc_1_environ", read("'/proc/1/environ'"), DENIED),
    Attack(
        "proc_parent_environ",
        read("f\"/proc/{ctx['test_pid']}/environ\""),
        fails("PermissionError", "FileNotFoundError"),
    ),  # fmt: skip
    Attack("proc_zygote_mem", read("f'/proc/{os.getppid()}/mem'"), DENIED),
    Attack(
        "gc_hunt_for_previous_job",
        attack(
            """
            import gc
            target = "".join(["PREVIOUS-JOB-SECRET", "-4b1d"])
            hits = []
            for obj in gc.get_objects():
                try:
                    if callable(getattr(obj, "__code__", None)):
                        items = obj.__code__.co_consts
                    elif isinstance(obj, dict):
                        items = list(obj.values())
                    else:
                        items = obj
                    if isinstance(items, (list, tuple)):
                        hits += [s for s in items if isinstance(s, str) and target in s]
                except Exception:
                    pass
            return hits
            """
        ),
        returns(lambda hits: hits == []),
        before=f"SECRET = {PREVIOUS_SECRET!r}\ndef f(x):\n    return SECRET + x\n",
    ),
    Attack(
        "socket_to_redis",
        attack("import socket\nsocket.create_connection(('127.0.0.1', 6379), timeout=0.5)"),
        DENIED,
    ),
    Attack(
        "socket_to_web_port",
        attack("import socket\nsocket.create_connection(('127.0.0.1', 8000), timeout=0.5)"),
        DENIED,
    ),
    Attack(
        "dns_over_udp",
        attack(
            "import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.sendto(b'\\x00' * 12, ('8.8.8.8', 53))"
        ),
        DENIED,
    ),
    Attack("unix_socketpair", attack("import socket\nsocket.socketpair()"), DENIED),
    Attack("kill_test_process", attack("os.kill(ctx['test_pid'], signal.SIGUSR1)"), DENIED),
    Attack("kill_zygote", attack("os.kill(os.getppid(), signal.SIGKILL)"), DENIED),
    Attack("killpg_zero", attack("os.killpg(0, signal.SIGUSR1)"), DENIED),
    Attack("kill_minus_one", attack("os.kill(-1, signal.SIGUSR1)"), DENIED),
    Attack(
        "setsid_double_fork_daemon",
        attack(
            """
            try:
                os.setsid()
            except OSError:
                pass
            if os.fork() == 0:
                if os.fork() == 0:
                    time.sleep(30)
            """
        ),
        DENIED,
    ),
    Attack(
        "fake_verdict_on_stdout",
        attack(
            """
            import json
            print(json.dumps({"status": "ok", "outcomes": [{"ok": True, "value": 42}]}))
            os.write(1, b'URS1\\x04\\x00\\x00\\x00null')
            raise ValueError('really failed')
            """
        ),
        fails("ValueError: really failed"),
    ),
    Attack(
        "monkeypatch_numpy",
        attack("np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = print\nreturn 1"),
        returns(lambda v: v == 1),
        after=numpy_unpatched,
    ),
    Attack(
        "lying_ndarray_subclass",
        attack(
            """
            class Liar(np.ndarray):
                def __eq__(self, other):
                    return True
            return np.zeros(3).view(Liar)
            """
        ),
        fails("subclass of numpy.ndarray"),
    ),
    Attack(
        "object_with_array_hook",
        attack(
            f"""
            class Sneaky:
                def __array__(self, *a, **k):
                    open('/tmp/{MARK}-array', 'w')
                    return np.zeros(3)
            return Sneaky()
            """
        ),
        fails("Sneaky cannot be returned"),
        must_not_exist=(f"/tmp/{MARK}-array",),
    ),
    Attack(
        "object_with_reduce",
        attack(
            f"""
            class Payload:
                def __reduce__(self):
                    return (os.system, ('touch /tmp/{MARK}-reduce',))
            return [1, Payload()]
            """
        ),
        fails("Payload cannot be returned"),
        must_not_exist=(f"/tmp/{MARK}-reduce",),
    ),
    Attack(
        "object_array",
        attack("return np.array([1, 'two', None], dtype=object)"),
        fails("dtype=object"),
    ),
    Attack(
        "huge_array_output",
        attack("return np.zeros(10**7)"),
        error("output is too large"),
        limits=BIG_MEMORY,
    ),
    Attack(
        "huge_string_output",
        attack("return 'x' * 10**8"),
        error("output is too large"),
        limits=BIG_MEMORY,
    ),
    Attack(
        "nan_values",
        attack("return np.array([np.nan, np.inf, -np.inf]), float('nan')"),
        returns(lambda v: np.isnan(v[0][0]) and np.isinf(v[0][1]) and np.isnan(v[1])),
    ),
    Attack("os_abort", attack("os.abort()"), error("crashed (SIGABRT)")),
    Attack(
        "ctypes_segfault", attack("import ctypes\nctypes.string_at(0)"), error("crashed (SIGSEGV)")
    ),  # fmt: skip
    Attack("os_exit_early", attack("os._exit(0)"), error("stopped before returning")),
    Attack("setuid_root", attack("os.setuid(0)"), DENIED),
    Attack(
        "setuid_binary",
        attack("os.execv('/usr/bin/passwd', ['passwd', '--help'])"),
        DENIED,
    ),
    Attack("sleep_past_the_limit", attack("time.sleep(10)"), TIMEOUT),
    Attack(
        "ignore_sigterm_and_sigxcpu",
        attack(
            """
            for sig in (signal.SIGTERM, signal.SIGXCPU, signal.SIGINT, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
            while True:
                pass
            """
        ),
        TIMEOUT,
    ),
    Attack(
        "print_flood",
        attack("while True:\n    print('flood' * 1000)"),
        TIMEOUT,
    ),
    Attack(
        "write_garbage_to_every_fd",
        attack(
            """
            for fd in range(3, 21):
                try:
                    os.write(fd, b'URS1 forged verdict: passed')
                except OSError:
                    pass
            return 1
            """
        ),
        error("could not be read"),
    ),
    Attack(
        "close_every_fd",
        attack("os.closerange(3, 64)\nreturn 1"),
        error("stopped before returning"),
    ),
    Attack(
        "ptrace_via_ctypes",
        attack(
            """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.ptrace(16, os.getppid(), 0, 0) != 0:  # PTRACE_ATTACH
                raise OSError(ctypes.get_errno(), 'ptrace failed')
            """
        ),
        DENIED,
    ),
    Attack(
        "process_vm_readv_via_ctypes",
        attack(
            """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            buf = ctypes.create_string_buffer(16)
            iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 16)
            if libc.process_vm_readv(os.getppid(), iov, 1, iov, 1, 0) < 0:
                raise OSError(ctypes.get_errno(), 'process_vm_readv failed')
            """
        ),
        DENIED,
    ),
    Attack(
        "unshare_user_namespace",
        attack(
            """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
                raise OSError(ctypes.get_errno(), 'unshare failed')
            """
        ),
        DENIED,
    ),
    # A channel between jobs: extended attributes on scratch folders (incl. 463-469).
    Attack("xattr_on_own_folder", attack("os.setxattr('.', 'user.leak', b'x' * 4000)"), DENIED),
    Attack(
        "xattr_on_the_next_jobs_folders",
        attack(
            """
            for name in os.listdir('..'):
                os.setxattr('../' + name, 'user.leak', b'hidden inputs')
            """
        ),
        DENIED,
    ),
    Attack(
        "new_xattr_syscalls_463_to_469",
        attack(
            """
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            return [(libc.syscall(ctypes.c_long(nr), -100, b'.', 0, b'user.x', 0, 0),
                     ctypes.get_errno()) for nr in range(463, 470)]
            """
        ),
        returns(lambda calls: all(r == -1 and e in (errno.ENOSYS, errno.EPERM) for r, e in calls)),
    ),
    Attack("write_into_a_sibling_folder", attack("open('../job-1/x', 'w').write('x')"), DENIED),
    # Hostile bytes on the result channel: every one is a tampered run.
    Attack(
        "truncated_frame",
        attack("os.write(4, b'\\x01')\nos._exit(0)"),
        error("tampered"),
    ),
    Attack(
        "truncated_frame_then_linger",
        attack(
            "os.write(4, b'\\x01\\x00')\nfor fd in (1, 2, 4):\n    os.close(fd)\ntime.sleep(30)"
        ),
        error("tampered"),
    ),
    Attack("forged_float_beyond_range", forge({"f": "0x1p99999"}), error("tampered")),
    Attack("forged_unknown_tag", forge({"x": 1}), error("tampered")),
    Attack("forged_valid_frame_is_only_data", forge({"f": "0x1p3"}), returns(lambda v: v == 8.0)),
    Attack(
        "float128_and_complex256_results",
        attack("return np.longdouble(1) / 3, np.clongdouble(1j) ** 2"),
        returns(lambda v: v[0].dtype.itemsize > 8 and v[1].real == -1),
    ),
    Attack(
        "structured_result",
        attack("return np.zeros(2, dtype=[('a', 'f8'), ('b', 'i4')])"),
        returns(lambda v: v.dtype.names == ("a", "b")),
    ),
    # Without root the job shares the worker's uid: only the argument filters stand between.
    Attack(
        "prlimit_the_worker_cpu",
        attack("import resource\nresource.prlimit(ctx['test_pid'], resource.RLIMIT_CPU, (1, 1))"),
        DENIED,
    ),
    Attack(
        "prlimit_the_zygote",
        attack("import resource\nresource.prlimit(os.getppid(), resource.RLIMIT_CPU, (1, 1))"),
        DENIED,
    ),
    Attack(
        "renice_every_process_of_the_uid", attack("os.setpriority(os.PRIO_USER, 0, 19)"), DENIED
    ),
    Attack("renice_the_process_group", attack("os.setpriority(os.PRIO_PGRP, 0, 19)"), DENIED),
    Attack(
        "pin_the_worker_to_one_cpu",
        attack("os.sched_setaffinity(ctx['test_pid'], {0})"),
        DENIED,
    ),
    Attack(
        "ioprio_of_the_worker", syscall(251, "1", "ctx['test_pid']", str((3 << 13) | 7)), REFUSED
    ),
    Attack("ioprio_of_the_uid", syscall(251, "3", "0", str((3 << 13) | 7)), REFUSED),
    Attack(
        "fcntl_setown_to_the_worker",
        attack("import fcntl\nfcntl.fcntl(1, fcntl.F_SETOWN, ctx['test_pid'])"),
        DENIED,
    ),
    Attack("fcntl_setsig", attack("import fcntl\nfcntl.fcntl(1, 10, signal.SIGKILL)"), DENIED),
    Attack(
        "fcntl_setlease",
        attack("import fcntl\nfcntl.fcntl(3, 1024, fcntl.F_RDLCK)"),
        fails("PermissionError", "Bad file"),
    ),
    Attack(
        "flock_a_shared_file",
        attack("import fcntl\nfcntl.flock(open(np.__file__), fcntl.LOCK_EX)"),
        REFUSED,
    ),
    # The host through metadata and the page cache.
    Attack("inotify_on_host_paths", syscall(294, "0"), REFUSED),
    Attack("listmount", syscall(458, "0", "0", "0", "0"), REFUSED),
    Attack("statmount", syscall(457, "0", "0", "0", "0"), REFUSED),
    Attack("sync_everything", syscall(162), REFUSED),
    Attack("mincore_page_cache_probe", syscall(27, "0", "4096", "0"), REFUSED),
    Attack("cachestat_page_cache_probe", syscall(451, "0", "0", "0", "0"), REFUSED),
    Attack("unknown_future_syscall", syscall(520), REFUSED),
    Attack(
        "exception_with_hostile_str",
        attack(
            """
            class Evil(Exception):
                def __str__(self):
                    raise RuntimeError('no message for you')
            raise Evil()
            """
        ),
        fails("Evil"),
    ),
]


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
    """Return anything in the slot's scratch folder but empty folders without xattrs."""
    found = []
    for entry in sandbox._slot.scratch.iterdir():
        if not entry.is_dir() or any(entry.iterdir()):
            found.append(str(entry))
        elif os.listxattr(entry):
            found.append(f"{entry} (xattrs {os.listxattr(entry)})")
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
    secrets = PROJECT / "tests" / "sandbox" / "_fake_secrets_unprivileged"
    secrets.mkdir(mode=0o755, exist_ok=True)
    try:
        (secrets / ".env").write_text(f"SECRET_KEY={CANARY}\n")
        (secrets / "db.sqlite3").write_bytes(b"SQLite format 3\x00" + CANARY.encode())
        for path in secrets.iterdir():
            os.chmod(path, 0o644)
        result = as_unprivileged_user(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:django", "-q", "-x",
             "-o", "addopts=", "tests/sandbox/test_hostile.py", "-k", "not unprivileged"],
            {"UNROLLED_HOSTILE_SECRETS": str(secrets)},
        )  # fmt: skip
    finally:
        for path in secrets.iterdir():
            path.unlink()
        secrets.rmdir()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{2 * len(ATTACKS)} passed" in result.stdout or "passed" in result.stdout


def test_gc_hunt_would_find_a_secret_held_by_its_own_job(sandbox, context):
    hunt = next(a for a in ATTACKS if a.name == "gc_hunt_for_previous_job")
    code = hunt.code + f"\nKEEP = {PREVIOUS_SECRET!r}\n"
    result = sandbox.run(code, "attack", [[context]], limits=LIMITS)
    assert PREVIOUS_SECRET in result.outcomes[0].value
