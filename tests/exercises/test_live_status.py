"""Polling a submission: an unchanged one answers 304 without a database query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exercises.models import Submission
from exercises.services import give_up_grading, record_grading_result, start_grading
from grader.grading import Verdict

LIVE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "live": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "live"},
}


@pytest.fixture(autouse=True)
def live_cache(settings):
    settings.CACHES = LIVE_CACHE
    from django.core.cache import caches

    caches["live"].clear()


def submit(client: Client) -> dict:
    response = client.post(
        "/api/exercises/add-one/submissions",
        {"code": "def add_one(x):\n    return x + 1\n"},
        content_type="application/json",
    )
    assert response.status_code == 202
    return response.json()


def test_an_unchanged_submission_answers_304_without_a_query(exercise, api_learner, api_client):
    client = api_client(api_learner)
    created = submit(client)
    first = client.get(created["url"])
    assert first.status_code == 200 and first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"
    with CaptureQueriesContext(connection) as queries:
        again = client.get(created["url"], HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert len(queries) == 0
    # Without the tag: the full answer, the same as before.
    assert client.get(created["url"]).json() == first.json()


def test_every_change_of_the_row_gives_a_new_answer(
    exercise, api_learner, api_client, django_capture_on_commit_callbacks
):
    client = api_client(api_learner)
    created = submit(client)
    tag = client.get(created["url"])["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        start_grading(submission_id=created["id"])
    running = client.get(created["url"], HTTP_IF_NONE_MATCH=tag)
    assert running.status_code == 200 and running.json()["status"] == "running"
    verdict = Verdict(exercise="add-one", status="passed", score=1.0, tests=[], message="ok")
    with django_capture_on_commit_callbacks(execute=True):
        record_grading_result(submission_id=created["id"], verdict=verdict, exercise_version="v")
    graded = client.get(created["url"], HTTP_IF_NONE_MATCH=running["ETag"])
    assert graded.status_code == 200 and graded.json()["status"] == "passed"
    assert client.get(created["url"], HTTP_IF_NONE_MATCH=graded["ETag"]).status_code == 304


def test_another_learners_credentials_never_match_a_tag(exercise, api_learner, api_client):
    from django.contrib.auth.models import User

    created = submit(api_client(api_learner))
    tag = api_client(api_learner).get(created["url"])["ETag"]
    intruder = api_client(User.objects.create_user("eve", password="pw-eve-123"))
    response = intruder.get(created["url"], HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 404


def test_a_session_poll_gets_304_and_a_platform_error_gets_through(
    exercise, api_learner, api_client, django_capture_on_commit_callbacks
):
    created = submit(api_client(api_learner))
    browser = Client()
    browser.force_login(api_learner)
    tag = browser.get(created["url"])["ETag"]
    assert browser.get(created["url"], HTTP_IF_NONE_MATCH=tag).status_code == 304
    Submission.objects.filter(id=created["id"]).update(status=Submission.Status.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        give_up_grading(submission_id=created["id"])
    changed = browser.get(created["url"], HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and changed.json()["fault"] == "platform"
