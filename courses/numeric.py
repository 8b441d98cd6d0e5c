"""Numeric questions: each learner reads one variant of a pool that the workers computed.

The question's `parameters_code`, `answer_code` and known-mistake code are written by
instructors, so only the workers run them, in the sandbox (exercises.question_variants).
This module never runs any of it: it maps a learner to a stored variant, checks an answer
against it, names a recognised wrong method, and fills prompts and worked solutions with
plain numbers.
"""

from __future__ import annotations

import hashlib
import math
import re
import string
from typing import Any

import numpy as np
from django.conf import settings

from .models import Question, QuestionMistake, QuestionVariant

ANONYMOUS_SEED = 0
# Bump when what a variant holds, or how a pool is drawn, changes: every pool is recomputed.
POOL_FORMAT = "2"


def pool_size() -> int:
    """Return how many variants a numeric question's pool holds."""
    return int(getattr(settings, "NUMERIC_VARIANT_POOL_SIZE", 100))


def learner_seed(user_id: int | None, question_id: int) -> int:
    """Return the seed for one learner and question (0 for anonymous visitors)."""
    if not user_id:
        return ANONYMOUS_SEED
    digest = hashlib.sha256(f"{user_id}:{question_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def variants_version(question: Question, mistakes: list[QuestionMistake] | None = None) -> str:
    """Return the fingerprint of everything a question's pool is computed from."""
    if mistakes is None:
        mistakes = list(question.mistakes.all()) if question.pk else []
    parts = [
        POOL_FORMAT,
        str(pool_size()),
        repr(float(question.tolerance)),
        repr(float(question.absolute_tolerance)),
        question.parameters_code,
        question.answer_code,
    ]
    for mistake in sorted(mistakes, key=lambda m: m.slug):
        parts += [mistake.slug, mistake.code]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


class PoolState:
    READY = "ready"
    PREPARING = "preparing"
    FAILED = "failed"


def pool_state(question: Question) -> str:
    """Say whether the question's stored variants are current, being computed, or failed."""
    if question.variants_version != variants_version(question):
        return PoolState.PREPARING
    return PoolState.FAILED if question.variants_error else PoolState.READY


def learner_variant(question: Question, user_id: int | None) -> QuestionVariant | None:
    """Return the variant `user_id` gets (anonymous visitors: the first), or None if not ready."""
    if pool_state(question) != PoolState.READY:
        return None
    count = question.variants.count()
    if not count:
        return None
    index = learner_seed(user_id, question.pk) % count if user_id else 0
    return question.variants.filter(index=index).first()


def acceptance_band(expected: float, question: Question) -> float:
    """Return how far from `expected` an answer may be: absolute + relative × |expected|."""
    return question.absolute_tolerance + question.tolerance * abs(expected)


def is_close(given: float, expected: float, question: Question) -> bool:
    """Say whether `given` is within the question's tolerances of `expected`."""
    if not math.isfinite(given):
        return False
    return abs(given - expected) <= acceptance_band(expected, question)


def recognised_mistake(
    question: Question,
    variant: QuestionVariant,
    given: float,
    mistakes: list[QuestionMistake] | None = None,
) -> QuestionMistake | None:
    """Return the known mistake whose answer `given` matches, if any (the first by order)."""
    values = variant.mistakes or {}
    for mistake in question.mistakes.all() if mistakes is None else mistakes:
        value = values.get(mistake.slug)
        if isinstance(value, (int, float)) and is_close(given, float(value), question):
            return mistake
    return None


def solution_values(variant: QuestionVariant) -> dict[str, Any]:
    """Return the numbers a worked solution may print: parameters, steps, and the answer."""
    return {**variant.parameters, **(variant.steps or {}), "answer": variant.answer}


def worked_solution(question: Question, variant: QuestionVariant) -> str:
    """Return the question's worked solution filled with the variant's numbers ('' if none)."""
    if not question.solution.strip():
        return ""
    try:
        return fill_prompt(question.solution, solution_values(variant))
    except PromptError:
        return ""


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
