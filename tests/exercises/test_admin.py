"""An instructor authors, checks and publishes a coding exercise through the admin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.demo import ensure_instructors_group
from config.celery import app as celery_app
from courses.models import Course, Lesson
from exercises.authoring import CheckState, check_state, publish_exercise
from exercises.models import Exercise, Submission
from exercises.services import submit_solution
from tests.exercises.course_folder import CASES, MISTAKE_NO_PLUS_ONE, REFERENCE
from tests.factories import teach

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/exercises/exercise/add/"


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks in-process as they are sent (the sandbox and the grader stay real)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def lesson() -> Lesson:
    course = Course.objects.create(slug="c", title="Course", published=True)
    return Lesson.objects.create(course=course, slug="l", title="Lesson", body="Text.", order=1)


@pytest.fixture
def instructor(lesson: Lesson) -> User:
    user = User.objects.create_user("teacher", password="pw", is_staff=True)
    user.groups.add(ensure_instructors_group())
    teach(user, lesson.course)
    return user


@pytest.fixture
def instructor_client(instructor: User) -> Client:
    client = Client()
    client.force_login(instructor)
    return client


def exercise_form(lesson: Lesson, **overrides: Any) -> dict[str, Any]:
    """Return the POST data of the exercise add/change form with one known mistake."""
    data = {
        "lesson": lesson.pk,
        "order": 1,
        "slug": "scale",
        "title": "Scale and shift",
        "entry_point": "scale",
        "returns": "y",
        "prompt": "Return $k x + 1$.",
        "starter_code": "def scale(x, k):\r\n    pass\r\n",
        "reference_code": REFERENCE.replace("\n", "\r\n"),
        "cases_code": CASES,
        "rtol": "1e-05",
        "atol": "1e-08",
        "time_limit_ms": 2000,
        "memory_mb": 512,
        "mistakes-TOTAL_FORMS": 1,
        "mistakes-INITIAL_FORMS": 0,
        "mistakes-MIN_NUM_FORMS": 0,
        "mistakes-MAX_NUM_FORMS": 1000,
        "mistakes-0-order": 0,
        "mistakes-0-slug": "no-plus-one",
        "mistakes-0-title": "Shift left out",
        "mistakes-0-message": "You forgot to add one.",
        "mistakes-0-code": MISTAKE_NO_PLUS_ONE,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def change_form(exercise: Exercise, **overrides: Any) -> dict[str, Any]:
    mistake = exercise.mistakes.get()
    data = exercise_form(
        exercise.lesson,
        **{
            "mistakes-INITIAL_FORMS": 1,
            "mistakes-0-id": mistake.pk,
            "mistakes-0-exercise": exercise.pk,
        },
    )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def errors_of(response: Any) -> str:
    form = response.context["adminform"].form
    formsets = response.context["inline_admin_formsets"]
    text = [str(form.errors)]
    for formset in formsets:
        text += [str(formset.formset.non_form_errors()), str(formset.formset.errors)]
    return " ".join(text)


def test_instructor_authors_checks_publishes_and_a_learner_is_graded(
    instructor_client: Client,
    lesson: Lesson,
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Add the exercise with its known mistake (the inline formset) in one POST.
    response = instructor_client.post(ADD_URL, exercise_form(lesson))
    assert response.status_code == 302, errors_of(response)
    exercise = Exercise.objects.get(slug="scale")
    assert exercise.reference_code == REFERENCE  # stored with LF line ends
    assert exercise.returns == ["y"]
    assert [m.slug for m in exercise.mistakes.all()] == ["no-plus-one"]
    assert check_state(exercise) == CheckState.UNCHECKED

    # Publishing before any check is refused on the form.
    url = f"/admin/exercises/exercise/{exercise.pk}/change/"
    response = instructor_client.post(url, change_form(exercise, published="on"))
    assert response.status_code == 200
    assert "has not been checked yet" in errors_of(response)
    exercise.refresh_from_db()
    assert not exercise.published

    # "Check reference": queued on the bulk queue, run eagerly here in the real sandbox.
    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(f"/admin/exercises/exercise/{exercise.pk}/check/")
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert check_state(exercise) == CheckState.PASSED
    page = instructor_client.get(url).content.decode()
    assert 'id="check-cases"' in page and 'data-running="0"' in page
    assert page.count('<td class="pass">pass</td>') == 2
    mistakes_table = page.split('id="check-mistakes"')[1]
    assert mistakes_table.count('<td class="pass">yes</td>') == 2  # rejected and recognised
    assert "example, random" in mistakes_table

    # Now it can be published through the same form.
    response = instructor_client.post(url, change_form(exercise, published="on"))
    assert response.status_code == 302, errors_of(response)
    exercise.refresh_from_db()
    assert exercise.published

    # A learner submits; the submission is graded against the new exercise.
    learner = User.objects.create_user("learner", password="pw")
    with django_capture_on_commit_callbacks(execute=True):
        right = submit_solution(user=learner, exercise=exercise, code=REFERENCE)
        wrong = submit_solution(user=learner, exercise=exercise, code=MISTAKE_NO_PLUS_ONE)
    right.refresh_from_db()
    wrong.refresh_from_db()
    assert right.status == Submission.Status.PASSED and right.score == 1.0
    assert wrong.status == Submission.Status.FAILED
    assert wrong.misconception == "You forgot to add one."


def test_changing_a_published_exercise_makes_its_check_stale(
    instructor_client: Client,
    lesson: Lesson,
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    instructor_client.post(ADD_URL, exercise_form(lesson))
    exercise = Exercise.objects.get(slug="scale")
    url = f"/admin/exercises/exercise/{exercise.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(url, change_form(exercise, _check_reference="1"))
    assert response.status_code == 302
    publish_exercise(exercise=exercise)

    # Editing the reference of a published exercise is refused: its check would be stale.
    edited = REFERENCE.replace("+ 1.0", "+ 1.5")
    response = instructor_client.post(
        url, change_form(exercise, published="on", reference_code=edited)
    )
    assert response.status_code == 200
    assert "changed since the last check" in errors_of(response)

    # Editing a known mistake's code of a published exercise is refused as well.
    response = instructor_client.post(
        url,
        change_form(
            exercise, published="on", **{"mistakes-0-code": "def scale(x, k):\n  return x\n"}
        ),
    )
    assert response.status_code == 200
    assert "changed since the last check" in errors_of(response)

    # Unpublished, the edit is saved, the check is stale, and publishing is refused everywhere.
    response = instructor_client.post(url, change_form(exercise, reference_code=edited))
    assert response.status_code == 302, errors_of(response)
    exercise.refresh_from_db()
    assert check_state(exercise) == CheckState.STALE
    with pytest.raises(Exception, match="changed since the last check"):
        publish_exercise(exercise=exercise)
    response = instructor_client.post(
        "/admin/exercises/exercise/",
        {"action": "publish", "_selected_action": [exercise.pk]},
        follow=True,
    )
    assert "changed since the last check" in response.content.decode()
    exercise.refresh_from_db()
    assert not exercise.published

    # The new reference adds 1.5: the known mistake is still rejected, the check passes,
    # and a failing check also blocks publishing.
    with django_capture_on_commit_callbacks(execute=True):
        instructor_client.post(f"/admin/exercises/exercise/{exercise.pk}/check/")
    exercise.refresh_from_db()
    assert check_state(exercise) == CheckState.PASSED
    broken = change_form(exercise, **{"mistakes-0-code": REFERENCE.replace("+ 1.0", "+ 1.5")})
    broken["reference_code"] = edited
    with django_capture_on_commit_callbacks(execute=True):
        instructor_client.post(url, {**broken, "_check_reference": "1"})
    exercise.refresh_from_db()
    assert check_state(exercise) == CheckState.FAILED
    response = instructor_client.post(url, {**broken, "published": "on"})
    assert response.status_code == 200
    assert "last reference check failed" in errors_of(response)


def test_learner_cannot_reach_the_admin(lesson: Lesson) -> None:
    learner = User.objects.create_user("learner", password="pw")
    client = Client()
    client.force_login(learner)
    for url in ("/admin/", "/admin/exercises/exercise/", "/admin/courses/lesson/preview/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_instructor_is_not_superuser_and_submissions_are_read_only(
    instructor: User, instructor_client: Client, lesson: Lesson
) -> None:
    assert not instructor.is_superuser
    exercise = Exercise.objects.create(
        lesson=lesson, slug="e", title="E", entry_point="scale", prompt="p",
        reference_code=REFERENCE, cases_code=CASES,
    )  # fmt: skip
    learner = User.objects.create_user("learner", password="pw")
    submission = Submission.objects.create(user=learner, exercise=exercise, code="x")
    assert instructor_client.get("/admin/exercises/submission/").status_code == 200
    assert instructor_client.get("/admin/exercises/submission/add/").status_code == 403
    page = instructor_client.get(f"/admin/exercises/submission/{submission.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = instructor_client.post(f"/admin/exercises/submission/{submission.pk}/delete/")
    assert response.status_code == 403
    assert instructor_client.get("/admin/auth/user/").status_code == 403


def test_markdown_preview_renders_math_for_staff_only(instructor_client: Client) -> None:
    response = instructor_client.post(
        "/admin/courses/lesson/preview/", {"text": "Let $h_t$ be *new*."}
    )
    html = response.json()["html"]
    assert "\\(h_t\\)" in html and "<em>new</em>" in html


def numeric_question_form(lesson: Lesson, **overrides: Any) -> dict[str, Any]:
    """Return the POST data of the question add form: a numeric question with one mistake."""
    data = {
        "lesson": lesson.pk, "order": 1, "slug": "square", "kind": "numeric",
        "prompt": "What is ${u:.2f}^2$?", "explanation": "",
        "tolerance": "0.001", "absolute_tolerance": "0.0005",
        "parameters_code": "def generate(rng):\n    return {'u': 1.5}\n",
        "answer_code": "def answer(p):\n    return p['u'] ** 2\n\n"
        "def steps(p):\n    return {'twice': 2 * p['u']}\n",
        "solution": "Not ${twice:.2f}$: ${u:.2f} \\cdot {u:.2f} = {answer:.4f}$.",
        "choices-TOTAL_FORMS": 0, "choices-INITIAL_FORMS": 0,
        "mistakes-TOTAL_FORMS": 1, "mistakes-INITIAL_FORMS": 0,
        "mistakes-0-order": 0, "mistakes-0-slug": "doubled",
        "mistakes-0-message": "You doubled $u$ instead of squaring it.",
        "mistakes-0-code": "def answer(p):\n    return 2 * p['u'] + 1\n",
    }  # fmt: skip
    return data | overrides


def test_saving_a_numeric_question_has_the_worker_compute_its_pool_and_the_preview_reads_it(
    instructor_client: Client,
    lesson: Lesson,
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from courses.models import Question
    from grader.sandbox import Sandbox

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = instructor_client.post(
            "/admin/courses/question/add/", numeric_question_form(lesson)
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert callbacks, "saving asks the workers for the pool"
    question = Question.objects.get(slug="square")
    assert question.variants.count() == 100 and not question.variants_error
    variant = question.variants.get(index=7)
    assert variant.answer == 2.25 and variant.mistakes == {"doubled": 4.0}
    assert variant.steps == {"twice": 3.0}
    change = instructor_client.get(f"/admin/courses/question/{question.pk}/change/")
    assert "100 ready" in change.content.decode()

    # The preview only reads the stored pool: no sandbox in the web process.
    def no_sandbox(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the web process started a sandbox")

    monkeypatch.setattr(Sandbox, "run", no_sandbox)
    monkeypatch.setattr(Sandbox, "shared", no_sandbox)
    data = instructor_client.post(
        "/admin/courses/question/numeric-preview/",
        {"question": str(question.pk), "variant": "7", "prompt": "Square ${u:.2f}$.",
         "solution": question.solution},
    ).json()  # fmt: skip
    assert data["answer"] == 2.25 and data["parameters"] == {"u": 1.5} and data["count"] == 100
    assert "Square" in data["html"] and "\\(1.50\\)" in data["html"]
    assert "3.00" in data["solution_html"] and "2.2500" in data["solution_html"]


def test_a_question_whose_code_fails_shows_why_in_the_admin(
    instructor_client: Client,
    lesson: Lesson,
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from courses.models import Question

    form = numeric_question_form(
        lesson, parameters_code="def generate(rng):\n    return {'u': 1 / 0}\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        instructor_client.post("/admin/courses/question/add/", form)
    question = Question.objects.get(slug="square")
    assert "ZeroDivisionError" in question.variants_error
    page = instructor_client.get(f"/admin/courses/question/{question.pk}/change/").content
    assert "failed: " in page.decode()
    data = instructor_client.post(
        "/admin/courses/question/numeric-preview/", {"question": str(question.pk)}
    ).json()
    assert "could not be computed" in data["error"]


def test_an_unfair_generator_is_refused_with_a_reason(
    instructor_client: Client,
    lesson: Lesson,
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from courses.models import Question

    # u = 0.01: the answer 0.0001 is within the absolute tolerance of 0.
    form = numeric_question_form(
        lesson, parameters_code="def generate(rng):\n    return {'u': 0.01}\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        instructor_client.post("/admin/courses/question/add/", form)
    error = Question.objects.get(slug="square").variants_error
    assert "fair to hand work" in error and "away from zero" in error


def test_regrade_selected_shows_progress_until_done(
    instructor_client: Client,
    lesson: Lesson,
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    exercise = Exercise.objects.create(
        lesson=lesson, slug="e", title="E", entry_point="scale", prompt="p",
        reference_code=REFERENCE, cases_code=CASES,
    )  # fmt: skip
    learner = User.objects.create_user("learner", password="pw")
    done = Submission.objects.create(
        user=learner, exercise=exercise, code=REFERENCE, status=Submission.Status.FAILED, score=0
    )
    waiting = Submission.objects.create(user=learner, exercise=exercise, code=REFERENCE)
    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(
            "/admin/exercises/submission/",
            {"action": "regrade", "_selected_action": [done.pk, waiting.pk]},
        )
        assert response.status_code == 302
        progress = instructor_client.get(response["Location"]).content.decode()
        # Only the final submission is regraded; its task runs once the request commits.
        assert 'id="regrade-queued">1<' in progress and 'data-regrade-running="1"' in progress
        assert "regrade-progress.js" in progress and 'http-equiv="refresh"' not in progress
    done.refresh_from_db()
    assert done.status == Submission.Status.PASSED and done.score == 1.0
    progress = instructor_client.get(response["Location"]).content.decode()
    assert 'id="regrade-done">1<' in progress and "All done." in progress
    assert "1 submission(s) sent" in progress
