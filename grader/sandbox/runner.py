"""The zygote: a fresh interpreter that imports NumPy once and forks one locked-down child per job.

Run as `python -I -B runner.py <control fd> <config json>` by grader.sandbox.zygote, with a
scrubbed environment. It imports nothing from the project but its three sibling modules
(codec, landlock, seccomp), loaded by path, which import only the standard library and NumPy.

Protocol on the control socket (SOCK_SEQPACKET, one JSON message per packet, fds as
SCM_RIGHTS): the zygote first sends {"hello": ...}, then {"standby": pid} with the standby
child's job channel and a pidfd for each child it forks ahead, and {"exit": pid, ...} when a
child has been reaped. The worker hands a job (three fds: job memfd, result pipe, output pipe;
a staged job a fourth, the pipe its hidden calls come on) straight to a standby child over its
channel, then tells the zygote {"took": pid} so that a
replacement is forked while the job runs; {"kill": pid} kills a child's process group.
The job itself (code and arguments) never passes through the zygote: only the child reads it.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import fcntl
import gc
import importlib.util
import io
import json
import os
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import sysconfig
import types

import numpy as np

# Submodules NumPy loads lazily: imported here so children need not read them from disk.
import numpy.fft  # noqa: F401
import numpy.linalg  # noqa: F401
import numpy.polynomial  # noqa: F401
import numpy.random  # noqa: F401
import numpy.testing  # noqa: F401

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load_sibling(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"unrolled_sandbox_{name}", f"{_HERE}/{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


codec = _load_sibling("codec")
landlock = _load_sibling("landlock")
seccomp = _load_sibling("seccomp")

SUBMISSION_FILENAME = "<submission>"
EXIT_SETUP_FAILED = codec.EXIT_SETUP_FAILED
SETUP_DONE = codec.SETUP_DONE
FRAME_LENGTH = codec.FRAME_LENGTH
JOB_FD = 3
RESULT_FD = 4
# A staged job's hidden calls arrive on this pipe, written by the worker only once it holds
# the complete results of the visible calls.
HIDDEN_FD = 5

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
# The job's scratch tmpfs: a few folders (the job's and the standbys'), nothing written.
SCRATCH_TMPFS = "size=256k,nr_inodes=64,mode=0755"
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_REMOUNT = 0x20
_MS_BIND = 0x1000
_MS_MOVE = 0x2000
_MS_REC = 0x4000
_MS_PRIVATE = 1 << 18


def _check(result: int) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        )
    )


def _set_pdeathsig() -> None:
    _check(_libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0))


def _vm_size_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


# ---------------------------------------------------------------------------------------
# Zygote start-up


def _enter_namespaces(config: dict, applied: dict) -> bool:
    """Unshare net/ipc/uts/mount/pid once; return True in the process that goes on serving.

    Without root, a user namespace comes first (where the kernel allows unprivileged ones):
    it maps only the worker's own uid, so the job has no other uid, but it gets the same
    namespaces as under root, and its capabilities inside are dropped in every child.
    """
    if not config.get("namespaces"):
        applied["namespaces"] = "turned off (UNROLLED_SANDBOX_NAMESPACES=off)"
        return True
    flags = _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS | _CLONE_NEWPID
    user_namespace = os.geteuid() != 0
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(flags | (_CLONE_NEWUSER if user_namespace else 0)) != 0:
        err = ctypes.get_errno()
        applied["namespaces"] = f"unshare refused: {os.strerror(err)}"
        return True
    if user_namespace:
        try:
            for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                               ("gid_map", f"{gid} {gid} 1")):  # fmt: skip
                with open(f"/proc/self/{name}", "w") as handle:
                    handle.write(text)
        except OSError as exc:
            # Half set up: serving from here would be worse than no namespace at all.
            print(f"user namespace mapping failed: {exc}", file=sys.stderr)
            os._exit(1)
    # The next child is PID 1 of the new pid namespace: it becomes the zygote proper, so
    # that job children are never PID 1 (which ignores SIGXCPU, SIGXFSZ and SIGTERM).
    init = os.fork()
    if init:
        _, status = os.waitpid(init, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    _set_pdeathsig()
    applied["namespaces"] = ["net", "ipc", "uts", "mount", "pid"] + (
        ["user"] if user_namespace else []
    )
    mounts = []
    try:
        _mount("", "/", None, _MS_REC | _MS_PRIVATE, None)
        _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None)
        mounts.append("/proc (this pid namespace only)")
        if user_namespace:
            # Without root the scratch folder lives under /tmp, which therefore stays in
            # view; Landlock denies reading it (and /dev/shm) all the same.
            _mount("tmpfs", config["scratch"], "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
                   SCRATCH_TMPFS)  # fmt: skip
            mounts.append(f"{config['scratch']} (private tmpfs, {SCRATCH_TMPFS})")
        else:
            _cover_shared_areas(config, mounts)
    except OSError as exc:
        mounts.append(f"mount failed: {exc}")
    applied["mounts"] = mounts
    with contextlib.suppress(OSError):
        _check(_libc.sethostname(b"sandbox", 7))
    return True


def _cover_shared_areas(config: dict, mounts: list[str]) -> None:
    """Hide /tmp, /dev/shm and closed directories behind empty tmpfs views (as root)."""
    needed = _landlock_paths(config)[0]
    # Shared scratch areas, and any directory the sandbox uid could not enter on the way
    # to the interpreter or NumPy (a checkout under /root), become empty tmpfs views
    # with just the needed paths bound back in place.
    closed = {_closed_ancestor(path) for path in needed} - {None}
    stage_root = os.path.dirname(config["scratch"])
    for hidden in sorted({"/tmp", "/dev/shm"} | closed):
        if os.path.isdir(hidden):
            keep = [path for path in needed if _is_beneath(path, hidden)]
            _cover(hidden, keep, stage_root)
            mounts.append(f"{hidden} (empty" + (f", but for {len(keep)} paths)" if keep else ")"))
    _mount("tmpfs", config["scratch"], "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
           SCRATCH_TMPFS)  # fmt: skip
    mounts.append(f"{config['scratch']} (private tmpfs, {SCRATCH_TMPFS})")


def _is_beneath(path: str, directory: str) -> bool:
    return os.path.commonpath([path, directory]) == directory


def _closed_ancestor(path: str) -> str | None:
    """Return the topmost directory above `path` that other users may not enter, if any."""
    parts = path.split("/")
    for depth in range(2, len(parts)):
        directory = "/".join(parts[:depth])
        if not os.stat(directory).st_mode & 0o001:
            return directory
    return None


def _cover(directory: str, keep: list[str], stage_root: str) -> None:
    """Mount an empty tmpfs over `directory`, with each path in `keep` bound back in place."""
    stage = os.path.join(stage_root, f".stage-{os.getpid()}")
    staged = []
    if keep:
        os.makedirs(stage, mode=0o700, exist_ok=True)
        _mount("tmpfs", stage, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=4k,nr_inodes=64,mode=0700")
        for index, path in enumerate(keep):
            holder = os.path.join(stage, str(index))
            if os.path.isdir(path):
                os.mkdir(holder)
            else:
                open(holder, "x").close()
            _mount(path, holder, None, _MS_BIND | _MS_REC, None)
            staged.append((holder, path))
    _mount("tmpfs", directory, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,nr_inodes=256,mode=0755")
    for holder, path in staged:
        if os.path.isdir(holder):
            os.makedirs(path, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "x").close()
        _mount(holder, path, None, _MS_MOVE, None)
    # Nothing may be written into the view itself; the bound paths keep their own modes.
    _mount("tmpfs", directory, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, None)
    if keep:
        _check(_libc.umount2(stage.encode(), 0))
        os.rmdir(stage)


def _landlock_paths(config: dict) -> tuple[list[str], list[str]]:
    """Return the read-only paths every job needs, and the slot's scratch folder."""
    paths = sysconfig.get_paths()
    numpy_dir = os.path.dirname(np.__file__)
    candidates = [
        paths["stdlib"],
        os.path.join(paths["stdlib"], "lib-dynload"),
        numpy_dir,
        numpy_dir + ".libs",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib64",
        "/dev/null",
        "/dev/urandom",
    ]
    seen: list[str] = []
    for path in candidates:
        real = os.path.realpath(path)
        if os.path.exists(real) and real not in seen:
            seen.append(real)
    return seen, [config["scratch"]]


def main() -> None:
    control_fd = int(sys.argv[1])
    config = json.loads(sys.argv[2])
    control = socket.socket(fileno=control_fd)
    applied: dict = {}
    _enter_namespaces(config, applied)
    ruleset = None
    try:
        ruleset = landlock.PreparedRuleset(_landlock_paths(config)[0])
        applied["landlock"] = {
            "abi": ruleset.abi,
            "read": ruleset.read_paths + ["the job's own scratch folder"],
            "write": [],
        }
    except OSError as exc:
        applied["landlock"] = f"unavailable: {exc}"
    applied["seccomp"] = seccomp.supported()
    applied["vm_baseline"] = _vm_size_bytes()
    applied["pid"] = os.getpid()
    seccomp_filter = seccomp.PreparedFilter() if seccomp.supported() else None
    _warm_up()
    # Ctrl-C semantics and inherited handlers are not the learner's business; the children
    # inherit the default disposition from here.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _send(control, {"hello": applied})
    # Everything imported so far is shared with the children: keep the collector off those pages.
    gc.collect()
    gc.freeze()
    Zygote(control, config, ruleset, applied["vm_baseline"], seccomp_filter).serve()


def _warm_up() -> None:
    """Run once here what every job runs, so that lazily built state is shared, not rebuilt."""
    sample = [np.zeros((2, 2)), np.float64(1), 1.5, "x", (None, True), {"k": [1]}]
    codec.decode(codec.encode(sample))
    compile("def f(x):\n    return x\n", SUBMISSION_FILENAME, "exec", dont_inherit=True)
    json.loads(json.dumps({"cpu_s": 1}))
    capture = _Capture([64])
    capture.write("warm")
    capture.take()
    # ctypes creates a function's wrapper on first attribute access: do it before forking.
    for library, name in ((_libc, "prctl"), (_libc, "capset"), (landlock._libc, "syscall")):
        getattr(library, name)


def _send(control: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(control, [data], fds)
    else:
        control.send(data)


class Zygote:
    """Keep STANDBY children forked ahead; the worker hands each job straight to one of them.

    The zygote only forks, reaps and reports: it never sees a job's code or data. The worker
    says which standby it took, and the replacement is forked at once, while the job runs,
    rather than once the job's child has died.
    """

    STANDBY = 2

    def __init__(
        self,
        control: socket.socket,
        config: dict,
        ruleset: landlock.PreparedRuleset | None,
        vm_baseline: int,
        seccomp_filter: seccomp.PreparedFilter | None,
    ):
        self.control = control
        self.seccomp_filter = seccomp_filter
        self.config = config
        self.ruleset = ruleset
        self.vm_baseline = vm_baseline
        self.counter = 0
        self.children: dict[int, tuple[int, str]] = {}  # pid -> (pidfd, scratch)
        self.by_pidfd: dict[int, int] = {}
        self.taken: set[int] = set()
        self.poller = select.poll()

    def serve(self) -> None:
        self.poller.register(self.control, select.POLLIN)
        self._top_up()
        while True:
            for fd, _ in self.poller.poll():
                if fd == self.control.fileno():
                    if not self._handle_control():
                        return
                else:
                    self._reap(fd)
            self._top_up()

    def _top_up(self) -> None:
        while len(self.children) - len(self.taken) < self.STANDBY:
            self._fork_standby()

    def _handle_control(self) -> bool:
        try:
            data = self.control.recv(65536)
        except OSError:
            data = b""
        if not data:
            for pid in self.children:
                _killpg(pid)
            return False
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            message = json.loads(data)
            pid = message.get("kill")
            if pid in self.children:
                _killpg(pid)
            pid = message.get("took")
            if pid in self.children:
                self.taken.add(pid)
        return True

    def _fork_standby(self) -> None:
        """Fork a child for a future job now, so the fork is off the job's critical path."""
        self.counter += 1
        scratch = os.path.join(self.config["scratch"], f"job-{self.counter}")
        # Owned by the zygote's uid, never the slot uid: a job can neither write into it nor
        # into a later job's folder (Landlock grants it read access to its own folder only).
        os.mkdir(scratch, 0o755)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        zygote_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            _child(
                theirs.fileno(),
                self.config,
                self.ruleset,
                scratch,
                zygote_pid,
                self.vm_baseline,
                self.seccomp_filter,
            )
        theirs.close()
        pidfd = os.pidfd_open(pid)
        self.children[pid] = (pidfd, scratch)
        self.by_pidfd[pidfd] = pid
        self.poller.register(pidfd, select.POLLIN)
        try:
            _send(self.control, {"standby": pid}, [ours.fileno(), pidfd])
        except OSError:
            sys.exit(0)
        finally:
            ours.close()

    def _reap(self, pidfd: int) -> None:
        pid = self.by_pidfd.pop(pidfd)
        _, scratch = self.children.pop(pid)
        self.taken.discard(pid)
        self.poller.unregister(pidfd)
        os.close(pidfd)
        _, status, usage = os.wait4(pid, 0)
        _killpg(pid)  # anything left in the child's process group
        try:
            os.rmdir(scratch)  # empty unless the child could write: seccomp denies creating files
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
        cpu = usage.ru_utime + usage.ru_stime
        try:
            _send(self.control, {"exit": pid, "status": status, "cpu": cpu})
        except OSError:
            sys.exit(0)


def _killpg(pgid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)


# ---------------------------------------------------------------------------------------
# The child: the job-independent lock-down while on standby, the rest once the job arrives


def _child(
    channel: int,
    config: dict,
    ruleset: landlock.PreparedRuleset | None,
    scratch: str,
    zygote_pid: int,
    vm_baseline: int,
    seccomp_filter: seccomp.PreparedFilter | None,
) -> None:
    out_fd = -1
    try:
        _prepare_standby(channel, ruleset, scratch)
        job_channel = socket.socket(fileno=CHANNEL_FD)
        try:
            data, fds, _, _ = socket.recv_fds(job_channel, 65536, 4)
        except OSError:
            os._exit(0)
        job_channel.close()
        if not data:
            os._exit(0)  # the zygote went away before giving us a job
        header = json.loads(data)
        if len(fds) != (4 if header.get("staged") else 3):
            os._exit(0)
        out_fd = fds[2]
        _lock_down(fds, header, config, zygote_pid, vm_baseline, seccomp_filter)
    except BaseException as exc:
        try:
            os.write(out_fd if out_fd >= 0 else 2, f"sandbox setup failed: {exc!r}\n".encode())
        finally:
            os._exit(EXIT_SETUP_FAILED)
    try:
        # Written before any learner code runs, so that learner code cannot fake a setup failure.
        os.write(RESULT_FD, SETUP_DONE)
        _run_job(header)
    finally:
        os._exit(0)


CHANNEL_FD = 6
_CAP_VERSION_3 = 0x20080522


def _drop_capabilities() -> None:
    """Empty every capability set: in a user namespace, the children inherit them all."""
    header = struct.pack("<Ii", _CAP_VERSION_3, 0)
    data = bytes(24)  # two zeroed __user_cap_data_struct (effective, permitted, inheritable)
    _check(_libc.capset(header, data))


def _prepare_standby(channel: int, ruleset: landlock.PreparedRuleset | None, scratch: str) -> None:
    """Do everything that does not depend on the job."""
    os.setsid()
    _set_pdeathsig()
    os.chdir(scratch)
    null = os.open("/dev/null", os.O_RDWR)  # before Landlock, which allows no writable open
    seccomp.set_no_new_privs()
    if ruleset is not None:
        ruleset.restrict_self(scratch)
        ruleset.close()
    if os.geteuid() != 0:
        _drop_capabilities()  # a no-op outside a user namespace, where there are none
    keep_channel = _high_dup(channel)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.dup2(keep_channel, CHANNEL_FD)
    # Every inherited fd goes, the worker's control socket first of all.
    os.closerange(3, CHANNEL_FD)
    os.closerange(CHANNEL_FD + 1, _max_fd())
    # Touch what every job touches, so its pages are copied now rather than during the job.
    codec.decode(codec.encode([np.zeros(2), 1.5, "x", (None, True), {"k": np.float64(1)}]))
    compile("def f(x):\n    return x\n", SUBMISSION_FILENAME, "exec", dont_inherit=True)


def _lock_down(
    fds: list[int],
    header: dict,
    config: dict,
    zygote_pid: int,
    vm_baseline: int,
    seccomp_filter: seccomp.PreparedFilter | None,
) -> None:
    job_fd, result_fd, out_fd, *hidden_fd = (_high_dup(fd) for fd in fds)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.dup2(job_fd, JOB_FD)
    os.dup2(result_fd, RESULT_FD)
    if hidden_fd:
        os.dup2(hidden_fd[0], HIDDEN_FD)
    os.closerange((HIDDEN_FD if hidden_fd else RESULT_FD) + 1, _max_fd())

    memory = vm_baseline + int(header["memory_mb"]) * 1024 * 1024
    cpu = int(header["cpu_s"])
    for limit, value in (
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_AS, (memory, memory)),
        (resource.RLIMIT_NPROC, (0, 0)),
        (resource.RLIMIT_FSIZE, (1 << 20, 1 << 20)),
        (resource.RLIMIT_NOFILE, (32, 32)),
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_MEMLOCK, (0, 0)),
        (resource.RLIMIT_MSGQUEUE, (0, 0)),
    ):
        resource.setrlimit(limit, value)
    uid = config.get("uid")
    if uid is not None:
        gid = config["gid"]
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    _set_pdeathsig()  # after setuid, which clears it
    if os.getppid() != zygote_pid:
        os._exit(EXIT_SETUP_FAILED)
    if seccomp_filter is not None:
        seccomp_filter.install(os.getpid())


def _high_dup(fd: int) -> int:
    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 64)


def _max_fd() -> int:
    return max(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 1024)


def _read_job() -> list[bytes]:
    size = os.fstat(JOB_FD).st_size
    data = bytearray()
    while len(data) < size:
        chunk = os.pread(JOB_FD, size - len(data), len(data))
        if not chunk:
            break
        data += chunk
    os.close(JOB_FD)
    return codec.split_frames(bytes(data))


# Exceptions are reported by their nearest built-in class (a learner-defined class name is
# learner-chosen text); captured here, before any learner code could replace a builtin.
_BUILTIN_EXCEPTIONS = frozenset(
    value
    for value in vars(builtins).values()
    if isinstance(value, type) and issubclass(value, BaseException)
)


class _Capture(io.TextIOBase):
    """A stand-in for sys.stdout and sys.stderr that keeps text within a byte budget."""

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, budget: list[int]) -> None:
        super().__init__()
        self._budget = budget  # shared by every capture of the run: [bytes left]
        self._parts: list[bytes] = []
        self._dropped = 0
        self._open = True

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if type(text) is not str:
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if not self._open:
            return len(text)
        data = text.encode("utf-8", "backslashreplace")
        kept = data[: max(0, self._budget[0])]
        self._budget[0] -= len(kept)
        self._dropped += len(data) - len(kept)
        if kept:
            self._parts.append(kept)
        return len(text)

    def take(self) -> tuple[bytes, int]:
        """Return what was kept and how many bytes were dropped; later writes are ignored."""
        self._open = False
        return b"".join(self._parts), self._dropped


def _capturing(capture: _Capture) -> None:
    sys.stdout = sys.stderr = capture


def _restore_streams() -> None:
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


def _line_of(tb: types.TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SUBMISSION_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _builtin_name(exc: BaseException) -> str:
    for klass in type(exc).__mro__:
        if klass in _BUILTIN_EXCEPTIONS:
            return klass.__name__
    return "BaseException"


def _describe_exception(exc: BaseException) -> tuple[str, int | None]:
    """Return the exception as "Type: message (line N)" and the line in the submission."""
    try:
        text = str(exc)
    except BaseException:
        text = "(message could not be shown)"
    name = type(exc).__name__
    if isinstance(exc, SyntaxError) and exc.filename == SUBMISSION_FILENAME:
        line = exc.lineno
        text = exc.msg
    else:
        line = _line_of(exc.__traceback__)
    message = f"{name}: {text}" if text else name
    if len(message) > 2000:
        message = message[:2000] + "..."
    return (f"{message} (line {line})" if line else message), line


def _run_job(header: dict) -> None:
    """Run the job; a staged job in two stages, the hidden calls after the visible results left.

    A plain job writes its results and ends. A staged job writes the visible calls' results
    as one length-prefixed block, then waits for the hidden calls on HIDDEN_FD (the worker
    sends them only once it has that whole block, so nothing the worker shows can depend on
    them), runs them with the same loaded function, and writes their results as a plain job's.
    """
    frames = _read_job()
    summary, load_output, outcomes, function = _execute(header, frames)
    staged = bool(header.get("staged"))
    payload = codec.join_frames([codec.encode(summary), load_output, *outcomes])
    if not staged:
        _send_results(payload, last=True)
        return
    if not _send_results(FRAME_LENGTH.pack(len(payload)) + payload, last=False):
        return
    if function is None:
        return  # nothing to call: the worker sends no hidden calls either
    hidden = _read_hidden()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    budget = [int(header.get("stdout_bytes", 0))]
    summary, outcomes = _call_each(function, hidden, budget)
    _send_results(codec.join_frames([codec.encode(summary), b"", *outcomes]), last=True)


def _send_results(payload: bytes, *, last: bool) -> bool:
    """Write results on RESULT_FD with no learner code running; False if the pipe is gone."""
    _restore_streams()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    # From here on no learner code may run: no signal handler, no timer.
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    view = memoryview(payload)
    while view:
        try:
            written = os.write(RESULT_FD, view)
        except InterruptedError:
            continue
        except OSError:
            return False
        view = view[written:]
    if last:
        # Closing every copy of both pipes tells the worker the run is complete.
        for fd in (RESULT_FD, 1, 2):
            with contextlib.suppress(OSError):
                os.close(fd)
    return True


def _read_hidden() -> list[bytes]:
    """Return the hidden calls' frames, read from HIDDEN_FD until the worker closes it."""
    data = bytearray()
    while True:
        try:
            chunk = os.read(HIDDEN_FD, 65536)
        except InterruptedError:
            continue
        if not chunk:
            break
        data += chunk
    os.close(HIDDEN_FD)
    return codec.split_frames(bytes(data))


def _execute(
    header: dict, frames: list[bytes]
) -> tuple[dict, bytes, list[bytes], types.FunctionType | None]:
    """Load the module, then call the entry point once per frame, capturing output per step.

    Returns the summary, what the module printed while loading, one part per call, and the
    entry point when it could be called (None otherwise).
    """
    job = codec.decode(frames[0])
    budget = [int(header.get("stdout_bytes", 0))]
    module = types.ModuleType("submission")
    module.__file__ = SUBMISSION_FILENAME
    capture = _Capture(budget)
    try:
        code = compile(job["code"], SUBMISSION_FILENAME, "exec", dont_inherit=True)
        _capturing(capture)
        exec(code, module.__dict__)
    except MemoryError:
        return {"status": "memory"}, b"", [], None
    except BaseException as exc:
        message, _ = _describe_exception(exc)
        load_output, dropped = capture.take()
        summary = {"status": "load_error", "message": message, "dropped": dropped}
        return summary, load_output, [], None
    finally:
        _restore_streams()
    load_output, dropped = capture.take()
    entry = job["entry_point"]
    function = module.__dict__.get(entry)
    if function is None:
        message = f"Your code does not define `{entry}`."
        return {"status": "missing", "message": message, "dropped": dropped}, load_output, [], None
    if not callable(function):
        message = f"`{entry}` in your code is not a function."
        return {"status": "missing", "message": message, "dropped": dropped}, load_output, [], None
    summary, outcomes = _call_each(function, frames[1:], budget)
    if summary["status"] != "ok":
        return summary, b"", [], None
    return {"status": "ok", "dropped": dropped}, load_output, outcomes, function


def _call_each(function: object, frames: list[bytes], budget: list[int]) -> tuple[dict, list]:
    """Call `function` once per frame of arguments; return a summary and one part per call."""
    outcomes = []
    for frame in frames:
        args = None
        capture = _Capture(budget)
        try:
            try:
                args = codec.decode(frame)
                _capturing(capture)
                value = function(*args)
            except MemoryError:
                raise
            except BaseException as exc:
                _restore_streams()
                outcomes.append(_outcome(False, None, exc, args, capture.take()))
                continue
            finally:
                _restore_streams()
            outcomes.append(_outcome(True, value, None, args, capture.take()))
        except MemoryError:
            return {"status": "memory"}, []
    return {"status": "ok"}, outcomes


def _outcome(
    ok: bool, value: object, exc: BaseException | None, args: object, output: tuple[bytes, int]
) -> bytes:
    try:
        args_frame = codec.encode(args)
    except BaseException:
        args_frame = None
    exception = exception_type = line = None
    if exc is not None:
        exception, line = _describe_exception(exc)
        exception_type = _builtin_name(exc)
    try:
        value_frame = codec.encode(value) if ok else None
    except MemoryError:
        raise
    except BaseException as error:
        ok, value_frame = False, None
        if isinstance(error, codec.UnsupportedValue):
            exception, exception_type, line = f"TypeError: {error}", "TypeError", None
        else:
            exception, line = _describe_exception(error)
            exception_type = _builtin_name(error)
    record = codec.encode(
        {
            "ok": ok,
            "exception": exception,
            "exception_type": exception_type,
            "line": line,
            "has_args": args_frame is not None,
            "dropped": output[1],
        }
    )
    return codec.join_frames([record, value_frame or b"", args_frame or b"", output[0]])


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
    sys.exit(0)
