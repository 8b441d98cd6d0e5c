"""A password change or reset revokes the API token; the token page has a revoke button."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from exercises.models import ApiToken
from exercises.services import create_api_token

# Each test starts and ends with an empty cache (sign-up counts live there).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

OLD, NEW = "Old-password-2024", "New-password-2025"


@pytest.fixture
def ada() -> User:
    return User.objects.create_user("ada", email="ada@example.org", password=OLD)


def api_works(token: str) -> bool:
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/submissions/999999")
    return response.status_code == 404  # authenticated; 401 otherwise


def test_changing_the_password_revokes_the_token(ada):
    token = create_api_token(user=ada)
    client = Client()
    client.force_login(ada)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert not api_works(token)


def test_resetting_the_password_revokes_the_token(ada):
    token = create_api_token(user=ada)
    client = Client()
    client.post("/accounts/password_reset/", {"email": "ada@example.org"})
    link = re.search(r"/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert not api_works(token)


def test_a_login_that_rehashes_the_same_password_keeps_the_token(ada, settings):
    token = create_api_token(user=ada)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]  # fmt: skip
    assert (
        Client().post("/accounts/login/", {"username": "ada", "password": OLD}).status_code == 302
    )
    ada.refresh_from_db()
    assert ada.password.startswith("pbkdf2_")
    assert api_works(token)


def test_the_revoke_button_revokes_the_token(ada):
    token = create_api_token(user=ada)
    client = Client()
    client.force_login(ada)
    page = client.get("/account/api-token/")
    assert 'name="action" value="revoke"' in page.text
    assert "onfocus" not in page.text
    response = client.post("/account/api-token/", {"action": "revoke"})
    assert response.status_code == 200 and "revoked" in response.text
    assert not ApiToken.objects.filter(user=ada).exists()
    assert not api_works(token)
