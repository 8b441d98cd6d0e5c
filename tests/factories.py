"""Shared builders for tests: users, a small course with every kind of question, an exercise."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from itertools import count

from django.contrib.auth.models import User

from accounts.demo import ensure_instructors_group
from courses.models import Choice, Course, Enrollment, Lesson, Question, QuestionMistake, Run
from courses.runs import default_run, enroll
from exercises.models import Exercise, KnownMistake

_serial = count(1)
PASSWORD = "a-long-test-password-42"

NUMERIC_PARAMETERS = textwrap.dedent(
    """
    def generate(rng):
        return {"a": round(float(rng.uniform(1, 5)), 2), "b": int(rng.integers(2, 9))}
    """
)
NUMERIC_ANSWER = textwrap.dedent(
    """
    import math

    def answer(p):
        return p["a"] * p["b"] + math.tanh(0.5)

    def steps(p):
        return {"ab": p["a"] * p["b"]}
    """
)
NUMERIC_SOLUTION = "First $a b = {ab:.4f}$, then add $\\tanh(0.5)$: {answer:.4f}."
# A typical wrong method: the tanh term forgotten.
NUMERIC_MISTAKE = textwrap.dedent(
    """
    def answer(p):
        return p["a"] * p["b"]
    """
)

ADD_ONE_REFERENCE = textwrap.dedent(
    """
    import numpy as np

    def add_one(x):
        return x + 1.0
    """
)
ADD_ONE_CASES = textwrap.dedent(
    """
    import numpy as np

    def make_cases():
        return [
            {"name": "example", "visible": True, "args": [np.arange(3.0)]},
            {"name": "hidden", "visible": False, "args": [np.full((2, 2), 5.0)]},
        ]
    """
)
ADD_ONE_MISTAKE = textwrap.dedent(
    """
    def add_one(x):
        return x
    """
)
ADD_ONE_MISTAKE_MESSAGE = "Your output equals the input: the + 1 is missing."


def make_user(username: str | None = None, *, password: str = PASSWORD, **extra) -> User:
    """Create a learner account with a known password."""
    username = username or f"learner{next(_serial)}"
    return User.objects.create_user(username=username, password=password, **extra)


def make_course(slug: str | None = None, *, published: bool = True, **extra) -> Course:
    """Create a course."""
    slug = slug or f"course-{next(_serial)}"
    return Course.objects.create(
        slug=slug, title=extra.pop("title", f"Course {slug}"), published=published, **extra
    )


def make_lesson(course: Course, slug: str | None = None, *, order: int = 0, **extra) -> Lesson:
    """Create a lesson in `course`."""
    slug = slug or f"lesson-{next(_serial)}"
    defaults = {"title": f"Lesson {slug}", "body": "Some text with $x_t$ in it."}
    defaults.update(extra)
    return Lesson.objects.create(course=course, slug=slug, order=order, **defaults)


def make_choice_question(
    lesson: Lesson,
    slug: str | None = None,
    *,
    kind: str = Question.Kind.SINGLE,
    choices: tuple[tuple[str, bool], ...] = (("Right", True), ("Wrong", False)),
    order: int = 0,
) -> Question:
    """Create a single or multiple choice question with (text, correct) options."""
    question = Question.objects.create(
        lesson=lesson,
        slug=slug or f"q-{next(_serial)}",
        kind=kind,
        prompt="Which is it, $y$?",
        explanation="Because.",
        order=order,
    )
    for index, (text, correct) in enumerate(choices):
        Choice.objects.create(
            question=question,
            text=text,
            is_correct=correct,
            feedback=f"Feedback on {text}.",
            order=index,
        )
    return question


def make_numeric_question(
    lesson: Lesson,
    slug: str | None = None,
    *,
    tolerance: float = 1e-3,
    order: int = 0,
    with_pool: bool = True,
) -> Question:
    """Create a numeric question: answer = a * b + tanh(0.5) with a, b drawn per learner.

    Its pool of variants is computed at once, here in the test process standing in for the
    bulk worker (the sandbox is real); `with_pool=False` leaves it "being prepared".
    """
    from exercises.question_variants import compute_question_variants

    question = Question.objects.create(
        lesson=lesson,
        slug=slug or f"num-{next(_serial)}",
        kind=Question.Kind.NUMERIC,
        prompt="With $a = {a:.2f}$ and $b = {b}$, what is $a b + \\tanh(0.5)$?",
        tolerance=tolerance,
        parameters_code=NUMERIC_PARAMETERS,
        answer_code=NUMERIC_ANSWER,
        solution=NUMERIC_SOLUTION,
        order=order,
    )
    QuestionMistake.objects.create(
        question=question,
        slug="tanh-term-forgotten",
        message="You stopped at $a b$: add $\\tanh(0.5)$ too.",
        code=NUMERIC_MISTAKE,
    )
    if with_pool:
        assert compute_question_variants(question_id=question.pk) == "computed"
        question.refresh_from_db()
    return question


def make_exercise(
    lesson: Lesson, slug: str | None = None, *, published: bool = True, order: int = 0
) -> Exercise:
    """Create a tiny exercise (add one to an array) with one known mistake."""
    exercise = Exercise.objects.create(
        lesson=lesson,
        slug=slug or f"add-one-{next(_serial)}",
        title="Add one",
        entry_point="add_one",
        returns=["y"],
        prompt="Return $x + 1$.",
        starter_code="def add_one(x):\n    pass\n",
        reference_code=ADD_ONE_REFERENCE,
        cases_code=ADD_ONE_CASES,
        published=published,
        order=order,
    )
    KnownMistake.objects.create(
        exercise=exercise,
        slug="forgot-to-add",
        title="Forgot to add",
        code=ADD_ONE_MISTAKE,
        message=ADD_ONE_MISTAKE_MESSAGE,
    )
    return exercise


@dataclass
class SmallCourse:
    course: Course
    lessons: list[Lesson]
    single: Question
    multiple: Question
    numeric: Question
    exercise: Exercise


def make_small_course(slug: str = "small") -> SmallCourse:
    """Create a published course: two lessons, three questions (one of each kind), an exercise."""
    course = make_course(slug, title="A small course")
    first = make_lesson(course, "first", order=1, title="First lesson",
                        body="Inline $a_t$ and display\n\n$$\\sum_{t=1}^T x_t$$\n")  # fmt: skip
    second = make_lesson(course, "second", order=2, title="Second lesson")
    single = make_choice_question(first, "single", order=1)
    multiple = make_choice_question(
        first,
        "multiple",
        kind=Question.Kind.MULTIPLE,
        choices=(("A", True), ("B", True), ("C", True), ("D", False)),
        order=2,
    )
    numeric = make_numeric_question(first, "numeric", order=3)
    exercise = make_exercise(second, "add-one")
    return SmallCourse(course, [first, second], single, multiple, numeric, exercise)


def make_staff(
    course: Course | None = None,
    username: str | None = None,
    *,
    role: str = Enrollment.Role.INSTRUCTOR,
    run: Run | None = None,
) -> User:
    """Create a staff account in the Instructors group, teaching `run` (or `course`'s default
    run) with `role` (instructor or TA)."""
    user = make_user(username or f"staff{next(_serial)}", is_staff=True)
    user.groups.add(ensure_instructors_group())
    if run is not None or course is not None:
        teach(user, course, role=role, run=run)
    return user


def teach(
    user: User, course: Course | None, *, role: str = Enrollment.Role.INSTRUCTOR, run=None
) -> None:
    """Make `user` staff (`role`) of `run`, or of `course`'s default run."""
    enroll(user=user, run=run or default_run(course), role=role)
