"""Numeric questions: per-learner parameters and answers, computed by instructor code in the sandbox.

The question's `parameters_code` and `answer_code` are written by instructors, so they run in
the grader's sandbox like any other untrusted code, never in the web process. Results are
cached per question version and seed: a learner's numbers never change unless the question does.
"""

from __future__ import annotations

import hashlib
import math
import re
import string
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.cache import cache

from grader.sandbox import Limits, Sandbox, SandboxUnavailable

from .models import Question

ANONYMOUS_SEED = 0
_LIMITS = Limits(time_limit_s=2.0, memory_mb=512, output_bytes=64 * 1024)
_ENTRY = "_unrolled_parameters"
_WRAPPER = f"""

def {_ENTRY}(seed):
    import numpy as _np
    return generate(_np.random.default_rng(seed))
"""


class QuestionCodeError(Exception):
    """The instructor's parameter or answer code could not produce a value."""


@dataclass(frozen=True)
class NumericInstance:
    seed: int
    parameters: dict[str, Any]
    answer: float


def learner_seed(user_id: int | None, question_id: int) -> int:
    """Return the seed for one learner and question (0 for anonymous visitors)."""
    if not user_id:
        return ANONYMOUS_SEED
    digest = hashlib.sha256(f"{user_id}:{question_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _run(code: str, entry_point: str, argument: Any) -> Any:
    try:
        result = Sandbox.shared().run(code, entry_point, [[argument]], limits=_LIMITS)
    except SandboxUnavailable as exc:
        raise QuestionCodeError(f"The sandbox is unavailable: {exc}") from exc
    if result.status != "ok":
        raise QuestionCodeError(result.error or "the code could not run")
    outcome = result.outcomes[0]
    if not outcome.ok:
        raise QuestionCodeError(outcome.exception or "the call failed")
    return outcome.value


def _compute(question: Question, seed: int) -> NumericInstance:
    parameters = _run(question.parameters_code + _WRAPPER, _ENTRY, seed)
    if not isinstance(parameters, dict):
        raise QuestionCodeError("generate(rng) must return a dict")
    parameters = plain_parameters(parameters)
    value = _run(question.answer_code, "answer", parameters)
    try:
        answer = float(value)
    except (TypeError, ValueError):
        raise QuestionCodeError("answer(p) must return a number") from None
    if not math.isfinite(answer):
        raise QuestionCodeError("answer(p) returned a value that is not finite")
    return NumericInstance(seed=seed, parameters=parameters, answer=answer)


def numeric_instance(question: Question, seed: int) -> NumericInstance:
    """Return the parameters and expected answer of `question` for `seed` (cached)."""
    version = hashlib.sha256(
        f"{question.parameters_code}\0{question.answer_code}".encode()
    ).hexdigest()[:16]
    key = f"numeric:{question.pk}:{version}:{seed}"
    cached = cache.get(key)
    if cached is not None:
        return NumericInstance(**cached)
    instance = _compute(question, seed)
    cache.set(key, {"seed": seed, "parameters": instance.parameters, "answer": instance.answer})
    return instance


# `{name}` or `{name:spec}`: a name, then at most an alignment, a sign, a width and a precision
# of two digits each, and a presentation type. No attribute or item access, no conversion, no
# nested field: a field can only print a number or a string.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
_FORMAT_SPEC = re.compile(
    r"[<>^=]?[+\- ]?0?(?P<width>\d{1,2})?[,_]?(?:\.(?P<precision>\d{1,2}))?[eEfFgGdn%s]?\Z"
)
MAX_WIDTH = 40
MAX_PRECISION = 15


class PromptError(ValueError):
    """A numeric question's prompt has a field that cannot be filled."""


def plain_value(value: Any) -> Any:
    """Return `value` as plain Python data (NumPy scalars and arrays become numbers and lists)."""
    # NumPy's float64 is a subclass of float: test for NumPy first.
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return type(value)(value) if value is not None else None
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain_value(item) for key, item in value.items()}
    return str(value)


def plain_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Return the parameters with every value converted to plain Python data."""
    return {str(name): plain_value(value) for name, value in parameters.items()}


def fill_prompt(prompt: str, parameters: dict[str, Any]) -> str:
    """Fill the prompt's `{name}` and `{name:spec}` fields; raise PromptError on any other field."""
    values = plain_parameters(parameters)
    parts: list[str] = []
    try:
        fields = list(string.Formatter().parse(prompt))
    except ValueError as exc:
        raise PromptError(
            f"The prompt's braces do not pair up ({exc}); write {{{{ for a brace."
        ) from None
    for literal, name, spec, conversion in fields:
        parts.append(literal)
        if name is None:
            continue
        if not _FIELD_NAME.match(name) or conversion is not None:
            raise PromptError(f"{{{name}}} is not a field: write {{name}} or {{name:.3f}}.")
        if name not in values:
            raise PromptError(f"{{{name}}} names no parameter that generate(rng) returns.")
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise PromptError(f"{{{name}}} is not a number or a string, so it cannot be printed.")
        match = _FORMAT_SPEC.match(spec or "")
        if match is None or int(match["width"] or 0) > MAX_WIDTH:
            raise PromptError(f"{{{name}:{spec}}} has a format this prompt cannot use.")
        if int(match["precision"] or 0) > MAX_PRECISION:
            raise PromptError(f"{{{name}:{spec}}} asks for too many digits.")
        try:
            parts.append(format(value, spec or ""))
        except (ValueError, TypeError, OverflowError) as exc:
            raise PromptError(f"{{{name}:{spec}}} cannot format {value!r} ({exc}).") from None
    return "".join(parts)


def format_prompt(prompt: str, parameters: dict[str, Any]) -> str:
    """Fill the prompt's fields; leave it as written if a field cannot be filled."""
    try:
        return fill_prompt(prompt, parameters)
    except PromptError:
        return prompt


def is_close(given: float, expected: float, tolerance: float) -> bool:
    """Say whether `given` is within relative `tolerance` of `expected`."""
    if not math.isfinite(given):
        return False
    return abs(given - expected) <= tolerance * abs(expected) + 1e-12
