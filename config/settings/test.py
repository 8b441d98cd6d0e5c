"""Overrides for the test suite only."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: E402,F403
from .base import BASE_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# "live" is off (never a 304): real workers in other processes could not bump a local cache.
# tests/exercises/test_live_status.py turns it on for the test client.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "live": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STATICFILES_DIRS = [BASE_DIR / "static"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: real Celery workers in the integration tests share it. One per
    # test run, so that two runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")
    }
