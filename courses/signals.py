"""Learners' answers outlive content edits: a chosen option cannot be deleted."""

from __future__ import annotations

from typing import Any

from django.db.models import ProtectedError
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from .models import Choice, Course, Run


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


@receiver(post_save, sender=Course, dispatch_uid="courses.default_run")
def give_every_course_a_default_run(
    sender: Any, instance: Course, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    # Self-paced learners work in it; it is open to anyone signed in.
    if raw:
        return
    Run.objects.get_or_create(
        course=instance,
        is_default=True,
        defaults={"slug": "self-paced", "title": "Self-paced", "enrollment": Run.Enrollment.OPEN},
    )
