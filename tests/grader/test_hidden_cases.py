"""grader.grading through the real sandbox: hidden cases never leak back into a verdict."""

import json

import numpy as np
import pytest

from grader.grading import (
    grade,
)

from .small_exercises import (
    scale_spec,
    source,
)

HIDDEN_MARKERS = ("123.456", "654.321", "123.45", "654.32")

# Each learner tries to read the hidden marker case's inputs back through the verdict.
LEAKY_LEARNERS = {
    "print_args": """
        import sys
        def scale(x, a):
            print(repr(x), x.tolist(), a)
            print(x.tolist(), file=sys.stderr)
            return x * a
        """,
    "raise_with_args": """
        def scale(x, a):
            if x.ndim == 1 and x[0] > 100:
                raise ValueError(repr(x.tolist()))
            return x * a
        """,
    "exception_class_named_by_args": """
        def scale(x, a):
            if x.ndim == 1 and x[0] > 100:
                raise type("E" + str(x.tolist()), (ValueError,), {})("x")
            return x * a
        """,
    "write_to_the_fds": """
        import os, sys
        def scale(x, a):
            os.write(1, repr(x.tolist()).encode())
            sys.__stderr__.write(repr(x.tolist()))
            return x * a
        """,
    "keep_hidden_args_for_a_later_call": """
        SEEN = []
        def scale(x, a):
            SEEN.append(x.tolist())
            print(SEEN)
            if len(SEEN) == 3:
                raise RuntimeError(repr(SEEN))
            return x * a
        """,
    "read_the_pending_job_from_the_callers_frame": """
        import sys
        def scale(x, a):
            codec = sys.modules["unrolled_sandbox_codec"]
            frame = sys._getframe(1)
            while frame is not None:
                for value in frame.f_locals.get("frames") or ():
                    decoded = codec.decode(value)
                    if isinstance(decoded, list):
                        print([getattr(v, "tolist", lambda: v)() for v in decoded])
                frame = frame.f_back
            return x * a
        """,
    "forge_a_load_error_carrying_the_args": """
        import os, struct, sys
        def scale(x, a):
            if x.ndim == 1 and x[0] > 100:
                codec = sys.modules["unrolled_sandbox_codec"]
                summary = codec.encode({"status": "load_error", "message": repr(x.tolist())})
                os.write(4, struct.pack("<I", len(summary)) + summary + struct.pack("<I", 0))
                for fd in (1, 2, 4):
                    os.close(fd)
                os._exit(0)
            return x * a
        """,
    "forge_an_outcome_naming_the_args": """
        import os, struct, sys
        def frame(*parts):
            return b"".join(struct.pack("<I", len(p)) + p for p in parts)
        def scale(x, a):
            if x.ndim == 1 and x[0] > 100:
                codec = sys.modules["unrolled_sandbox_codec"]
                record = codec.encode({"ok": False, "exception": repr(x.tolist()),
                                       "exception_type": str(x.tolist()),
                                       "line": int(x[0] * 1000), "has_args": False})
                outcome = frame(record, b"", b"", repr(x.tolist()).encode())
                payload = frame(codec.encode({"status": "ok"}), repr(x.tolist()).encode(), outcome)
                os.write(4, payload)
                for fd in (1, 2, 4):
                    os.close(fd)
                os._exit(0)
            return x * a
        """,
}


@pytest.mark.parametrize("name", sorted(LEAKY_LEARNERS))
def test_hidden_inputs_never_come_back_in_the_verdict(name):
    verdict = grade(scale_spec(), source(LEAKY_LEARNERS[name]))
    text = json.dumps(verdict.to_dict(detail=True))
    for marker in HIDDEN_MARKERS:
        assert marker not in text, (marker, text)
    hidden_random = np.random.default_rng(3).normal(size=(4, 2))
    for value in hidden_random.ravel():
        assert f"{value:.6f}"[:-2] not in text
    # The visible example's own input may show, and does for the printing learners.
    if name == "print_args":
        assert "[1.0, 2.0, 3.0]" in text


def test_a_forged_hidden_outcome_is_reported_without_its_text():
    verdict = grade(scale_spec(), source(LEAKY_LEARNERS["forge_an_outcome_naming_the_args"]))
    # The forged payload holds one outcome: it stands for the first hidden case, the other
    # hidden case did not run. The claimed type is not a built-in, the line not in the code.
    messages = {t.name: t.message for t in verdict.tests}
    assert messages["hidden random"] == "Your function raised an exception on this hidden case."
    assert messages["hidden marker"] == "This case did not run."
