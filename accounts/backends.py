"""django-axes' lockout check, for the logins that come with a request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuse a locked-out account or client before any password is checked.

    Every login form passes the request; a call without one (the test client's `login()`, a
    script) has no client to count, so it is left to the next backend, unthrottled.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
