"""The default-deny syscall filter lets ordinary NumPy and standard-library code run.

Each program is what a learner may reasonably write; every one must return its value from
inside the sandbox (seccomp allow-list, Landlock, limits) exactly as it does here.
"""

import textwrap
import warnings

import pytest

from grader.sandbox import Limits

LIMITS = Limits(time_limit_s=10.0, memory_mb=512)

PROGRAMS = {
    "linear_algebra": """
        rng = np.random.default_rng(0)
        a = rng.normal(size=(64, 64))
        u, s, vt = np.linalg.svd(a)
        x = np.linalg.solve(a, a[:, 0])
        w = np.linalg.eigvals(a)
        q, r = np.linalg.qr(a)
        return float(s.sum() + x.sum() + np.abs(w).sum() + np.linalg.det(q) ** 2
                     + np.linalg.inv(a).trace() + np.linalg.norm(r))
    """,
    "large_matmul_and_einsum": """
        a = np.arange(300 * 300, dtype=np.float64).reshape(300, 300) / 1e5
        return float((a @ a).sum() + np.einsum("ij,jk->", a, a))
    """,
    "fft_and_random": """
        np.random.seed(3)
        signal = np.random.rand(256) + np.random.default_rng(1).standard_normal(256)
        return float(np.abs(np.fft.rfft(signal)).sum())
    """,
    "rnn_forward_with_float128_and_complex": """
        rng = np.random.default_rng(2)
        W, U, h = rng.normal(size=(8, 8)), rng.normal(size=(8, 4)), np.zeros(8)
        for x in rng.normal(size=(20, 4)):
            h = np.tanh(W @ h + U @ x)
        extra = np.longdouble(1) / 3 + np.clongdouble(1j) ** 2
        return float(h.sum() + float(extra.real))
    """,
    "standard_library": """
        import collections, dataclasses, datetime, decimal, fractions, functools, heapq
        import itertools, json, math, random, re, statistics, string, textwrap, typing
        random.seed(1)
        total = statistics.mean([1, 2, 3]) + float(fractions.Fraction(1, 3))
        total += float(decimal.Decimal("1.5")) + math.fsum([0.1] * 10) + random.random()
        total += len(json.dumps({"a": list(itertools.islice(itertools.count(), 5))}))
        total += len(re.findall(r"\\d", "a1b2")) + heapq.nsmallest(1, [3, 1])[0]
        return round(total, 6)
    """,
    "threads_timers_and_printing": """
        import threading, time, warnings, traceback, io
        out = []
        try:
            t = threading.Thread(target=lambda: out.append(sum(range(100))))
            t.start(); t.join()
        except RuntimeError:
            out.append(4950)  # RLIMIT_NPROC may refuse the thread; that is not a syscall issue
        time.sleep(0.01)
        warnings.warn("careful")
        try:
            1 / 0
        except ZeroDivisionError:
            text = traceback.format_exc()
        print(np.array2string(np.eye(2)), time.perf_counter() > 0, os.getpid() > 0)
        buffer = io.BytesIO()
        np.save(buffer, np.ones(3)); buffer.seek(0)
        return out[0] + int(np.load(buffer).sum()) + ("ZeroDivisionError" in text)
    """,
    "introspection": """
        import resource, platform
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.sched_getaffinity(0); os.getpriority(os.PRIO_PROCESS, 0)
        return [platform.system(), os.getcwd() != "", os.isatty(1), isinstance(os.listdir("."), list),
                resource.getrlimit(resource.RLIMIT_AS)[0] != 0, os.urandom(4) != b""]
    """,
}


def expected(body: str) -> object:
    namespace: dict = {}
    exec(program(body), namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return namespace["main"]()


def program(body: str) -> str:
    return "import os, sys\nimport numpy as np\n\ndef main():\n" + textwrap.indent(
        textwrap.dedent(body).strip() + "\n", "    "
    )


@pytest.mark.parametrize("name", PROGRAMS)
def test_representative_program_runs_under_the_allow_list(sandbox, name):
    result = sandbox.run(program(PROGRAMS[name]), "main", [[]], limits=LIMITS)
    assert result.status == "ok", result.error
    (outcome,) = result.outcomes
    assert outcome.ok, outcome.exception
    value = expected(PROGRAMS[name])
    if name == "introspection":
        value[2] = False  # stdout may be a terminal here; in the sandbox it is a pipe
    if isinstance(value, float):
        assert outcome.value == pytest.approx(value, rel=1e-9)
    else:
        assert outcome.value == value
    if name == "threads_timers_and_printing":
        assert "[[1. 0.]" in outcome.stdout and "True True" in outcome.stdout
