"""Prepare an exercise for grading: its cases, the reference's outputs and the mistakes' outputs.

The trusted code (cases.py, the reference, known mistakes) runs in the sandbox once per spec
version; `expected_outputs` keeps the result in this process.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from grader.compare import component_names, inputs_changed
from grader.grading.spec import Case, ExerciseSpec, KnownMistake
from grader.lru import LruCache
from grader.sandbox import Limits, RunResult, Sandbox, SandboxUnavailable, codec

# Encoded results (return values and arguments after the calls) a run may send back. Trusted
# code gets a generous cap; a learner gets a few times what the reference needed.
_TRUSTED_OUTPUT_BYTES = 64 * 1024 * 1024
MIN_LEARNER_OUTPUT_BYTES = 64 * 1024
_LEARNER_OUTPUT_FACTOR = 4


@dataclass
class PreparedMistake:
    """One variant of a known mistake: its outputs on every case, or why it could not run."""

    mistake: KnownMistake
    run: RunResult
    mutated: list[bool]
    variant: str = ""


@dataclass
class PreparedExercise:
    """What grading needs besides the learner's run: cases, expected outputs, mistakes' outputs."""

    spec: ExerciseSpec
    cases: list[Case]
    arg_names: list[str]
    reference: RunResult | None
    problem: str | None
    components: list[list[str]]
    mistakes: list[PreparedMistake]
    output_bytes: int = MIN_LEARNER_OUTPUT_BYTES

    def expected(self, index: int) -> Any:
        """Return the reference's output for case `index`."""
        assert self.reference is not None
        return self.reference.outcomes[index].value


class ExpectedOutputsCache(LruCache[PreparedExercise]):
    """A small in-process LRU of prepared exercises keyed by `ExerciseSpec.version`."""

    def get(self, spec: ExerciseSpec, sandbox: Sandbox) -> PreparedExercise:
        """Return the prepared exercise, running cases, reference and mistakes on a miss."""
        return self.get_or_build(spec.version, lambda: _prepare(spec, sandbox))

    def __contains__(self, spec: object) -> bool:
        return isinstance(spec, ExerciseSpec) and super().__contains__(spec.version)


expected_outputs = ExpectedOutputsCache()


def _prepare(spec: ExerciseSpec, sandbox: Sandbox) -> PreparedExercise:
    arg_names = _argument_names(spec.reference_code, spec.entry_point)
    empty = PreparedExercise(spec, [], arg_names, None, None, [], [])
    try:
        raw_cases = sandbox.make_cases(
            spec.cases_code,
            Limits(time_limit_s=10.0, memory_mb=1024, output_bytes=_TRUSTED_OUTPUT_BYTES),
        )
    except SandboxUnavailable:
        raise
    except Exception as exc:  # whatever cases.py did wrong, the exercise is broken
        empty.problem = f"cases.py failed: {exc}"
        return empty
    cases, problem = _parse_cases(raw_cases)
    if problem is not None:
        empty.problem = problem
        return empty
    calls = [case.args for case in cases]
    # Reference and mistakes run under the learner's limits: a reference that needs more
    # would make the exercise impossible to pass.
    limits = run_limits(spec, _TRUSTED_OUTPUT_BYTES)
    reference = sandbox.run(spec.reference_code, spec.entry_point, calls, limits=limits)
    prepared = PreparedExercise(spec, cases, arg_names, reference, None, [], [])
    if reference.status != "ok":
        prepared.problem = f"the reference could not run: {reference.error}"
        return prepared
    for case, outcome in zip(cases, reference.outcomes, strict=False):
        if not outcome.ok:
            prepared.problem = f"the reference raised on case {case.name!r}: {outcome.exception}"
            return prepared
    if len(reference.outcomes) != len(cases):
        prepared.problem = "the reference did not run every case"
        return prepared
    encoded = sum(len(codec.encode([o.value, o.args_after])) for o in reference.outcomes)
    prepared.output_bytes = max(MIN_LEARNER_OUTPUT_BYTES, _LEARNER_OUTPUT_FACTOR * encoded)
    prepared.components = [
        component_names(outcome.value, spec.returns) for outcome in reference.outcomes
    ]
    for mistake in spec.mistakes:
        for variant, code in mistake.all_variants():
            run = sandbox.run(code, spec.entry_point, calls, limits=limits)
            mutated = []
            if run.status == "ok":
                mutated = [
                    outcome.ok and inputs_changed(case.args, outcome.args_after)
                    for case, outcome in zip(cases, run.outcomes, strict=False)
                ]
            prepared.mistakes.append(PreparedMistake(mistake, run, mutated, variant))
    return prepared


def _parse_cases(raw: Any) -> tuple[list[Case], str | None]:
    if not isinstance(raw, (list, tuple)) or not raw:
        return [], "make_cases() must return a non-empty list of cases"
    cases = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("args"), (list, tuple)):
            return [], f"case {number} must be a dict with an 'args' list"
        name = str(item.get("name") or f"case {number}")
        cases.append(Case(name, bool(item.get("visible", False)), list(item["args"])))
    return cases, None


def _argument_names(reference_code: str, entry_point: str) -> list[str]:
    """Read the entry point's parameter names from the reference's source (parsed, not run)."""
    try:
        tree = ast.parse(reference_code)
    except SyntaxError:
        return []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            return [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
    return []


def run_limits(spec: ExerciseSpec, output_bytes: int) -> Limits:
    """Return the sandbox limits of one run of `spec`'s code."""
    return Limits(
        time_limit_s=spec.time_limit_ms / 1000,
        memory_mb=spec.memory_mb,
        output_bytes=output_bytes,
    )
