"""The attack table of the hostile sandbox suite (tests/grader/sandbox/test_hostile.py).

Each `Attack` is a submission meant to break out of the sandbox, with the check its result
must pass. A plain data module: pytest does not collect it.
"""

from __future__ import annotations

import errno

import numpy as np

from .attack_kit import (
    BIG_MEMORY,
    DENIED,
    MARK,
    MEMORY,
    MEMORY_LIMITS,
    OUT_OF_SIGHT,
    PREVIOUS_SECRET,
    PROJECT,
    REFUSED,
    TIMEOUT,
    Attack,
    attack,
    error,
    fails,
    fails_or_error,
    forge,
    numpy_unpatched,
    read,
    returns,
    syscall,
)

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
        attack("open(ctx['project'] + '/tests/grader/sandbox/" + MARK + "', 'w').write('x')"),
        DENIED,
        must_not_exist=(str(PROJECT / "tests" / "grader" / "sandbox" / MARK),),
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
