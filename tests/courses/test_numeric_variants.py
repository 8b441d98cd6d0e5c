"""The web tier runs no question code: pages read the pool the workers stored."""

import pytest
from django.urls import reverse

from courses.models import QuestionAttempt
from grader.sandbox import Sandbox
from tests.courses.test_questions import answer, expected_numeric
from tests.factories import make_numeric_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_sandbox(monkeypatch):
    """Make any sandbox use in this (web) process fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the web process started a sandbox")

    monkeypatch.setattr(Sandbox, "shared", refuse)
    monkeypatch.setattr(Sandbox, "run", refuse)
    monkeypatch.setattr(Sandbox, "start", refuse)


def lesson_page(client, small) -> str:
    response = client.get(small.lessons[0].get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_lesson_page_and_answers_work_without_any_sandbox(alice, learner, small, no_sandbox):
    a, b, exact = expected_numeric(learner.id, small.numeric.id)
    assert f"\\(a = {a:.2f}\\)" in lesson_page(alice, small)
    assert answer(alice, small.numeric, {"answer": repr(exact)}).status_code == 302
    assert QuestionAttempt.objects.get(user=learner).is_correct


def test_a_question_whose_pool_is_not_ready_says_it_is_being_prepared(
    alice, learner, small, no_sandbox
):
    waiting = make_numeric_question(small.lessons[0], "waiting", order=9, with_pool=False)
    page = lesson_page(alice, small)
    assert "numbers are being prepared" in page and "data-preparing" in page
    response = answer(alice, waiting, {"answer": "1.5"}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400
    assert "being prepared" in response.content.decode()
    assert not QuestionAttempt.objects.filter(question=waiting).exists()


def test_a_stale_pool_is_not_used_after_the_code_changes(alice, learner, small, no_sandbox):
    question = small.numeric
    question.answer_code = question.answer_code.replace("math.tanh(0.5)", "2.0")
    question.save()
    assert "numbers are being prepared" in lesson_page(alice, small)


def test_a_failed_pool_shows_a_calm_message(alice, small, no_sandbox):
    type(small.numeric).objects.filter(pk=small.numeric.pk).update(
        variants_error="generate(rng) raised ZeroDivisionError"
    )
    page = lesson_page(alice, small)
    assert "cannot be shown right now" in page and "ZeroDivisionError" not in page


def test_a_known_wrong_method_is_named(alice, learner, small, no_sandbox):
    a, b, _ = expected_numeric(learner.id, small.numeric.id)
    response = answer(
        alice, small.numeric, {"answer": f"{a * b:.4f}"}, HTTP_X_REQUESTED_WITH="fetch"
    )
    fragment = response.content.decode()
    assert "Not right yet." in fragment
    assert 'data-mistake="tanh-term-forgotten"' in fragment and "You stopped at" in fragment
    assert QuestionAttempt.objects.get(user=learner).mistake == "tanh-term-forgotten"
    # Any other wrong number is just wrong.
    answer(alice, small.numeric, {"answer": f"{a * b + 7:.4f}"})
    assert "You stopped at" not in lesson_page(alice, small)


def test_worked_solution_with_own_numbers_after_a_right_answer(alice, learner, small, no_sandbox):
    a, b, exact = expected_numeric(learner.id, small.numeric.id)
    solution = f"\\(a b = {a * b:.4f}\\)"
    assert solution not in lesson_page(alice, small)
    answer(alice, small.numeric, {"answer": f"{exact:.4f}"})
    page = lesson_page(alice, small)
    assert "Worked solution with your numbers" in page
    assert solution in page and f"{exact:.4f}" in page


def test_worked_solution_after_three_tries(alice, learner, small, no_sandbox):
    a, b, _ = expected_numeric(learner.id, small.numeric.id)
    solution = f"\\(a b = {a * b:.4f}\\)"
    for attempt in range(3):
        assert solution not in lesson_page(alice, small)
        answer(alice, small.numeric, {"answer": str(1000 + attempt)})
    assert solution in lesson_page(alice, small)


def test_learners_are_spread_over_the_pool(small):
    from tests.factories import make_user

    seen = {expected_numeric(make_user().id, small.numeric.id) for _ in range(12)}
    assert len(seen) >= 8


def test_read_only_anonymous_page_needs_no_sandbox(client, small, no_sandbox):
    page = client.get(reverse("lesson", args=[small.course.slug, small.lessons[0].slug]))
    assert page.status_code == 200 and "each learner gets their own" in page.content.decode()
