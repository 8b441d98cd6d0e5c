"""The seccomp program, evaluated instruction by instruction against the policy it encodes."""

import errno
import struct

import pytest

from grader.sandbox import seccomp

X86_64 = 0xC000003E
OWN_PID = 4321
OTHER_PID = 77
ALLOW = 0x7FFF0000
KILL = 0x80000000
EPERM = 0x00050000 | errno.EPERM
ENOSYS = 0x00050000 | errno.ENOSYS
O_WRONLY, O_RDWR, O_CREAT = 0o1, 0o2, 0o100
CLONE_THREAD, CLONE_NEWNET = 0x00010000, 0x40000000
THREAD_FLAGS = 0x003D0F00  # what glibc passes to clone() for pthread_create
NR = {name: number for name, (number, _) in seccomp.POLICY.items()} | seccomp.DENIED


def run_filter(program: bytes, nr: int, args: tuple[int, ...] = (), arch: int = X86_64) -> int:
    """Evaluate a classic BPF program (the subset build_filter emits) on one syscall."""
    data = struct.pack("<iI", nr, arch) + struct.pack("<Q", 0)
    data += b"".join(
        struct.pack("<Q", arg & 0xFFFFFFFFFFFFFFFF) for arg in (*args, 0, 0, 0, 0, 0, 0)[:6]
    )
    insns = [struct.unpack_from("<HBBI", program, offset) for offset in range(0, len(program), 8)]
    acc = pc = 0
    for _ in range(len(insns) + 1):
        code, jt, jf, k = insns[pc]
        if code == 0x20:
            (acc,) = struct.unpack_from("<I", data, k)
            pc += 1
        elif code == 0x06:
            return k
        elif code == 0x05:
            pc += 1 + k
        elif code in (0x15, 0x25, 0x35, 0x45):
            taken = {0x15: acc == k, 0x25: acc > k, 0x35: acc >= k, 0x45: bool(acc & k)}[code]
            pc += 1 + (jt if taken else jf)
        else:
            raise AssertionError(f"unexpected instruction {code:#x}")
    raise AssertionError("the program did not return")


@pytest.fixture(scope="module")
def program() -> bytes:
    return seccomp.build_filter(OWN_PID)


def test_plain_allowed_calls_pass_named_ones_get_eperm_and_every_other_number_enosys(program):
    allowed = {number for number, rule in seccomp.POLICY.values() if rule == seccomp.ALLOW}
    checked = {number for number, rule in seccomp.POLICY.values() if rule != seccomp.ALLOW}
    denied = set(seccomp.DENIED.values())
    for nr in [*range(0, 1100), 0x3FFFFFFF]:
        if nr in checked:
            continue
        expected = ALLOW if nr in allowed else EPERM if nr in denied else ENOSYS
        assert run_filter(program, nr) == expected, nr


@pytest.mark.parametrize(
    "name",
    # The calls the hostile review used: xattrs (463-469 too), metadata and page-cache probes.
    ["setxattr", "fsetxattr", "getxattr", "inotify_init1", "listmount", "statmount", "sync",
     "syncfs", "cachestat", "memfd_create", "pidfd_open", "io_uring_setup", "unshare"],
)  # fmt: skip
def test_calls_from_the_hostile_review_are_refused(program, name):
    assert run_filter(program, seccomp.DENIED[name]) == EPERM


@pytest.mark.parametrize("nr", [27, 73, 99, 137, 213, 222, 253, 283, 290, 463, 465, 469, 470, 999])
def test_unlisted_and_future_numbers_are_refused(program, nr):
    # mincore, flock, sysinfo, statfs, epoll_create, timer_create, ..., setxattrat and later.
    assert run_filter(program, nr) in (ENOSYS, EPERM)
    assert run_filter(program, nr) != ALLOW


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("open", (0, 0), ALLOW),  # open(path, O_RDONLY)
        ("open", (0, O_WRONLY), EPERM),
        ("open", (0, O_RDWR | O_CREAT), EPERM),
        ("openat", (0, 0, 0), ALLOW),
        ("openat", (0, 0, O_CREAT), EPERM),
        ("clone", (THREAD_FLAGS,), ALLOW),
        ("clone", (0x11,), EPERM),  # clone as fork
        ("clone", (THREAD_FLAGS | CLONE_NEWNET,), EPERM),
        ("clone3", (0, 0), ENOSYS),  # glibc falls back to clone
        ("kill", (OWN_PID, 10), ALLOW),
        ("kill", (1, 10), EPERM),
        ("kill", (-1, 10), EPERM),
        ("kill", (0, 10), EPERM),
        ("tkill", (OTHER_PID, 10), EPERM),
        ("tgkill", (OWN_PID, OWN_PID, 10), ALLOW),
        ("tgkill", (OWN_PID + 1, OWN_PID + 1, 10), EPERM),
        ("rt_sigqueueinfo", (OWN_PID + 1, 10, 0), EPERM),
        ("rt_tgsigqueueinfo", (OTHER_PID, OTHER_PID, 10, 0), EPERM),
        # Limits and scheduling: only 0 (itself) or its own pid.
        ("prlimit64", (0, 0, 0, 0), ALLOW),
        ("prlimit64", (OWN_PID, 0, 0, 0), ALLOW),
        ("prlimit64", (OTHER_PID, 0, 0, 0), EPERM),  # the worker's RLIMIT_CPU
        ("sched_setaffinity", (0, 8, 0), ALLOW),
        ("sched_setaffinity", (OTHER_PID, 8, 0), EPERM),
        ("sched_getaffinity", (OTHER_PID, 8, 0), EPERM),
        ("sched_setscheduler", (OTHER_PID, 0, 0), EPERM),
        ("sched_setattr", (OTHER_PID, 0, 0), EPERM),
        ("getpgid", (OTHER_PID,), EPERM),
        ("getsid", (0,), ALLOW),
        ("setpriority", (0, 0, 19), ALLOW),  # PRIO_PROCESS, itself
        ("setpriority", (0, OTHER_PID, 19), EPERM),
        ("setpriority", (1, 0, 19), EPERM),  # PRIO_PGRP
        ("setpriority", (2, 0, 19), EPERM),  # PRIO_USER: every process of the uid
        ("getpriority", (2, 0), EPERM),
        ("ioprio_set", (1, 0, 0), ALLOW),  # IOPRIO_WHO_PROCESS, itself
        ("ioprio_set", (1, OTHER_PID, 0), EPERM),
        ("ioprio_set", (3, 0, 0), EPERM),  # IOPRIO_WHO_USER
        # fcntl: no signals to others, leases, notifications or locks.
        ("fcntl", (3, 1), ALLOW),  # F_GETFD
        ("fcntl", (3, 4, 0), ALLOW),  # F_SETFL
        ("fcntl", (3, 1030, 10), ALLOW),  # F_DUPFD_CLOEXEC
        ("fcntl", (3, 8, OTHER_PID), EPERM),  # F_SETOWN
        ("fcntl", (3, 10, 10), EPERM),  # F_SETSIG
        ("fcntl", (3, 15, 0), EPERM),  # F_SETOWN_EX
        ("fcntl", (3, 1024, 1), EPERM),  # F_SETLEASE
        ("fcntl", (3, 1026, 0), EPERM),  # F_NOTIFY
        ("fcntl", (3, 6, 0), EPERM),  # F_SETLK
        ("ioctl", (1, 0x5401, 0), ALLOW),  # TCGETS (isatty)
        ("ioctl", (0, 0x5412, 0), EPERM),  # TIOCSTI
        ("prctl", (15, 0), ALLOW),  # PR_SET_NAME
        ("prctl", (1, 9), EPERM),  # PR_SET_PDEATHSIG
        ("prctl", (22, 2, 0), EPERM),  # PR_SET_SECCOMP
        ("prctl", (0x59616D61, 0), EPERM),  # PR_SET_PTRACER
    ],
)
def test_calls_checked_on_their_arguments(program, name, args, expected):
    assert run_filter(program, NR[name], args) == expected


def test_high_bits_of_a_pid_argument_do_not_matter(program):
    # The kernel reads a pid_t (32 bits); so does the filter.
    assert run_filter(program, NR["prlimit64"], ((1 << 32) | OTHER_PID,)) == EPERM


def test_foreign_architecture_and_x32_are_killed(program):
    assert run_filter(program, 0, arch=0x40000003) == KILL  # i386
    assert run_filter(program, 0x40000000 + 1) == KILL  # the x32 ABI
    assert run_filter(program, -1) == KILL


def test_every_table_entry_is_unique_and_allowed_calls_are_not_denied():
    numbers = [number for number, _ in seccomp.POLICY.values()]
    assert len(numbers) == len(set(numbers))
    assert not set(numbers) & set(seccomp.DENIED.values())


def test_prepared_filter_holds_the_same_program_once_the_pid_is_written():
    prepared = seccomp.PreparedFilter()
    for offset in prepared._pid_offsets:
        struct.pack_into("<I", prepared._buffer, offset, OWN_PID)
    assert prepared._buffer.raw == seccomp.build_filter(OWN_PID)
    pid_checked = [rule for _, rule in seccomp.POLICY.values() if "pid" in rule]
    assert len(prepared._pid_offsets) == len(pid_checked)


def test_program_is_a_short_search():
    program = seccomp.build_filter(OWN_PID)
    assert len(program) // 8 < 1000
