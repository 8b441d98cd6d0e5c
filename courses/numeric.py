"""Numeric questions: per-learner parameters and answers, computed by instructor code in the sandbox.

The question's `parameters_code` and `answer_code` are written by instructors, so they run in
the grader's sandbox like any other untrusted code, never in the web process. Results are
cached per question version and seed: a learner's numbers never change unless the question does.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

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
    parameters = {str(k): v for k, v in parameters.items()}
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


def format_prompt(prompt: str, parameters: dict[str, Any]) -> str:
    """Fill the prompt's `{name}` fields; leave it as written if a field cannot be filled."""
    try:
        return prompt.format(**parameters)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return prompt


def is_close(given: float, expected: float, tolerance: float) -> bool:
    """Say whether `given` is within relative `tolerance` of `expected`."""
    if not math.isfinite(given):
        return False
    return abs(given - expected) <= tolerance * abs(expected) + 1e-12
