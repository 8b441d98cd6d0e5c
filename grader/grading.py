"""Grade a learner's code against an exercise's reference, and check that an exercise is sound.

Plain Python: no Django. Code (learner, reference, known mistakes, cases.py) only ever runs in
the sandbox; this module compares the decoded results in the trusted process.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml

from grader.compare import (
    ComponentResult,
    Tolerances,
    all_finite,
    compare_output,
    component_names,
    find_mutation,
    inputs_changed,
    outputs_match,
    to_jsonable,
)
from grader.sandbox import CallOutcome, Limits, RunResult, Sandbox, SandboxUnavailable, codec

__all__ = [
    "ExerciseBroken",
    "ExerciseSpec",
    "ExpectedOutputsCache",
    "KnownMistake",
    "SandboxUnavailable",
    "SelfCheckReport",
    "TestResult",
    "Verdict",
    "expected_outputs",
    "grade",
    "self_check",
]

Status = Literal["passed", "failed", "error"]

STDOUT_LIMIT_CHARS = 8 * 1024
_HIDDEN_OUTPUT_NOTE = "[Output printed on hidden cases is not shown.]"
# Run errors whose sentence the worker writes from what it measured, never from the code's text.
_MEASURED_ERRORS = ("timeout", "memory", "output", "crash")
# However long the examples took, the hidden cases get at least this long to run.
_MIN_HIDDEN_TIME_S = 0.25
# Encoded results (return values and arguments after the calls) a run may send back. Trusted
# code gets a generous cap; a learner gets a few times what the reference needed.
_TRUSTED_OUTPUT_BYTES = 64 * 1024 * 1024
_MIN_LEARNER_OUTPUT_BYTES = 64 * 1024
_LEARNER_OUTPUT_FACTOR = 4


class ExerciseBroken(Exception):
    """The exercise itself cannot grade anything: its cases or its reference fail."""


@dataclass(frozen=True)
class KnownMistake:
    """A typical wrong solution and the message shown when a submission behaves like it."""

    slug: str
    title: str
    code: str
    message: str


@dataclass(frozen=True)
class ExerciseSpec:
    """Everything needed to grade one exercise; `version` identifies it for caching."""

    slug: str
    entry_point: str
    reference_code: str
    cases_code: str
    mistakes: tuple[KnownMistake, ...] = ()
    rtol: float = 1e-5
    atol: float = 1e-8
    time_limit_ms: int = 2000
    memory_mb: int = 512
    # Names of the returned components, e.g. ("hs", "ys"); empty means "output[0]", ….
    returns: tuple[str, ...] = ()
    # Names of outputs whose first axis is time; None means "named like hs, ys".
    time_major: tuple[str, ...] | None = None

    @cached_property
    def version(self) -> str:
        """Return the sha256 of every field: the key of the expected-outputs cache."""
        payload = json.dumps(dataclasses.asdict(self), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def tolerances(self) -> Tolerances:
        """Return the exercise's comparison tolerances."""
        return Tolerances(rtol=self.rtol, atol=self.atol)

    @classmethod
    def from_folder(cls, path: str | Path) -> ExerciseSpec:
        """Build a spec from an `exercises/<slug>/` folder of the course-as-files format."""
        folder = Path(path)
        meta = yaml.safe_load((folder / "exercise.yaml").read_text(encoding="utf-8")) or {}
        mistakes = tuple(
            KnownMistake(
                slug=item["slug"],
                title=item.get("title", item["slug"]),
                code=(folder / "mistakes" / f"{item['slug']}.py").read_text(encoding="utf-8"),
                message=str(item.get("message", "")).strip(),
            )
            for item in meta.get("mistakes") or ()
        )
        time_major = meta.get("time_major")
        return cls(
            slug=meta.get("slug") or folder.name,
            entry_point=meta["entry_point"],
            reference_code=(folder / "reference.py").read_text(encoding="utf-8"),
            cases_code=(folder / "cases.py").read_text(encoding="utf-8"),
            mistakes=mistakes,
            rtol=float(meta.get("rtol", 1e-5)),
            atol=float(meta.get("atol", 1e-8)),
            time_limit_ms=int(meta.get("time_limit_ms", 2000)),
            memory_mb=int(meta.get("memory_mb", 512)),
            returns=_names(meta.get("returns")),
            time_major=None if time_major is None else _names(time_major),
        )


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(name) for name in value)


@dataclass(frozen=True)
class Case:
    """One test case as built by `cases.py`."""

    name: str
    visible: bool
    args: list[Any]


@dataclass
class TestResult:
    """The verdict on one case: passed only if every returned component passed."""

    __test__ = False  # not a pytest test class

    name: str
    passed: bool
    message: str
    visible: bool
    components: list[ComponentResult] = field(default_factory=list)
    inputs: dict[str, Any] | None = None
    expected: Any = None
    actual: Any = None
    # What the learner's code printed on this case (visible cases only).
    stdout: str = ""

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """Return the case as JSON; `detail` adds components and, if visible, values and output."""
        data: dict[str, Any] = {"name": self.name, "passed": self.passed, "message": self.message}
        if detail:
            data["visible"] = self.visible
            data["components"] = [component.to_dict() for component in self.components]
            if self.visible:
                data["inputs"] = self.inputs
                data["expected"] = self.expected
                data["actual"] = self.actual
                data["stdout"] = self.stdout
        return data


@dataclass
class Verdict:
    """The result of grading one submission."""

    exercise: str
    status: Status
    score: float
    tests: list[TestResult]
    misconception: str | None = None
    misconception_slug: str | None = None
    message: str = ""
    stdout: str = ""
    duration_ms: float = 0.0

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """Return the `manage.py grade --json` object; `detail` adds what pages show."""
        data: dict[str, Any] = {
            "exercise": self.exercise,
            "status": self.status,
            "score": round(self.score, 4),
            "tests": [test.to_dict(detail=detail) for test in self.tests],
            "misconception": self.misconception,
            "duration_ms": round(self.duration_ms, 1),
        }
        if detail:
            data["misconception_slug"] = self.misconception_slug
            data["message"] = self.message
            data["stdout"] = self.stdout
        return data


@dataclass
class PreparedMistake:
    """A known mistake's outputs on every case, or the reason it could not run."""

    mistake: KnownMistake
    run: RunResult
    mutated: list[bool]


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
    output_bytes: int = _MIN_LEARNER_OUTPUT_BYTES

    def expected(self, index: int) -> Any:
        """Return the reference's output for case `index`."""
        assert self.reference is not None
        return self.reference.outcomes[index].value


class ExpectedOutputsCache:
    """A small in-process LRU of prepared exercises keyed by `ExerciseSpec.version`."""

    def __init__(self, maxsize: int = 64) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[str, PreparedExercise] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, spec: ExerciseSpec, sandbox: Sandbox) -> PreparedExercise:
        """Return the prepared exercise, running cases, reference and mistakes on a miss."""
        key = spec.version
        with self._lock:
            prepared = self._entries.get(key)
            if prepared is not None:
                self._entries.move_to_end(key)
                return prepared
        # Built outside the lock: two threads may both build on a cold miss, which is harmless.
        prepared = _prepare(spec, sandbox)
        with self._lock:
            self._entries[key] = prepared
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return prepared

    def clear(self) -> None:
        """Forget every prepared exercise."""
        with self._lock:
            self._entries.clear()

    def __contains__(self, spec: ExerciseSpec) -> bool:
        with self._lock:
            return spec.version in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


expected_outputs = ExpectedOutputsCache()


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
        runs.duration_ms = _elapsed_ms(started)
        return runs
    outcomes, stdout = runs
    tests, passed_checks, total_checks, mutated = _judge(prepared, indices, outcomes)
    status: Status = "passed" if passed_checks == total_checks else "failed"
    mistake = None
    if status == "failed":
        mistake = _matching_mistake(prepared, indices, outcomes, mutated)
    if status == "passed":
        message = f"All {total_checks} checks passed."
    else:
        first = next(test.name for test in tests if not test.passed)
        message = (
            f"{passed_checks} of {total_checks} checks passed; the first failing case is {first!r}."
        )
    return Verdict(
        exercise=spec.slug,
        status=status,
        score=passed_checks / total_checks if total_checks else 0.0,
        tests=tests,
        misconception=mistake.message if mistake else None,
        misconception_slug=mistake.slug if mistake else None,
        message=message,
        stdout=stdout,
        duration_ms=_elapsed_ms(started),
    )


def _run_learner(
    spec: ExerciseSpec, prepared: PreparedExercise, sandbox: Sandbox, code: str, indices: list[int]
) -> tuple[list[CallOutcome | None], str] | Verdict:
    """Run the learner's code on the visible cases, then apart on the hidden ones.

    Return the outcomes in the order of `indices` and the printed text a learner may see, or
    an error verdict. The hidden cases run in a process of their own: the learner controls
    the sandboxed process, so in a run that had hidden inputs every printed line, message and
    even a later visible case's output could carry them. Only measured facts (values, built-in
    exception names, line numbers, limits) come back from the hidden run. The first run always
    happens, with no call if there are no visible cases, so that loading errors and what the
    module prints while loading are shown from a process that never held a hidden input.
    """
    limits = _limits(spec, prepared.output_bytes)
    visible = [index for index in indices if prepared.cases[index].visible]
    hidden = [index for index in indices if not prepared.cases[index].visible]
    shown = sandbox.run(
        code, spec.entry_point, [prepared.cases[index].args for index in visible], limits=limits
    )
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
    if hidden:
        # The time limit covers all cases: the hidden run gets what the examples left of it.
        left_s = max(_MIN_HIDDEN_TIME_S, limits.time_limit_s - shown.duration_ms / 1000)
        secret = sandbox.run(
            code,
            spec.entry_point,
            [prepared.cases[index].args for index in hidden],
            limits=dataclasses.replace(limits, time_limit_s=left_s),
        )
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
        if secret.stdout or any(o.stdout for o in secret.outcomes):
            stdout = _join_output([("", stdout), ("", _HIDDEN_OUTPUT_NOTE)])
        for index, outcome in zip(hidden, secret.outcomes, strict=False):
            outcomes[index] = _hidden_facts(outcome)
    return [outcomes.get(index) for index in indices], stdout


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


@dataclass
class CaseCheck:
    """Whether the reference passes one case through the grading comparison."""

    name: str
    visible: bool
    passed: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Return the case check as a JSON-friendly dict."""
        return dataclasses.asdict(self)


@dataclass
class MistakeCheck:
    """Whether a known mistake is rejected by the cases and recognised as itself."""

    slug: str
    title: str
    rejected: bool
    recognised: bool
    exposed_by: list[str]
    shadowed_by: str | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the mistake check as a JSON-friendly dict."""
        return dataclasses.asdict(self)


@dataclass
class SelfCheckReport:
    """The "check reference" result for one exercise."""

    exercise: str
    problem: str | None
    cases: list[CaseCheck]
    mistakes: list[MistakeCheck]
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """Return whether the reference passes every case and every mistake is caught and named."""
        return (
            self.problem is None
            and bool(self.cases)
            and all(case.passed for case in self.cases)
            and all(m.rejected and m.recognised for m in self.mistakes)
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-friendly dict (shown as a table in the admin)."""
        return {
            "exercise": self.exercise,
            "ok": self.ok,
            "problem": self.problem,
            "cases": [case.to_dict() for case in self.cases],
            "mistakes": [mistake.to_dict() for mistake in self.mistakes],
            "duration_ms": round(self.duration_ms, 1),
        }


def self_check(spec: ExerciseSpec, *, sandbox: Sandbox | None = None) -> SelfCheckReport:
    """Check that the reference passes every case and each known mistake is rejected and named."""
    started = time.perf_counter()
    prepared = expected_outputs.get(spec, sandbox or Sandbox.shared())
    report = SelfCheckReport(spec.slug, prepared.problem, [], [])
    if prepared.reference is None or prepared.reference.status != "ok":
        report.duration_ms = _elapsed_ms(started)
        return report
    report.cases = [_check_reference_case(prepared, index) for index in range(len(prepared.cases))]
    if prepared.problem is None:
        report.mistakes = [_check_mistake(prepared, entry) for entry in prepared.mistakes]
    report.duration_ms = _elapsed_ms(started)
    return report


def _check_reference_case(prepared: PreparedExercise, index: int) -> CaseCheck:
    case = prepared.cases[index]
    outcome = prepared.reference.outcomes[index]  # type: ignore[union-attr]
    if not outcome.ok:
        return CaseCheck(
            case.name, case.visible, False, f"The reference raised {outcome.exception}."
        )
    results = compare_output(
        outcome.value,
        outcome.value,
        returns=prepared.spec.returns,
        tolerances=prepared.spec.tolerances,
        visible=True,
        time_major=prepared.spec.time_major,
    )
    failed = [result for result in results if not result.passed]
    if failed:
        return CaseCheck(case.name, case.visible, False, f"Reference: {failed[0].message}")
    if not all_finite(outcome.value):
        return CaseCheck(case.name, case.visible, False, "The reference returned NaN or inf.")
    mutation = find_mutation(case.args, outcome.args_after, prepared.arg_names)
    if mutation is not None:
        return CaseCheck(case.name, case.visible, False, f"The reference mutates: {mutation}")
    return CaseCheck(case.name, case.visible, True, "")


def _check_mistake(prepared: PreparedExercise, entry: PreparedMistake) -> MistakeCheck:
    mistake = entry.mistake
    if entry.run.status != "ok":
        return MistakeCheck(
            mistake.slug, mistake.title, True, False, [], problem=entry.run.error or "did not run"
        )
    indices = list(range(len(prepared.cases)))
    tests, _, _, mutated = _judge(prepared, indices, entry.run.outcomes)
    exposed_by = [test.name for test in tests if not test.passed]
    matched = None
    if exposed_by:
        matched = _matching_mistake(prepared, indices, entry.run.outcomes, mutated)
    recognised = matched is not None and matched.slug == mistake.slug
    shadowed_by = matched.slug if matched is not None and not recognised else None
    return MistakeCheck(
        mistake.slug, mistake.title, bool(exposed_by), recognised, exposed_by, shadowed_by
    )


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
    limits = _limits(spec, _TRUSTED_OUTPUT_BYTES)
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
    prepared.output_bytes = max(_MIN_LEARNER_OUTPUT_BYTES, _LEARNER_OUTPUT_FACTOR * encoded)
    prepared.components = [
        component_names(outcome.value, spec.returns) for outcome in reference.outcomes
    ]
    for mistake in spec.mistakes:
        run = sandbox.run(mistake.code, spec.entry_point, calls, limits=limits)
        mutated = []
        if run.status == "ok":
            mutated = [
                outcome.ok and inputs_changed(case.args, outcome.args_after)
                for case, outcome in zip(cases, run.outcomes, strict=False)
            ]
        prepared.mistakes.append(PreparedMistake(mistake, run, mutated))
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


def _case_indices(prepared: PreparedExercise, visible_only: bool) -> list[int]:
    indices = list(range(len(prepared.cases)))
    if visible_only:
        visible = [index for index in indices if prepared.cases[index].visible]
        # An exercise without visible examples is checked on all cases (their feedback is
        # written for hidden cases anyway) rather than "passing" on nothing.
        return visible or indices
    return indices


def _judge(
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
            time_major=spec.time_major,
        )
        mutation = find_mutation(
            case.args, outcome.args_after, prepared.arg_names, visible=case.visible
        )
        mutated = mutation is not None
        if mutation is not None:
            components = [
                c if not c.passed else ComponentResult(c.name, False, mutation) for c in components
            ]
            message = mutation
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


def _matching_mistake(
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


def _limits(spec: ExerciseSpec, output_bytes: int) -> Limits:
    return Limits(
        time_limit_s=spec.time_limit_ms / 1000,
        memory_mb=spec.memory_mb,
        output_bytes=output_bytes,
    )


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
