"""Read what a run's child reported on its result channel and turn it into a RunResult.

Every byte read here was written by the sandboxed process: anything not in the protocol's form
is a tampered channel, never a crash of the worker.
"""

from __future__ import annotations

import os
import signal

from . import codec
from .results import CallOutcome, Limits, RunResult, SandboxUnavailable

EXIT_SETUP_FAILED = codec.EXIT_SETUP_FAILED
SETUP_DONE = codec.SETUP_DONE


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{size / 1024:.3g} KB"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def verdict(
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
        return from_summary(*parsed, limits)
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


def from_summary(
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


def parse(blob: bytes, limits: Limits) -> tuple[dict, str, list[CallOutcome]] | None:
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
