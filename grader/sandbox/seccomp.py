"""A hand-written seccomp BPF filter for x86_64 (seccomp(2)); imports only the standard library.

Default deny. POLICY below is the one reviewed table of every system call the sandboxed
interpreter may make (derived with strace from CPython and NumPy running linear algebra,
FFT, random numbers, threads, imports and printing; see
tests/grader/sandbox/test_allowlist.py), each with its rule. Calls named in DENIED are refused with EPERM (a clear PermissionError in
Python); every other number, including calls that later kernels add, is refused with ENOSYS
(so that glibc falls back where it can, e.g. from clone3 to clone). A foreign architecture
or the x32 ABI kills the process.

The program is a binary search over the syscall number (about eight comparisons), then at
most a few argument checks: cheap for the kernel to verify and JIT at every child's start.
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
_JA = 0x05  # BPF_JMP | BPF_JA
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET = 0x06  # BPF_RET | BPF_K

_OFF_NR = 0
_OFF_ARCH = 4

# Rules of POLICY. OWN stands for the job's own pid (its only process: no fork, and its
# threads share its tgid); "0 or own" calls take 0 for "the calling process".
ALLOW = "allow"
OWN_PID = "arg0 is the job's pid"
SELF = "arg0 is 0 or the job's pid"
SELF_PRIORITY = "which is PRIO_PROCESS, who is 0 or the job's pid"
SELF_IOPRIO = "which is IOPRIO_WHO_PROCESS, who is 0 or the job's pid"
READ_ONLY_OPEN = "no write, create or truncate flag"
THREADS_ONLY = "a thread (CLONE_THREAD), no namespace flag"
FCNTL = "a command in FCNTL_COMMANDS"
IOCTL = "a request in IOCTL_REQUESTS"
PRCTL = "an option in PRCTL_OPTIONS"
NOT_IMPLEMENTED = "refused with ENOSYS (glibc falls back)"

POLICY: dict[str, tuple[int, str]] = {
    # Files: read-only (Landlock also limits which paths), metadata, directories.
    "read": (0, ALLOW), "write": (1, ALLOW), "open": (2, READ_ONLY_OPEN), "close": (3, ALLOW),
    "stat": (4, ALLOW), "fstat": (5, ALLOW), "lstat": (6, ALLOW), "poll": (7, ALLOW),
    "lseek": (8, ALLOW), "pread64": (17, ALLOW), "pwrite64": (18, ALLOW), "readv": (19, ALLOW),
    "writev": (20, ALLOW), "access": (21, ALLOW), "select": (23, ALLOW), "dup": (32, ALLOW),
    "dup2": (33, ALLOW), "fcntl": (72, FCNTL), "ioctl": (16, IOCTL), "getdents": (78, ALLOW),
    "getcwd": (79, ALLOW), "chdir": (80, ALLOW), "fchdir": (81, ALLOW), "readlink": (89, ALLOW),
    "umask": (95, ALLOW), "getdents64": (217, ALLOW), "openat": (257, READ_ONLY_OPEN),
    "newfstatat": (262, ALLOW), "readlinkat": (267, ALLOW), "faccessat": (269, ALLOW),
    "pselect6": (270, ALLOW), "ppoll": (271, ALLOW), "dup3": (292, ALLOW), "preadv": (295, ALLOW),
    "pwritev": (296, ALLOW), "preadv2": (327, ALLOW), "pwritev2": (328, ALLOW),
    "statx": (332, ALLOW), "close_range": (436, ALLOW), "faccessat2": (439, ALLOW),
    # Memory (RLIMIT_AS bounds it); NumPy binds its huge allocations with mbind.
    "mmap": (9, ALLOW), "mprotect": (10, ALLOW), "munmap": (11, ALLOW), "brk": (12, ALLOW),
    "mremap": (25, ALLOW), "msync": (26, ALLOW), "madvise": (28, ALLOW), "mbind": (237, ALLOW),
    "set_mempolicy": (238, ALLOW), "get_mempolicy": (239, ALLOW),
    # Signals: handlers and masks; sending only to itself.
    "rt_sigaction": (13, ALLOW), "rt_sigprocmask": (14, ALLOW), "rt_sigreturn": (15, ALLOW),
    "pause": (34, ALLOW), "getitimer": (36, ALLOW), "alarm": (37, ALLOW),
    "setitimer": (38, ALLOW), "rt_sigpending": (127, ALLOW), "rt_sigtimedwait": (128, ALLOW),
    "rt_sigsuspend": (130, ALLOW), "sigaltstack": (131, ALLOW), "restart_syscall": (219, ALLOW),
    "kill": (62, OWN_PID), "tkill": (200, OWN_PID), "tgkill": (234, OWN_PID),
    "rt_sigqueueinfo": (129, OWN_PID), "rt_tgsigqueueinfo": (297, OWN_PID),
    # Threads and time.
    "clone": (56, THREADS_ONLY), "clone3": (435, NOT_IMPLEMENTED), "futex": (202, ALLOW),
    "set_tid_address": (218, ALLOW), "set_robust_list": (273, ALLOW), "rseq": (334, ALLOW),
    "gettid": (186, ALLOW), "sched_yield": (24, ALLOW), "exit": (60, ALLOW),
    "exit_group": (231, ALLOW), "nanosleep": (35, ALLOW), "gettimeofday": (96, ALLOW),
    "time": (201, ALLOW), "clock_gettime": (228, ALLOW), "clock_getres": (229, ALLOW),
    "clock_nanosleep": (230, ALLOW), "getcpu": (309, ALLOW), "getrandom": (318, ALLOW),
    # Who am I, and limits and scheduling of itself only.
    "getpid": (39, ALLOW), "uname": (63, ALLOW), "getrlimit": (97, ALLOW),
    "getrusage": (98, ALLOW), "times": (100, ALLOW), "getuid": (102, ALLOW),
    "getgid": (104, ALLOW), "geteuid": (107, ALLOW), "getegid": (108, ALLOW),
    "getppid": (110, ALLOW), "getpgrp": (111, ALLOW), "getgroups": (115, ALLOW),
    "getresuid": (118, ALLOW), "getresgid": (120, ALLOW), "getpgid": (121, SELF),
    "getsid": (124, SELF), "setrlimit": (160, ALLOW), "prlimit64": (302, SELF),
    "getpriority": (140, SELF_PRIORITY), "setpriority": (141, SELF_PRIORITY),
    "sched_setparam": (142, SELF), "sched_getparam": (143, SELF),
    "sched_setscheduler": (144, SELF), "sched_getscheduler": (145, SELF),
    "sched_get_priority_max": (146, ALLOW), "sched_get_priority_min": (147, ALLOW),
    "sched_rr_get_interval": (148, SELF), "sched_setaffinity": (203, SELF),
    "sched_getaffinity": (204, SELF), "sched_setattr": (314, SELF), "sched_getattr": (315, SELF),
    "ioprio_set": (251, SELF_IOPRIO), "ioprio_get": (252, SELF_IOPRIO), "prctl": (157, PRCTL),
}  # fmt: skip

# Refused with EPERM by name, so that the learner sees a PermissionError. Anything neither
# here nor in POLICY gets ENOSYS (xattrs, inotify, mount listing, sync, page-cache probes,
# file locks, pipes, eventfds, timers, ...).
DENIED = {
    "socket": 41, "connect": 42, "accept": 43, "bind": 49, "listen": 50, "socketpair": 53,
    "fork": 57, "vfork": 58, "execve": 59, "pipe": 22, "pipe2": 293, "ptrace": 101, "syslog": 103,
    "setuid": 105, "setgid": 106, "setpgid": 109, "setsid": 112, "setreuid": 113,
    "setregid": 114, "setgroups": 116, "setresuid": 117, "setresgid": 119, "setfsuid": 122,
    "setfsgid": 123, "capset": 126,
    "creat": 85, "link": 86, "unlink": 87, "symlink": 88, "chmod": 90, "fchmod": 91,
    "chown": 92, "fchown": 93, "lchown": 94, "rename": 82, "mkdir": 83, "rmdir": 84,
    "truncate": 76, "ftruncate": 77, "utime": 132, "mknod": 133, "uselib": 134,
    "personality": 135, "modify_ldt": 154, "pivot_root": 155, "vhangup": 153, "adjtimex": 159,
    "chroot": 161, "sync": 162, "acct": 163, "settimeofday": 164, "mount": 165, "umount2": 166,
    "swapon": 167, "swapoff": 168, "reboot": 169, "sethostname": 170, "setdomainname": 171,
    "iopl": 172, "ioperm": 173, "init_module": 175, "delete_module": 176, "quotactl": 179,
    "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "getxattr": 191, "lgetxattr": 192,
    "fgetxattr": 193, "listxattr": 194, "llistxattr": 195, "flistxattr": 196,
    "removexattr": 197, "lremovexattr": 198, "fremovexattr": 199, "lookup_dcookie": 212,
    "clock_settime": 227, "utimes": 235, "mq_open": 240, "kexec_load": 246, "add_key": 248,
    "request_key": 249, "keyctl": 250, "inotify_init": 253, "inotify_add_watch": 254,
    "migrate_pages": 256, "mkdirat": 258, "mknodat": 259, "fchownat": 260, "futimesat": 261,
    "unlinkat": 263, "renameat": 264, "linkat": 265, "symlinkat": 266, "fchmodat": 268,
    "unshare": 272, "utimensat": 280, "accept4": 288, "inotify_init1": 294,
    "perf_event_open": 298, "fanotify_init": 300, "name_to_handle_at": 303,
    "open_by_handle_at": 304, "clock_adjtime": 305, "syncfs": 306, "setns": 308,
    "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "finit_module": 313,
    "renameat2": 316, "memfd_create": 319, "kexec_file_load": 320, "bpf": 321,
    "execveat": 322, "userfaultfd": 323, "shmget": 29, "semget": 64, "msgget": 68,
    "pidfd_send_signal": 424, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "open_tree": 428, "move_mount": 429, "fsopen": 430,
    "fsconfig": 431, "fsmount": 432, "fspick": 433, "pidfd_open": 434, "openat2": 437,
    "pidfd_getfd": 438, "mount_setattr": 442, "quotactl_fd": 443, "memfd_secret": 447,
    "process_mrelease": 448, "cachestat": 451, "fchmodat2": 452, "statmount": 457,
    "listmount": 458,
}  # fmt: skip

# fcntl: duplicating, close-on-exec, status flags, and reading a pipe's size (F_GETPIPE_SZ)
# and a memfd's seals (F_GET_SEALS). Not F_SETOWN/F_SETSIG/F_SETOWN_EX (signals to others),
# leases, F_NOTIFY, locks (a channel between jobs that share a file), or setting pipe sizes
# or seals.
FCNTL_COMMANDS = (0, 1, 2, 3, 4, 1030, 1032, 1034)  # F_DUPFD .. F_SETFL, DUPFD_CLOEXEC, ...
# ioctl: what isatty() and non-blocking I/O need (TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO,
# FIONCLEX, FIOCLEX); never TIOCSTI.
IOCTL_REQUESTS = (0x5401, 0x5413, 0x541B, 0x5421, 0x5450, 0x5451)
# prctl: reading its own state and naming threads (GET_PDEATHSIG, GET_DUMPABLE, SET_NAME,
# GET_NAME, GET_SECCOMP, CAPBSET_READ, GET_NO_NEW_PRIVS).
PRCTL_OPTIONS = (2, 3, 15, 16, 21, 23, 39)

_PRIO_PROCESS = 0
_IOPRIO_WHO_PROCESS = 1
# O_WRONLY | O_RDWR | O_CREAT | O_TRUNC: no file is ever opened for writing.
_WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000
_CLONE_THREAD = 0x00010000
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME (0x80).
_CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000
_CLONE_NAMESPACES |= 0x20000000 | 0x40000000 | 0x00000080
# Above pid_max (at most 2**22): never a real pid; PreparedFilter writes the pid over it.
_PID_PLACEHOLDER = 0x7FFFFFFF
# Numbers beyond every table entry are refused: the last range of the search ends here.
_LAST_NUMBER = _X32_SYSCALL_BIT - 1


def _arg(index: int) -> int:
    return 16 + 8 * index  # low 32 bits of args[index] on little-endian


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def _errno(code: int) -> int:
    return _RET_ERRNO | code


def _ret(value: int) -> list[bytes]:
    return [_insn(_RET, 0, 0, value)]


def _args_in(conditions: list[tuple[int, tuple[int, ...]]]) -> list[bytes]:
    """Allow if every (argument index, allowed values) holds; otherwise EPERM.

    One block per condition: load the argument, compare it with each value (a match jumps
    past the block's EPERM to the next block, or to ALLOW after the last), else EPERM.
    """
    program: list[bytes] = []
    for index, values in conditions:
        program.append(_insn(_LD_ABS, 0, 0, _arg(index)))
        for order, value in enumerate(values):
            program.append(_insn(_JEQ, len(values) - order, 0, value))
        program += _ret(_errno(errno.EPERM))
    return program + _ret(_RET_ALLOW)


def _open_body(flags_index: int) -> list[bytes]:
    return [
        _insn(_LD_ABS, 0, 0, _arg(flags_index)),
        _insn(_JSET, 0, 1, _WRITE_FLAGS),
        _insn(_RET, 0, 0, _errno(errno.EPERM)),
        _insn(_RET, 0, 0, _RET_ALLOW),
    ]


def _clone_body() -> list[bytes]:
    return [
        _insn(_LD_ABS, 0, 0, _arg(0)),
        _insn(_JSET, 2, 0, _CLONE_NAMESPACES),
        _insn(_JSET, 0, 1, _CLONE_THREAD),
        _insn(_RET, 0, 0, _RET_ALLOW),
        _insn(_RET, 0, 0, _errno(errno.EPERM)),
    ]


def _body(number: int, rule: str, own_pid: int) -> list[bytes]:
    own_or_zero = (0, own_pid)
    bodies = {
        ALLOW: lambda: _ret(_RET_ALLOW),
        NOT_IMPLEMENTED: lambda: _ret(_errno(errno.ENOSYS)),
        OWN_PID: lambda: _args_in([(0, (own_pid,))]),
        SELF: lambda: _args_in([(0, own_or_zero)]),
        SELF_PRIORITY: lambda: _args_in([(0, (_PRIO_PROCESS,)), (1, own_or_zero)]),
        SELF_IOPRIO: lambda: _args_in([(0, (_IOPRIO_WHO_PROCESS,)), (1, own_or_zero)]),
        READ_ONLY_OPEN: lambda: _open_body(2 if number == POLICY["openat"][0] else 1),
        THREADS_ONLY: _clone_body,
        FCNTL: lambda: _args_in([(1, FCNTL_COMMANDS)]),
        IOCTL: lambda: _args_in([(1, IOCTL_REQUESTS)]),
        PRCTL: lambda: _args_in([(0, PRCTL_OPTIONS)]),
    }
    return bodies[rule]()


def _leaves(own_pid: int) -> list[tuple[int, list[bytes]]]:
    """Return (first number, body) for consecutive ranges covering 0.._LAST_NUMBER."""
    rules: dict[int, tuple[str, str]] = {}
    for name, (number, rule) in POLICY.items():
        rules[number] = (name, rule)
    for name, number in DENIED.items():
        if number in rules:
            raise ValueError(f"{name} ({number}) is both allowed and denied")
        rules[number] = (name, "EPERM")
    leaves: list[tuple[int, list[bytes]]] = []
    previous_key = None
    for number in range(0, max(rules) + 2):
        _, rule = rules.get(number, ("", "ENOSYS"))
        # Plain verdicts merge with their neighbours; a call with argument checks stands alone.
        key = rule if rule in (ALLOW, "EPERM", "ENOSYS") else (rule, number)
        if key == previous_key:
            continue
        previous_key = key
        if rule == "EPERM":
            body = _ret(_errno(errno.EPERM))
        elif rule == "ENOSYS":
            body = _ret(_errno(errno.ENOSYS))
        else:
            body = _body(number, rule, own_pid)
        leaves.append((number, body))
    return leaves


def _search(leaves: list[tuple[int, list[bytes]]]) -> list[bytes]:
    """Return a binary search over the ranges: A holds the syscall number until a leaf."""
    if len(leaves) == 1:
        return leaves[0][1]
    middle = len(leaves) // 2
    below, above = _search(leaves[:middle]), _search(leaves[middle:])
    # A >= first of the upper half: fall into the JA, which jumps over the lower half.
    return [_insn(_JGE, 0, 1, leaves[middle][0]), _insn(_JA, 0, 0, len(below))] + below + above


def build_filter(own_pid: int) -> bytes:
    """Return the BPF program; signals and scheduling calls may only target `own_pid`."""
    program = [
        _insn(_LD_ABS, 0, 0, _OFF_ARCH),
        _insn(_JEQ, 1, 0, _AUDIT_ARCH_X86_64),
        _insn(_RET, 0, 0, _RET_KILL_PROCESS),
        _insn(_LD_ABS, 0, 0, _OFF_NR),
        _insn(_JGE, 0, 1, _X32_SYSCALL_BIT),
        _insn(_RET, 0, 0, _RET_KILL_PROCESS),
    ]
    program += _search(_leaves(own_pid))
    if len(program) > 4096:
        raise ValueError("the seccomp program is longer than the kernel accepts")
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


class PreparedFilter:
    """The filter assembled once, before forking; each child writes its pid in and installs it.

    Building the program and the ctypes structures costs a child far more (copy-on-write
    faults in ctypes and this module) than patching the pid into an inherited buffer.
    """

    def __init__(self) -> None:
        program = build_filter(_PID_PLACEHOLDER)
        self._pid_offsets = [
            offset + 4
            for offset in range(0, len(program), 8)
            if program[offset : offset + 2] == struct.pack("<H", _JEQ)
            and program[offset + 4 : offset + 8] == struct.pack("<I", _PID_PLACEHOLDER)
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
