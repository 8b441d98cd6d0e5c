"""The seccomp program, evaluated instruction by instruction against the policy it encodes."""

import errno
import struct

import pytest

from grader.sandbox import seccomp

X86_64 = 0xC000003E
OWN_PID = 4321
ALLOW = 0x7FFF0000
KILL = 0x80000000
EPERM = 0x00050000 | errno.EPERM
ENOSYS = 0x00050000 | errno.ENOSYS
O_WRONLY, O_RDWR, O_CREAT = 0o1, 0o2, 0o100
CLONE_THREAD, CLONE_NEWNET = 0x00010000, 0x40000000
THREAD_FLAGS = 0x003D0F00  # what glibc passes to clone() for pthread_create


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
        elif code in (0x15, 0x25, 0x35, 0x45):
            taken = {0x15: acc == k, 0x25: acc > k, 0x35: acc >= k, 0x45: bool(acc & k)}[code]
            pc += 1 + (jt if taken else jf)
        else:
            raise AssertionError(f"unexpected instruction {code:#x}")
    raise AssertionError("the program did not return")


@pytest.fixture(scope="module")
def program() -> bytes:
    return seccomp.build_filter(OWN_PID)


SPECIAL = {2, 56, 62, 129, 200, 234, 257, 297, 435}


def test_every_listed_call_is_refused_and_every_other_call_allowed(program):
    denied = set(seccomp.DENIED.values())
    for nr in range(0, 600):
        if nr in SPECIAL:
            continue
        expected = EPERM if nr in denied else ALLOW
        assert run_filter(program, nr) == expected, nr


@pytest.mark.parametrize(
    ("nr", "args", "expected"),
    [
        (2, (0, 0), ALLOW),  # open(path, O_RDONLY)
        (2, (0, O_WRONLY), EPERM),
        (2, (0, O_RDWR | O_CREAT), EPERM),
        (257, (0, 0, 0), ALLOW),  # openat(dirfd, path, O_RDONLY)
        (257, (0, 0, O_CREAT), EPERM),
        (56, (THREAD_FLAGS,), ALLOW),  # clone for a thread
        (56, (0x11,), EPERM),  # clone as fork
        (56, (THREAD_FLAGS | CLONE_NEWNET,), EPERM),
        (435, (0, 0), ENOSYS),  # clone3: glibc falls back to clone
        (62, (OWN_PID, 10), ALLOW),  # kill(own pid)
        (62, (1, 10), EPERM),
        (62, (-1, 10), EPERM),
        (62, (0, 10), EPERM),
        (234, (OWN_PID, OWN_PID, 10), ALLOW),  # tgkill
        (234, (OWN_PID + 1, OWN_PID + 1, 10), EPERM),
        (129, (OWN_PID + 1, 10, 0), EPERM),
        (0x40000000 + 1, (), KILL),  # the x32 ABI
    ],
)
def test_calls_checked_on_their_arguments(program, nr, args, expected):
    assert run_filter(program, nr, args) == expected


def test_foreign_architecture_is_killed(program):
    assert run_filter(program, 0, arch=0x40000003) == KILL  # i386


def test_prepared_filter_holds_the_same_program_once_the_pid_is_written():
    prepared = seccomp.PreparedFilter()
    for offset in prepared._pid_offsets:
        struct.pack_into("<I", prepared._buffer, offset, OWN_PID)
    assert prepared._buffer.raw == seccomp.build_filter(OWN_PID)
    assert len(prepared._pid_offsets) == 5
