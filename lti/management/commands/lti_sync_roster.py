"""Bring every LMS-bound run's roster from its LMS (Names and Role Provisioning)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lti.models import ContextRun
from lti.roster import sync_roster


class Command(BaseCommand):
    help = "Enroll the members of every LMS course bound to a run (LTI NRPS)."

    def handle(self, *args: Any, **options: Any) -> None:
        for bound in ContextRun.objects.select_related("context", "run"):
            try:
                count = sync_roster(bound.context)
            except Exception as exc:  # one LMS down must not stop the others
                self.stderr.write(f"{bound.run}: not synced ({exc})")
                continue
            self.stdout.write(f"{bound.run}: {count} member(s)")
