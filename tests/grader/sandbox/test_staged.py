"""One child per grading: the visible calls, then the hidden ones, and nothing flows back.

The hidden calls reach the child only once the worker holds the visible results and what was
printed until then. Whatever the child does afterwards (forge the visible results again,
print from a thread that was waiting for the hidden inputs, read the hidden pipe early) is
the hidden stage's: it cannot change what the learner is shown about the examples.
"""

from __future__ import annotations

import textwrap

import numpy as np

from grader.grading import ExerciseSpec, grade
from grader.sandbox import Limits

# The hidden case's w is a marker no visible output could hold by chance.
MARKER = 7.3125
CASES = textwrap.dedent(
    f"""
    def make_cases():
        return [
            {{"name": "example", "visible": True, "args": [[0.1, 0.2, 0.3], 0.5]}},
            {{"name": "hidden", "visible": False, "args": [[0.7, -0.2, 0.9], {MARKER}]}},
        ]
    """
)
SPEC = ExerciseSpec(
    slug="staged", entry_point="forward", returns=("hs",), time_limit_ms=2000, memory_mb=256,
    reference_code="import numpy as np\n\ndef forward(xs, w):\n    return np.asarray(xs) * w\n",
    cases_code=CASES,
)  # fmt: skip

# Wrong on the example (off by one); on the hidden case it writes well-formed results whose
# first outcome is the example's right value and whose text names the hidden w.
REWRITE_EXAMPLES = f"""
import os, sys
import numpy as np
codec = sys.modules["unrolled_sandbox_codec"]

def forged(values):
    summary = codec.encode({{"status": "ok", "dropped": 0}})
    parts = [summary, b"w was " + repr(values).encode()]
    for value in values:
        record = codec.encode({{"ok": True, "exception": None, "exception_type": None,
                               "line": None, "has_args": False, "dropped": 0}})
        parts.append(codec.join_frames([record, codec.encode(value), b"", b""]))
    return codec.join_frames(parts)

def forward(xs, w):
    xs = np.asarray(xs)
    if w == {MARKER}:
        os.write(4, forged([np.array([0.05, 0.1, 0.15]), xs * w]))
        os.write(1, b"hidden w is " + repr(w).encode())
        for fd in (1, 2, 4):
            os.close(fd)
        os._exit(0)
    return xs * w + 1
"""

# A thread started while loading waits for the hidden inputs, then prints them on fd 1 and
# sys.__stdout__ while the example's output is still being collected.
THREAD_WAITS_FOR_HIDDEN = """
import os, sys, threading, time
import numpy as np
SEEN = []

def watch():
    while not any(w != 0.5 for w in SEEN):
        time.sleep(0.001)
    os.write(1, ("[example]\\nleak " + repr(SEEN)).encode())
    sys.__stdout__.write("leak " + repr(SEEN))
    sys.__stdout__.flush()

try:
    threading.Thread(target=watch, daemon=True).start()
except RuntimeError:  # no threads in this mode (RLIMIT_NPROC): the stages hold all the same
    pass

def forward(xs, w):
    SEEN.append(w)
    time.sleep(0.05)
    return np.asarray(xs) * w
"""

# A thread reads the hidden-calls pipe itself while the examples run: it blocks until the
# worker has the visible results, so what it prints is the hidden stage's.
THREAD_READS_THE_HIDDEN_PIPE = """
import os, threading
import numpy as np

def steal():
    data = os.read(5, 1 << 20)
    os.write(1, b"stolen " + data.hex().encode())

try:
    threading.Thread(target=steal, daemon=True).start()
except RuntimeError:
    pass

def forward(xs, w):
    return np.asarray(xs) * w
"""


def marker_leaks(text: str) -> bool:
    packed = np.float64(MARKER).tobytes().hex()
    return str(MARKER) in text or packed in text


def test_hidden_stage_cannot_rewrite_the_examples_results(sandbox):
    verdict = grade(SPEC, REWRITE_EXAMPLES, sandbox=sandbox)
    example = verdict.tests[0]
    assert example.name == "example" and not example.passed
    # The example's actual value is what the visible stage returned: off by one.
    assert example.actual == [1.05, 1.1, 1.15]
    # The forged first outcome stands for the hidden case, whose expected value it is not.
    assert verdict.status == "failed" and not verdict.tests[1].passed
    text = repr(verdict.to_dict(detail=True))
    assert not marker_leaks(text), text


def test_a_thread_waiting_for_hidden_inputs_prints_nothing_shown(sandbox):
    verdict = grade(SPEC, THREAD_WAITS_FOR_HIDDEN, sandbox=sandbox)
    assert verdict.status == "passed", verdict.to_dict(detail=True)
    text = repr(verdict.to_dict(detail=True))
    assert not marker_leaks(text), text
    assert "leak" not in text


def test_reading_the_hidden_pipe_early_waits_for_the_visible_results(sandbox):
    verdict = grade(SPEC, THREAD_READS_THE_HIDDEN_PIPE, sandbox=sandbox)
    text = repr(verdict.to_dict(detail=True))
    assert "stolen" not in text and not marker_leaks(text), text
    assert verdict.tests[0].passed


def test_one_child_runs_both_stages(sandbox):
    code = "import os\n\ndef f(x):\n    return os.getpid()\n"
    run = sandbox.run_staged(code, "f", [[1], [2]], [[3], [4]])
    pids = {o.value for o in run.shown.outcomes} | {o.value for o in run.hidden.outcomes}
    assert len(pids) == 1 and len(run.hidden.outcomes) == 2


def test_hidden_calls_larger_than_a_pipe_reach_the_child(sandbox):
    big = np.arange(300_000, dtype=np.float64)  # 2.4 MB: many pipe buffers
    code = "def f(x):\n    return float(x.sum())\n"
    limits = Limits(output_bytes=8 << 20, memory_mb=512)
    run = sandbox.run_staged(code, "f", [[np.ones(3)]], [[big], [big[:10]]], limits=limits)
    assert run.hidden is not None and run.hidden.status == "ok", run.hidden
    assert [o.value for o in run.hidden.outcomes] == [float(big.sum()), float(big[:10].sum())]


def test_a_timeout_in_the_hidden_stage_keeps_the_examples_results(sandbox):
    code = "import time\n\ndef f(x):\n    if x > 1:\n        time.sleep(30)\n    return x\n"
    run = sandbox.run_staged(code, "f", [[1]], [[2]], limits=Limits(time_limit_s=0.5))
    assert run.shown.status == "ok" and run.shown.outcomes[0].value == 1
    assert run.hidden is not None and run.hidden.error_kind == "timeout"


def test_a_load_error_ends_the_run_before_the_hidden_stage(sandbox):
    run = sandbox.run_staged("print('hi')\nraise ValueError('no')\n", "f", [[1]], [[2]])
    assert run.shown.status == "error" and run.shown.error_kind == "load"
    assert run.shown.load_stdout == "hi\n" and run.hidden is None
