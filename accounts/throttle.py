"""Who the client is, and how many accounts one client may create in an hour."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

SIGNUP_WINDOW_S = 3600


def client_ip(request: HttpRequest) -> str:
    """Return the client's address: REMOTE_ADDR, or the one our TLS proxy appended."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        # The right-most entry is the one the proxy itself added; the rest the client can forge.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1][:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _signup_key(request: HttpRequest) -> str:
    return f"signups:{client_ip(request)}"


def signup_allowed(request: HttpRequest) -> bool:
    """Say whether this client may create another account in the current hour."""
    return (cache.get(_signup_key(request)) or 0) < settings.SIGNUPS_PER_CLIENT_PER_HOUR


def count_signup(request: HttpRequest) -> None:
    """Count one account created by this client."""
    key = _signup_key(request)
    if not cache.add(key, 1, timeout=SIGNUP_WINDOW_S):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=SIGNUP_WINDOW_S)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """Tell a locked-out person, in words, why they cannot log in and when they can."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    response = render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
