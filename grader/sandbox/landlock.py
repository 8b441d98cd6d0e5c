"""Landlock through raw syscalls (landlock(7)); imports only the standard library."""

from __future__ import annotations

import ctypes
import os
import struct

_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

READ = READ_FILE | READ_DIR
WRITE = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | TRUNCATE

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(number: int, *args: object) -> int:
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def abi_version() -> int:
    """Return the kernel's Landlock ABI version, or 0 when Landlock is unavailable."""
    try:
        return _syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    except OSError:
        return 0


def _handled_fs(abi: int) -> int:
    handled = (1 << 13) - 1
    if abi >= 2:
        handled |= REFER
    if abi >= 3:
        handled |= TRUNCATE
    if abi >= 5:
        handled |= IOCTL_DEV
    return handled


def restrict_self(ruleset: int) -> None:
    """Enforce the ruleset on the calling thread (needs no_new_privs or CAP_SYS_ADMIN)."""
    _syscall(_SYS_RESTRICT_SELF, ruleset, 0)


class PreparedRuleset:
    """Read-only paths opened once (in the zygote); each child builds its own ruleset from them.

    A ruleset is per child so that the only folder it adds is the child's own scratch folder
    (read-only: nothing is ever written there): another job's folder is outside its rules.
    """

    def __init__(self, read_paths: list[str]) -> None:
        self.abi = abi_version()
        if self.abi < 1:
            raise OSError("Landlock is not available on this kernel")
        self.read_paths = list(read_paths)
        self._fds = [os.open(path, os.O_PATH | os.O_CLOEXEC) for path in self.read_paths]
        self._dirs = [os.path.isdir(path) for path in self.read_paths]

    def restrict_self(self, own_folder: str) -> None:
        """Enforce: read beneath the prepared paths and `own_folder`, nothing else, no TCP."""
        ruleset, _ = _create_ruleset(self.abi)
        try:
            handled = _handled_fs(self.abi)
            for fd, is_dir in zip(self._fds, self._dirs, strict=True):
                access = READ if is_dir else READ_FILE
                _add_fd(ruleset, fd, access & handled)
            folder = os.open(own_folder, os.O_PATH | os.O_CLOEXEC)
            try:
                _add_fd(ruleset, folder, READ & handled)
            finally:
                os.close(folder)
            restrict_self(ruleset)
        finally:
            os.close(ruleset)

    def close(self) -> None:
        """Close the prepared paths (in a child, once its ruleset is enforced)."""
        for fd in self._fds:
            os.close(fd)
        self._fds = []


def _create_ruleset(abi: int) -> tuple[int, int]:
    fields = [_handled_fs(abi)]
    if abi >= 4:
        fields.append(NET_BIND_TCP | NET_CONNECT_TCP)
    if abi >= 6:
        fields.append(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL)
    attr = struct.pack(f"<{len(fields)}Q", *fields)
    buffer = ctypes.create_string_buffer(attr, len(attr))
    return _syscall(_SYS_CREATE_RULESET, buffer, ctypes.c_size_t(len(attr)), 0), abi


def _add_fd(ruleset: int, fd: int, access: int) -> None:
    rule = struct.pack("<Qi", access, fd)
    buffer = ctypes.create_string_buffer(rule, len(rule))
    _syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, buffer, 0)
