"""Settings for every environment, read from the environment with sensible defaults."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("UNROLLED_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def dev_secret_key() -> str:
    """Return a random key kept in var/ (out of git), made on first use."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# Off unless the environment says otherwise: `make run` sets DEBUG=true for development.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. On a development checkout, put DEBUG=true "
            "in front of the command (as `make run` does), e.g. "
            "DEBUG=true .venv/bin/python manage.py create_api_token learner"
        )
    SECRET_KEY = dev_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_ace",
    "mathjax",
    # Its API docs page then serves Swagger UI from our static files, not a CDN (CSP).
    "ninja",
    "csp",
    "axes",
    "lti_tool",
    "accounts",
    "courses",
    "exercises",
    "grader",
    "lti",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost with SecurityMiddleware, so that every answer gets the CSP and X-Frame-Options:
    # static files (WhiteNoise answers early) and errors raised by a middleware (a Host not in
    # ALLOWED_HOSTS) too.
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Before sessions and auth: an unchanged submission's poll is answered from Redis alone.
    "exercises.live_status.LiveStatusMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # CSP: pages of a session begun by an LMS launch may be framed by that LMS (frame-ancestors
    # from its registration). Inside the CSP and X-Frame-Options middleware, so its exemption
    # reaches them.
    "lti.framing.LaunchedSessionFramingMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes a verdict. IMMEDIATE takes the write
    # lock when a transaction begins, so two writers queue on the busy timeout instead of
    # failing with "database is locked" when one upgrades a read to a write. Connections stay
    # open (CONN_MAX_AGE, as for PostgreSQL): reopening one costs 0.6-0.9 ms here.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account or client is refused before a password is checked.
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Unrolled <noreply@localhost>")

# The database cache is shared between processes and keeps working while Redis is down: Redis
# only carries "please grade id N". (The submission rate limit needs no cache: it counts rows.)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "unrolled_cache",
    }
}

# Redis and Celery. `make run` starts an embedded Redis on this port when REDIS_URL is unset.
EMBEDDED_REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
REDIS_URL = os.environ.get("REDIS_URL") or f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
# Submission versions for pages polling their status (exercises.live_status): a poll of an
# unchanged submission is answered 304 from Redis alone. Without Redis, polls get full answers.
CACHES["live"] = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": REDIS_URL,
    "KEY_PREFIX": "live",
    "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.5},
}

GRADING_TIME_LIMIT_S = 30
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = GRADING_TIME_LIMIT_S
CELERY_TASK_TIME_LIMIT = GRADING_TIME_LIMIT_S + 10
# Far above any task's time limit, so Redis never redelivers a task that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "live"
CELERY_WORKER_SEND_TASK_EVENTS = False
# Celery closes the worker's database connection around every task unless this is set; it
# then closes it only every this many tasks. exercises.tasks applies CONN_MAX_AGE instead.
CELERY_DB_REUSE_MAX = 1000

# Submissions (runs included) per learner in any sliding window, over the API and the exercise
# pages alike: "30/min", "100/5m", "500/hour". The default leaves room for a burst of ten.
SUBMISSION_RATE_LIMIT = os.environ.get("SUBMISSION_RATE_LIMIT", "30/min")

# A submission still queued or running this long after its last change is re-enqueued.
# Not lower: a grading may legitimately stay RUNNING up to the task's hard time limit
# (GRADING_TIME_LIMIT_S + 10) plus a retry's backoff, and QUEUED behind a burst; re-enqueueing
# earlier only adds no-op duplicates. A crash `make run`'s stack sees (a grading worker or Redis
# restarted) is swept at once instead (config/stack.py, Stack.sweep_after); this deadline is
# for what nobody sees die (another host's worker, a lost message).
SUBMISSION_STUCK_AFTER_S = int(os.environ.get("SUBMISSION_STUCK_AFTER_S", "60"))
SWEEP_EVERY_S = int(os.environ.get("SWEEP_EVERY_S", "15"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Content-Security-Policy on every response (pages, admin, API): scripts only from our own
# static files, never inline, never eval. Styles may be inline: MathJax and Ace set them.
# No page may be framed, except the LTI pages and the pages of a session begun by an LTI
# launch, which the registered LMSs (only they) may frame: lti/framing.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins, the account and the
# client that failed are each locked out for AXES_COOLOFF_MINUTES (the admin lists and clears
# lockouts under "Axes"). Sign-ups are counted per client in the shared cache (accounts.throttle).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client is REMOTE_ADDR, or behind a TLS proxy the address that proxy appended.
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
SIGNUPS_PER_CLIENT_PER_HOUR = int(os.environ.get("SIGNUPS_PER_CLIENT_PER_HOUR", "5"))
# What can be guessed or flooded, per hour (accounts.throttle): wrong join codes per learner and
# per client; password reset mails per e-mail address and per client; new API tokens per learner.
JOIN_CODE_FAILURES_PER_HOUR = int(os.environ.get("JOIN_CODE_FAILURES_PER_HOUR", "10"))
JOIN_CODE_FAILURES_PER_CLIENT_PER_HOUR = int(
    os.environ.get("JOIN_CODE_FAILURES_PER_CLIENT_PER_HOUR", "30")
)
PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = int(
    os.environ.get("PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", "3")
)
PASSWORD_RESETS_PER_CLIENT_PER_HOUR = int(
    os.environ.get("PASSWORD_RESETS_PER_CLIENT_PER_HOUR", "10")
)
API_TOKENS_PER_HOUR = int(os.environ.get("API_TOKENS_PER_HOUR", "10"))

# Production hardening: on whenever DEBUG is off, each switchable for a plain-HTTP local deploy.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# LTI 1.3: state and nonces live in the default cache (the database: shared by every web
# process); a launch's iat/exp may be this many seconds off; every call to a platform times out.
LTI_CLOCK_SKEW_S = int(os.environ.get("LTI_CLOCK_SKEW_S", "60"))
LTI_HTTP_TIMEOUT_S = float(os.environ.get("LTI_HTTP_TIMEOUT_S", "10"))
# The grade passback retries with backoff (2, 4, ... s, at most 10 min apart) this many times.
LTI_PASSBACK_MAX_RETRIES = int(os.environ.get("LTI_PASSBACK_MAX_RETRIES", "12"))

# Celery beat runs the sweeper: submissions stuck in QUEUED/RUNNING are re-enqueued.
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-submissions": {
        "task": "exercises.tasks.sweep_stuck_submissions",
        "schedule": SWEEP_EVERY_S,
        "options": {"queue": "live", "expires": SWEEP_EVERY_S},
    },
    # Scores the LMS could not take yet (down past the task's retries) are sent again.
    "resend-pending-lti-scores": {
        "task": "lti.tasks.resend_pending_scores",
        "schedule": 300,
        "options": {"queue": "bulk", "expires": 300},
    },
    # Numeric questions whose pool of variants is missing or stale (a lost message, an import
    # made while no broker ran) get it computed by the bulk worker.
    "prepare-variant-pools": {
        "task": "exercises.tasks.prepare_variant_pools",
        "schedule": SWEEP_EVERY_S * 4,
        "options": {"queue": "bulk", "expires": SWEEP_EVERY_S * 4},
    },
}
# How many variants each numeric question's pool holds (each learner gets one of them).
NUMERIC_VARIANT_POOL_SIZE = int(os.environ.get("NUMERIC_VARIANT_POOL_SIZE", "100"))
