"""Learners' answers outlive content edits: a chosen option cannot be deleted."""

from __future__ import annotations

from typing import Any

from django.db.models import ProtectedError
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from .models import Choice


@receiver(pre_delete, sender=Choice, dispatch_uid="courses.protect_chosen_options")
def protect_chosen_options(sender: Any, instance: Choice, **kwargs: Any) -> None:
    # The many-to-many from attempts to choices cannot say PROTECT itself.
    attempts = instance.attempts.all()
    if attempts.exists():
        raise ProtectedError(
            f"The option {instance} was chosen by learners, so it cannot be deleted: "
            "edit its wording instead, or unpublish the course.",
            set(attempts[:10]),
        )
