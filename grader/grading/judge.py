"""Grade a learner's code: run it in the sandbox and judge every output against the reference.

Plain Python: no Django. Code only ever runs in the sandbox; this module compares the decoded
results in the trusted process.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from grader.compare import (
    ComponentResult,
    Tolerances,
    compare_output,
    find_mutation,
    outputs_match,
    to_jsonable,
)
from grader.grading.gradcheck import gradient_feedback
from grader.grading.prepare import (
    PreparedExercise,
    PreparedMistake,
    expected_outputs,
    run_limits,
)
from grader.grading.spec import (
    Case,
    ExerciseBroken,
    ExerciseSpec,
    KnownMistake,
    Status,
    TestResult,
    Verdict,
)
from grader.sandbox import CallOutcome, Sandbox

STDOUT_LIMIT_CHARS = 8 * 1024
_HIDDEN_OUTPUT_NOTE = "[Output printed on hidden cases is not shown.]"
# Run errors whose sentence the worker writes from what it measured, never from the code's text.
_MEASURED_ERRORS = ("timeout", "memory", "output", "crash")


def grade(
    spec: ExerciseSpec, code: str, *, visible_only: bool = False, sandbox: Sandbox | None = None
) -> Verdict:
    """Run the learner's code on the exercise's cases in the sandbox and judge every output.

    Raises ExerciseBroken if the reference fails on its own cases, and lets SandboxUnavailable
    through (an infrastructure failure the caller retries).
    """
    started = time.perf_counter()
    sandbox = sandbox or Sandbox.shared()
    prepared = expected_outputs.get(spec, sandbox)
    if prepared.problem is not None:
        raise ExerciseBroken(f"Exercise {spec.slug!r} cannot grade: {prepared.problem}")
    indices = _case_indices(prepared, visible_only)
    runs = _run_learner(spec, prepared, sandbox, code, indices)
    if isinstance(runs, Verdict):
        runs.duration_ms = elapsed_ms(started)
        return runs
    outcomes, stdout = runs
    tests, passed_checks, total_checks, mutated = judge(prepared, indices, outcomes)
    status: Status = "passed" if passed_checks == total_checks else "failed"
    mistake = None
    if status == "failed":
        mistake = matching_mistake(prepared, indices, outcomes, mutated)
    if status == "passed":
        message = f"All {total_checks} checks passed."
    else:
        first = next(test.name for test in tests if not test.passed)
        message = (
            f"{passed_checks} of {total_checks} checks passed; the first failing case is {first!r}."
        )
        message += _gradient_note(prepared, sandbox, code, tests)
        if mistake is not None:
            message += _raised_note(outcomes)
    return Verdict(
        exercise=spec.slug,
        status=status,
        score=passed_checks / total_checks if total_checks else 0.0,
        tests=tests,
        misconception=mistake.message if mistake else None,
        misconception_slug=mistake.slug if mistake else None,
        message=message,
        stdout=stdout,
        duration_ms=elapsed_ms(started),
    )


def _run_learner(
    spec: ExerciseSpec, prepared: PreparedExercise, sandbox: Sandbox, code: str, indices: list[int]
) -> tuple[list[CallOutcome | None], str] | Verdict:
    """Run the learner's code on the visible cases, then on the hidden ones, in one child.

    Return the outcomes in the order of `indices` and the printed text a learner may see, or
    an error verdict. The learner controls the sandboxed process, so once it holds hidden
    inputs every printed line, message and even a visible case's output could carry them:
    the sandbox hands the hidden cases over only after the visible results (and what was
    printed until then) have left the child, and reports what comes after as the hidden
    stage's. From that stage only measured facts (values, whether a call raised, limits) are
    used. The visible stage always happens, with no call if there are no visible cases, so
    that loading errors and what the module prints while loading are shown from before any
    hidden input was in the process.
    """
    limits = run_limits(spec, prepared.output_bytes)
    visible = [index for index in indices if prepared.cases[index].visible]
    hidden = [index for index in indices if not prepared.cases[index].visible]
    run = sandbox.run_staged(
        code,
        spec.entry_point,
        [prepared.cases[index].args for index in visible],
        [prepared.cases[index].args for index in hidden],
        limits=limits,
    )
    shown = run.shown
    if shown.status != "ok":
        message = shown.error or "Your code could not be run."
        text = _join_output([("", shown.load_stdout), ("", shown.stdout)])
        return _error_verdict(spec, message, text)
    outcomes: dict[int, CallOutcome] = dict(zip(visible, shown.outcomes, strict=False))
    stdout = _join_output(
        [("", shown.load_stdout)]
        + [(prepared.cases[i].name, o.stdout) for i, o in outcomes.items()]
        + [("", shown.stdout)]
    )
    secret = run.hidden
    if hidden and secret is None:  # not expected: a shown stage that ended well goes on
        return _error_verdict(spec, "Your code stopped before the hidden cases.", stdout)
    if secret is not None:
        if secret.status != "ok":
            if secret.error_kind == "timeout":
                message = (
                    f"Your code took longer than {limits.time_limit_s:g} s on all the cases "
                    "together (examples and hidden cases) and was stopped."
                )
            elif secret.error_kind == "crash":
                # Not which signal: the learner's code could pick one to encode an input.
                message = "Your code crashed on the hidden cases."
            elif secret.error_kind in _MEASURED_ERRORS and secret.error:
                message = f"On the hidden cases: {secret.error}"
            else:
                message = "Your code stopped on the hidden cases before returning its results."
            return _error_verdict(spec, message, stdout)
        if run.hidden_printed or any(o.stdout for o in secret.outcomes):
            stdout = _join_output([("", stdout), ("", _HIDDEN_OUTPUT_NOTE)])
        for index, outcome in zip(hidden, secret.outcomes, strict=False):
            outcomes[index] = _hidden_facts(outcome)
    return [outcomes.get(index) for index in indices], stdout


def _raised_note(outcomes: list[Any]) -> str:
    """Say that the code also raised, which a named known mistake would otherwise hide."""
    raised = sum(1 for outcome in outcomes if outcome is None or not outcome.ok)
    if not raised:
        return ""
    return (
        f" Besides the known mistake, your code raised an exception on {raised} of the "
        f"{len(outcomes)} cases; those cases say where."
    )


def _gradient_note(
    prepared: PreparedExercise, sandbox: Sandbox, code: str, tests: list[TestResult]
) -> str:
    """Add the gradient check's sentences to the failing visible case they are about."""
    feedback = gradient_feedback(prepared, sandbox, code, tests)
    if feedback is None:
        return ""
    position, sentence = feedback
    tests[position].message = f"{tests[position].message} {sentence}"
    return f" {sentence}"


def _join_output(parts: list[tuple[str, str]]) -> str:
    """Return the printed text of several steps, each under its case name, capped."""
    blocks = []
    for name, text in parts:
        if not text:
            continue
        if not text.endswith("\n"):
            text += "\n"
        blocks.append(f"[{name}]\n{text}" if name else text)
    return "".join(blocks)[:STDOUT_LIMIT_CHARS]


def _error_verdict(spec: ExerciseSpec, message: str, stdout: str) -> Verdict:
    return Verdict(
        exercise=spec.slug,
        status="error",
        score=0.0,
        tests=[TestResult("Running your code", False, message, visible=True)],
        message=message,
        stdout=stdout,
    )


def _case_indices(prepared: PreparedExercise, visible_only: bool) -> list[int]:
    indices = list(range(len(prepared.cases)))
    if visible_only:
        visible = [index for index in indices if prepared.cases[index].visible]
        # An exercise without visible examples is checked on all cases (their feedback is
        # written for hidden cases anyway) rather than "passing" on nothing.
        return visible or indices
    return indices


def judge(
    prepared: PreparedExercise, indices: list[int], outcomes: list[Any]
) -> tuple[list[TestResult], int, int, list[bool]]:
    """Compare one run's outcomes with the expected outputs.

    Return the tests, the passed and total numbers of checks, and per case whether the call
    changed its inputs.
    """
    tests = []
    mutated = []
    passed_checks = total_checks = 0
    for position, index in enumerate(indices):
        case = prepared.cases[index]
        expected = prepared.expected(index)
        names = prepared.components[index]
        outcome = outcomes[position] if position < len(outcomes) else None
        try:
            components, message, changed = _judge_case(prepared, case, names, expected, outcome)
        except Exception:  # the learner's values come from a hostile process: fail the case
            message = _UNCOMPARABLE
            components = [ComponentResult(name, False, message) for name in names]
            changed = False
        mutated.append(changed)
        passed = all(c.passed for c in components)
        passed_checks += sum(c.passed for c in components)
        total_checks += len(components)
        test = TestResult(case.name, passed, message, case.visible, components)
        if case.visible:
            test.stdout = outcome.stdout if outcome is not None else ""
            test.inputs = {
                _arg_name(prepared.arg_names, i): to_jsonable(arg)
                for i, arg in enumerate(case.args)
            }
            test.expected = to_jsonable(expected)
            test.actual = to_jsonable(outcome.value) if outcome is not None and outcome.ok else None
        tests.append(test)
    return tests, passed_checks, total_checks, mutated


_UNCOMPARABLE = "Your function's output on this case could not be compared with the expected one."


def _judge_case(
    prepared: PreparedExercise, case: Case, names: list[str], expected: Any, outcome: Any
) -> tuple[list[ComponentResult], str, bool]:
    """Return one case's components, its message, and whether the call changed its inputs."""
    spec = prepared.spec
    mutated = False
    if outcome is None or not outcome.ok:
        message = _raised_message(outcome, case.visible)
        components = [ComponentResult(name, False, message) for name in names]
    else:
        components = compare_output(
            outcome.value,
            expected,
            returns=spec.returns,
            tolerances=spec.tolerances,
            visible=case.visible,
        )
        mutation = find_mutation(
            case.args, outcome.args_after, prepared.arg_names, visible=case.visible
        )
        mutated = mutation is not None
        if mutation is not None:
            wrong = [c.message for c in components if not c.passed]
            components = [
                c if not c.passed else ComponentResult(c.name, False, mutation) for c in components
            ]
            # A case that both changes its input and returns a wrong value says both.
            message = f"{mutation} Also: {wrong[0]}" if wrong else mutation
        else:
            failed = [c.message for c in components if not c.passed]
            message = failed[0] if failed else "Matches the expected output."
    return components, message, mutated


def _raised_message(outcome: CallOutcome | None, visible: bool) -> str:
    """Say how a call failed: the whole exception on a visible case, its kind on a hidden one."""
    if outcome is None:
        return "This case did not run."
    if visible:
        if not outcome.exception:
            return "This case did not run."
        return f"Your function raised {outcome.exception}."
    # Neither the class nor the line: code that saw the hidden inputs chooses both.
    return "Your function raised an exception on this hidden case."


def _hidden_facts(outcome: CallOutcome) -> CallOutcome:
    """Keep of a hidden case's outcome only what may be shown: its values, or that it raised."""
    return dataclasses.replace(
        outcome,
        exception=None if outcome.ok else "an exception",
        exception_type=None,
        exception_line=None,
        stdout="",
    )


def _arg_name(arg_names: list[str], index: int) -> str:
    return arg_names[index] if index < len(arg_names) else f"args[{index}]"


def matching_mistake(
    prepared: PreparedExercise, indices: list[int], outcomes: list[Any], learner_mutated: list[bool]
) -> KnownMistake | None:
    """Return the first known mistake that behaves like these outcomes on every case."""
    tolerances = prepared.spec.tolerances
    for entry in prepared.mistakes:
        if entry.run.status != "ok":
            continue
        if _behaves_like(entry, indices, outcomes, learner_mutated, tolerances):
            return entry.mistake
    return None


def mistakes_matching(
    prepared: PreparedExercise, indices: list[int], outcomes: list[Any], learner_mutated: list[bool]
) -> list[KnownMistake]:
    """Return every known mistake (once each, in order) one of whose variants behaves like these."""
    tolerances = prepared.spec.tolerances
    found: list[KnownMistake] = []
    for entry in prepared.mistakes:
        if entry.run.status != "ok" or entry.mistake in found:
            continue
        if _behaves_like(entry, indices, outcomes, learner_mutated, tolerances):
            found.append(entry.mistake)
    return found


def _behaves_like(
    entry: PreparedMistake,
    indices: list[int],
    outcomes: list[Any],
    learner_mutated: list[bool],
    tolerances: Tolerances,
) -> bool:
    # Cases where exactly one of the two raised are left out (e.g. a variant that only runs
    # when D = H); at least one case must have run on both sides and agreed.
    compared = 0
    for position, index in enumerate(indices):
        if position >= len(outcomes) or index >= len(entry.run.outcomes):
            return False
        mine, theirs = outcomes[position], entry.run.outcomes[index]
        if not mine.ok or not theirs.ok:
            continue
        if not outputs_match(mine.value, theirs.value, tolerances=tolerances):
            return False
        if learner_mutated[position] != entry.mutated[index]:
            return False
        if learner_mutated[position] and not outputs_match(
            mine.args_after, theirs.args_after, tolerances=tolerances
        ):
            return False
        compared += 1
    return compared > 0


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
