"""The seeded course, imported the way `make run` imports it, and read as a learner sees it."""

import re

import pytest
from django.core.management import call_command

from courses.models import Course, Lesson, Question
from exercises.models import Exercise
from tests.reference import SEEDED_COURSE_DIR

pytestmark = pytest.mark.django_db

COURSE_SLUG = "rnn-from-scratch"
EXERCISE_SLUGS = {
    "fnn-forward", "fnn-backward", "rnn-step", "rnn-forward", "softmax", "mse-loss",
    "cross-entropy-loss", "rnn-bptt", "many-to-one-forward", "many-to-one-bptt", "sgd-step",
    "clip-gradients", "gradient-norms", "grad-check", "train-char-rnn",
}  # fmt: skip
MATH_SPAN = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
TEX_COMMAND = re.compile(r"\\[A-Za-z]+")


@pytest.fixture
def course() -> Course:
    call_command("import_course", str(SEEDED_COURSE_DIR))
    return Course.objects.get(slug=COURSE_SLUG)


def test_seeded_course_has_the_catalogued_counts(course):
    questions = Question.objects.filter(lesson__course=course)
    assert course.published
    assert course.lessons.count() == 9
    assert questions.filter(kind__in=["single", "multiple"]).count() >= 20
    assert questions.filter(kind="numeric").count() >= 6
    exercises = Exercise.objects.filter(lesson__course=course)
    assert set(exercises.values_list("slug", flat=True)) == EXERCISE_SLUGS
    assert all(exercise.published for exercise in exercises)
    assert questions.filter(slug="role-of-g").exists()


def lesson_main_text(html: str) -> str:
    """Return the lesson's visible text with code blocks and script elements removed."""
    main = re.search(r"<main\b.*?</main>", html, re.S).group(0)
    main = re.sub(r"<(script|style|pre|code)\b.*?</\1>", " ", main, flags=re.S)
    return main


@pytest.mark.parametrize("position", range(9))
def test_every_lesson_page_leaves_no_raw_latex_outside_math(client, course, position):
    lesson = Lesson.objects.filter(course=course).order_by("order")[position]
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200
    text = lesson_main_text(response.text)
    spans = MATH_SPAN.findall(text)
    assert spans, f"lesson {lesson.slug} shows no math at all"
    outside = MATH_SPAN.sub(" ", text)
    assert "$" not in outside, f"a dollar sign escaped the math delimiters in {lesson.slug}"
    assert not TEX_COMMAND.findall(outside), (
        f"raw TeX outside math in {lesson.slug}: {TEX_COMMAND.findall(outside)[:5]}"
    )
    assert "mathjax/es5/tex-chtml.js" in response.text


def test_known_mistake_messages_point_to_lessons_that_exist(course):
    titles = set(course.lessons.values_list("title", flat=True))
    for exercise in Exercise.objects.filter(lesson__course=course):
        for mistake in exercise.mistakes.all():
            message = " ".join(mistake.message.split())
            named = re.findall(r'"([A-Z][^"]+)"', message)
            assert named, f"{exercise.slug}/{mistake.slug} does not name a lesson"
            unknown = [name for name in named if name not in titles]
            assert not unknown, f"{exercise.slug}/{mistake.slug} names no such lesson: {unknown}"
