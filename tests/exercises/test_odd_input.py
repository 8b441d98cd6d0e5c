"""Odd input gets a clear 4xx, never a 500: Unicode digits in ids, deeply nested or huge JSON."""

import json

import pytest
from django.test import Client

from exercises.models import Submission
from exercises.services import create_api_token

# Each test starts and ends with an empty cache (sign-up counts live there).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.mark.parametrize("raw", ["²", "١٢", "１", "⑦", "12²", "-1", " 1", "1" * 40])
@pytest.mark.parametrize("parameter", ["submission", "from"])
def test_an_id_that_is_not_ascii_digits_is_not_found(alice, learner, small, raw, parameter):
    Submission.objects.create(user=learner, exercise=small.exercise, code="x")
    response = alice.get(small.exercise.get_absolute_url(), {parameter: raw})
    assert response.status_code == 404


def test_a_plain_id_still_shows_the_submission(alice, learner, small):
    submission = Submission.objects.create(user=learner, exercise=small.exercise, code="mine")
    page = alice.get(small.exercise.get_absolute_url(), {"from": str(submission.id)})
    assert page.status_code == 200 and "mine" in page.text


@pytest.fixture
def api(learner) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=learner)}")


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_400(api, small, depth):
    body = '{"code": "x", "extra": ' + "[" * depth + "]" * depth + "}"
    response = api.post(
        f"/api/exercises/{small.exercise.slug}/submissions", body, content_type="application/json"
    )
    assert response.status_code in {400}
    assert "detail" in response.json()
    assert not Submission.objects.exists()


def test_huge_json_is_a_400(api, small):
    body = json.dumps({"code": "x" * (3 * 1024 * 1024)})
    response = api.post(
        f"/api/exercises/{small.exercise.slug}/submissions", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "too large" in response.json()["detail"] or "64 KiB" in response.json()["detail"]
