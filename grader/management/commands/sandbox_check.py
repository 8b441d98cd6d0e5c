"""`manage.py sandbox_check`: say which isolation layers the sandbox has on this machine."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from grader.sandbox import Sandbox, SandboxUnavailable
from grader.sandbox.check import current_mode, report_layers


class Command(BaseCommand):
    help = "Print which sandbox isolation layers are active; exit 1 if a required one is missing."

    def handle(self, *args: object, **options: object) -> None:
        sandbox = Sandbox()
        self.stdout.write(
            f"Mode: {current_mode(sandbox)} (the layers marked required are promised)"
        )
        try:
            layers = report_layers(sandbox)
        except (SandboxUnavailable, RuntimeError) as exc:
            raise CommandError(f"The sandbox could not start: {exc}") from exc
        finally:
            sandbox.close()
        missing = []
        for layer in layers:
            state = "active" if layer.active else ("MISSING" if layer.required else "unavailable")
            need = "required" if layer.required else "optional"
            self.stdout.write(f"{layer.name:<40} {state:<11} ({need}) {layer.detail}")
            if layer.required and not layer.active:
                missing.append(layer.name)
        if missing:
            raise CommandError(f"Required sandbox layer(s) missing: {', '.join(missing)}.")
        self.stdout.write("All required layers are active.")
