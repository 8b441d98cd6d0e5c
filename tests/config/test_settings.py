"""Settings: production-like environment passes Django's deployment checks."""

import os
import re
import secrets
import subprocess
import sys

from config.stack import BASE_DIR


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="unrolled.example.org",
        CSRF_TRUSTED_ORIGINS="https://unrolled.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    return env


def test_check_deploy_reports_nothing_with_production_environment(tmp_path):
    done = run_manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNINGS" not in done.stdout + done.stderr


def test_check_deploy_flags_plain_http_cookies(tmp_path):
    env = production_env(tmp_path) | {"SECURE_COOKIES": "false"}
    done = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode != 0
    assert "SESSION_COOKIE_SECURE" in done.stdout + done.stderr


def test_missing_secret_key_is_refused_when_debug_is_off(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    done = run_manage(env, "check")
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr
    # One line that says what to do, not a traceback.
    assert "Traceback" not in done.stderr and "DEBUG=true" in done.stderr


def test_env_example_names_every_variable_the_settings_read():
    settings_source = (BASE_DIR / "config" / "settings" / "base.py").read_text()
    read = set(
        re.findall(
            r"""(?:environ\.get|env_bool|env_list)\(\s*"([A-Z][A-Z0-9_]+)""", settings_source
        )
    )
    assert "SECRET_KEY" in read and "LTI_HTTP_TIMEOUT_S" in read
    example = (BASE_DIR / ".env.example").read_text()
    missing = sorted(name for name in read if not re.search(rf"\b{name}\b", example))
    assert missing == [], f".env.example does not mention {missing}"
