"""The per-learner submission rate limit as the exercise page shows it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from exercises.models import Submission
from exercises.services import create_api_token
from tests.factories import make_user

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}


def send(client, exercise, kind: str = "submit", **headers):
    return client.post(
        exercise.get_absolute_url(),
        {"code": "def add_one(x):\n    return x\n", "kind": kind},
        **headers,
    )


def test_page_submission_past_the_limit_is_refused_with_the_wait(alice, small, settings):
    settings.SUBMISSION_RATE_LIMIT = "2/min"
    assert [send(alice, small.exercise).status_code for _ in range(2)] == [302, 302]
    response = send(alice, small.exercise)
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    page = response.content.decode()
    assert "the limit is 2/min" in page
    assert f"Please wait {wait} s" in page
    # The learner's code stays in the editor.
    assert "return x" in page
    assert Submission.objects.count() == 2


def test_runs_and_submissions_share_one_limit_with_the_api(alice, learner, small, settings):
    settings.SUBMISSION_RATE_LIMIT = "3/min"
    assert send(alice, small.exercise, kind="run", **FETCH).status_code == 202
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=learner)}")
    url = f"/api/exercises/{small.exercise.slug}/submissions"
    assert api.post(url, {"code": "x = 1"}, content_type="application/json").status_code == 202
    assert send(alice, small.exercise, **FETCH).status_code == 202
    refused_api = api.post(url, {"code": "x = 1"}, content_type="application/json")
    assert refused_api.status_code == 429
    assert int(refused_api["Retry-After"]) >= 1
    refused_page = send(alice, small.exercise, **FETCH)
    assert refused_page.status_code == 429
    assert f"wait {refused_page['Retry-After']} s" in refused_page.json()["error"]
    assert Submission.objects.filter(user=learner).count() == 3


def test_the_limit_is_per_learner_and_frees_up_as_the_window_slides(
    alice, learner, small, signed_in, settings
):
    settings.SUBMISSION_RATE_LIMIT = "1/min"
    assert send(alice, small.exercise, **FETCH).status_code == 202
    assert send(alice, small.exercise, **FETCH).status_code == 429
    bob = signed_in(make_user("bob"))
    assert send(bob, small.exercise, **FETCH).status_code == 202
    Submission.objects.filter(user=learner).update(
        created_at=timezone.now() - timedelta(seconds=61)
    )
    assert send(alice, small.exercise, **FETCH).status_code == 202
