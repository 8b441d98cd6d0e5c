"""`manage.py sandbox_check`: say which isolation layers the sandbox has on this machine."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from grader.sandbox import Sandbox, SandboxUnavailable


@dataclass(frozen=True)
class Layer:
    name: str
    active: bool
    required: bool
    detail: str


class Command(BaseCommand):
    help = "Print which sandbox isolation layers are active; exit 1 if a required one is missing."

    def handle(self, *args: object, **options: object) -> None:
        try:
            layers = sandbox_layers()
        except SandboxUnavailable as exc:
            raise CommandError(f"The sandbox could not start: {exc}") from exc
        missing = []
        for layer in layers:
            state = "active" if layer.active else ("MISSING" if layer.required else "unavailable")
            need = "required" if layer.required else "optional"
            self.stdout.write(f"{layer.name:<18} {state:<12} ({need}) {layer.detail}")
            if layer.required and not layer.active:
                missing.append(layer.name)
        if missing:
            raise CommandError(f"Required sandbox layer(s) missing: {', '.join(missing)}.")
        self.stdout.write("All required layers are active.")


# Run inside the sandbox: reads the hard limits and ids the child really has.
PROBE = """
import os, resource

def probe():
    names = ["RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE",
             "RLIMIT_CORE"]
    limits = {name: int(resource.getrlimit(getattr(resource, name))[1]) for name in names}
    return {"limits": limits, "uid": os.getuid(), "gid": os.getgid()}
"""


def sandbox_layers() -> list[Layer]:
    """Start a zygote, probe a child from inside, and describe each layer from what it saw."""
    sandbox = Sandbox()
    try:
        hello: dict[str, Any] = sandbox.start()
        probe = sandbox.run(PROBE, "probe", [[]])
    finally:
        sandbox.close()
    seen = probe.outcomes[0].value if probe.status == "ok" and probe.outcomes[0].ok else {}
    limits = seen.get("limits", {})
    unlimited = [name for name, value in limits.items() if value < 0]
    as_root = os.geteuid() == 0
    uid = seen.get("uid")
    landlock = hello.get("landlock")
    namespaces = hello.get("namespaces")
    return [
        Layer(
            "runs jobs",
            probe.status == "ok",
            True,
            f"a trivial job finished with status {probe.status!r}"
            + (f": {probe.error}" if probe.error else ""),
        ),
        Layer(
            "resource limits",
            bool(limits) and not unlimited and limits.get("RLIMIT_CORE") == 0,
            True,
            ", ".join(f"{name[7:].lower()}={value}" for name, value in limits.items())
            or "could not be read",
        ),
        Layer(
            "privilege drop",
            uid not in (None, 0),
            as_root,
            f"learner code runs as uid {uid}"
            if uid not in (None, 0)
            else ("learner code runs as root!" if uid == 0 else "could not be read"),
        ),
        Layer(
            "seccomp",
            hello.get("seccomp") is True,
            True,
            "denies sockets, ptrace, process_vm_*, mount, namespaces, kill(pid <= 0)",
        ),
        Layer(
            "landlock",
            isinstance(landlock, dict),
            True,
            f"ABI {landlock['abi']}, reads only {len(landlock['read'])} paths"
            if isinstance(landlock, dict)
            else str(landlock),
        ),
        Layer(
            "namespaces",
            isinstance(namespaces, list),
            False,
            ", ".join(namespaces) if isinstance(namespaces, list) else str(namespaces),
        ),
    ]
