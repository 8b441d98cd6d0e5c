"""Sessions: a new session key on every sign-in (log in, sign up, LMS launch), other sessions
end when the password changes, production cookies are Secure, HttpOnly and SameSite, and a
state change needs a POST with a CSRF token."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from courses.models import LessonRead, QuestionAttempt
from exercises.models import ApiToken, Submission
from tests.factories import PASSWORD, make_user
from tests.lti.conftest import lms  # noqa: F401  (the fake LMS fixture)
from tests.lti.platform import launch_as

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

NEW_PASSWORD = "An0ther-long-passw0rd"


def planted_session(client: Client) -> str:
    """Give the client a session before it signs in, as an attacker would; return its key."""
    session = client.session
    session["planted"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def test_logging_in_gives_a_new_session_key():
    make_user("alice")
    client = Client()
    planted = planted_session(client)
    assert (
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )
    assert client.session.session_key != planted and "_auth_user_id" in client.session


def test_signing_up_gives_a_new_session_key():
    client = Client()
    planted = planted_session(client)
    response = client.post("/accounts/signup/", {
        "username": "newcomer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })  # fmt: skip
    assert response.status_code == 302
    assert client.session.session_key != planted and "_auth_user_id" in client.session


def test_an_lms_launch_gives_a_new_session_and_drops_what_was_in_it(lms, small):  # noqa: F811
    planted = planted_session(lms.client)
    response, _ = launch_as(lms, small)
    assert response.status_code == 302 and "_auth_user_id" in lms.client.session
    assert lms.client.session.session_key != planted
    assert "planted" not in lms.client.session


def test_the_lms_new_tab_pass_gives_a_new_session_key():
    from lti.framing import issue_new_tab_pass

    user = make_user("lms-learner")
    token = issue_new_tab_pass(user_id=user.pk, landing="/", registration_id=1)
    client = Client()
    planted = planted_session(client)
    assert client.get(f"/lti/continue/{token}/").status_code == 302
    assert client.session.session_key != planted and "planted" not in client.session
    assert client.session["_auth_user_id"] == str(user.pk)


def test_changing_the_password_ends_the_other_sessions_only():
    make_user("alice")
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    response = here.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })  # fmt: skip
    assert response.status_code == 302
    assert here.get("/account/api-token/").status_code == 200
    assert elsewhere.get("/account/api-token/").status_code == 302  # to the login page


def production_settings(**overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env |= {"SECRET_KEY": "x" * 60, "DATABASE_URL": "sqlite:///:memory:",
            "DJANGO_SETTINGS_MODULE": "config.settings.base", **overrides}  # fmt: skip
    names = [
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS", "USE_X_FORWARDED_HOST", "DEBUG",
    ]  # fmt: skip
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_production_cookies_are_secure_httponly_and_same_site():
    values = production_settings()
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax" and values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] and values["X_FRAME_OPTIONS"] == "DENY"
    # The reset link's token never leaves the site in a Referer; the Host is never taken from
    # a proxy's X-Forwarded-Host.
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["USE_X_FORWARDED_HOST"] is False


def test_every_state_change_needs_the_csrf_token(learner, small):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    lesson = small.lessons[0]
    right = small.single.choices.get(is_correct=True)
    posts = [
        (small.exercise.get_absolute_url(), {"code": "x = 1", "kind": "submit"}),
        (f"/questions/{small.single.pk}/answer/", {"choice": right.pk}),
        (f"{lesson.get_absolute_url()}read/", {}),
        (f"/courses/{small.course.slug}/join/", {"code": "x"}),
        ("/account/api-token/", {}),
        ("/accounts/password_change/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                        "new_password2": NEW_PASSWORD}),
        ("/accounts/logout/", {}),
    ]  # fmt: skip
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    api = client.post(f"/api/exercises/{small.exercise.slug}/submissions",
                      {"code": "x = 1"}, content_type="application/json")  # fmt: skip
    assert api.status_code == 403
    assert not Submission.objects.exists() and not QuestionAttempt.objects.exists()
    assert not LessonRead.objects.exists() and not ApiToken.objects.exists()
    assert client.get("/account/api-token/").status_code == 200  # still signed in


def test_a_get_changes_nothing(alice, small):
    lesson = small.lessons[0]
    for url in (f"{lesson.get_absolute_url()}read/", f"/questions/{small.single.pk}/answer/",
                f"/courses/{small.course.slug}/join/", "/accounts/logout/"):  # fmt: skip
        assert alice.get(url).status_code == 405, url
    alice.get(lesson.get_absolute_url())
    alice.get(small.exercise.get_absolute_url())
    alice.get("/account/api-token/")
    assert not LessonRead.objects.exists() and not ApiToken.objects.exists()
    assert not Submission.objects.exists()
    assert alice.get("/account/api-token/").status_code == 200
