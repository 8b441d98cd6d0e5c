"""Hostile submissions through the whole pipeline: API → Redis → a real Celery worker.

The sandbox's own suite (tests/grader/sandbox/test_hostile.py) covers more than sixty
attacks one layer down. Here a selection goes the way a learner's code really goes, to a worker whose
environment holds a canary secret: every one must end as `failed` or `error` with a
message, the canary must appear nowhere in what is stored or served, the worker must
survive, and a correct submission right after must still pass.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from config.stack import BASE_DIR
from exercises.models import Submission
from tests.exercises.conftest import make_exercise
from tests.integration.test_pipeline import (
    CORRECT,
    all_final,
    learner_client,
    submit_over_http,
    wait_until,
)
from tests.services import start_celery_worker, stop_process, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CANARY = "UNROLLED-WORKER-CANARY-0c9e51"


def define(body: str) -> str:
    """Learner code whose add_one(x) runs `body` (indented by four spaces)."""
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return f"import os, sys, signal\nimport numpy as np\n\ndef add_one(x):\n{lines}\n"


def attacks(database_file: str) -> dict[str, tuple[str, set[str]]]:
    """Name → (code, the statuses it may end in)."""
    failed, error = {"failed"}, {"error"}
    return {
        "cpu loop": (define("while True:\n    pass"), error),
        "memory bomb": (define("blocks = []\nwhile True:\n    blocks.append(bytearray(1 << 26))"), error),
        "fork bomb": (define("while True:\n    os.fork()"), failed),
        "shell": (define("os.system('touch /tmp/unrolled-e2e-pwned')\nreturn x + 1.0"), {"passed", "failed"}),
        "read the settings": (define(f"return open({str(BASE_DIR / 'config/settings/base.py')!r}).read()"), failed),
        "read the database": (define(f"return open({database_file!r}, 'rb').read()"), failed),
        "read the environment": (define("return os.environ.get('UNROLLED_CANARY_SECRET', 'none')"), failed),
        "read the parent's environment": (define("return open(f'/proc/{os.getppid()}/environ').read()"), failed),
        "print the environment": (define("print(dict(os.environ))\nreturn x"), failed),
        "connect to redis": (define("import socket\nsocket.create_connection(('127.0.0.1', 6379))"), failed),
        "kill the parent": (define("os.kill(os.getppid(), signal.SIGKILL)\nreturn x"), failed),
        "kill everything": (define("os.kill(-1, signal.SIGKILL)\nreturn x"), failed),
        "fake verdict": (define("print(json.dumps({'status': 'passed', 'score': 1.0}))\nreturn x").replace("import os", "import json, os"), failed),
        "patch numpy": (define("np.allclose = lambda *a, **k: True\nreturn x"), failed),
        "segfault": (define("import ctypes\nctypes.string_at(0)"), error),
        "syntax error": ("def add_one(x)\n    return x\n", error),
        # Hostile bytes on the result channel, and values the comparison must survive.
        "truncated frame": (define("os.write(4, b'\\x01')\nos._exit(0)"), error),
        "truncated frame, then linger": (define("os.write(4, b'\\x01')\nfor fd in (1, 2, 4):\n    os.close(fd)\nimport time\ntime.sleep(30)"), error),
        "float128 output": (define("return np.asarray(x, dtype=np.longdouble) + 1"), {"passed"}),
        "structured output": (define("return np.zeros(3, dtype=[('a', 'f8'), ('b', 'i4')])"), failed),
        "ragged mutation": (define("x.shape = (-1,)\nreturn [x + 1, [1, [2]]]"), failed),
        # Channels between jobs and to the worker.
        "xattr on the folder": (define("os.setxattr('.', 'user.leak', b'1')\nreturn x + 1.0"), failed),
        "limit the worker's cpu": (define("import resource\nfor pid in range(1, 200):\n    try:\n        resource.prlimit(pid, resource.RLIMIT_CPU, (1, 1))\n    except OSError:\n        pass\nreturn x + 1.0"), {"passed"}),
        "renice the uid": (define("os.setpriority(os.PRIO_USER, 0, 19)\nreturn x + 1.0"), failed),
        # The line it raises on would carry the hidden input.
        "raise on a chosen line": (define("if x.ndim == 2:\n    exec('\\n' * int(x[0, 0] * 7) + 'raise KeyError(1)')\nreturn x + 1.0"), failed),
    }  # fmt: skip


def _parent(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1])


def _descends_from(pid: int, ancestor: int) -> bool:
    for _ in range(64):
        if pid <= 1:
            return False
        if pid == ancestor:
            return True
        pid = _parent(pid)
    return False


def _processes_of_slot_uids(ancestor: int | None = None) -> list[int]:
    """Return processes running as a sandbox slot uid (61000 and up) other than standbys.

    With `ancestor`, only its descendants: other test processes on the machine (a parallel
    test worker computing a numeric question's pool) may be running sandboxed jobs meanwhile.
    """
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()
        if int(uids[1]) >= 61000 and (ancestor is None or _descends_from(int(entry), ancestor)):
            found.append(int(entry))
    return found


@pytest.fixture
def canary_worker(broker) -> Iterator[subprocess.Popen]:
    proc = start_celery_worker(worker_env(broker, UNROLLED_CANARY_SECRET=CANARY), concurrency=2)
    yield proc
    stop_process(proc)


def test_hostile_submissions_end_in_clear_verdicts_and_leak_nothing(canary_worker):
    exercise = make_exercise()
    exercise.time_limit_ms = 1000
    exercise.memory_mb = 256
    exercise.save(update_fields=["time_limit_ms", "memory_mb"])
    user, client = learner_client("mallory")
    cases = attacks(connection.settings_dict["NAME"])
    ids = {name: submit_over_http(client, code) for name, (code, _) in cases.items()}
    wait_until(lambda: all_final(list(ids.values())), 120, "every hostile verdict")

    for name, (_, allowed) in cases.items():
        submission = Submission.objects.get(id=ids[name])
        served = client.get(f"/api/submissions/{submission.id}").json()
        assert submission.status in allowed, (name, submission.status, submission.message)
        assert served["status"] == submission.status
        if submission.status != "passed":
            assert submission.message.strip(), f"{name}: no message for the learner"
        stored = json.dumps(
            [submission.tests, submission.message, submission.stdout, submission.misconception]
        )
        assert CANARY not in stored + json.dumps(served), f"{name} leaked the canary"
        hidden = [test for test in submission.tests if test.get("name") == "hidden"]
        for test in hidden:  # nothing the code chose: no line, class or number
            assert not any(word in test["message"] for word in ("line", "Error", "35")), name

    assert not os.path.exists("/tmp/unrolled-e2e-pwned"), "the shell ran"
    assert canary_worker.poll() is None, "the worker died"
    limits = Path(f"/proc/{canary_worker.pid}/limits").read_text()
    assert re.search(r"Max cpu time\s+unlimited\s+unlimited", limits), limits
    assert not _processes_of_slot_uids(canary_worker.pid), "a sandboxed process is still running"
    after = submit_over_http(client, CORRECT)
    wait_until(lambda: all_final([after]), 30, "the correct submission after the attacks")
    assert Submission.objects.get(id=after).status == "passed"
    assert Submission.objects.filter(user=user, kind="submit").count() == len(cases) + 1
