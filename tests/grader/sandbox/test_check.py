"""The layer report, observed from inside a sandboxed child, and what each mode promises."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from grader.sandbox import Sandbox, check
from grader.sandbox.check import main, report_layers

from .unprivileged import PROJECT, as_unprivileged_user


def test_every_required_layer_is_active_on_this_machine(sandbox):
    layers = report_layers(sandbox)
    missing = [layer for layer in layers if layer.required and not layer.active]
    assert missing == []
    names = {layer.name for layer in layers}
    assert {"seccomp allow-list", "Landlock filesystem", "resource limits", "net namespace",
            "job folder read-only, not the job's", "cgroup v2 per slot"} <= names  # fmt: skip


def test_running_as_root_drops_privileges_and_applies_namespaces(sandbox):
    layers = {layer.name: layer for layer in report_layers(sandbox)}
    assert os.geteuid() == 0, "the suite runs as root; the unprivileged run is a subprocess"
    assert layers["unprivileged sandbox user"].active
    assert "uid 61" in layers["unprivileged sandbox user"].detail
    for name in ("net", "pid", "mount", "ipc", "uts"):
        assert layers[f"{name} namespace"].active, layers[f"{name} namespace"].detail
        assert layers[f"{name} namespace"].required
    assert "owned by uid 0" in layers["job folder read-only, not the job's"].detail


def test_with_namespaces_off_they_are_not_promised_and_the_rest_holds():
    box = Sandbox(namespaces=False)
    try:
        layers = {layer.name: layer for layer in report_layers(box)}
        assert check.current_mode(box) == "root, namespaces off"
    finally:
        box.close()
    assert not layers["net namespace"].active and not layers["net namespace"].required
    assert all(layer.active for layer in layers.values() if layer.required)
    assert layers["seccomp allow-list"].active and layers["unprivileged sandbox user"].active


def test_a_missing_promised_layer_makes_the_check_fail(monkeypatch, capsys):
    real_probe = check.probe

    def probe_without_seccomp(sandbox=None):
        hello, facts = real_probe(sandbox)
        facts["refused"]["prlimit64 on pid 1"] = False  # as if the argument filter were gone
        return hello, {**facts, "hostname": "vm"}  # and the uts namespace

    monkeypatch.setattr(check, "probe", probe_without_seccomp)
    assert main() == 1
    out = capsys.readouterr().out
    assert "[MISSING] seccomp allow-list" in out and "ALLOWED: prlimit64 on pid 1" in out
    assert "[MISSING] uts namespace" in out


def test_main_prints_the_mode_and_each_layer_and_exits_zero(capsys):
    assert main() == 0
    out = capsys.readouterr().out
    assert out.startswith("mode: root\n")
    assert "seccomp allow-list (required)" in out and "MISSING" not in out


def test_sandbox_check_command_fails_when_a_promised_layer_is_missing(monkeypatch):
    # Namespaces turned off, as in a container that refuses them, while the mode promises
    # them (as if the kernel had them): the command must say which and exit non-zero.
    monkeypatch.setenv("UNROLLED_SANDBOX_NAMESPACES", "off")
    monkeypatch.setattr(check, "mode_promises", lambda sandbox=None: {
        "uid": True, "namespaces": True, "user namespace": False})  # fmt: skip
    with pytest.raises(CommandError, match="net namespace"):
        call_command("sandbox_check")


@pytest.mark.parametrize("namespaces", ["on", "off"])
def test_check_passes_as_an_unprivileged_user_in_both_modes(namespaces):
    result = as_unprivileged_user(
        [sys.executable, "-m", "grader.sandbox.check"],
        {"UNROLLED_SANDBOX_NAMESPACES": namespaces},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    expected = "non-root" + ("" if namespaces == "on" else ", namespaces off")
    assert result.stdout.startswith(f"mode: {expected}\n")
    if namespaces == "on" and check.unprivileged_userns_allowed():
        assert "[    ok ] user namespace (required)" in result.stdout
    assert "[    ok ] seccomp allow-list (required)" in result.stdout


def test_unprivileged_helper_really_changes_user():
    result = as_unprivileged_user([sys.executable, "-c", "import os; print(os.geteuid())"], {})
    assert result.stdout.strip() == "65534"
    assert subprocess.run(["true"], cwd=PROJECT).returncode == 0
