"""Inside an LMS frame: who may frame our pages, and signing in where the frame cannot.

Every page refuses framing (CSP `frame-ancestors 'none'`, X-Frame-Options DENY). The LTI
pages, and every page of a session that began with a launch, may be framed by the
registered platforms' origins (their issuer and auth URLs), and by nobody else.

Our session cookie is SameSite=Lax: a browser neither sends nor keeps it in a frame of
another site. A launch in such a frame therefore does not sign in there: it shows a link
that opens the item in a new tab, signed in by a one-time pass.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from lti_tool.models import LtiLaunch, LtiRegistration

FRAMED_BY_SESSION_KEY = "lti-registration"  # the platform whose launch began this session
NEW_TAB_PASS_TTL_S = 2 * 60
PRESENTATION_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"


def platform_origins(registration_ids: Iterable[int] | None = None) -> list[str]:
    """Return the origins of the active registrations' issuer and auth URLs (or of these)."""
    registrations = LtiRegistration.objects.filter(is_active=True)
    if registration_ids is not None:
        registrations = registrations.filter(id__in=list(registration_ids))
    origins = set()
    for urls in registrations.values_list("issuer", "auth_url"):
        for url in urls:
            parts = urlsplit(url or "")
            if parts.scheme in ("https", "http") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def allow_framing_by(response: HttpResponse, origins: list[str]) -> HttpResponse:
    """Let only these origins frame the response (no origin: framing stays refused)."""
    if origins:
        # django-csp's per-response override (what its csp_replace decorator sets); the
        # origins come from the database, so the decorator's fixed dict cannot carry them.
        replace = dict(getattr(response, "_csp_replace", None) or {})
        replace["frame-ancestors"] = origins
        response._csp_replace = replace
        response.xframe_options_exempt = True  # X-Frame-Options cannot name an origin
    return response


def frameable_by_platforms(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let the registered platforms, and only them, frame this view's pages."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return allow_framing_by(view(request, *args, **kwargs), platform_origins())

    return wrapped


class LaunchedSessionFramingMiddleware:
    """Pages of a session that began with a launch may be framed by that launch's LMS.

    Placed inside django-csp's middleware (so it runs first on the way out) and inside
    XFrameOptionsMiddleware (which then sees the exemption), and after the session's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.session_key:
            return response
        registration_id = session.get(FRAMED_BY_SESSION_KEY)
        already = (getattr(response, "_csp_replace", None) or {}).get("frame-ancestors")
        if registration_id is not None and not already:
            allow_framing_by(response, platform_origins([registration_id]))
        return response


def in_cross_site_frame(request: HttpRequest, launch: LtiLaunch) -> bool:
    """Whether this launch came in a frame of another site, where our cookie is not kept."""
    destination = request.headers.get("Sec-Fetch-Dest")
    if destination:
        framed = destination in ("iframe", "frame")
    else:  # a browser without Fetch Metadata: take the LMS's word for where it shows us
        presentation = launch.get_claim(PRESENTATION_CLAIM) or {}
        framed = presentation.get("document_target") in ("iframe", "frame")
    return framed and request.headers.get("Sec-Fetch-Site") not in ("same-origin", "same-site")


def _pass_key(token: str) -> str:
    return f"lti-new-tab:{token}"


def issue_new_tab_pass(*, user_id: int, landing: str, registration_id: int) -> str:
    """Return a one-time token that signs this user in on a new tab and lands on `landing`."""
    token = secrets.token_urlsafe(32)
    grant = {"user_id": user_id, "landing": landing, "registration_id": registration_id}
    cache.set(_pass_key(token), grant, NEW_TAB_PASS_TTL_S)
    return token


def redeem_new_tab_pass(token: str) -> dict[str, Any] | None:
    """Return the pass's grant and use it up; None if unknown, expired or already used."""
    grant = cache.get(_pass_key(token))
    # delete() answers whether this request removed it: exactly one redemption wins.
    if grant is None or not cache.delete(_pass_key(token)):
        return None
    return grant
