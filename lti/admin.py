"""Admin of the LMS connection: contexts bound to runs, linked items, and the score outbox.

Superusers only (the default model permissions; the Instructors group has none of these).
django-lti's own admin lists registrations and deployments; an unknown deployment arrives
inactive and is activated there.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import F, QuerySet
from django.http import HttpRequest

from lti.models import ContextRun, LinkTarget, ScoreOutbox
from lti.roster import sync_roster
from lti.tasks import PASSBACK_QUEUE, send_score


@admin.register(ContextRun)
class ContextRunAdmin(admin.ModelAdmin):
    list_display = ("context", "run")
    actions = ["sync"]

    @admin.action(description="Sync the roster from the LMS (NRPS)")
    def sync(self, request: HttpRequest, queryset: QuerySet[ContextRun]) -> None:
        count = sum(sync_roster(bound.context) for bound in queryset.select_related("context"))
        self.message_user(request, f"{count} member(s) enrolled or updated.")


@admin.register(LinkTarget)
class LinkTargetAdmin(admin.ModelAdmin):
    list_display = ("resource_link", "exercise", "lesson", "lineitem_url")


class PendingFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "unsent"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("yes", "Waiting to be sent")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "yes":
            return queryset.filter(sent_version__lt=F("version"))
        return queryset


@admin.register(ScoreOutbox)
class ScoreOutboxAdmin(admin.ModelAdmin):
    """Scores for the LMS: what waits, what was sent, the last error; resend in one click."""

    list_display = (
        "user", "target", "version", "sent_version", "sent_score", "sent_at", "attempts",
        "last_error",
    )  # fmt: skip
    list_filter = (PendingFilter,)
    actions = ["resend"]

    @admin.action(description="Send the current grade again")
    def resend(self, request: HttpRequest, queryset: QuerySet[ScoreOutbox]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        queryset.update(version=F("version") + 1)
        for outbox_id in ids:
            send_score.apply_async((outbox_id,), queue=PASSBACK_QUEUE)
        self.message_user(request, f"Queued {len(ids)} score(s) for the LMS.")
