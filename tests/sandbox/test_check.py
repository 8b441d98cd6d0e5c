"""The layer report, observed from inside a sandboxed child."""

import os

from grader.sandbox.check import main, report_layers


def test_every_required_layer_is_active_on_this_machine(sandbox):
    layers = report_layers(sandbox)
    missing = [layer for layer in layers if layer.required and not layer.active]
    assert missing == []
    names = {layer.name for layer in layers}
    assert {"seccomp filter", "Landlock filesystem", "resource limits", "net namespace"} <= names


def test_running_as_root_drops_privileges_and_applies_namespaces(sandbox):
    layers = {layer.name: layer for layer in report_layers(sandbox)}
    if os.geteuid() != 0:
        assert not layers["unprivileged sandbox user"].required
        return
    assert layers["unprivileged sandbox user"].active
    assert "uid 61" in layers["unprivileged sandbox user"].detail
    for name in ("net", "pid", "mount", "ipc", "uts"):
        assert layers[f"{name} namespace"].active, layers[f"{name} namespace"].detail


def test_main_prints_each_layer_and_exits_zero(capsys):
    assert main() == 0
    out = capsys.readouterr().out
    assert "seccomp filter (required)" in out and "MISSING" not in out
