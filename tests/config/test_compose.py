"""docker-compose.yml, proven without Docker.

Docker cannot run here, so this test reads the compose file and runs the `web`, `worker`
and `beat` services' own commands on this machine, with the compose environment pointed
at a real local PostgreSQL and Redis, then checks that the site answers and that a task
goes through the broker to the worker and back.
"""

import os
import re
import secrets
import subprocess
import time
import urllib.request
import uuid

import pytest
import redis
import yaml
from celery import Celery

from config.stack import BASE_DIR, die_with_parent
from tests.services import free_port, stop_process

pytestmark = [pytest.mark.postgres, pytest.mark.integration, pytest.mark.slow]

COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def interpolate(value: str, env: dict[str, str]) -> str:
    """Apply compose's ${VAR}, ${VAR:-default}, ${VAR:?error} and $$ rules."""

    def replace(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        current = env.get(name, "")
        if op == ":-":
            return current or arg
        if op == ":?":
            if not current:
                raise AssertionError(f"compose requires {name}: {arg}")
            return current
        return current

    value = re.sub(r"(?<!\$)\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", replace, value)
    return value.replace("$$", "$")


def service_env(service: str, host_env: dict[str, str]) -> dict[str, str]:
    env = COMPOSE["services"][service]["environment"]
    return {key: interpolate(str(value), host_env) for key, value in env.items()}


def service_command(service: str, host_env: dict[str, str]) -> list[str]:
    return [interpolate(part, host_env) for part in COMPOSE["services"][service]["command"]]


def wait_http(url: str, timeout_s: float, proc: subprocess.Popen) -> bytes:
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"web command exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError as exc:
            last = exc
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer: {last}")


def test_compose_services_have_healthchecks_and_volumes():
    services = COMPOSE["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= services.keys()
    for name in ("db", "redis"):
        assert "healthcheck" in services[name]
        assert services[name]["volumes"]
    assert services["worker"]["cap_drop"] == ["ALL"]
    assert "SYS_ADMIN" not in services["worker"]["cap_add"]
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "SECRET_KEY=collectstatic-only" in dockerfile
    assert not re.search(r"^ENV .*SECRET_KEY", dockerfile, re.M)


def test_compose_web_and_worker_commands_serve_the_site_and_run_tasks(
    postgres_server, redis_server, tmp_path, fresh_clone
):
    """The services' commands, run from a clone with only requirements.txt installed (the image)."""
    host_env = {"SECRET_KEY": secrets.token_urlsafe(50), "POSTGRES_PASSWORD": "unrolled"}
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(service_env("web", host_env))
    env["DATABASE_URL"] = env["DATABASE_URL"].replace(
        "@db:5432/", f"@127.0.0.1:{postgres_server.port}/"
    )
    env["REDIS_URL"] = env["REDIS_URL"].replace("redis:6379", f"127.0.0.1:{redis_server.port}")
    assert env["DATABASE_URL"] == postgres_server.url
    port = free_port()
    env.update(
        PORT=str(port),
        PATH=f"{fresh_clone / '.venv' / 'bin'}:{env['PATH']}",
        STATIC_ROOT=str(tmp_path / "static"),
        UNROLLED_VAR_DIR=str(tmp_path / "var"),
    )
    (tmp_path / "var").mkdir()
    # What the image build does before any service starts.
    subprocess.run(
        ["python", "manage.py", "collectstatic", "--noinput"],
        cwd=fresh_clone, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip

    started = []

    def start(service: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            service_command(service, host_env), cwd=fresh_clone, env=env,
            preexec_fn=die_with_parent,
        )  # fmt: skip
        started.append(proc)
        return proc

    try:
        web = start("web")
        home = wait_http(f"http://127.0.0.1:{port}/", 240, web).decode()
        assert "Recurrent Neural Networks from Scratch" in home
        login = wait_http(f"http://127.0.0.1:{port}/accounts/login/", 10, web)
        assert b"csrfmiddlewaretoken" in login

        start("worker")
        beat = start("beat")
        key = f"compose-ping-{uuid.uuid4().hex}"
        broker = Celery(broker=env["REDIS_URL"])
        broker.send_task("unrolled.ping", args=[key], queue="live")
        store = redis.Redis.from_url(env["REDIS_URL"])
        deadline = time.monotonic() + 60
        while store.get(key) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert store.get(key) == b"pong", "the worker never ran the task"
        assert beat.poll() is None, "beat exited"
    finally:
        for proc in reversed(started):
            stop_process(proc)
