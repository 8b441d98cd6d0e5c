"""Benchmark the gradient-check feedback on a failing `rnn-bptt` submission.

Run: .venv/bin/python bench/gradcheck.py [--runs N]. Grades the same failing submission (the
gradient carried back through W instead of Wᵀ) with and without the gradient check, alternating
the two in one run so both see the same machine load, and prints p50/p95 of each, the extra
time and the ratio. The exercise is read from the seeded course folder (Django settings are
loaded for the reader; no database).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

from bench.common import percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from exercises.specs import spec_from_folder
    from grader.grading import grade, judge
    from grader.sandbox import Sandbox

    folder = ROOT / "content" / "rnn-from-scratch" / "exercises" / "rnn-bptt"
    spec = spec_from_folder(folder)
    code = (folder / "reference.py").read_text().replace("W.T @ dz", "W @ dz")
    sandbox = Sandbox.shared()
    checked = judge.gradient_feedback

    def plain(*_args, **_kwargs):
        return None

    def once(with_check: bool) -> float:
        judge.gradient_feedback = checked if with_check else plain
        started = time.perf_counter()
        verdict = grade(spec, code, sandbox=sandbox)
        elapsed = (time.perf_counter() - started) * 1000
        assert verdict.status == "failed"
        assert ("Gradient check" in verdict.message) == with_check, verdict.message
        return elapsed

    for _ in range(5):  # warm the zygote and the expected-outputs cache
        once(True)
        once(False)
    timings: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.runs):
        for with_check in (False, True):
            timings[with_check].append(once(with_check))
    judge.gradient_feedback = checked

    def line(label: str, values: list[float]) -> str:
        return f"{label:<44} p50 {percentile(values, 50):6.2f} ms   p95 {percentile(values, 95):6.2f} ms"

    print(f"failing rnn-bptt submission, {args.runs} gradings each, alternating")
    print(line("grading without the gradient check (baseline)", timings[False]))
    print(line("grading with the gradient check", timings[True]))
    extra50 = percentile(timings[True], 50) - percentile(timings[False], 50)
    extra95 = percentile(timings[True], 95) - percentile(timings[False], 95)
    ratio = percentile(timings[True], 50) / percentile(timings[False], 50)
    print(f"extra: p50 {extra50:.2f} ms (target ≤ 30 ms), p95 {extra95:.2f} ms; ratio {ratio:.2f}×")
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
