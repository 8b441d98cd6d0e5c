"""No redirect leaves the site: `next` on log in, log out and sign up, and the landing of an LMS
launch's new-tab pass, go only to our own paths."""

import pytest
from django.test import Client

from lti.framing import issue_new_tab_pass
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

OFFSITE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "http://testserver@evil.example/",
]


def assert_stays_on_site(response) -> None:
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("target", OFFSITE)
def test_log_in_log_out_and_sign_up_never_redirect_off_site(target):
    make_user("alice")
    client = Client()
    login = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD,
                                             "next": target})  # fmt: skip
    assert_stays_on_site(login)
    assert_stays_on_site(client.post("/accounts/logout/", {"next": target}))
    signup = Client().post(f"/accounts/signup/?next={target}", {
        "username": "newcomer", "password1": "xX9-long-pass-word", "password2": "xX9-long-pass-word",
    })  # fmt: skip
    assert_stays_on_site(signup)


def test_sign_up_follows_a_path_of_ours():
    signup = Client().post("/accounts/signup/", {
        "username": "newcomer", "password1": "xX9-long-pass-word", "password2": "xX9-long-pass-word",
        "next": "/courses/x/",
    })  # fmt: skip
    assert signup.status_code == 302 and signup["Location"] == "/courses/x/"


@pytest.mark.parametrize("landing", OFFSITE)
def test_the_lti_new_tab_pass_lands_only_on_our_own_pages(landing):
    user = make_user("lms-learner")
    token = issue_new_tab_pass(user_id=user.pk, landing=landing, registration_id=1)
    response = Client().get(f"/lti/continue/{token}/")
    assert_stays_on_site(response)


def test_the_lti_new_tab_pass_lands_on_its_item():
    user = make_user("lms-learner")
    token = issue_new_tab_pass(user_id=user.pk, landing="/courses/x/", registration_id=1)
    response = Client().get(f"/lti/continue/{token}/")
    assert response.status_code == 302 and response["Location"] == "/courses/x/"


def test_a_password_reset_link_names_only_an_allowed_host():
    from django.core import mail

    make_user("alice", email="alice@example.org")
    refused = Client().post("/accounts/password_reset/", {"email": "alice@example.org"},
                            HTTP_HOST="evil.example")  # fmt: skip
    assert refused.status_code == 400 and not mail.outbox
    sent = Client().post("/accounts/password_reset/", {"email": "alice@example.org"},
                         HTTP_X_FORWARDED_HOST="evil.example")  # fmt: skip
    assert sent.status_code == 302 and len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "evil.example" not in body and "http://testserver/accounts/reset/" in body
