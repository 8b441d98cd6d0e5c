"""Building blocks of the hostile sandbox suite's attack table (tests/grader/sandbox/attacks.py).

The `Attack` record, the checks a result must pass, and helpers writing attack code.
A plain module: pytest does not collect it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.sandbox import Limits, RunResult, Sandbox

PROJECT = Path(__file__).resolve().parents[3]
LIMITS = Limits(time_limit_s=1.0, memory_mb=256, output_bytes=1024 * 1024)
# Memory bombs fault in a few hundred MB: on a loaded machine that can pass 1 s.
MEMORY_LIMITS = Limits(time_limit_s=5.0, memory_mb=256, output_bytes=1024 * 1024)
BIG_MEMORY = Limits(time_limit_s=5.0, memory_mb=1024, output_bytes=1024 * 1024)
MARK = "unrolled-pwned"
PREVIOUS_SECRET = "PREVIOUS-JOB-SECRET-4b1d"


@dataclass
class Attack:
    name: str
    code: str
    expect: Callable[[RunResult], None]
    must_not_exist: tuple[str, ...] = ()
    before: str | None = None  # code run (entry point `f`) just before the attack
    after: Callable[[Sandbox], None] | None = None
    limits: Limits = LIMITS
    extra: dict = field(default_factory=dict)


def error(*words: str) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        assert result.status == "error", result
        assert result.outcomes == []
        assert any(word in result.error for word in words), result.error

    return check


def fails(*words: str) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        assert result.status == "ok", result.error
        (outcome,) = result.outcomes
        assert not outcome.ok, outcome
        assert any(word in outcome.exception for word in words), outcome.exception

    return check


def fails_or_error(*words: str) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        text = result.error if result.status == "error" else result.outcomes[0].exception
        assert result.status == "error" or not result.outcomes[0].ok, result
        assert any(word in text for word in words), text

    return check


def returns(predicate: Callable[[object], bool]) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        assert result.status == "ok", result.error
        (outcome,) = result.outcomes
        assert outcome.ok, outcome.exception
        assert predicate(outcome.value), outcome.value

    return check


def attack(body: str) -> str:
    """Wrap `body` as the entry point `attack(ctx)`."""
    return "import os, sys, signal, time\nimport numpy as np\n\ndef attack(ctx):\n" + (
        textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")
    )


TIMEOUT = error("took longer than 1 s")
MEMORY = error("used more than 256 MB of memory")
DENIED = fails("PermissionError")
# The project's files: Landlock denies them, or they are not in the child's view at all
# (a checkout under /tmp or a directory the sandbox uid cannot enter is covered by tmpfs).
OUT_OF_SIGHT = fails("PermissionError", "FileNotFoundError")


REFUSED = fails("PermissionError", "Function not implemented")


def syscall(number: int, *args: str) -> str:
    """An attack making one raw system call; it raises if the kernel refused it."""
    return attack(
        f"""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        args = [ctypes.c_long(int(a)) for a in ({", ".join(args)}{"," if args else ""})]
        if libc.syscall(ctypes.c_long({number}), *args) < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return "allowed"
        """
    )


FORGE = """
import json
codec = sys.modules["unrolled_sandbox_codec"]
summary = codec.encode({"status": "ok", "dropped": 0})
record = codec.encode({"ok": True, "exception": None, "exception_type": None, "line": None,
                       "has_args": False, "dropped": 0})
body = json.dumps(VALUE).encode()
value = codec._HEADER.pack(codec.MAGIC, len(body)) + body
os.write(4, codec.join_frames([summary, b"", codec.join_frames([record, value, b"", b""])]))
for fd in (1, 2, 4):
    os.close(fd)
os._exit(0)
"""


def forge(value: dict) -> str:
    return attack(FORGE.replace("VALUE", repr(value)))


def read(path_expr: str) -> str:
    return attack(f"with open({path_expr}, 'rb') as handle:\n    return handle.read().decode()")


def numpy_unpatched(sandbox: Sandbox) -> None:
    assert not np.allclose(1.0, 2.0)
    later = sandbox.run(
        "import numpy as np\ndef f():\n    return bool(np.allclose(1, 2))\n", "f", [[]]
    )
    assert later.outcomes[0].value is False
