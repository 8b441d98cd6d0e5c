"""Who the client is, how many accounts one client may create in an hour, and how often an
account, a client or an e-mail address may try something that can be guessed or flooded."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

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


def _signup_usage(request: HttpRequest, *, count: bool) -> dict | None:
    # django-ratelimit's counter in the default (shared) cache, keyed by the client address.
    return get_usage(
        request,
        group="accounts.signup",
        key=lambda _group, req: client_ip(req),
        rate=f"{settings.SIGNUPS_PER_CLIENT_PER_HOUR}/h",
        increment=count,
    )


def signup_allowed(request: HttpRequest) -> bool:
    """Say whether this client may create another account in the current hour."""
    usage = _signup_usage(request, count=False)
    return usage is None or usage["count"] < usage["limit"]


def count_signup(request: HttpRequest) -> None:
    """Count one account created by this client."""
    _signup_usage(request, count=True)


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


def _hourly_usage(request: HttpRequest, group: str, key: str, per_hour: int, count: bool):
    # django-ratelimit's fixed-window counter in the default (shared) cache.
    return get_usage(
        request,
        group=group,
        key=lambda _group, _request: key,
        rate=f"{per_hour}/h",
        increment=count,
    )


def retry_after(request: HttpRequest, group: str, limits: dict[str, int]) -> int | None:
    """Return the seconds to wait if any key of `limits` ({key: tries per hour}) used up its
    tries of `group` in its current hour, else None."""
    waits = []
    for key, per_hour in limits.items():
        usage = _hourly_usage(request, group, key, per_hour, count=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            waits.append(max(1, usage["time_left"]))
    return max(waits) if waits else None


def count_try(request: HttpRequest, group: str, limits: dict[str, int]) -> None:
    """Count one try of `group` for every key of `limits`."""
    for key, per_hour in limits.items():
        _hourly_usage(request, group, key, per_hour, count=True)
