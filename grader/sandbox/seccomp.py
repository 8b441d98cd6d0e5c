"""A hand-written seccomp BPF filter for x86_64 (seccomp(2)); imports only the standard library.

Default allow, with a deny list: refused calls return EPERM (a clear PermissionError in
Python) rather than killing the process; a foreign architecture or the x32 ABI is killed.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000

_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000

_LD_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGT = 0x25  # BPF_JMP | BPF_JGT | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET = 0x06  # BPF_RET | BPF_K

_OFF_NR = 0
_OFF_ARCH = 4


def _arg(index: int) -> int:
    return 16 + 8 * index  # low 32 bits of args[index] on little-endian


# x86_64 numbers of the calls refused outright.
DENIED = {
    "socket": 41, "connect": 42, "accept": 43, "bind": 49, "listen": 50, "socketpair": 53,
    "fork": 57, "vfork": 58, "execve": 59, "ptrace": 101, "syslog": 103,
    "setuid": 105, "setgid": 106, "setreuid": 113, "setregid": 114, "setgroups": 116,
    "setresuid": 117, "setresgid": 119, "setfsuid": 122, "setfsgid": 123,
    "creat": 85, "link": 86, "unlink": 87, "symlink": 88, "chmod": 90, "fchmod": 91,
    "chown": 92, "fchown": 93, "lchown": 94, "rename": 82, "mkdir": 83, "rmdir": 84,
    "truncate": 76, "utime": 132, "mknod": 133, "uselib": 134, "personality": 135,
    "modify_ldt": 154, "pivot_root": 155, "vhangup": 153, "adjtimex": 159, "chroot": 161,
    "acct": 163, "settimeofday": 164, "mount": 165, "umount2": 166, "swapon": 167,
    "swapoff": 168, "reboot": 169, "sethostname": 170, "setdomainname": 171, "iopl": 172,
    "ioperm": 173, "init_module": 175, "delete_module": 176, "quotactl": 179,
    "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "removexattr": 197,
    "lremovexattr": 198, "fremovexattr": 199, "lookup_dcookie": 212, "clock_settime": 227,
    "utimes": 235, "mq_open": 240, "kexec_load": 246, "add_key": 248, "request_key": 249,
    "keyctl": 250, "mkdirat": 258, "mknodat": 259, "fchownat": 260, "futimesat": 261,
    "unlinkat": 263, "renameat": 264, "linkat": 265, "symlinkat": 266, "fchmodat": 268,
    "unshare": 272, "utimensat": 280, "perf_event_open": 298, "fanotify_init": 300,
    "name_to_handle_at": 303, "open_by_handle_at": 304, "clock_adjtime": 305, "setns": 308,
    "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "finit_module": 313,
    "renameat2": 316, "memfd_create": 319, "kexec_file_load": 320, "bpf": 321,
    "execveat": 322, "userfaultfd": 323, "shmget": 29, "semget": 64, "msgget": 68,
    "pidfd_send_signal": 424, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "pidfd_open": 434, "openat2": 437,
    "pidfd_getfd": 438, "mount_setattr": 442, "quotactl_fd": 443, "memfd_secret": 447,
    "process_mrelease": 448, "fchmodat2": 452,
}  # fmt: skip

_OPEN = 2
_OPENAT = 257
_CLONE = 56
_CLONE3 = 435
_KILL = 62
_TKILL = 200
_TGKILL = 234
_RT_SIGQUEUEINFO = 129
_RT_TGSIGQUEUEINFO = 297

# O_WRONLY | O_RDWR | O_CREAT | O_TRUNC: no file is ever opened for writing.
_WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000
_CLONE_THREAD = 0x00010000
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME (0x80).
_CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
_CLONE_NAMESPACES |= 0x20000000 | 0x40000000 | 0x00000080


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def _errno(code: int) -> int:
    return _RET_ERRNO | code


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Group sorted numbers into inclusive ranges of consecutive numbers."""
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def _signal_body(own_pid: int) -> list[bytes]:
    return [
        _insn(_LD_ABS, 0, 0, _arg(0)),
        _insn(_JEQ, 0, 1, own_pid),
        _insn(_RET, 0, 0, _RET_ALLOW),
        _insn(_RET, 0, 0, _errno(errno.EPERM)),
    ]


def _open_body(flags_index: int) -> list[bytes]:
    return [
        _insn(_LD_ABS, 0, 0, _arg(flags_index)),
        _insn(_JSET, 0, 1, _WRITE_FLAGS),
        _insn(_RET, 0, 0, _errno(errno.EPERM)),
        _insn(_RET, 0, 0, _RET_ALLOW),
    ]


def _rules(own_pid: int) -> list[tuple[int, int, list[bytes]]]:
    """Return (first, last, body) per range of syscall numbers, sorted; every body returns."""
    eperm = [_insn(_RET, 0, 0, _errno(errno.EPERM))]
    rules = [(first, last, eperm) for first, last in _runs(sorted(DENIED.values()))]
    # glibc falls back from clone3 (whose flags sit in memory BPF cannot read) to clone.
    rules.append((_CLONE3, _CLONE3, [_insn(_RET, 0, 0, _errno(errno.ENOSYS))]))
    clone = [
        _insn(_LD_ABS, 0, 0, _arg(0)),
        _insn(_JSET, 2, 0, _CLONE_NAMESPACES),
        _insn(_JSET, 0, 1, _CLONE_THREAD),
        _insn(_RET, 0, 0, _RET_ALLOW),
        _insn(_RET, 0, 0, _errno(errno.EPERM)),
    ]
    rules.append((_CLONE, _CLONE, clone))
    rules += [(_OPEN, _OPEN, _open_body(1)), (_OPENAT, _OPENAT, _open_body(2))]
    for number in (_KILL, _TKILL, _TGKILL, _RT_SIGQUEUEINFO, _RT_TGSIGQUEUEINFO):
        rules.append((number, number, _signal_body(own_pid)))
    rules.sort(key=lambda rule: rule[0])
    for (_, last, _), (first, _, _) in zip(rules, rules[1:], strict=False):
        if first <= last:
            raise ValueError(f"seccomp rules overlap at syscall {first}")
    return rules


def build_filter(own_pid: int) -> bytes:
    """Return the BPF program; signals may only target `own_pid` (the calling process).

    The syscall number stays in the accumulator while the program walks the rules in
    ascending order and allows as soon as the number is below the next rule: short to run,
    and short for the kernel to check and JIT when each child installs it.
    """
    program = [
        _insn(_LD_ABS, 0, 0, _OFF_ARCH),
        _insn(_JEQ, 1, 0, _AUDIT_ARCH_X86_64),
        _insn(_RET, 0, 0, _RET_KILL_PROCESS),
        _insn(_LD_ABS, 0, 0, _OFF_NR),
        _insn(_JGE, 0, 1, _X32_SYSCALL_BIT),
        _insn(_RET, 0, 0, _RET_KILL_PROCESS),
    ]
    for first, last, body in _rules(own_pid):
        # Only a body loads arguments, and every body returns: A holds the number otherwise.
        program.append(_insn(_JGE, 1, 0, first))
        program.append(_insn(_RET, 0, 0, _RET_ALLOW))
        program.append(_insn(_JGT, len(body), 0, last))
        program.extend(body)
    program.append(_insn(_RET, 0, 0, _RET_ALLOW))
    return b"".join(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_libc = ctypes.CDLL(None, use_errno=True)


def supported() -> bool:
    """Return whether this filter fits the machine (x86_64 Linux)."""
    return platform.system() == "Linux" and platform.machine() == "x86_64"


def set_no_new_privs() -> None:
    """Set PR_SET_NO_NEW_PRIVS so that no exec can gain privileges."""
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def install(own_pid: int) -> None:
    """Install the filter on the calling thread (no_new_privs must already be set)."""
    install_program(build_filter(own_pid))


# Above pid_max (at most 2**22): never a real pid, so an unpatched program allows no signal.
_PID_PLACEHOLDER = 0x7FFFFFFF


class PreparedFilter:
    """The filter assembled once, before forking; each child writes its pid in and installs it.

    Building the program and the ctypes structures costs a child far more (copy-on-write
    faults in ctypes and this module) than patching the pid into an inherited buffer.
    """

    def __init__(self) -> None:
        program = build_filter(_PID_PLACEHOLDER)
        target = _insn(_JEQ, 0, 1, _PID_PLACEHOLDER)
        self._pid_offsets = [
            offset + 4
            for offset in range(0, len(program), 8)
            if program[offset : offset + 8] == target
        ]
        self._buffer = ctypes.create_string_buffer(program, len(program))
        self._fprog = _SockFprog(len(program) // 8, ctypes.cast(self._buffer, ctypes.c_void_p))
        self._fprog_ref = ctypes.byref(self._fprog)
        self._prctl = _libc.prctl

    def install(self, own_pid: int) -> None:
        """Install the filter on the calling thread; signals may only target `own_pid`."""
        for offset in self._pid_offsets:
            struct.pack_into("<I", self._buffer, offset, own_pid)
        if self._prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, self._fprog_ref, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))


def install_program(program: bytes) -> None:
    """Install a program built by build_filter on the calling thread."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if _libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
