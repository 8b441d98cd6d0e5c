"""The worker side: start the zygote, hand it jobs, enforce the deadline, read capped results."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import math
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from . import cgroup, codec
from .results import CallOutcome, Limits, RunResult, SandboxUnavailable

RUNNER = Path(__file__).with_name("runner.py")
SLOT_UID_BASE = 61000
MAX_SLOTS = 256
EXIT_SETUP_FAILED = codec.EXIT_SETUP_FAILED
SETUP_DONE = codec.SETUP_DONE
START_TIMEOUT_S = 20.0
KILL_GRACE_S = 5.0
_CHUNK = 65536
# Frame headers and per-call records on top of the encoded values and the printed text.
_RESULT_SLACK = 64 * 1024


class CasesError(ValueError):
    """A cases.py source did not produce a list of cases."""


def scrubbed_env() -> dict[str, str]:
    """Return the whole environment the zygote starts with: no secret can be inherited."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/nonexistent",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def namespaces_wanted() -> bool:
    """Return whether the sandbox should try namespaces (UNROLLED_SANDBOX_NAMESPACES=off: no).

    Off is for containers that refuse them (Docker without SYS_ADMIN): the seccomp argument
    filters, Landlock and the per-slot uid then carry the isolation, and sandbox_check says so.
    """
    return os.environ.get("UNROLLED_SANDBOX_NAMESPACES", "on").strip().lower() != "off"


def state_dir() -> Path:
    """Return the directory holding slot locks and scratch directories."""
    if os.geteuid() == 0:
        return Path("/run/unrolled-sandbox")
    return Path(tempfile.gettempdir()) / f"unrolled-sandbox-{os.geteuid()}"


class _Slot:
    """An index unique among the live sandboxes of this machine, held by an flock."""

    def __init__(self) -> None:
        base = state_dir()
        base.mkdir(mode=0o711, parents=True, exist_ok=True)
        os.chmod(base, 0o711 if os.geteuid() == 0 else 0o700)
        for index in range(MAX_SLOTS):
            fd = os.open(base / f"slot-{index}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.index = index
            self.lock_fd = fd
            self.scratch = base / f"slot-{index}"
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch.mkdir(mode=0o711)
            os.chmod(self.scratch, 0o711)
            self.cgroup, self.cgroup_detail = cgroup.slot_cgroup(index)
            return
        raise SandboxUnavailable(f"all {MAX_SLOTS} sandbox slots are in use")

    @property
    def uid(self) -> int | None:
        return SLOT_UID_BASE + self.index if os.geteuid() == 0 else None

    def release(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.cgroup is not None:
            cgroup.remove(self.cgroup)
        os.close(self.lock_fd)


class Sandbox:
    """One warm zygote per OS process; runs untrusted code in a locked-down forked child."""

    _shared: Sandbox | None = None
    _shared_pid = 0
    _shared_lock = threading.Lock()

    def __init__(self, *, namespaces: bool | None = None) -> None:
        self.namespaces = namespaces_wanted() if namespaces is None else namespaces
        self._lock = threading.RLock()
        self._slot: _Slot | None = None
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._owner_pid = os.getpid()
        self.hello: dict[str, Any] = {}
        # Standby children forked ahead by the zygote: (pid, job channel, pidfd).
        self._ready: deque[tuple[int, socket.socket, int]] = deque()
        atexit.register(self.close)

    @classmethod
    def shared(cls) -> Sandbox:
        """Return this process's sandbox (a new one after a fork)."""
        with cls._shared_lock:
            if cls._shared is None or cls._shared_pid != os.getpid():
                cls._shared = cls()
                cls._shared_pid = os.getpid()
            return cls._shared

    # -- zygote life cycle ---------------------------------------------------------------

    def _alive(self) -> bool:
        return (
            self._owner_pid == os.getpid()
            and self._process is not None
            and self._process.poll() is None
            and self._control is not None
        )

    def start(self) -> dict[str, Any]:
        """Start the zygote if it is not running; return what it reported at start-up."""
        with self._lock:
            if self._owner_pid != os.getpid():
                # Forked from the process that started this zygote: the zygote is not ours.
                self._slot, self._process, self._control = None, None, None
                self._ready = deque()
                self._owner_pid = os.getpid()
            if self._alive():
                return self.hello
            self._stop_zygote()
            if self._slot is None:
                self._slot = _Slot()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            uid = self._slot.uid
            config = {
                "scratch": str(self._slot.scratch),
                "uid": uid,
                "gid": uid,
                "namespaces": self.namespaces,
            }
            debug = os.environ.get("UNROLLED_SANDBOX_DEBUG") == "1"
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-I", "-B", str(RUNNER), str(theirs.fileno()),
                     json.dumps(config)],
                    env=scrubbed_env(),
                    cwd="/",
                    close_fds=True,
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=None if debug else subprocess.DEVNULL,
                )  # fmt: skip
            except OSError as exc:
                ours.close()
                raise SandboxUnavailable(f"the sandbox could not start: {exc}") from exc
            finally:
                theirs.close()
            cgroup_detail = self._slot.cgroup_detail
            in_cgroup = self._slot.cgroup is not None
            if in_cgroup:
                # Before the runner has imported NumPy, long before it forks anything.
                try:
                    cgroup.attach(self._slot.cgroup, self._process.pid)
                except OSError as exc:
                    cgroup_detail = f"the zygote could not join {self._slot.cgroup}: {exc}"
                    in_cgroup = False
            self._control = ours
            ready, _, _ = select.select([ours], [], [], START_TIMEOUT_S)
            message = self._receive()[0] if ready else None
            if not message or "hello" not in message:
                self._stop_zygote()
                raise SandboxUnavailable("the sandbox did not start (no greeting from the zygote)")
            self.hello = message["hello"]
            self.hello["cgroup"] = cgroup_detail
            self.hello["cgroup_active"] = in_cgroup
            return self.hello

    def _receive(self) -> tuple[dict | None, list[int]]:
        assert self._control is not None
        try:
            data, fds, _, _ = socket.recv_fds(self._control, 65536, 4)
        except OSError:
            return None, []
        if not data:
            return None, fds
        return json.loads(data), fds

    def _stop_zygote(self) -> None:
        while self._ready:
            _, channel, pidfd = self._ready.popleft()
            channel.close()
            os.close(pidfd)
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def close(self) -> None:
        """Stop the zygote and release the slot."""
        with self._lock:
            if self._owner_pid != os.getpid():
                return
            self._stop_zygote()
            if self._slot is not None:
                self._slot.release()
                self._slot = None

    # -- running jobs --------------------------------------------------------------------

    def run(
        self,
        code: str,
        entry_point: str,
        calls: list[list[Any]],
        limits: Limits = Limits(),  # noqa: B008 (frozen dataclass)
    ) -> RunResult:
        """Run `code` in a fresh locked-down child and call `entry_point` once per call."""
        frames = [codec.encode({"code": code, "entry_point": entry_point})]
        frames += [codec.encode(list(args)) for args in calls]
        with self._lock:
            for attempt in range(2):
                self.start()
                try:
                    return self._run_frames(frames, limits)
                except _ZygoteLost:
                    self._stop_zygote()
                    if attempt:
                        raise SandboxUnavailable("the sandbox stopped during the run") from None
        raise AssertionError("unreachable")

    def make_cases(self, cases_code: str, limits: Limits | None = None) -> list[dict]:
        """Run a cases.py source in the sandbox and return its make_cases() list."""
        limits = limits or Limits(time_limit_s=10.0, memory_mb=1024)
        result = self.run(cases_code, "make_cases", [[]], limits)
        if result.status != "ok":
            raise CasesError(f"cases.py could not run: {result.error}")
        outcome = result.outcomes[0]
        if not outcome.ok:
            raise CasesError(f"make_cases() failed: {outcome.exception}")
        cases = outcome.value
        if type(cases) is not list or not all(type(case) is dict for case in cases):
            raise CasesError("make_cases() must return a list of dicts")
        return cases

    def _handle(self, message: dict | None, fds: list[int]) -> dict | None:
        """Keep a standby announcement; return an exit report; raise if the zygote is gone."""
        if message is None:
            for fd in fds:
                os.close(fd)
            raise _ZygoteLost()
        if "standby" in message and len(fds) == 2:
            self._ready.append((message["standby"], socket.socket(fileno=fds[0]), fds[1]))
            return None
        for fd in fds:
            os.close(fd)
        return message if "exit" in message else None

    def _next_standby(self) -> tuple[int, socket.socket, int]:
        assert self._control is not None
        give_up = time.monotonic() + START_TIMEOUT_S
        while not self._ready:
            remaining = give_up - time.monotonic()
            if remaining <= 0 or not select.select([self._control], [], [], remaining)[0]:
                raise _ZygoteLost()
            self._handle(*self._receive())
        return self._ready.popleft()

    def _run_frames(self, frames: list[bytes], limits: Limits) -> RunResult:
        assert self._control is not None
        payload = codec.join_frames(frames)
        job_fd = _sealed_memfd(payload)
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        header = {
            "cpu_s": max(1, math.ceil(limits.time_limit_s)) + 1,
            "memory_mb": limits.memory_mb,
            "stdout_bytes": limits.stdout_bytes,
        }
        started = time.monotonic()
        try:
            while True:
                pid, channel, pidfd = self._next_standby()
                try:
                    data = json.dumps(header).encode()
                    socket.send_fds(channel, [data], [job_fd, result_w, output_w])
                except OSError:
                    os.close(pidfd)  # that standby died; its exit report comes later
                    continue
                finally:
                    channel.close()
                # The zygote forks the replacement now, while this job runs.
                with contextlib.suppress(OSError):
                    self._control.send(json.dumps({"took": pid}).encode())
                break
        except BaseException:
            os.close(result_r)
            os.close(output_r)
            raise
        finally:
            for fd in (job_fd, result_w, output_w):
                os.close(fd)
        try:
            return self._collect(pid, pidfd, result_r, output_r, started, header, limits)
        finally:
            # Whatever happened while reading (even a bug here), the child does not outlive
            # its run: killed through its pidfd, its process group through the zygote, which
            # reaps it.
            _kill_child(pidfd, self._control, pid)
            os.close(pidfd)
            os.close(result_r)
            os.close(output_r)

    def _collect(
        self,
        pid: int,
        pidfd: int,
        result_r: int,
        output_r: int,
        started: float,
        header: dict,
        limits: Limits,
    ) -> RunResult:
        assert self._control is not None
        control = self._control
        for fd in (result_r, output_r):
            os.set_blocking(fd, False)
        result = bytearray()
        output = bytearray()
        output_total = 0
        exit_info: dict | None = None
        parsed: tuple[dict, str, list[CallOutcome]] | None = None
        killed_for: str | None = None
        deadline = started + limits.time_limit_s
        open_fds = {result_r, output_r}
        poller = select.poll()
        for fd in (result_r, output_r, control.fileno()):
            poller.register(fd, select.POLLIN)

        def kill(reason: str) -> None:
            nonlocal killed_for, deadline
            if killed_for is None:
                killed_for = reason
                deadline = time.monotonic() + KILL_GRACE_S
                _kill_child(pidfd, control, pid)

        while True:
            if not open_fds:
                if killed_for is None and parsed is None and len(result) > 1:
                    if result[:1] == SETUP_DONE:
                        parsed = _parse(bytes(result[1:]), limits)
                    if parsed is None:
                        kill("channel")  # results were sent, but not in the protocol's form
                if parsed is not None or exit_info is not None:
                    break
            now = time.monotonic()
            if now >= deadline:
                if killed_for is not None:
                    if exit_info is None:
                        raise _ZygoteLost()
                    break  # something still holds a pipe open: stop reading it
                kill("timeout")
                continue
            wait_s = deadline - now
            if exit_info is not None:
                wait_s = min(wait_s, 0.2)  # the child is gone: its pipes close at once
            events = poller.poll(wait_s * 1000)
            if not events and exit_info is not None:
                break
            for fd, _ in events:
                if fd == control.fileno():
                    report = self._handle(*self._receive())
                    if report is not None and report["exit"] == pid:
                        exit_info = report
                    continue
                chunk = _read(fd)
                if chunk is None:
                    continue
                if not chunk:
                    poller.unregister(fd)
                    open_fds.discard(fd)
                elif fd == result_r:
                    result += chunk
                    # Printed text travels with the results, within its own allowance.
                    if len(result) > limits.output_bytes + limits.stdout_bytes + _RESULT_SLACK:
                        kill("result_size")
                        poller.unregister(fd)
                        open_fds.discard(fd)
                else:
                    output_total += len(chunk)
                    room = limits.stdout_bytes - len(output)
                    if room > 0:
                        output += chunk[:room]
        if exit_info is None:
            # Complete results: whatever the child still does, it ends now.
            _kill_child(pidfd, control, pid)
        duration_ms = (time.monotonic() - started) * 1000
        stdout = output.decode("utf-8", "replace")
        if output_total > len(output):
            stdout += f"\n[output truncated: {output_total} bytes printed, {len(output)} kept]"
        run = _verdict(bytes(result), parsed, exit_info, killed_for, header, limits, stdout)
        run.stdout = stdout
        run.duration_ms = duration_ms
        return run


class _ZygoteLost(Exception):
    pass


def _kill_child(pidfd: int, control: socket.socket | None, pid: int) -> None:
    """Kill a run's child now and ask the zygote to kill its process group (and reap it)."""
    with contextlib.suppress(OSError):
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    if control is not None:
        with contextlib.suppress(OSError):
            control.send(json.dumps({"kill": pid}).encode())


def _sealed_memfd(payload: bytes) -> int:
    fd = os.memfd_create("unrolled-job", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]
    seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    return fd


def _read(fd: int) -> bytes | None:
    try:
        return os.read(fd, _CHUNK)
    except BlockingIOError:
        return None


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{size / 1024:.3g} KB"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _verdict(
    result: bytes,
    parsed: tuple[dict, str, list[CallOutcome]] | None,
    exit_info: dict | None,
    killed_for: str | None,
    header: dict,
    limits: Limits,
    stdout: str,
) -> RunResult:
    timeout = RunResult(
        "error",
        f"Your code took longer than {limits.time_limit_s:g} s and was stopped.",
        error_kind="timeout",
    )
    if killed_for == "timeout":
        return timeout
    if killed_for == "channel":
        return RunResult("error", _TAMPERED, error_kind="channel")
    if killed_for == "result_size":
        size = _human_size(limits.output_bytes)
        return RunResult(
            "error",
            f"Your code's output is too large (more than {size} of data).",
            error_kind="output",
        )
    if parsed is not None:
        return _from_summary(*parsed, limits)
    assert exit_info is not None
    status = exit_info["status"]
    started = result[:1] == SETUP_DONE
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_SETUP_FAILED and not started:
        raise SandboxUnavailable(f"the sandbox could not set up the run: {stdout.strip()}")
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number == signal.SIGXCPU or (
            number == signal.SIGKILL and exit_info.get("cpu", 0) >= header["cpu_s"] - 0.05
        ):
            return timeout
        return RunResult(
            "error", f"Your code crashed ({_signal_name(number)}).", error_kind="crash"
        )
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    if not started or len(result) == 1:
        if code:
            message = f"Your code exited (status {code}) before returning its results."
        else:
            message = "Your code stopped before returning its results."
        return RunResult("error", message, error_kind="exit")
    return RunResult("error", _TAMPERED, error_kind="channel")


_TAMPERED = "Your code's results could not be read: the channel to the grader was tampered with."


def _from_summary(
    summary: dict, load_stdout: str, outcomes: list[CallOutcome], limits: Limits
) -> RunResult:
    kind = summary.get("status")
    if kind == "memory":
        return RunResult(
            "error",
            f"Your code used more than {limits.memory_mb} MB of memory.",
            error_kind="memory",
        )
    if kind in ("load_error", "missing"):
        message = str(summary.get("message", ""))
        if kind == "load_error":
            message = f"Your code could not be loaded: {message}"
        return RunResult("error", message, error_kind="load", load_stdout=load_stdout)
    if kind != "ok":
        return RunResult("error", _TAMPERED, error_kind="channel")
    return RunResult("ok", None, outcomes, load_stdout=load_stdout)


def _text(data: bytes, dropped: object, limit: int) -> str:
    """Return printed text, with a note when the child (or this cap) dropped some of it."""
    kept = data[:limit]
    if type(dropped) is not int or dropped < 0:
        dropped = 0
    dropped += len(data) - len(kept)
    text = kept.decode("utf-8", "replace")
    if dropped:
        text += f"\n[output truncated: {len(kept) + dropped} bytes printed, {len(kept)} kept]"
    return text


def _parse(blob: bytes, limits: Limits) -> tuple[dict, str, list[CallOutcome]] | None:
    """Return what the child reported, or None if its bytes are not in the protocol's form.

    Every byte here was written by the sandboxed process, so any error while reading them
    (not only the ones expected) means a tampered channel, never a crash of the worker.
    """
    try:
        return _parse_results(blob, limits)
    except Exception:
        return None


def _parse_results(blob: bytes, limits: Limits) -> tuple[dict, str, list[CallOutcome]]:
    parts = codec.split_frames(blob)
    if len(parts) < 2:
        raise codec.MalformedFrame("no summary")
    summary = codec.decode(parts[0])
    if type(summary) is not dict:
        raise codec.MalformedFrame("the summary is not a dict")
    load_stdout = _text(parts[1], summary.get("dropped"), limits.stdout_bytes)
    outcomes = []
    for part in parts[2:]:
        record_frame, value_frame, args_frame, output = codec.split_frames(part)
        record = codec.decode(record_frame)
        if type(record) is not dict or type(record.get("ok")) is not bool:
            raise codec.MalformedFrame("an outcome is malformed")
        exception = record.get("exception")
        if exception is not None and type(exception) is not str:
            raise codec.MalformedFrame("an exception is not text")
        exception_type = record.get("exception_type")
        if exception_type is not None and type(exception_type) is not str:
            raise codec.MalformedFrame("an exception type is not text")
        line = record.get("line")
        if line is not None and type(line) is not int:
            raise codec.MalformedFrame("a line number is not an int")
        args_after = codec.decode(args_frame) if args_frame else None
        if args_after is not None and type(args_after) is not list:
            raise codec.MalformedFrame("args_after is not a list")
        value = codec.decode(value_frame) if record["ok"] else None
        outcomes.append(
            CallOutcome(
                record["ok"],
                value,
                exception,
                args_after,
                exception_type=exception_type,
                exception_line=line,
                stdout=_text(output, record.get("dropped"), limits.stdout_bytes),
            )
        )
    return summary, load_stdout, outcomes
