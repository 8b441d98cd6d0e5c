"""Numeric questions are fair to hand work: a simulation of learners who round as they go.

For every numeric question of the seeded course, 1,000 variants are drawn exactly as the
workers draw a pool (exercises.question_variants.draw_pool, with the platform's fairness
filter), here run in-process because the content is our own. One simulated learner per variant
works the answer by hand, rounding every intermediate value to 4 decimals (as lesson 5 does),
and types the result to 4 decimals. At most 0.1% may be marked wrong. The same learners, working
each known wrong method by hand, must never be accepted, and must be told that very mistake.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from courses.models import Question, QuestionMistake, QuestionVariant
from courses.numeric import is_close, recognised_mistake
from exercises.course_files.read import read_course_folder
from exercises.question_variants import draw_pool

COURSE = Path(__file__).resolve().parents[2] / "content" / "rnn-from-scratch"
LEARNERS = 1000
MAX_WRONG_SHARE = 0.001


def r(value: float) -> float:
    """What a careful learner writes down: the value to 4 decimals."""
    return round(value, 4)


def tanh(value: float) -> float:
    return r(math.tanh(value))


# --- How each question is worked by hand: the right method and each known wrong one ------------


def rnn2(p: dict) -> tuple[float, float, float, float]:
    h1 = tanh(r(p["u"] * p["x1"] + p["b"]))
    h2 = tanh(r(p["u"] * p["x2"] + r(p["w"] * h1) + p["b"]))
    return (
        h1,
        h2,
        r(p["v"] * h1 + p["c"]) if "v" in p else 0.0,
        r(p["v"] * h2 + p["c"]) if "v" in p else 0.0,
    )


def dz_steps(p: dict) -> tuple[float, float, float, float]:
    """Return h1, h2, dz1, dz2 of the two-step scalar RNN, by hand (loss: mean over 2)."""
    h1, h2, y1, y2 = rnn2(p)
    dz2 = r(r(p["v"] * r(y2 - p["d2"])) * r(1 - r(h2 * h2)))
    dz1 = r(r(r(p["v"] * r(y1 - p["d1"])) + r(p["w"] * dz2)) * r(1 - r(h1 * h1)))
    return h1, h2, dz1, dz2


def mse(p: dict, divide: float) -> float:
    h, total = 0.0, 0.0
    for t in (1, 2, 3):
        h = tanh(r(p["u"] * p[f"x{t}"] + r(p["w"] * h) + p["b"]))
        total = r(total + r(r(p["v"] * h + p["c"] - p[f"d{t}"]) ** 2))
    return r(total / divide)


def dv(p: dict, factor: float, last_only: bool = False) -> float:
    h1, h2, y1, y2 = rnn2(p)
    first = 0.0 if last_only else r(r(y1 - p["d1"]) * h1)
    return r(factor * r(first + r(r(y2 - p["d2"]) * h2)))


def dw_no_tanh(p: dict) -> float:
    h1, h2, _, y2 = rnn2(p)
    return r(r(p["v"] * r(y2 - p["d2"])) * h1)


def dw_ht(p: dict) -> float:
    h1, h2, dz1, dz2 = dz_steps(p)
    return r(r(dz1 * h1) + r(dz2 * h2))


def fnn(p: dict) -> tuple[float, float]:
    h = tanh(r(p["w1"] * p["x"] + p["b1"]))
    return h, r(p["w2"] * h + p["b2"])


def fnn_step(p: dict, tanh_prime: bool = True, times_x: bool = True, sign: float = -1) -> float:
    h, y = fnn(p)
    dz = r(r(2 * r(y - p["d"])) * p["w2"])
    if tanh_prime:
        dz = r(dz * r(1 - r(h * h)))
    grad = r(dz * p["x"]) if times_x else dz
    return r(p["w1"] + sign * r(p["lr"] * grad))


def temperature(p: dict, scale: Callable[[float], float], after: float = 1.0) -> float:
    scaled = [r(scale(p[k])) for k in ("o0", "o1", "o2")]
    top = max(scaled)
    e = [r(math.exp(r(s - top))) for s in scaled]
    return r(r(e[0] / r(sum(e))) / after)


HAND_WORK: dict[str, dict[str, Callable[[dict], float]]] = {
    "scalar-rnn-h2": {
        "right": lambda p: rnn2(p)[1],
        "no-recurrent-term": lambda p: tanh(r(p["u"] * p["x2"] + p["b"])),
        "tanh-left-out": lambda p: r(p["u"] * p["x2"] + r(p["w"] * rnn2(p)[0]) + p["b"]),
    },
    "scalar-rnn-y2": {
        "right": lambda p: rnn2(p)[3],
        "no-recurrent-term": lambda p: r(p["v"] * tanh(r(p["u"] * p["x2"] + p["b"])) + p["c"]),
        "tanh-on-output": lambda p: tanh(rnn2(p)[3]),
        "hidden-state-not-output": lambda p: rnn2(p)[1],
    },
    "scalar-rnn-mse": {
        "right": lambda p: mse(p, 3),
        "sum-instead-of-mean": lambda p: mse(p, 1),
        "half-sum": lambda p: mse(p, 2),
    },
    "scalar-rnn-dv": {
        "right": lambda p: dv(p, 1),
        "sum-instead-of-mean": lambda p: dv(p, 2),
        "last-step-only": lambda p: dv(p, 1, last_only=True),
        "factor-two-missing": lambda p: dv(p, 0.5),
    },
    "scalar-rnn-dw": {
        "right": lambda p: r(dz_steps(p)[3] * dz_steps(p)[0]),
        "tanh-derivative-missing": dw_no_tanh,
        "h-t-for-h-t-minus-1": dw_ht,
        "sum-instead-of-mean": lambda p: r(2 * r(dz_steps(p)[3] * dz_steps(p)[0])),
    },
    "rnn-sgd-update": {
        "right": lambda p: r(p["w"] - r(p["lr"] * r(dz_steps(p)[3] * dz_steps(p)[0]))),
        "gradient-added": lambda p: r(p["w"] + r(p["lr"] * r(dz_steps(p)[3] * dz_steps(p)[0]))),
        "tanh-derivative-missing": lambda p: r(p["w"] - r(p["lr"] * dw_no_tanh(p))),
        "h-t-for-h-t-minus-1": lambda p: r(p["w"] - r(p["lr"] * dw_ht(p))),
        "sum-instead-of-mean": lambda p: r(
            p["w"] - r(p["lr"] * r(2 * r(dz_steps(p)[3] * dz_steps(p)[0])))
        ),
    },
    "fnn-output": {
        "right": lambda p: fnn(p)[1],
        "tanh-on-output": lambda p: tanh(fnn(p)[1]),
        "tanh-left-out": lambda p: r(p["w2"] * r(p["w1"] * p["x"] + p["b1"]) + p["b2"]),
    },
    "fnn-sgd-update": {
        "right": fnn_step,
        "gradient-added": lambda p: fnn_step(p, sign=1),
        "tanh-derivative-missing": lambda p: fnn_step(p, tanh_prime=False),
        "input-factor-missing": lambda p: fnn_step(p, times_x=False),
    },
    "temperature-probability": {
        "right": lambda p: temperature(p, lambda o: o / p["tau"]),
        "temperature-ignored": lambda p: temperature(p, lambda o: o),
        "divided-after-softmax": lambda p: temperature(p, lambda o: o, after=p["tau"]),
        "multiplied-by-temperature": lambda p: temperature(p, lambda o: o * p["tau"]),
    },
}


def run_in_process(program: str, entry: str, calls: list[list]) -> list:
    """Run the course's own question code here (trusted content; the workers use the sandbox)."""
    scope: dict = {}
    exec(compile(program, "variants", "exec"), scope)  # noqa: S102 - our own seeded content
    return [scope[entry](*args) for args in calls]


def numeric_questions() -> dict[str, tuple[Question, list[QuestionMistake]]]:
    found = {}
    for item in read_course_folder(COURSE).questions:
        if item.kind != Question.Kind.NUMERIC:
            continue
        question = Question(
            slug=item.slug,
            kind=item.kind,
            tolerance=item.tolerance,
            absolute_tolerance=item.absolute_tolerance,
            parameters_code=item.parameters_code,
            answer_code=item.answer_code,
        )
        mistakes = [
            QuestionMistake(slug=m.slug, message=m.message, code=m.code, order=i)
            for i, m in enumerate(item.mistakes)
        ]
        found[item.slug] = (question, mistakes)
    return found


QUESTIONS = numeric_questions()


def test_every_numeric_question_is_simulated_with_every_mistake():
    assert set(QUESTIONS) == set(HAND_WORK)
    for slug, (_, mistakes) in QUESTIONS.items():
        assert {m.slug for m in mistakes} == set(HAND_WORK[slug]) - {"right"}, slug
        assert mistakes, f"{slug} names no typical wrong method"


@pytest.mark.parametrize("slug", sorted(QUESTIONS))
def test_hand_work_is_accepted_and_wrong_methods_are_named(slug):
    question, mistakes = QUESTIONS[slug]
    pool = draw_pool(question, mistakes, run=run_in_process, size=LEARNERS)
    assert len(pool) == LEARNERS
    wrong, accepted_mistakes, unnamed = [], [], []
    for draw in pool:
        variant = QuestionVariant(
            parameters=draw.parameters, answer=draw.answer, mistakes=draw.mistakes
        )
        hand = HAND_WORK[slug]["right"](draw.parameters)
        if not is_close(hand, draw.answer, question):
            wrong.append((draw.seed, hand, draw.answer))
        for mistake in mistakes:
            typed = HAND_WORK[slug][mistake.slug](draw.parameters)
            if is_close(typed, draw.answer, question):
                accepted_mistakes.append((mistake.slug, draw.seed))
            elif (
                getattr(recognised_mistake(question, variant, typed, mistakes), "slug", None)
                != mistake.slug
            ):
                unnamed.append((mistake.slug, draw.seed, typed))
    assert len(wrong) <= MAX_WRONG_SHARE * LEARNERS, wrong[:5]
    assert not accepted_mistakes, accepted_mistakes[:5]
    assert not unnamed, unnamed[:5]


@pytest.mark.parametrize("slug", sorted(QUESTIONS))
def test_answers_are_well_away_from_zero(slug):
    question, mistakes = QUESTIONS[slug]
    pool = draw_pool(question, mistakes, run=run_in_process, size=200)
    # An answer of 0 (or any slip within the tolerance of 0) is never accepted.
    assert all(not is_close(0.0, draw.answer, question) for draw in pool)
    assert min(abs(draw.answer) for draw in pool) >= 20 * question.absolute_tolerance
