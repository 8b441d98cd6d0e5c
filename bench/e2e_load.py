"""The load that bench/e2e.py drives: API clients, polling pages, the audit, CPU accounting.

Imported by bench/e2e.py (run as a script, which puts the checkout on sys.path first).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from bench.e2e import Site


# -- where the CPU goes -----------------------------------------------------------------------------


def _proc_stat(pid: str) -> tuple[int, float, str] | None:
    """Return (parent pid, CPU seconds of the process and its reaped children, command line)."""
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            stat = stat_file.read()
        with open(f"/proc/{pid}/cmdline", "rb") as cmd_file:
            cmdline = cmd_file.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return int(fields[1]), ticks / os.sysconf("SC_CLK_TCK"), cmdline


def cpu_by_part(site: Site) -> Counter:
    """Return CPU seconds used so far by each part of the stack started by this process.

    A process's own time plus that of its children it has reaped, summed over the live
    processes below this one: a sandbox run's time reaches its zygote when the zygote reaps it.
    """
    tops = {proc.pid: name.split(" ")[0] for name, proc in site.stack.processes}  # type: ignore[attr-defined]
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (found := _proc_stat(entry)) is not None:
            table[int(entry)] = found
    me = os.getpid()
    parts: Counter = Counter()
    for pid, (_, cpu_s, cmdline) in table.items():
        chain, cursor = [], pid
        while cursor in table and cursor != me:
            chain.append(cursor)
            cursor = table[cursor][0]
        if cursor != me:
            continue
        top = next((tops[p] for p in chain if p in tops), None)
        if "grader/sandbox/" in cmdline:
            parts["sandbox"] += cpu_s
        elif top is not None:
            parts[top] += cpu_s
        elif "postgres" in cmdline:
            parts["postgres"] += cpu_s
    times = os.times()
    parts["this client"] += times.user + times.system
    return parts


@contextlib.contextmanager
def cpu_report(site: Site | None, submissions: list[int]):
    """Print, after the block, the CPU milliseconds each part spent per submission."""
    before = cpu_by_part(site) if site is not None else None
    yield
    if before is None or not submissions:
        return
    after = cpu_by_part(site)
    per = {part: (after[part] - before[part]) * 1000 / len(submissions) for part in after}
    total = sum(per.values())
    cores = os.cpu_count() or 1
    shown = ", ".join(f"{part} {ms:.1f}" for part, ms in sorted(per.items(), key=lambda i: -i[1]))
    print(
        f"  CPU per submission: {total:.1f} ms ({shown}); {cores} cores cap the whole machine "
        f"at {cores * 1000 / total:.0f} submissions/s"
    )


# -- measurements --------------------------------------------------------------------------------


_local = threading.local()


def connection(url: str) -> http.client.HTTPConnection:
    """Return this thread's keep-alive connection to the site.

    Plain http.client rather than requests: the client shares the machine's two cores with the
    stack, and requests spent more than twice the CPU per call here.
    """
    if getattr(_local, "connection", None) is None:
        parts = urlsplit(url)
        _local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    return _local.connection


def submit(url: str, slug: str, token: str, code: str) -> tuple[int, int | None]:
    body = json.dumps({"code": code})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for attempt in (1, 2):
        conn = connection(url)
        try:
            conn.request("POST", f"/api/exercises/{slug}/submissions", body, headers)
            response = conn.getresponse()
            data = response.read()
            break
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection before reading the request
            # (nothing was stored: the audit would count a duplicate); send it again.
            conn.close()
            _local.connection = None
            if attempt == 2:
                raise
    if response.status == 202:
        return 202, json.loads(data)["id"]
    return response.status, None


def wait_graded(ids: list[int], timeout_s: float, poll_s: float = 0.02) -> float:
    """Wait until every id is final (read from the database); return when that happened.

    Each poll is one indexed query over the ids' range (nothing else submits meanwhile), so
    that watching a flood costs this process little of the CPU it shares with the stack.
    """
    from exercises.models import Submission

    if not ids:
        return time.monotonic()
    deadline = time.monotonic() + timeout_s
    unfinished = Submission.objects.filter(id__range=(min(ids), max(ids))).exclude(
        status__in=Submission.FINAL
    )
    while unfinished.exists() and time.monotonic() < deadline:
        time.sleep(poll_s)
    return time.monotonic()


def server_latencies_ms(ids: list[int]) -> list[float]:
    from exercises.models import Submission

    rows = Submission.objects.filter(id__in=ids, graded_at__isnull=False)
    return [(r.graded_at - r.created_at).total_seconds() * 1000 for r in rows]


def baseline_in_process(slug: str, code: str, runs: int = 50) -> float:
    """Grade the same code in this process (no web, queue or database): p50 in ms."""
    from exercises.models import Exercise
    from exercises.specs import exercise_spec
    from grader.grading import grade

    spec = exercise_spec(Exercise.objects.prefetch_related("mistakes").get(slug=slug))
    grade(spec, code)  # warm the zygote and the expected-outputs cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        verdict = grade(spec, code)
        times.append((time.perf_counter() - started) * 1000)
    assert verdict.status == "passed", verdict.to_dict()
    return statistics.median(times)


def light_load(url: str, slug: str, code: str, tokens: list[str]) -> list[float]:
    """One submission at a time, each waited for: server-side submit→graded latencies."""
    ids = []
    for token in tokens:
        status, submission_id = submit(url, slug, token, code)
        assert status == 202, status
        wait_graded([submission_id], 30)
        ids.append(submission_id)
    return server_latencies_ms(ids)


class PollingPages:
    """One exercise page per learner, polling its oldest pending submission every 300 ms.

    As `static/js/exercise.js` does in a browser: GET /api/submissions/<id> with the learner's
    credentials, revalidated with the ETag of the last full answer (If-None-Match), moving to
    the next pending submission once one is final, silent while nothing is pending. A few
    threads serve all pages, each page on its own 300 ms clock.
    """

    def __init__(self, url: str, period_s: float = 0.3, threads: int = 8) -> None:
        self.url = url
        self.period_s = period_s
        self.pending: dict[str, list[int]] = {}
        self.etags: dict[str, str] = {}
        self.answers: Counter = Counter()
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i, threads), daemon=True)
                        for i in range(threads)]  # fmt: skip

    def submitted(self, token: str, submission_id: int) -> None:
        with self.lock:
            self.pending.setdefault(token, []).append(submission_id)

    def __enter__(self) -> PollingPages:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt.set()
        for thread in self.threads:
            thread.join()

    def _run(self, index: int, count: int) -> None:
        next_poll: dict[str, float] = {}
        while not self.halt.is_set():
            with self.lock:
                mine = [(t, ids[0]) for t, ids in self.pending.items()
                        if ids and hash(t) % count == index]  # fmt: skip
            now = time.monotonic()
            for token, submission_id in mine:
                due = next_poll.setdefault(token, now + self.period_s)
                if due <= now:
                    next_poll[token] = due + self.period_s
                    self._poll(token, submission_id)
            time.sleep(0.01)

    def _poll(self, token: str, submission_id: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        if tag := self.etags.get(token):
            headers["If-None-Match"] = tag
        conn = connection(self.url)
        try:
            conn.request("GET", f"/api/submissions/{submission_id}", headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            _local.connection = None
            self.answers["failed"] += 1
            return
        self.answers[response.status] += 1
        if response.status == 200:
            self.etags[token] = response.getheader("ETag", "")
            if json.loads(body)["status"] in ("passed", "failed", "error"):
                with self.lock:
                    self.pending[token].remove(submission_id)
                self.etags.pop(token, None)


def flood(
    url: str,
    slug: str,
    code: str,
    plan: list[str],
    threads: int,
    pages: PollingPages | None = None,
) -> tuple[list, Counter]:
    """Send one submission per token in `plan` from `threads` clients; return ids and codes."""

    def send(token: str) -> tuple[int, int | None]:
        status, submission_id = submit(url, slug, token, code)
        if pages is not None and submission_id is not None:
            pages.submitted(token, submission_id)
        return status, submission_id

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(send, plan))
    ids = [submission_id for _, submission_id in results if submission_id is not None]
    return ids, Counter(status for status, _ in results)


def graded_span_s(ids: list[int]) -> float:
    from django.db.models import Max, Min

    from exercises.models import Submission

    span = Submission.objects.filter(id__in=ids).aggregate(
        first=Min("created_at"), last=Max("graded_at")
    )
    return (span["last"] - span["first"]).total_seconds()


def audit(ids: list[int], usernames_prefix: str, submitted: int) -> dict[str, int]:
    """Count graded, lost and duplicated submissions of one phase."""
    from exercises.models import Submission

    rows = Submission.objects.filter(user__username__startswith=f"{usernames_prefix}-")
    final = rows.filter(status__in=Submission.FINAL)
    return {
        "submitted": submitted,
        "accepted": len(ids),
        "rows": rows.count(),
        "graded": final.filter(id__in=ids).count(),
        "passed": final.filter(status=Submission.Status.PASSED).count(),
        "lost": len(set(ids) - set(final.values_list("id", flat=True))),
        "duplicated rows": max(0, rows.count() - len(ids)),
        "re-delivered (graded once, guard)": rows.filter(deliveries__gt=1).count(),
    }
