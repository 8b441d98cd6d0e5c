"""An LMS launch in headless Chromium: the LMS's auto-submitting form lands the learner on
the exercise page, signed in; and inside the LMS's frame, our page shows in the frame.
lti1p3platform plays the LMS behind a small HTTP server of its own on 127.0.0.1 (another
site than the tool on localhost): its auth endpoint answers the tool's login with
lti1p3platform's launch form, it serves its key set, and /course frames the tool.

Screenshots go to test-artifacts/lti/ and test-artifacts/lti-frame/.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.test import Client

from courses.models import Enrollment
from tests.factories import make_small_course
from tests.lti.platform import FakeLms, auto_submit_form
from tests.services import chromium_page, free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "lti"


class LmsServer:
    """The LMS's web side on loopback: /auth (the launch form) and /jwks."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lms: FakeLms | None = None
        self.target = ""
        self.frame_src = ""
        self.launches: list[str] = []
        lms_server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parsed = urlparse(self.path)
                assert lms_server.lms is not None
                if parsed.path == "/jwks":
                    body, kind = json.dumps(lms_server.lms.conf.get_jwks()), "application/json"
                elif parsed.path == "/auth":
                    preflight = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                    data = lms_server.lms.launch_data(preflight, target=lms_server.target)
                    lms_server.launches.append(data["launch_url"])
                    body, kind = auto_submit_form(data), "text/html"
                elif parsed.path == "/course":
                    body = f'<iframe title="Unrolled" src="{escape(lms_server.frame_src)}"'
                    body, kind = body + ' width="1000" height="800"></iframe>', "text/html"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lms_server() -> Iterator[LmsServer]:
    server = LmsServer()
    yield server
    server.stop()


def test_a_launch_through_the_lms_form_lands_on_the_exercise_signed_in(
    live_server: Any, lms_server: LmsServer, monkeypatch: Any
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    small = make_small_course()
    lms = FakeLms(Client(), tool=live_server.url, http_base=lms_server.url)
    lms_server.lms, lms_server.target = lms, small.exercise.get_absolute_url()
    with chromium_page(ARTIFACTS) as page:
        page.goto(lms.login_url("lms-learner-1"))
        page.wait_for_url(f"{live_server.url}/exercises/{small.exercise.slug}/")
        page.screenshot(path=str(ARTIFACTS / "launched-exercise.png"), full_page=True)
        assert page.locator("button[value=submit]").is_visible()  # signed in
        assert page.locator("h1").inner_text() == small.exercise.title
        page.goto(f"{live_server.url}{small.course.get_absolute_url()}")
        assert "Your run: RNN 101 (LMS)" in page.locator("[data-run]").inner_text()
        page.screenshot(path=str(ARTIFACTS / "course-in-lms-run.png"), full_page=True)
    assert lms_server.launches == [f"{live_server.url}/lti/launch/"]
    assert Enrollment.objects.get().source == Enrollment.Source.LMS


def test_a_launch_in_the_lms_frame_shows_our_page_in_the_frame(
    live_server: Any, lms_server: LmsServer, monkeypatch: Any
) -> None:
    """The registered LMS may frame us (CSP frame-ancestors, no X-Frame-Options DENY).

    Over plain HTTP the login's state cookie has no SameSite=None, so Chromium does not keep
    it in a frame of another site: the launch ends on our error page, inside the frame,
    saying to open the link in a new tab (docs/lti.md, "Inside an LMS frame").
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    small = make_small_course()
    lms = FakeLms(Client(), tool=live_server.url, http_base=lms_server.url)
    lms_server.lms, lms_server.target = lms, small.exercise.get_absolute_url()
    lms_server.frame_src = lms.login_url("lms-learner-1")
    with chromium_page(ARTIFACTS.parent / "lti-frame") as page:
        page.goto(f"{lms_server.url}/course")
        frame = page.frame_locator("iframe[title=Unrolled]")
        refused = frame.locator("[data-lti-refused]")
        refused.wait_for()
        assert "new tab" in refused.inner_text()
        page.screenshot(path=str(ARTIFACTS.parent / "lti-frame" / "in-frame.png"), full_page=True)
    assert lms_server.launches == [f"{live_server.url}/lti/launch/"]
