"""The HTTP JSON API through Django's test client: every status code it promises."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from exercises.models import Submission
from exercises.services import record_grading_result
from grader.grading import TestResult, Verdict
from tests.exercises.conftest import make_exercise
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

URL = "/api/exercises/add-one/submissions"


def post(client: Client, body: object, url: str = URL):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json")


def test_submitting_code_answers_202_and_queues_one_grading(
    exercise, api_learner, api_client, django_capture_on_commit_callbacks
):
    client = api_client(api_learner)
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, {"code": "def add_one(x):\n    return x + 1\n"})
    assert response.status_code == 202
    body = response.json()
    submission = Submission.objects.get()
    assert body == {
        "id": submission.id,
        "status": "queued",
        "url": f"/api/submissions/{submission.id}",
    }
    assert submission.user == api_learner
    assert submission.kind == Submission.Kind.SUBMIT
    assert len(callbacks) == 1


def test_reading_my_submission_answers_200_with_its_state(exercise, api_learner, api_client):
    client = api_client(api_learner)
    created = post(client, {"code": "def add_one(x):\n    return x + 1\n"}).json()
    response = client.get(created["url"])
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == created["id"]
    assert body["exercise"] == "add-one"
    assert body["status"] == "queued"
    assert body["score"] is None
    assert body["tests"] == []
    assert body["misconception"] is None
    assert body["graded_at"] is None
    assert body["retrying"] is False
    assert body["created_at"]


def test_a_graded_submission_shows_tests_without_hidden_inputs(exercise, api_learner, api_client):
    client = api_client(api_learner)
    created = post(client, {"code": "def add_one(x):\n    return x\n"}).json()
    verdict = Verdict(
        exercise="add-one",
        status="failed",
        score=0.0,
        tests=[
            TestResult("hidden", False, "`output` differs.", visible=False, inputs={"x": 5.0}),
        ],
        misconception="The + 1 is missing.",
        message="0 of 1 checks passed.",
    )
    record_grading_result(submission_id=created["id"], verdict=verdict, exercise_version="v1")
    body = client.get(created["url"]).json()
    assert body["status"] == "failed"
    assert body["score"] == 0.0
    assert body["tests"] == [{"name": "hidden", "passed": False, "message": "`output` differs."}]
    assert body["misconception"] == "The + 1 is missing."
    assert body["message"] == "0 of 1 checks passed."
    assert body["graded_at"] is not None


def test_a_retried_grading_is_shown_as_retrying(exercise, api_learner, api_client):
    client = api_client(api_learner)
    created = post(client, {"code": "x = 1"}).json()
    Submission.objects.filter(id=created["id"]).update(status="running", deliveries=2)
    body = client.get(created["url"]).json()
    assert body["status"] == "running"
    assert body["retrying"] is True
    assert "does not count as an attempt" in body["message"]


def test_code_of_exactly_64_kib_is_accepted(exercise, api_learner, api_client):
    code = "#" * (64 * 1024)
    assert post(api_client(api_learner), {"code": code}).status_code == 202


@pytest.mark.parametrize(
    "code",
    ["#" * (64 * 1024 + 1), "é" * (32 * 1024 + 1)],
    ids=["ascii", "two-byte characters under 64 Ki characters"],
)
def test_code_over_64_kib_is_refused_with_400(exercise, api_learner, api_client, code):
    response = post(api_client(api_learner), {"code": code})
    assert response.status_code == 400
    assert "64 KiB" in response.json()["detail"]
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"code": "def f():\xff\xfe return 1"}', "UTF-8"),
        ('{"code": "\\ud800 lone surrogate"}', "UTF-8"),
        ('{"code": "def f(', "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", '"code"'),
        ('{"source": "x = 1"}', '"code"'),
        ('{"code": 42}', '"code" must be a string'),
        ('{"code": null}', '"code" must be a string'),
        ('{"code": "x = 1", "kind": "exam"}', '"kind"'),
        ('{"code": "x = \\u0000"}', "NUL"),
    ],
    ids=[
        "raw body not UTF-8",
        "lone surrogate",
        "malformed JSON",
        "empty body",
        "not an object",
        "no code field",
        "code not a string",
        "code null",
        "unknown kind",
        "NUL character",
    ],
)
def test_bad_bodies_are_refused_with_400_and_a_message(
    exercise, api_learner, api_client, body, words
):
    response = post(api_client(api_learner), body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert words in response.json()["detail"]
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "header",
    [None, "Bearer not-a-token", "Bearer ", "Token abc", "Basic YWRhOnB3"],
    ids=["missing", "unknown token", "empty token", "other scheme", "basic"],
)
def test_requests_without_a_valid_token_are_401(exercise, api_learner, header):
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    for response in (post(client, {"code": "x = 1"}), client.get("/api/submissions/1")):
        assert response.status_code == 401
        assert "Bearer" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_a_replaced_token_stops_working(exercise, api_learner, api_client):
    old = api_client(api_learner)
    api_client(api_learner)  # a new token replaces the old one
    assert post(old, {"code": "x = 1"}).status_code == 401


def test_an_inactive_learners_token_is_401(exercise, api_learner, api_client):
    client = api_client(api_learner)
    api_learner.is_active = False
    api_learner.save(update_fields=["is_active"])
    assert post(client, {"code": "x = 1"}).status_code == 401


@pytest.mark.parametrize(
    ("published", "course_published"), [(False, True), (True, False)], ids=["draft", "draft course"]
)
def test_unknown_or_unpublished_exercises_are_404(
    api_learner, api_client, published, course_published
):
    make_exercise("draft", published=published, course_published=course_published)
    client = api_client(api_learner)
    for url in ("/api/exercises/nope/submissions", "/api/exercises/draft/submissions"):
        response = post(client, {"code": "x = 1"}, url=url)
        assert response.status_code == 404
        assert "no exercise" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_staff_of_its_course_may_submit_to_an_unpublished_exercise(api_client):
    draft = make_exercise("draft", published=False)
    staff = make_staff(draft.lesson.course, "grace")
    response = post(api_client(staff), {"code": "x = 1"}, url="/api/exercises/draft/submissions")
    assert response.status_code == 202
    # Staff of another course are learners here (tests/courses/test_staff_scope.py).
    other = make_staff(None, "eve")
    response = post(api_client(other), {"code": "x = 1"}, url="/api/exercises/draft/submissions")
    assert response.status_code == 404


def test_another_learners_submission_is_not_found(exercise, api_learner, api_client):
    created = post(api_client(api_learner), {"code": "x = 1"}).json()
    other = User.objects.create_user("eve")
    response = api_client(other).get(created["url"])
    assert response.status_code == 404
    assert response.json()["detail"]
    assert api_client(other).get("/api/submissions/999999").status_code == 404


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "99999999999999999999999"])
def test_impossible_submission_ids_are_json_errors(api_learner, api_client, bad_id):
    response = api_client(api_learner).get(f"/api/submissions/{bad_id}")
    assert response.status_code in (400, 404)
    assert response.json()["detail"]


def test_unknown_api_paths_answer_json_404(api_learner, api_client):
    response = api_client(api_learner).get("/api/no/such/thing")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_too_many_submissions_are_429_with_retry_after(exercise, api_learner, api_client, settings):
    settings.SUBMISSION_RATE_LIMIT = "3/min"
    client = api_client(api_learner)
    statuses = [post(client, {"code": "x = 1"}).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    response = post(client, {"code": "x = 1"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many submissions" in response.json()["detail"]
    assert Submission.objects.count() == 3
    # The limit is per learner: someone else still gets through.
    other = User.objects.create_user("bob")
    assert post(api_client(other), {"code": "x = 1"}).status_code == 202


def test_the_default_rate_lets_a_burst_of_ten_through(exercise, api_learner, api_client):
    client = api_client(api_learner)
    assert {post(client, {"code": "x = 1"}).status_code for _ in range(10)} == {202}


def test_a_signed_in_browser_reads_its_submission_with_the_session(
    exercise, api_learner, api_client
):
    created = post(api_client(api_learner), {"code": "x = 1"}).json()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(api_learner)
    response = browser.get(created["url"])
    assert response.status_code == 200
    assert response.json()["id"] == created["id"]
    # Writing with a session needs the CSRF token, like any form on the site.
    assert post(browser, {"code": "x = 1"}).status_code == 403


def test_the_openapi_schema_describes_both_endpoints(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/exercises/{slug}/submissions" in schema["paths"]
    assert "/api/submissions/{submission_id}" in schema["paths"]
