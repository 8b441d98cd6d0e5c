"""A new password revokes the API token: whoever changed it may be locking someone out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=get_user_model(), dispatch_uid="exercises.revoke_token_on_password")
def revoke_token_on_password_change(
    sender: Any, instance: Any, created: bool = False, **kwargs: Any
) -> None:
    # set_password() leaves the new raw password in `_password` until the save is over; a
    # login that only re-hashes the same password clears it first, so it revokes nothing.
    if not created and getattr(instance, "_password", None) is not None:
        from exercises.services import revoke_api_token

        revoke_api_token(user=instance)
