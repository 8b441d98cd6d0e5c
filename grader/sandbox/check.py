"""Which isolation layers are active, observed from inside a sandboxed child.

`python -m grader.sandbox.check` prints them and exits 1 if a required layer is missing.
A layer is required when the current mode promises it (see `mode_promises`): as root, the
per-slot uid and (unless UNROLLED_SANDBOX_NAMESPACES=off) the namespaces; without root, a
user namespace where the kernel allows unprivileged ones; in every mode the seccomp
allow-list with its argument filters, Landlock, the limits and a read-only job folder.
"""

from __future__ import annotations

import os
import stat
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from .results import Limits
from .slots import SLOT_UID_BASE
from .zygote import Sandbox, namespaces_wanted, scrubbed_env

PROBE = """
import ctypes, os, resource, socket

def probe(paths):
    libc = ctypes.CDLL(None, use_errno=True)
    facts = {
        "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "pid": os.getpid(), "ppid": os.getppid(),
        "own_session": os.getsid(0) == os.getpid(), "own_group": os.getpgid(0) == os.getpid(),
        "no_new_privs": libc.prctl(39, 0, 0, 0, 0), "seccomp_mode": libc.prctl(21, 0, 0, 0, 0),
        "env": sorted(os.environ), "cwd_empty": os.listdir(".") == [],
        "hostname": os.uname().nodename,
        "rlimits": {name: list(resource.getrlimit(getattr(resource, name))) for name in
                    ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE",
                     "RLIMIT_NOFILE", "RLIMIT_CORE")},
    }
    reads = {}
    for path in paths:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                open(path, "rb").close()
            reads[path] = "readable"
        except OSError as exc:
            reads[path] = type(exc).__name__
    facts["reads"] = reads
    for name, attempt in (("socket", socket.socket), ("fork", os.fork)):
        try:
            if attempt() == 0:
                os._exit(0)
            facts[name] = "allowed"
        except OSError as exc:
            facts[name] = type(exc).__name__
    try:
        import decimal, fractions, statistics  # not imported by the zygote
        facts["stdlib_import"] = "ok"
    except Exception as exc:
        facts["stdlib_import"] = f"{type(exc).__name__}: {exc}"
    import fcntl
    libc.syscall.restype = ctypes.c_long
    def refused(call):
        try:
            call()
            return False
        except OSError:
            return True
    def raw(number, *args):
        if libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args]) < 0:
            raise OSError(ctypes.get_errno(), "refused")
    facts["refused"] = {
        "setxattr on its folder": refused(lambda: os.setxattr(".", "user.unrolled", b"x")),
        "setxattrat (463)": refused(lambda: raw(463, -100, 0, 0, 0, 0, 0)),
        "an unknown syscall (999)": refused(lambda: raw(999)),
        "prlimit64 on pid 1": refused(lambda: resource.prlimit(1, resource.RLIMIT_CPU)),
        "getpriority(PRIO_USER)": refused(lambda: os.getpriority(os.PRIO_USER, 0)),
        "sched_getaffinity(pid 1)": refused(lambda: os.sched_getaffinity(1)),
        "fcntl(F_SETOWN)": refused(lambda: fcntl.fcntl(1, fcntl.F_SETOWN, os.getpid())),
        "inotify_init1": refused(lambda: raw(294, 0)),
        "writing into its folder": refused(lambda: open("unrolled-probe", "w").close()),
    }
    facts["folder_owner"] = os.stat(".").st_uid
    return facts
"""


@dataclass(frozen=True)
class Layer:
    """One isolation layer: whether it is active, whether it is required, and how we know."""

    name: str
    active: bool
    required: bool
    detail: str


def _world_readable_chain(path: Path) -> str | None:
    """Return the first component of `path` another user could not read, or None."""
    path = path.resolve()
    for part in [*reversed(path.parents), path]:
        mode = part.stat().st_mode
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return str(part)
        if part == path and not mode & (stat.S_IROTH if not stat.S_ISDIR(mode) else stat.S_IXOTH):
            return str(part)
    return None


def probe(sandbox: Sandbox | None = None) -> tuple[dict, dict]:
    """Return (what the zygote applied, what a child observes from inside)."""
    sandbox = sandbox or Sandbox.shared()
    hello = sandbox.start()
    project_file = str(Path(__file__).resolve())
    paths = [project_file, str(Path(project_file).parents[2]), "/etc/passwd"]
    limits = Limits(time_limit_s=5.0, memory_mb=256)
    result = sandbox.run(PROBE, "probe", [[paths]], limits=limits)
    if result.status != "ok" or not result.outcomes[0].ok:
        detail = result.error or result.outcomes[0].exception
        raise RuntimeError(f"the sandbox probe failed: {detail}")
    return hello, result.outcomes[0].value


def unprivileged_userns_allowed() -> bool:
    """Return whether this kernel lets an unprivileged process create a user namespace."""
    for path, refusing in (
        ("/proc/sys/kernel/unprivileged_userns_clone", "0"),
        ("/proc/sys/user/max_user_namespaces", "0"),
        ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1"),
    ):
        try:
            if Path(path).read_text().strip() == refusing:
                return False
        except OSError:
            continue
    return True


def current_mode(sandbox: Sandbox | None = None) -> str:
    """Return "root", "non-root" or either with ", namespaces off"."""
    wanted = sandbox.namespaces if sandbox is not None else namespaces_wanted()
    return ("root" if os.geteuid() == 0 else "non-root") + ("" if wanted else ", namespaces off")


def mode_promises(sandbox: Sandbox | None = None) -> dict[str, bool]:
    """Return which optional layers the current mode promises."""
    root = os.geteuid() == 0
    wanted = sandbox.namespaces if sandbox is not None else namespaces_wanted()
    return {
        "uid": root,
        "namespaces": wanted and (root or unprivileged_userns_allowed()),
        "user namespace": wanted and not root and unprivileged_userns_allowed(),
    }


def report_layers(sandbox: Sandbox | None = None) -> list[Layer]:
    """Return every isolation layer with whether it is active, and whether this mode needs it."""
    sandbox = sandbox or Sandbox.shared()
    hello, facts = probe(sandbox)
    root = os.geteuid() == 0
    promises = mode_promises(sandbox)
    layers: list[Layer] = []

    extra_env = sorted(set(facts["env"]) - set(scrubbed_env()))
    layers.append(Layer("scrubbed environment", not extra_env, True,
                        f"variables: {', '.join(facts['env'])}" if not extra_env
                        else f"unexpected variables: {', '.join(extra_env)}"))  # fmt: skip

    unreadable = _world_readable_chain(Path(sys.executable))
    stdlib = sysconfig.get_paths()["stdlib"]
    unreadable = unreadable or _world_readable_chain(Path(stdlib))
    imports_ok = facts["stdlib_import"] == "ok"
    layers.append(Layer(
        "interpreter readable by the sandbox user", unreadable is None and imports_ok, True,
        f"{os.path.realpath(sys.executable)}, stdlib {stdlib}"
        + (f"; {unreadable} is not world-readable" if unreadable else "")
        + ("" if imports_ok else f"; import after the drop failed: {facts['stdlib_import']}"),
    ))  # fmt: skip

    layers.append(Layer("own session and process group",
                        facts["own_session"] and facts["own_group"], True,
                        "setsid() before the job; the whole group is killed at the end"))  # fmt: skip

    limits = facts["rlimits"]
    limits_ok = (
        limits["RLIMIT_CPU"][0] > 0 and limits["RLIMIT_AS"][0] > 0
        and limits["RLIMIT_NPROC"][0] == 0 and limits["RLIMIT_CORE"][0] == 0
        and 0 < limits["RLIMIT_FSIZE"][0] <= 1 << 20 and 0 < limits["RLIMIT_NOFILE"][0] <= 64
    )  # fmt: skip
    layers.append(Layer("resource limits", limits_ok, True,
                        ", ".join(f"{k[7:]}={v[0]}" for k, v in limits.items())))  # fmt: skip

    layers.append(Layer("fresh empty working directory", facts["cwd_empty"], True,
                        "a new directory per job, removed after it"))  # fmt: skip

    read_only = facts["refused"]["writing into its folder"]
    owner_ok = not root or facts["folder_owner"] != facts["uid"]
    layers.append(Layer("job folder read-only, not the job's", read_only and owner_ok, True,
                        f"owned by uid {facts['folder_owner']} (the job runs as {facts['uid']}); "
                        f"writing {'refused' if read_only else 'ALLOWED'}"))  # fmt: skip

    if root:
        dropped = facts["uid"] >= SLOT_UID_BASE and facts["gid"] >= SLOT_UID_BASE
        dropped = dropped and facts["groups"] == []
        layers.append(Layer("unprivileged sandbox user", dropped, promises["uid"],
                            f"uid {facts['uid']}, gid {facts['gid']} (one per slot), no groups"))  # fmt: skip
    else:
        layers.append(Layer("unprivileged sandbox user", False, False,
                            f"not started as root: learner code runs as uid {facts['uid']}, "
                            "the worker's own (the pid namespace and seccomp's argument "
                            "filters keep it from the worker)"))  # fmt: skip

    layers.append(Layer("no_new_privs", facts["no_new_privs"] == 1, True, "PR_SET_NO_NEW_PRIVS"))

    seccomp_on = facts["seccomp_mode"] == 2
    probes = {name: refused for name, refused in facts["refused"].items()
              if name != "writing into its folder"}  # fmt: skip
    allowed = [name for name, refused in probes.items() if not refused]
    layers.append(Layer(
        "seccomp allow-list",
        seccomp_on and facts["socket"] != "allowed" and facts["fork"] != "allowed" and not allowed,
        True,
        f"mode {facts['seccomp_mode']}; default deny; socket(): {facts['socket']}, "
        f"fork(): {facts['fork']}; refused: {', '.join(n for n in probes if probes[n])}"
        + (f"; ALLOWED: {', '.join(allowed)}" if allowed else ""),
    ))  # fmt: skip

    landlock = hello.get("landlock")
    # /etc/passwd is in the child's view and world-readable: only Landlock can deny it. The
    # project's files must be unreadable too, denied or (under a covered directory) absent.
    reads = facts["reads"]
    denied = reads.get("/etc/passwd") == "PermissionError" and all(
        state in ("PermissionError", "FileNotFoundError") for state in reads.values()
    )
    if isinstance(landlock, dict):
        layers.append(Layer(
            "Landlock filesystem", denied, True,
            f"ABI {landlock['abi']}; read-only: {', '.join(landlock['read'])}; "
            f"read-write: {', '.join(landlock['write']) or 'nothing'}; probes: {facts['reads']}",
        ))  # fmt: skip
        layers.append(Layer("Landlock network", landlock["abi"] >= 4, False,
                            "no TCP bind or connect" if landlock["abi"] >= 4
                            else f"ABI {landlock['abi']} < 4"))  # fmt: skip
    else:
        layers.append(Layer("Landlock filesystem", False, True,
                            f"{landlock}; world-readable files are visible to learner code"))  # fmt: skip
        layers.append(Layer("Landlock network", False, False, str(landlock)))

    applied = hello.get("namespaces")
    if not root:
        active = isinstance(applied, list) and "user" in applied
        detail = "only the worker's uid mapped; capabilities dropped in every child"
        if not active:
            allowed = unprivileged_userns_allowed()
            detail = f"{applied}" + ("" if allowed else "; this kernel refuses unprivileged ones")
        layers.append(Layer("user namespace", active, promises["user namespace"], detail))
    for name in ("net", "pid", "mount", "ipc", "uts"):
        active = isinstance(applied, list) and name in applied
        detail = "once per zygote" if active else str(applied)
        if active and name == "pid":
            active = facts["ppid"] == 1 and facts["pid"] != 1
            detail = f"job runs as pid {facts['pid']} under the zygote (pid 1)"
        if active and name == "mount":
            detail = "; ".join(hello.get("mounts", []))
            active = "mount failed" not in detail
        if active and name == "uts":
            detail = f"hostname {facts['hostname']!r}"
            active = facts["hostname"] == "sandbox"
        layers.append(Layer(f"{name} namespace", active, promises["namespaces"], detail))
    layers.append(Layer("cgroup v2 per slot", bool(hello.get("cgroup_active")), False,
                        str(hello.get("cgroup", "not attempted"))))  # fmt: skip
    return layers


def main() -> int:
    """Print the layers; return 1 if a required one is missing."""
    print(f"mode: {current_mode()}")
    layers = report_layers()
    missing = False
    for layer in layers:
        mark = "ok " if layer.active else ("MISSING" if layer.required else "off")
        missing = missing or (layer.required and not layer.active)
        print(f"[{mark:>7}] {layer.name}{' (required)' if layer.required else ''}: {layer.detail}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
