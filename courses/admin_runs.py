"""Admin for runs and their enrollments, and learners' answers (read-only) in one's runs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from courses.admin import CourseScopedAdmin, LearnerWorkAdmin
from courses.models import Enrollment, QuestionAttempt, Run
from courses.runs import enroll, runs_visible_to, staff_runs


@admin.register(QuestionAttempt)
class QuestionAttemptAdmin(LearnerWorkAdmin):
    """Learners' answers, for reading only."""

    list_display = ("question", "user", "run", "score", "is_correct", "created_at")
    list_filter = ("question__lesson__course", "run", "is_correct", "created_at")
    search_fields = ("user__username", "question__slug")
    readonly_fields = ("user", "question", "chosen", "numeric_answer", "score", "is_correct")


class EnrollmentInline(admin.TabularInline):
    """A run's people: shown to whoever teaches that run, changed by its instructors.

    An instructor of the course may edit another run's dates, but not see or change who is
    in it: that run's learners are its own staff's to see.
    """

    model = Enrollment
    fields = ("user", "role", "source", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)
    extra = 1

    def _teaches(self, request: HttpRequest, run: Run | None, *, instructor: bool) -> bool:
        if run is None:  # the add page: a new run has nobody in it yet
            return True
        return staff_runs(request.user, instructor_only=instructor).filter(id=run.pk).exists()

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(run__in=runs_visible_to(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and self._teaches(
            request, obj, instructor=False
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self._teaches(
            request, obj, instructor=True
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._teaches(
            request, obj, instructor=True
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._teaches(
            request, obj, instructor=True
        )


class RunForm(forms.ModelForm):
    class Meta:
        model = Run
        fields = (
            "course", "slug", "title", "starts_at", "ends_at", "time_zone", "enrollment",
            "join_code",
        )  # fmt: skip


@admin.register(Run)
class RunAdmin(CourseScopedAdmin):
    form = RunForm
    list_display = (
        "title",
        "course",
        "starts_at",
        "ends_at",
        "enrollment",
        "learners",
        "gradebook",
    )
    list_filter = ("course",)
    inlines = [EnrollmentInline]
    prepopulated_fields = {"slug": ("title",)}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("course",) if obj is not None and obj.is_default else ()

    @admin.display(description="Learners")
    def learners(self, run: Run) -> int:
        return run.enrollments.filter(role=Enrollment.Role.LEARNER).count()

    @admin.display(description="Gradebook")
    def gradebook(self, run: Run) -> str:
        url = reverse("admin:exercises_run_gradebook", args=[run.pk])
        return format_html('<a href="{}">Gradebook</a>', url)

    def save_model(self, request: HttpRequest, obj: Run, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and not request.user.is_superuser:
            # Whoever opens a run teaches it.
            enroll(user=request.user, run=obj, role=Enrollment.Role.INSTRUCTOR)
