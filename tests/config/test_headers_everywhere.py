"""Every kind of answer carries the security headers: pages, JSON, errors that Django raises
before any view (a bad Host header), static files and figures; error pages show no traceback
and no inline script."""

import re

import pytest
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from courses.figures import Figure
from tests.config.test_headers import directives

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def boom(request):
    raise RuntimeError("a secret detail of the failure")


urlpatterns = [path("boom/", boom), *site_urlpatterns]


def assert_hardened(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = directives(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("script-src", [])


def assert_plain_error_page(response) -> None:
    html = response.content.decode()
    assert "Traceback" not in html and "secret detail" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"


def test_a_request_for_an_unknown_host_is_refused_with_the_headers():
    response = Client().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert_hardened(response)
    assert_plain_error_page(response)


@pytest.mark.parametrize("name", ["css/site.css", "js/exercise.js", "favicon.svg"])
def test_static_files_carry_the_headers(settings, name):
    settings.WHITENOISE_USE_FINDERS = True  # read when the client builds its middleware
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get(f"/static/{name}")
    assert response.status_code == 200
    assert_hardened(response)


def test_a_figure_cannot_be_framed_nor_run_anything(small):
    Figure.objects.create(
        course=small.course, name="f.svg", svg='<svg xmlns="http://www.w3.org/2000/svg"/>'
    )
    response = Client().get(f"{small.lessons[0].get_absolute_url()}figures/f.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert_hardened(response)
    policy = directives(response)
    assert policy["default-src"] == ["'none'"] and "script-src" not in policy
    assert "sandbox" in policy


@pytest.mark.parametrize(
    ("url", "status"),
    [("/no-such-page/", 404), ("/api/no-such-endpoint", 404), ("/api/submissions/1", 401)],
)
def test_not_found_and_api_errors_carry_the_headers(url, status):
    response = Client().get(url)
    assert response.status_code == status
    assert_hardened(response)
    assert_plain_error_page(response)


def test_a_csrf_failure_carries_the_headers():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert response.status_code == 403
    assert_hardened(response)
    assert_plain_error_page(response)


@pytest.mark.urls(__name__)
def test_a_server_error_shows_no_traceback_and_carries_the_headers():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert_hardened(response)
    assert_plain_error_page(response)
