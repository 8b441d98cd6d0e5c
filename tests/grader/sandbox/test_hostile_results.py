"""Hostile results through grading: each ends in a verdict with a sentence, never a crash.

The learner's process writes every byte the worker reads: forged frames, floats beyond
range, float128 and structured arrays, arguments mutated into ragged shapes. And on hidden
cases it chooses what it raises, where, and how far off it is: none of that may reach the
verdict, so no hidden input can be encoded into it.
"""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest

from grader.grading import ExerciseSpec, expected_outputs, grade

REFERENCE = "import numpy as np\n\ndef forward(xs, w):\n    return np.tanh(np.asarray(xs) * w)\n"
CASES = textwrap.dedent(
    """
    import numpy as np

    def make_cases():
        return [
            {"name": "example", "visible": True, "args": [[0.1, 0.2, 0.3], 0.5]},
            {"name": "hidden one", "visible": False, "args": [[0.7, -0.2, 0.9], 1.7]},
            {"name": "hidden two", "visible": False, "args": [[0.05, 0.6, -0.4], -2.3]},
        ]
    """
)
SPEC = ExerciseSpec(
    slug="forward", entry_point="forward", reference_code=REFERENCE, cases_code=CASES,
    returns=("hs",), time_limit_ms=2000, memory_mb=256,
)  # fmt: skip

FORGE = """
import json
codec = sys.modules["unrolled_sandbox_codec"]

def frame(manifest):
    body = json.dumps(manifest).encode()
    return codec._HEADER.pack(codec.MAGIC, len(body)) + body

def forge(value_frame, args_frame=b""):
    summary = codec.encode({"status": "ok", "dropped": 0})
    record = codec.encode({"ok": True, "exception": None, "exception_type": None,
                           "line": None, "has_args": bool(args_frame), "dropped": 0})
    outcome = codec.join_frames([record, value_frame, args_frame, b""])
    os.write(4, codec.join_frames([summary, b"", outcome]))
    for fd in (1, 2, 4):
        os.close(fd)
    os._exit(0)
"""


def submission(body: str, prelude: str = "") -> str:
    return (
        "import os, sys\nimport numpy as np\n"
        + prelude
        + "\ndef forward(xs, w):\n"
        + textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")
    )


def hidden_messages(verdict) -> list[str]:
    return [test.message for test in verdict.tests if not test.visible]


@pytest.fixture(autouse=True)
def fresh_cache():
    expected_outputs.clear()
    yield
    expected_outputs.clear()


def test_float128_outputs_are_judged_by_their_values(sandbox):
    code = submission("return np.tanh(np.asarray(xs, dtype=np.longdouble) * np.longdouble(w))")
    verdict = grade(SPEC, code, sandbox=sandbox)
    assert verdict.status == "passed", [t.message for t in verdict.tests]
    assert verdict.tests[0].actual == pytest.approx(np.tanh(np.array([0.1, 0.2, 0.3]) * 0.5))


def test_complex256_where_reals_are_expected_fails_with_a_sentence(sandbox):
    code = submission("return np.asarray(xs, dtype=np.clongdouble) * w")
    verdict = grade(SPEC, code, sandbox=sandbox)
    assert verdict.status == "failed"
    assert verdict.tests[0].message == "`hs` holds complex numbers; expected real numbers."
    assert verdict.tests[0].actual is not None  # shown as real/imag pairs, not a crash


@pytest.mark.parametrize(
    "body",
    [
        "return np.zeros(3, dtype=[('a', 'f8'), ('b', 'i4')])",
        "return np.array(['a', 'b', 'c'])",
        "return np.zeros(3, dtype='datetime64[s]')",
        "return np.longdouble('1e4000') * np.ones(3)",
        "return [np.longdouble(1), [1, 2], None]",
    ],
    ids=["structured", "strings", "dates", "float128_beyond_float64", "ragged_mixture"],
)
def test_unusual_outputs_fail_their_cases_with_a_sentence(sandbox, body):
    verdict = grade(SPEC, submission(body), sandbox=sandbox)
    assert verdict.status == "failed"
    assert all(test.message.endswith(".") for test in verdict.tests)
    assert all(not test.passed for test in verdict.tests)


def test_arguments_mutated_into_a_ragged_shape_end_in_a_verdict(sandbox):
    code = submission("xs[0] = [1.0, [2.0, 3.0]]\nxs.append(np.zeros((2, 2)))\nreturn xs")
    verdict = grade(SPEC, code, sandbox=sandbox)
    assert verdict.status == "failed"
    assert "changed its input `xs`" in verdict.tests[0].message
    assert all(message.endswith(".") for message in hidden_messages(verdict))


@pytest.mark.parametrize(
    ("name", "value_manifest"),
    [
        ("float beyond range", {"f": "0x1p99999"}),
        ("huge integer text", {"f": "0x" + "f" * 5000 + "p0"}),
        ("dangling array", {"a": 7}),
    ],
)
def test_forged_result_frames_end_as_a_tampered_run(sandbox, name, value_manifest):
    code = submission(f"forge(frame({value_manifest!r}))", prelude=FORGE)
    verdict = grade(SPEC, code, sandbox=sandbox)
    assert verdict.status == "error", name
    assert "tampered" in verdict.message or "hidden cases" in verdict.message


def test_a_forged_truncated_frame_is_an_error_and_the_child_is_gone(sandbox):
    code = submission("os.write(4, b'\\x01')\nos.close(4); os.close(1); os.close(2)\n"
                      "import time\ntime.sleep(30)")  # fmt: skip
    verdict = grade(SPEC, code, sandbox=sandbox)
    assert verdict.status == "error"
    assert verdict.message == (
        "Your code's results could not be read: the channel to the grader was tampered with."
    )
    assert verdict.duration_ms < 5000  # not the time limit: ended as soon as the pipes closed


def test_hidden_cases_do_not_tell_where_or_what_was_raised(sandbox):
    # Raises on a line chosen by the hidden input, with a class chosen by it.
    lines = "\n".join(f"    if int(abs(w) * 10) == {n}: raise {kind}('x')"
                      for n, kind in zip(range(30), ["KeyError", "ValueError"] * 15, strict=True))  # fmt: skip
    code = f"import numpy as np\n\ndef forward(xs, w):\n{lines}\n    return np.tanh(np.asarray(xs) * w)\n"
    verdict = grade(SPEC, code, sandbox=sandbox)
    assert verdict.status == "failed"
    assert (
        hidden_messages(verdict) == ["Your function raised an exception on this hidden case."] * 2
    )


def test_hidden_cases_do_not_tell_how_far_off_or_where(sandbox):
    # Off by an amount that encodes the hidden w, at an index that encodes it too.
    code = submission(
        """
        out = np.tanh(np.asarray(xs) * w)
        out[int(abs(w)) % 3] += abs(w) / 1000
        return out
        """
    )
    verdict = grade(SPEC, code, sandbox=sandbox)
    messages = hidden_messages(verdict)
    assert messages == ["`hs` differs from the expected value on this hidden case."] * 2
    assert not any(re.search(r"\d", message) for message in messages)


def test_hidden_cases_do_not_tell_the_shape_or_type_returned(sandbox):
    code = submission("return np.zeros(int(abs(w) * 10)) if w > 0 else {'w': str(w)}")
    verdict = grade(SPEC, code, sandbox=sandbox)
    messages = hidden_messages(verdict)
    assert messages == [
        "`hs` has the wrong shape on this hidden case.",
        "`hs` does not have the expected type or structure on this hidden case.",
    ]


def test_hidden_crash_does_not_name_the_signal(sandbox):
    code = submission(
        "if w > 1:\n    os.kill(os.getpid(), [11, 6, 7, 8, 4][int(w * 10) % 5])\nreturn xs"
    )
    verdict = grade(SPEC, code, sandbox=sandbox)
    assert verdict.status == "error"
    assert verdict.message == "Your code crashed on the hidden cases."


def test_visible_examples_keep_their_rich_feedback(sandbox):
    code = submission("if len(xs) == 3 and w == 0.5:\n    raise ValueError('boom')\nreturn xs")
    verdict = grade(SPEC, code, sandbox=sandbox)
    assert verdict.tests[0].message == "Your function raised ValueError: boom (line 6)."
    wrong = grade(SPEC, submission("return np.tanh(np.asarray(xs) * w) + 0.25"), sandbox=sandbox)
    assert wrong.tests[0].message.startswith(
        "`hs[0]` differs from the expected value (max abs error 0.25)"
    )
