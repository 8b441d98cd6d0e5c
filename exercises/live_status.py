"""Cheap answers to a page polling a submission: a 304 from two Redis reads, no database.

Every change of a submission's row is followed (after its commit) by a new random version
in the "live" cache. `GET /api/submissions/<id>` answers as before, plus an ETag made from the
version read *before* the row, the reader's user id and the id; it also remembers, for a short
while, which user the request's credentials (Authorization header and session cookie) belong
to. A later request with the same credentials and that ETag in If-None-Match gets a 304 when
the version has not moved, without touching the session, the user or the submission tables.

Why it is safe: a tag never claims newer content than it came with (the version is read
before the row and bumped after the row's commit), a missing version or a cache error means
a full answer, and the tag is an HMAC over the user id, so another learner's credentials
never match it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

logger = logging.getLogger(__name__)

STATUS_PATH = re.compile(r"/api/submissions/([1-9][0-9]{0,18})")
# A version unread for this long is dropped; the next full answer sets a new one.
VERSION_TTL_S = 120
# Credentials are trusted for a 304 this long after a full, authenticated answer: a revoked
# token or ended session stops getting 304s (which carry nothing new anyway) within it.
CREDENTIALS_TTL_S = 30


def _cache():
    return caches["live"]


def _version_key(submission_id: int | str) -> str:
    return f"submission-version:{submission_id}"


def _credentials_key(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if not header and not cookie:
        return None
    digest = hashlib.sha256(f"{header}\0{cookie}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"poll-credentials:{digest}"


def _etag(user_id: int, submission_id: str, version: str) -> str:
    message = f"{user_id}:{submission_id}:{version}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return f'"{digest[:32]}"'


def submissions_changed(ids: Iterable[int]) -> None:
    """Give the submissions a new version once the current transaction commits."""
    ids = list(ids)
    if ids:
        transaction.on_commit(lambda: _bump(ids))


def _bump(ids: list[int]) -> None:
    try:
        _cache().set_many(
            {_version_key(i): secrets.token_hex(8) for i in ids}, timeout=VERSION_TTL_S
        )
    except Exception:  # a missed bump ages out with the version; polls then get full answers
        logger.warning("could not bump the live version of submissions %s", ids, exc_info=True)
        with contextlib.suppress(Exception):
            _cache().delete_many([_version_key(i) for i in ids])


def _current_version(submission_id: str) -> str | None:
    """Return the submission's version, creating one if it has none (None if Redis is down)."""
    key = _version_key(submission_id)
    try:
        cache = _cache()
        version = cache.get(key)
        if version is None:
            cache.add(key, secrets.token_hex(8), timeout=VERSION_TTL_S)
            version = cache.get(key)
        return version
    except Exception:
        return None


def changes_with_time(request: HttpRequest) -> None:
    """Say that this answer may change without the row changing (no ETag, so never a 304).

    Results withheld until a due date are the case: the row stays put while the clock passes.
    """
    request.live_status_untagged = True  # type: ignore[attr-defined]


class LiveStatusMiddleware:
    """Answer an unchanged submission's poll with 304; tag full answers with an ETag."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = STATUS_PATH.fullmatch(request.path_info)
        if request.method != "GET" or match is None:
            return self.get_response(request)
        submission_id = match.group(1)
        credentials = _credentials_key(request)
        sent_tag = request.META.get("HTTP_IF_NONE_MATCH", "")
        if credentials and sent_tag:
            try:
                found = _cache().get_many([credentials, _version_key(submission_id)])
            except Exception:
                found = {}
            user_id = found.get(credentials)
            version = found.get(_version_key(submission_id))
            if user_id is not None and version is not None:
                tag = _etag(user_id, submission_id, version)
                if hmac.compare_digest(tag, sent_tag):
                    response = HttpResponseNotModified()
                    response["ETag"] = tag
                    response["Cache-Control"] = "private, no-cache"
                    return response
        version = _current_version(submission_id)  # before the view reads the row
        response = self.get_response(request)
        user = getattr(request, "auth", None)
        untagged = getattr(request, "live_status_untagged", False)
        if (
            response.status_code == 200
            and version is not None
            and user is not None
            and not untagged
        ):
            response["ETag"] = _etag(user.pk, submission_id, version)
            response["Cache-Control"] = "private, no-cache"
            if credentials:
                with contextlib.suppress(Exception):
                    _cache().set(credentials, user.pk, timeout=CREDENTIALS_TTL_S)
        return response
