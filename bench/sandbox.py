"""Benchmark the sandbox: one small NumPy submission per run, against a fresh process per run.

Run: .venv/bin/python bench/sandbox.py [--runs N] [--seconds S]. The sandbox figures are plain
Python; the grading figure reads its exercise through the course-folder reader, which loads
Django's settings (no database) after every sandbox figure is taken.

The headline is back to back (each run starts as the previous one returns), the way a busy
worker uses the sandbox; the figures with idle time between runs follow. Both are compared,
in the same run of this script, with a fresh `python` process per run and with the honest
in-process floor: the same steps as a sandboxed job (encode the job, decode it, exec the
module source in a fresh dict, call the entry point on decoded copies of the arguments,
encode the outcome with the sandbox's codec, decode it) with no process boundary at all.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.sandbox import Sandbox, codec  # noqa: E402
from grader.sandbox.zygote import scrubbed_env  # noqa: E402

SUBMISSION = """
import numpy as np

def rnn_step(x, h_prev, U, W, b):
    return np.tanh(U @ x + W @ h_prev + b)
"""

FRESH_PROCESS = (
    "import numpy as np\n"
    "rng = np.random.default_rng(0)\n"
    "args = [rng.normal(size=3), rng.normal(size=4), rng.normal(size=(4, 3)),\n"
    "        rng.normal(size=(4, 4)), rng.normal(size=4)]\n"
    "scope = {}\n"
    "exec(compile(CODE, '<submission>', 'exec'), scope)\n"
    "print(scope['rnn_step'](*args).tolist())\n"
)


def make_args() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(size=3), rng.normal(size=4), rng.normal(size=(4, 3)),
            rng.normal(size=(4, 4)), rng.normal(size=4)]  # fmt: skip


def percentiles(samples_s: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return statistics.median(ms), p95


def time_sandbox(runs: int, gap_s: float) -> list[float]:
    """Time runs; `gap_s` of idle time before each (untimed) lets the standby child get ready."""
    sandbox = Sandbox.shared()
    args = make_args()
    for _ in range(10):
        sandbox.run(SUBMISSION, "rnn_step", [args])
    samples = []
    for _ in range(runs):
        if gap_s:
            time.sleep(gap_s)
        started = time.perf_counter()
        result = sandbox.run(SUBMISSION, "rnn_step", [args])
        samples.append(time.perf_counter() - started)
        assert result.status == "ok" and result.outcomes[0].ok, result
    return samples


def fresh_process_once() -> None:
    code = f"CODE = {SUBMISSION!r}\n" + FRESH_PROCESS
    subprocess.run([sys.executable, "-c", code], env=scrubbed_env(), check=True,
                   capture_output=True)  # fmt: skip


def time_fresh_process(runs: int) -> list[float]:
    fresh_process_once()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fresh_process_once()
        samples.append(time.perf_counter() - started)
    return samples


def in_process_job(args: list[np.ndarray]) -> np.ndarray:
    """Do in this process what one sandboxed job does, minus the process boundary."""
    frames = [codec.encode({"code": SUBMISSION, "entry_point": "rnn_step"}), codec.encode(args)]
    job = codec.decode(frames[0])
    scope: dict = {}
    exec(compile(job["code"], "<submission>", "exec", dont_inherit=True), scope)
    call_args = codec.decode(frames[1])  # fresh copies, as the child gets them
    value = scope[job["entry_point"]](*call_args)
    record = {"ok": True, "exception": None, "has_args": True}
    outcome = [codec.encode(record), codec.encode(value), codec.encode(call_args)]
    _, value, _ = (codec.decode(part) for part in outcome)
    return value


def time_in_process(runs: int) -> list[float]:
    args = make_args()
    for _ in range(10):
        in_process_job(args)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        in_process_job(args)
        samples.append(time.perf_counter() - started)
    return samples


def _sandbox_worker(seconds: float, start_at: float) -> int:
    sandbox = Sandbox.shared()
    args = make_args()
    sandbox.run(SUBMISSION, "rnn_step", [args])
    while time.time() < start_at:
        time.sleep(0.001)
    count = 0
    end = start_at + seconds
    while time.time() < end:
        sandbox.run(SUBMISSION, "rnn_step", [args])
        count += 1
    return count


def _fresh_worker(seconds: float, start_at: float) -> int:
    while time.time() < start_at:
        time.sleep(0.001)
    count = 0
    end = start_at + seconds
    while time.time() < end:
        fresh_process_once()
        count += 1
    return count


def throughput(worker, slots: int, seconds: float) -> float:
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0
    with context.Pool(slots) as pool:
        counts = pool.starmap(worker, [(seconds, start_at)] * slots)
    return sum(counts) / seconds


def grade_hook(runs: int) -> None:
    """Grading a whole rnn-bptt submission (the grading engine lives in grader.grading)."""
    folder = ROOT / "content" / "rnn-from-scratch" / "exercises" / "rnn-bptt"
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from exercises.specs import spec_from_folder
    from grader.grading import grade

    spec = spec_from_folder(folder)
    code = spec.reference_code
    verdict = grade(spec, code)  # warms the expected-outputs cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        verdict = grade(spec, code)
        samples.append(time.perf_counter() - started)
    p50, p95 = percentiles(samples)
    print(f"grade(rnn-bptt) with the reference: p50 {p50:.2f} ms, p95 {p95:.2f} ms "
          f"(status {verdict.status}, {runs} runs; target p50 <= 25 ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--fresh-runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    options = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    print(f"one sandboxed run of rnn_step (machine: {os.cpu_count()} CPUs)")
    floor = percentiles(time_in_process(options.runs))
    back_to_back = percentiles(time_sandbox(options.runs, gap_s=0.0))
    idle = percentiles(time_sandbox(options.runs, gap_s=0.005))
    fresh = percentiles(time_fresh_process(options.fresh_runs))
    rows = [
        ("sandbox, back to back (headline)", back_to_back, options.runs),
        ("sandbox, 5 ms idle between runs", idle, options.runs),
        ("fresh python process per run", fresh, options.fresh_runs),
        ("in-process floor (same steps, unsafe)", floor, options.runs),
    ]
    for label, (p50, p95), runs in rows:
        print(f"  {label:<39} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  [{runs} runs]")
    print("  targets: back to back p50 <= 5 ms, p95 <= 10 ms; >= 20x faster than a fresh process")
    print(f"  back to back: {fresh[0] / back_to_back[0]:.1f}x faster than a fresh process (p50), "
          f"{back_to_back[0] / floor[0]:.1f}x the in-process floor")  # fmt: skip
    print(f"  with idle gaps: {fresh[0] / idle[0]:.1f}x faster than a fresh process (p50), "
          f"{idle[0] / floor[0]:.1f}x the in-process floor")  # fmt: skip

    print(f"throughput with 2 parallel slots over {options.seconds:g} s (anchor: 250 jobs/s)")
    jobs_sandbox = throughput(_sandbox_worker, 2, options.seconds)
    jobs_fresh = throughput(_fresh_worker, 2, options.seconds)
    print(f"  sandbox:            {jobs_sandbox:8.1f} jobs/s")
    print(f"  fresh process:      {jobs_fresh:8.1f} jobs/s")
    print(f"  ratio:              {jobs_sandbox / jobs_fresh:8.1f}x")

    # Hook: grading a whole rnn-bptt submission, measured when grader.grading is available.
    grade_hook(max(20, options.runs // 10))


if __name__ == "__main__":
    main()
