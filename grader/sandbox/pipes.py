"""The file descriptors a run goes through: its sealed job, its pipes, its child's pidfd."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket

_CHUNK = 65536


def grow_pipe(fd: int, size: int) -> None:
    """Let a pipe hold `size` bytes at once where the kernel allows (fewer poll rounds)."""
    if size > 65536:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, min(size, 1 << 20))


def kill_child(pidfd: int, control: socket.socket | None, pid: int) -> None:
    """Kill a run's child now and ask the zygote to kill its process group (and reap it)."""
    with contextlib.suppress(OSError):
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    if control is not None:
        with contextlib.suppress(OSError):
            control.send(json.dumps({"kill": pid}).encode())


def sealed_memfd(payload: bytes) -> int:
    fd = os.memfd_create("unrolled-job", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]
    seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    return fd


def read_chunk(fd: int) -> bytes | None:
    try:
        return os.read(fd, _CHUNK)
    except BlockingIOError:
        return None
