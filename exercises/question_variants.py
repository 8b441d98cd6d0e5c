"""Compute the pools of numeric question variants: worker side, instructor code in the sandbox.

A pool is `pool_size()` variants, each drawn by the question's `generate(rng)` from its own
seed, with the answer, the worked solution's intermediate values (`steps(p)`) and every known
mistake's answer, all computed in one sandboxed run. The worker then keeps only variants that
are fair to hand work: the answer is well away from zero (at least MIN_ANSWER_OVER_ATOL times
the absolute tolerance), and every known mistake's answer lies at least SEPARATION acceptance
bands away from the right answer and from the other mistakes, so a wrong method worked by hand
is never accepted and is always named as itself. The web tier only reads the stored pool.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from courses.models import Course, Question, QuestionMistake, QuestionVariant
from courses.numeric import acceptance_band, pool_size, variants_version
from grader.sandbox import Limits, Sandbox

logger = logging.getLogger(__name__)

MIN_ANSWER_OVER_ATOL = 20.0
SEPARATION = 3.0
# Draws tried per pool, as a multiple of its size, before the generator is called unfair.
MAX_DRAWS_FACTOR = 10
_LIMITS = Limits(time_limit_s=20.0, memory_mb=512, output_bytes=4 * 1024 * 1024)
_ENTRY = "_unrolled_variant"
_MAX_NAME = 64

# Runs in the sandbox: each source in its own namespace, since all of them define answer().
_PROGRAM = """
import numpy as _np

_SOURCES = {sources!r}


def _load(source, where, name, required=True):
    scope = {{}}
    exec(compile(source, where, "exec"), scope)
    function = scope.get(name)
    if function is None and required:
        raise NameError(where + " does not define " + name + "()")
    return function


_GENERATE = _load(_SOURCES["parameters"], "parameters", "generate")
_ANSWER = _load(_SOURCES["answer"], "answer", "answer")
_STEPS = _load(_SOURCES["answer"], "answer", "steps", required=False)
_MISTAKES = {{
    slug: _load(code, "mistake " + slug, "answer") for slug, code in _SOURCES["mistakes"]
}}


def _plain(value):
    if isinstance(value, _np.generic):
        return value.item()
    if isinstance(value, _np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {{str(key): _plain(item) for key, item in value.items()}}
    return value


def _number(value, what):
    value = _plain(value)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(what + " must return a number, not " + type(value).__name__)
    return float(value)


def {entry}(seed):
    parameters = _GENERATE(_np.random.default_rng(seed))
    if not isinstance(parameters, dict):
        raise TypeError("generate(rng) must return a dict")
    parameters = _plain(parameters)
    answer = _number(_ANSWER(dict(parameters)), "answer(p)")
    steps = {{}}
    if _STEPS is not None:
        steps = _plain(_STEPS(dict(parameters)))
        if not isinstance(steps, dict):
            raise TypeError("steps(p) must return a dict")
        steps = {{name: _number(value, "steps(p)[" + name + "]") for name, value in steps.items()}}
    mistakes = {{}}
    for slug, function in _MISTAKES.items():
        try:
            mistakes[slug] = _number(function(dict(parameters)), "mistake " + slug)
        except Exception:
            mistakes[slug] = None
    return {{"parameters": parameters, "answer": answer, "steps": steps, "mistakes": mistakes}}
"""


class PoolError(Exception):
    """The question's code cannot produce a fair pool; the message says why, for the author."""


@dataclass
class Draw:
    seed: int
    parameters: dict[str, Any]
    answer: float
    steps: dict[str, float]
    mistakes: dict[str, float | None]


def variant_program(question: Question, mistakes: list[QuestionMistake]) -> str:
    """Return the program the sandbox runs to draw the question's variants."""
    sources = {
        "parameters": question.parameters_code,
        "answer": question.answer_code,
        "mistakes": [(m.slug, m.code) for m in mistakes],
    }
    return _PROGRAM.format(sources=sources, entry=_ENTRY)


def _finite(value: Any) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def _plain_parameter(value: Any, depth: int = 0) -> bool:
    if depth > 3:
        return False
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) < 2**53
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return len(value) <= 200
    if isinstance(value, list):
        return len(value) <= 100 and all(_plain_parameter(v, depth + 1) for v in value)
    return False


def _names_ok(mapping: Any) -> bool:
    return isinstance(mapping, dict) and all(
        isinstance(name, str) and 0 < len(name) <= _MAX_NAME for name in mapping
    )


def parse_draw(seed: int, value: Any, mistake_slugs: list[str]) -> Draw:
    """Check one value returned by the sandbox (hostile data) and return it as a Draw."""
    if not isinstance(value, dict) or set(value) != {"parameters", "answer", "steps", "mistakes"}:
        raise PoolError("the sandbox returned something that is not a variant")
    parameters, steps, mistakes = value["parameters"], value["steps"], value["mistakes"]
    if not _names_ok(parameters) or not parameters or len(parameters) > 100:
        raise PoolError("generate(rng) must return a dict of up to 100 named values")
    if not all(_plain_parameter(v) for v in parameters.values()):
        raise PoolError("generate(rng) must return plain finite numbers, strings or lists")
    if not _finite(value["answer"]):
        raise PoolError(f"answer(p) returned a value that is not finite (seed {seed})")
    if not _names_ok(steps) or not all(_finite(v) for v in steps.values()):
        raise PoolError(f"steps(p) must return a dict of finite numbers (seed {seed})")
    if not _names_ok(mistakes) or set(mistakes) != set(mistake_slugs):
        raise PoolError("the sandbox returned the wrong set of known mistakes")
    clean = {slug: (v if _finite(v) else None) for slug, v in mistakes.items()}
    return Draw(seed, parameters, value["answer"], steps, clean)


def fair_to_hand_work(question: Question, draw: Draw) -> bool:
    """Say whether a draw can be met by careful hand work and tells every mistake apart."""
    answer = draw.answer
    if abs(answer) < MIN_ANSWER_OVER_ATOL * question.absolute_tolerance:
        return False
    values = [answer] + [v for v in draw.mistakes.values() if v is not None]
    for i, first in enumerate(values):
        for second in values[i + 1 :]:
            band = max(acceptance_band(first, question), acceptance_band(second, question))
            if abs(first - second) <= SEPARATION * band:
                return False
    return True


def draw_pool(
    question: Question,
    mistakes: list[QuestionMistake],
    run: Any = None,
    size: int | None = None,
) -> list[Draw]:
    """Draw the question's pool: the first `size` fair variants by seed; raise PoolError.

    `run(program, entry, calls)` returns one value per call or raises PoolError (default: the
    sandbox); the simulation test passes an in-process runner for the course's own content.
    """
    run = run or run_in_sandbox
    size = size or pool_size()
    slugs = [m.slug for m in mistakes]
    program = variant_program(question, mistakes)
    pool: list[Draw] = []
    seed = 0
    while len(pool) < size:
        if seed >= MAX_DRAWS_FACTOR * size:
            raise PoolError(
                f"only {len(pool)} of {seed} draws were fair to hand work (the answer must be "
                f"at least {MIN_ANSWER_OVER_ATOL:g} × the absolute tolerance away from zero, and "
                f"every known mistake's answer {SEPARATION:g} tolerance bands away from the "
                "answer and from the other mistakes): make generate(rng) draw such numbers"
            )
        seeds = list(range(seed, seed + size))
        for each, value in zip(seeds, run(program, _ENTRY, [[s] for s in seeds]), strict=True):
            draw = parse_draw(each, value, slugs)
            if fair_to_hand_work(question, draw) and len(pool) < size:
                pool.append(draw)
        seed += size
    return pool


def run_in_sandbox(program: str, entry: str, calls: list[list[Any]]) -> list[Any]:
    """Run the program once in the sandbox, calling `entry` per call; raise PoolError on failure.

    SandboxUnavailable propagates: it is the platform's fault, and the task retries.
    """
    result = Sandbox.shared().run(program, entry, calls, limits=_LIMITS)
    if result.status != "ok":
        raise PoolError(result.error or "the question's code could not run")
    values = []
    for call, outcome in zip(calls, result.outcomes, strict=True):
        if not outcome.ok:
            raise PoolError(f"with seed {call[0]}: {outcome.exception or 'the call failed'}")
        values.append(outcome.value)
    return values


def compute_question_variants(*, question_id: int) -> str:
    """Compute and store one question's pool unless it is current; return what happened."""
    question = Question.objects.prefetch_related("mistakes").get(pk=question_id)
    if question.kind != Question.Kind.NUMERIC:
        return "not numeric"
    version = variants_version(question)
    if question.variants_version == version:
        return "current"
    error = ""
    try:
        pool = draw_pool(question, list(question.mistakes.all()))
    except PoolError as exc:
        pool, error = [], str(exc)[:2000]
    with transaction.atomic():
        locked = (
            Question.objects.select_for_update().prefetch_related("mistakes").get(pk=question_id)
        )
        if variants_version(locked) != version:
            return "changed meanwhile"  # a newer task computes the new code's pool
        QuestionVariant.objects.filter(question=locked).delete()
        QuestionVariant.objects.bulk_create(
            QuestionVariant(
                question=locked,
                index=index,
                seed=draw.seed,
                parameters=draw.parameters,
                answer=draw.answer,
                steps=draw.steps,
                mistakes=draw.mistakes,
            )
            for index, draw in enumerate(pool)
        )
        # update(), not save(): a save would ask for this pool again.
        Question.objects.filter(pk=question_id).update(
            variants_version=version, variants_error=error
        )
    if error:
        logger.warning("numeric question %s has no pool: %s", question.slug, error)
        return "failed"
    return "computed"


def stale_numeric_questions(course: Course | None = None) -> list[int]:
    """Return the ids of numeric questions whose stored pool is not from their current code."""
    questions = Question.objects.filter(kind=Question.Kind.NUMERIC).prefetch_related("mistakes")
    if course is not None:
        questions = questions.filter(lesson__course=course)
    return [q.pk for q in questions if q.variants_version != variants_version(q)]
