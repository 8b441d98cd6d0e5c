"""Whether an account exists is not told: logging in, the lockout and the password reset read
the same for an unknown name or address as for a known one."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def login_errors(username: str) -> tuple[int, list[str]]:
    response = Client().post("/accounts/login/", {"username": username, "password": "wrong-pw"})
    return response.status_code, re.findall(r'role="alert">(.*?)</', response.content.decode())


def test_a_wrong_password_and_an_unknown_name_read_the_same():
    make_user("alice")
    make_user("inactive", is_active=False)
    known = login_errors("alice")
    assert known[1], "the form says why"
    assert login_errors("nobody-here") == known
    assert login_errors("inactive") == known


def test_an_unknown_name_is_locked_out_like_a_known_one(settings):
    settings.AXES_FAILURE_LIMIT = 2
    make_user("alice")
    answers = {}
    for name in ("alice", "nobody-here"):
        for n in range(3):
            Client(REMOTE_ADDR=f"10.9.{n}.{len(answers)}").post(
                "/accounts/login/", {"username": name, "password": "wrong-pw"}
            )
        answers[name] = Client(REMOTE_ADDR="10.9.9.9").post(
            "/accounts/login/", {"username": name, "password": "wrong-pw"}
        )
    assert answers["alice"].status_code == answers["nobody-here"].status_code == 429


def test_a_password_reset_reads_the_same_for_an_unknown_address():
    make_user("alice", email="alice@example.org")
    known = Client().post("/accounts/password_reset/", {"email": "alice@example.org"})
    unknown = Client().post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1
    done = Client().get(known["Location"]).content.decode()
    assert "If an account has that address" in done
