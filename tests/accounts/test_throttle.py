"""Logins are throttled per account and per client (django-axes), sign-ups per client; the
person is told why and when to come back, and the admin lists the lockouts."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client

# Each test starts and ends with an empty cache (sign-up counts live there).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

PASSWORD = "Right-password-2024"


def attempt(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_wrong_passwords_lock_the_account_even_for_the_right_one(settings):
    User.objects.create_user("ada", password=PASSWORD)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "ada", "wrong").status_code == 200
    locked = attempt(client, "ada", "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text and "try again in 15 minutes" in locked.text
    assert int(locked["Retry-After"]) == 15 * 60
    right = attempt(client, "ada", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_account_is_locked_from_another_client_too(settings):
    User.objects.create_user("ada", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), "ada", "wrong")
    assert attempt(Client(REMOTE_ADDR="10.0.9.9"), "ada", PASSWORD).status_code == 429


def test_one_client_guessing_many_accounts_is_locked_out(settings):
    User.objects.create_user("victim", password=PASSWORD)
    client = Client(REMOTE_ADDR="10.1.1.1")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"someone-{n}", "guess")
    assert attempt(client, "victim", PASSWORD).status_code == 429
    assert attempt(Client(REMOTE_ADDR="10.1.1.2"), "victim", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_and_lockouts_are_listed_in_the_admin(settings):
    admin = User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "root", "password": "nope"})
    assert client.post("/admin/login/", {"username": "root", "password": PASSWORD}).status_code == (
        429
    )
    assert AccessAttempt.objects.filter(username="root").exists()
    staff = Client()
    staff.force_login(admin)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "root" in listing.text


def test_a_success_before_the_limit_clears_the_count(settings):
    User.objects.create_user("ada", password=PASSWORD)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "ada", "wrong")
    assert attempt(client, "ada", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "ada", "wrong").status_code == 200


def sign_up(client: Client, n: int):
    return client.post(
        "/accounts/signup/",
        {
            "username": f"new-{n}",
            "password1": "Long-enough-pw-2024",
            "password2": "Long-enough-pw-2024",
        },
    )


def test_one_client_creates_only_a_few_accounts_an_hour(settings):
    client_ip = "10.2.2.2"
    for n in range(settings.SIGNUPS_PER_CLIENT_PER_HOUR):
        assert sign_up(Client(REMOTE_ADDR=client_ip), n).status_code == 302
    refused = sign_up(Client(REMOTE_ADDR=client_ip), 99)
    assert refused.status_code == 429
    assert "accounts can be created from one network" in refused.text
    assert not User.objects.filter(username="new-99").exists()
    assert sign_up(Client(REMOTE_ADDR="10.2.2.3"), 100).status_code == 302


def test_behind_a_tls_proxy_the_client_is_the_address_the_proxy_appended(rf, settings):
    from accounts.throttle import client_ip

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.3.3.3", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "10.3.3.3"
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_ip(request) == "127.0.0.1"
