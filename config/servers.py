"""Throwaway real servers on loopback, for the tests and the benchmarks: Redis and PostgreSQL.

Each is the real program on a free port in a temporary directory. Plain Python (no pytest):
`tests/services.py` and `bench/` both use it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from config.stack import die_with_parent, redis_server_binary, wait_for_port


class MissingTool(RuntimeError):
    """A program a server needs is not installed on this machine."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class RedisServer:
    port: int
    data_dir: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                redis_server_binary(),
                "--bind", "127.0.0.1", "--port", str(self.port),
                "--dir", str(self.data_dir), "--save", "", "--appendonly", "no",
                "--loglevel", "warning",
            ],
            preexec_fn=die_with_parent,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port("127.0.0.1", self.port, 10, self.proc)
        return self

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc)
            self.proc = None


def postgres_bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster owned by the `postgres` user when we are root."""

    root: Path
    port: int
    proc: subprocess.Popen | None = None

    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgres://unrolled:unrolled@127.0.0.1:{self.port}/unrolled"

    def start(self) -> PostgresServer:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise MissingTool("PostgreSQL (initdb) is not installed")
        data = self.root / "data"
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        owner = self._as_owner()
        pwfile = self.root / "pw"
        pwfile.write_text("unrolled\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        subprocess.run(
            [*owner, str(bin_dir / "initdb"), "-D", str(data), "-U", "unrolled",
             "--pwfile", str(pwfile), "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.proc = subprocess.Popen(
            [*owner, str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port),
             "-h", "127.0.0.1", "-k", str(self.root), "-c", "fsync=off",
             "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=200"],
            preexec_fn=die_with_parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port("127.0.0.1", self.port, 30, self.proc)
        env = {**os.environ, "PGPASSWORD": "unrolled"}
        for _ in range(50):
            done = subprocess.run(
                [str(bin_dir / "createdb") if (bin_dir / "createdb").exists() else "createdb",
                 "-h", "127.0.0.1", "-p", str(self.port), "-U", "unrolled", "unrolled"],
                env=env, capture_output=True,
            )  # fmt: skip
            if done.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"createdb failed: {done.stderr.decode()}")
        return self

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc)
            self.proc = None
