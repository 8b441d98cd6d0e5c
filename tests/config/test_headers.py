"""A Content-Security-Policy without inline scripts on every page; no inline script in any
template; DEBUG is off unless the environment turns it on."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Each test starts and ends with an empty cache (sign-up counts live there).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(response) -> dict[str, list[str]]:
    """Return the response's Content-Security-Policy as {directive: sources}."""
    policy = response["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


def script_sources(response) -> list[str]:
    return directives(response)["script-src"]


@pytest.mark.parametrize("where", ["home", "lesson", "exercise", "admin", "admin-login", "api"])
def test_every_page_sends_a_csp_that_allows_only_our_own_script_files(client, alice, small, where):
    url = {
        "home": "/",
        "lesson": small.lessons[0].get_absolute_url(),
        "exercise": small.exercise.get_absolute_url(),
        "admin": "/admin/",
        "admin-login": "/admin/login/",
        "api": "/api/submissions/1",
    }[where]
    response = (alice if where in {"lesson", "exercise"} else client).get(url)
    assert response.status_code in {200, 302, 401}
    assert script_sources(response) == ["'self'"]
    policy = response["Content-Security-Policy"]
    assert "unsafe-eval" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("where", ["index", "changelist", "change"])
def test_signed_in_staff_get_admin_pages_with_no_inline_script_and_no_framing(
    instructor_client, small, where
):
    url = {
        "index": "/admin/",
        "changelist": "/admin/courses/lesson/",
        "change": f"/admin/exercises/exercise/{small.exercise.pk}/change/",
    }[where]
    response = instructor_client.get(url)
    assert response.status_code == 200, "the page itself, not the redirect to the login"
    assert "Content-Security-Policy" in response
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path.name}: on* attribute")
    assert not offenders


def test_debug_is_off_when_the_environment_does_not_set_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env |= {"SECRET_KEY": "x" * 60, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.DEBUG)"],
        cwd=settings.BASE_DIR, env=env | {"DJANGO_SETTINGS_MODULE": "config.settings.base"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.strip() == "False", done.stderr


def test_make_run_turns_debug_on_for_development():
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    assert "run: export DEBUG ?= true" in makefile
