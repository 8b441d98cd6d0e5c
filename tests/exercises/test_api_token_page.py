"""The page where a learner sees and regenerates their API token."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada() -> Client:
    User.objects.create_user("ada", password="pw-ada-123")
    client = Client()
    client.login(username="ada", password="pw-ada-123")
    return client


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/account/api-token/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_new_token_is_shown_once_and_works_on_the_api(ada):
    assert "You have no token yet" in ada.get("/account/api-token/").text
    made = ada.post("/account/api-token/")
    assert made.status_code == 200
    assert made["Cache-Control"] == "no-store"
    token = made.context["fresh_token"]
    assert token and token in made.text

    later = ada.get("/account/api-token/")
    assert token not in later.text
    assert "cannot be shown again" in later.text

    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/submissions/999999").status_code == 404  # authenticated, not 401


def test_regenerating_revokes_the_previous_token(ada):
    first = ada.post("/account/api-token/").context["fresh_token"]
    second = ada.post("/account/api-token/").context["fresh_token"]
    assert first != second
    assert Client(HTTP_AUTHORIZATION=f"Bearer {first}").get("/api/submissions/1").status_code == 401
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {second}").get("/api/submissions/1").status_code == 404
    )
