"""Admin for exercises (code widgets, reference check, publishing), submissions and stats."""

from __future__ import annotations

import copy
import dataclasses
import secrets
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from django_ace import AceWidget

from courses.admin import (
    CourseScopedAdmin,
    LearnerWorkAdmin,
    MarkdownPreviewTextarea,
    NormalisedTextForm,
)
from courses.runs import runs_visible_to
from exercises.authoring import (
    CheckState,
    check_state,
    pending_check,
    publish_exercise,
    publish_problem,
    request_reference_check,
    spec_for,
    unpublish_exercise,
)
from exercises.models import Exercise, KnownMistake, MistakeVariant, Submission
from exercises.stats import exercise_stats


def code_widget(height: str = "260px") -> AceWidget:
    """Return the Ace editor widget used for every piece of Python in the admin."""
    return AceWidget(mode="python", width="100%", height=height, showprintmargin=False)


class NamesField(forms.CharField):
    """A list of names typed as `hs, ys`."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return ", ".join(str(name) for name in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        names = [name.strip() for name in text.replace(",", " ").split() if name.strip()]
        for name in names:
            if not name.isidentifier():
                raise ValidationError(f"{name!r} is not a name.")
        return names


class ExerciseForm(NormalisedTextForm):
    returns = NamesField(
        required=False,
        help_text="Names of the returned components, in order, e.g. “hs, ys”.",
    )

    class Meta:
        model = Exercise
        fields = (
            "lesson", "order", "slug", "title", "entry_point", "returns", "published",
            "prompt", "starter_code", "reference_code", "cases_code",
            "rtol", "atol", "time_limit_ms", "memory_mb",
        )  # fmt: skip
        widgets = {
            "prompt": MarkdownPreviewTextarea(attrs={"rows": 16}),
            "starter_code": code_widget("200px"),
            "reference_code": code_widget(),
            "cases_code": code_widget("320px"),
        }

    def clean_entry_point(self) -> str:
        name = self.cleaned_data["entry_point"].strip()
        if not name.isidentifier():
            raise ValidationError("The entry point must be a Python function name.")
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("published") and not self.errors:
            # The exercise as it would be saved, with its stored known mistakes; the mistakes
            # formset checks again if it changes them.
            candidate = copy.copy(self.instance)
            for name, value in cleaned.items():
                setattr(candidate, name, value)
            spec = spec_for(candidate) if candidate.pk else None
            problem = publish_problem(candidate, spec)
            if problem is not None:
                self.add_error("published", problem)
        return cleaned


class KnownMistakeForm(NormalisedTextForm):
    class Meta:
        model = KnownMistake
        fields = ("order", "slug", "title", "message", "code")
        widgets = {"message": forms.Textarea(attrs={"rows": 3}), "code": code_widget("220px")}


class KnownMistakeFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        exercise = self.instance
        if not exercise.published or exercise.pk is None or not self.has_changed():
            return
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        kept.sort(key=lambda form: (form.cleaned_data.get("order") or 0, form.instance.pk or 0))
        # The saved id comes along so that the mistake's further variants are checked too.
        mistakes = [
            KnownMistake(pk=form.instance.pk, **_mistake_fields(form.cleaned_data)) for form in kept
        ]
        problem = publish_problem(exercise, spec_for(exercise, mistakes))
        if problem is not None:
            raise ValidationError(problem)


def _mistake_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data.get(name, "") for name in ("slug", "title", "message", "code")}


class KnownMistakeInline(admin.StackedInline):
    model = KnownMistake
    form = KnownMistakeForm
    formset = KnownMistakeFormSet
    extra = 1
    ordering = ("order", "id")
    # Further variants of a mistake are edited on the mistake's own page.
    show_change_link = True


class MistakeVariantForm(NormalisedTextForm):
    class Meta:
        model = MistakeVariant
        fields = ("order", "name", "code")
        widgets = {"code": code_widget("220px")}


class MistakeVariantFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        mistake = self.instance
        exercise = mistake.exercise
        if not exercise.published or not self.has_changed():
            return
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        kept.sort(key=lambda data: data.get("order") or 0)
        variants = tuple((data["name"], data["code"]) for data in kept)
        spec = spec_for(exercise)
        spec = dataclasses.replace(
            spec,
            mistakes=tuple(
                dataclasses.replace(m, variants=variants) if m.slug == mistake.slug else m
                for m in spec.mistakes
            ),
        )
        problem = publish_problem(exercise, spec)
        if problem is not None:
            raise ValidationError(problem)


class MistakeVariantInline(admin.StackedInline):
    model = MistakeVariant
    form = MistakeVariantForm
    formset = MistakeVariantFormSet
    extra = 1
    ordering = ("order", "id")


@admin.register(KnownMistake)
class KnownMistakeAdmin(CourseScopedAdmin):
    """A known mistake's own page: its main variant and the further ways of writing it."""

    course_field = "exercise__lesson__course"
    form = KnownMistakeForm
    inlines = [MistakeVariantInline]
    list_display = ("slug", "title", "exercise")
    list_filter = ("exercise__lesson__course",)
    search_fields = ("slug", "title", "exercise__slug")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # A mistake belongs to an exercise: it is added on the exercise's page.
        return False


def render_check_report(exercise: Exercise) -> str:
    """Return the HTML of the reference-check panel of the exercise's change page."""
    state = check_state(exercise)
    report = exercise.check_report or {}
    return render_to_string(
        "admin/exercises/exercise/_check_report.html",
        {
            "exercise": exercise,
            "state": state,
            "state_label": CheckState.LABELS[state],
            "running": state == CheckState.RUNNING,
            "report": report if "cases" in report else None,
            "status_url": reverse("admin:exercises_exercise_check_status", args=[exercise.pk]),
        },
    )


@admin.register(Exercise)
class ExerciseAdmin(CourseScopedAdmin):
    course_field = "lesson__course"
    form = ExerciseForm
    change_form_template = "admin/exercises/exercise/change_form.html"
    inlines = [KnownMistakeInline]
    list_display = (
        "slug", "title", "lesson", "order", "published", "check_label", "stats_link",
    )  # fmt: skip
    list_filter = ("lesson__course", "published", "check_status", "lesson")
    search_fields = ("slug", "title")
    ordering = ("lesson__course", "lesson__order", "order", "id")
    prepopulated_fields = {"slug": ("title",)}
    actions = ["check_reference", "publish", "unpublish"]
    fieldsets = (
        (None, {"fields": ("lesson", "order", "slug", "title", "entry_point", "returns")}),
        ("Prompt", {"fields": ("prompt",)}),
        ("Code", {"fields": ("starter_code", "reference_code", "cases_code")}),
        ("Grading", {"fields": (("rtol", "atol"), ("time_limit_ms", "memory_mb"))}),
        ("Publishing", {"fields": ("published",)}),
    )

    @admin.display(description="Reference check")
    def check_label(self, exercise: Exercise) -> str:
        state = check_state(exercise)
        return format_html('<span class="check-{}">{}</span>', state, CheckState.LABELS[state])

    @admin.display(description="Statistics")
    def stats_link(self, exercise: Exercise) -> str:
        url = reverse("admin:exercises_exercise_stats", args=[exercise.pk])
        return format_html('<a href="{}">Statistics</a>', url)

    # Actions ---------------------------------------------------------------------------------

    @admin.action(description="Check reference of selected exercises", permissions=["change"])
    def check_reference(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        count = request_reference_check(exercises=queryset)
        self.message_user(request, f"Queued the reference check of {count} exercise(s).")

    @admin.action(description="Publish selected exercises", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        published = 0
        for exercise in queryset:
            try:
                publish_exercise(exercise=exercise)
                published += 1
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
        if published:
            self.message_user(request, f"Published {published} exercise(s).")

    @admin.action(description="Unpublish selected exercises", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Exercise]) -> None:
        for exercise in queryset:
            unpublish_exercise(exercise=exercise)
        self.message_user(request, f"Unpublished {queryset.count()} exercise(s).")

    # Change page -----------------------------------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        exercise = self.get_object(request, object_id)
        if exercise is not None:
            extra_context["check_report_html"] = render_check_report(exercise)
            extra_context["check_url"] = reverse(
                "admin:exercises_exercise_check", args=[exercise.pk]
            )
            extra_context["stats_url"] = reverse(
                "admin:exercises_exercise_stats", args=[exercise.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request: HttpRequest, obj: Exercise) -> HttpResponse:
        if "_check_reference" in request.POST:
            request_reference_check(exercises=[obj])
            self.message_user(request, "Saved; the reference check is queued.")
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:exercise_id>/check/",
                wrap(require_POST(self.check_view)),
                name="exercises_exercise_check",
            ),
            path(
                "<int:exercise_id>/check/status/",
                wrap(self.check_status_view),
                name="exercises_exercise_check_status",
            ),
            path(
                "<int:exercise_id>/stats/",
                wrap(self.stats_view),
                name="exercises_exercise_stats",
            ),
            *super().get_urls(),
        ]

    def check_view(self, request: HttpRequest, exercise_id: int) -> HttpResponse:
        """Queue the reference check of one exercise (the button on its change page)."""
        exercise = get_object_or_404(self.get_queryset(request), pk=exercise_id)
        if not self.has_change_permission(request, exercise):
            raise PermissionDenied
        request_reference_check(exercises=[exercise])
        self.message_user(request, "The reference check is queued.")
        return HttpResponseRedirect(reverse("admin:exercises_exercise_change", args=[exercise.pk]))

    def check_status_view(self, request: HttpRequest, exercise_id: int) -> HttpResponse:
        """Return the reference-check panel alone, for the change page to refresh."""
        exercise = get_object_or_404(self.get_queryset(request), pk=exercise_id)
        if not self.has_view_permission(request, exercise):
            raise PermissionDenied
        response = HttpResponse(render_check_report(exercise))
        response["X-Check-Pending"] = "1" if pending_check(exercise) else "0"
        return response

    def stats_view(self, request: HttpRequest, exercise_id: int) -> HttpResponse:
        """Show pass rate, attempts until pass, grading time, misconceptions, failing parts."""
        exercise = get_object_or_404(
            self.get_queryset(request).select_related("lesson"), pk=exercise_id
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Statistics: {exercise.slug}",
            "exercise": exercise,
            "stats": exercise_stats(exercise, runs=runs_visible_to(request.user)),
        }
        return TemplateResponse(request, "admin/exercises/exercise/stats.html", context)


# Submissions -------------------------------------------------------------------------------------

PROGRESS_SESSION_KEY = "regrade-progress"


@admin.register(Submission)
class SubmissionAdmin(LearnerWorkAdmin):
    """Learners' submissions: read-only, with a bulk regrade."""

    list_display = (
        "id", "user", "exercise", "run", "kind", "status", "fault", "score", "late_penalty",
        "misconception_slug", "created_at", "graded_at",
    )  # fmt: skip
    # "Fault: platform" lists what to regrade after an outage the sweeper gave up on.
    list_filter = ("exercise", "status", "fault", "kind",
                   ("user", admin.RelatedOnlyFieldListFilter), "created_at")  # fmt: skip
    search_fields = ("user__username", "user__email")
    date_hierarchy = "created_at"
    list_select_related = ("user", "exercise", "run")
    actions = ["regrade"]

    def has_regrade_permission(self, request: HttpRequest) -> bool:
        """Regrading is for whoever may author exercises (an instructor, not a TA)."""
        from courses.runs import taught_courses

        return request.user.has_perm("exercises.change_exercise") and (
            request.user.is_superuser or taught_courses(request.user, instructor_only=True).exists()
        )

    @admin.action(description="Regrade selected submissions", permissions=["regrade"])
    def regrade(self, request: HttpRequest, queryset: QuerySet[Submission]) -> HttpResponse:
        from exercises.services import regrade_submissions

        submissions = list(queryset.filter(status__in=Submission.FINAL))
        skipped = queryset.count() - len(submissions)
        regrade_submissions(submissions=submissions)
        if skipped:
            self.message_user(
                request, f"{skipped} submission(s) still being graded were left alone."
            )
        token = secrets.token_urlsafe(8)
        progress = request.session.get(PROGRESS_SESSION_KEY, {})
        progress[token] = [s.id for s in submissions]
        request.session[PROGRESS_SESSION_KEY] = dict(list(progress.items())[-10:])
        return HttpResponseRedirect(reverse("admin:exercises_submission_regrade", args=[token]))

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.regrade_progress_view)
        return [
            path("regrade/<str:token>/", view, name="exercises_submission_regrade"),
            *super().get_urls(),
        ]

    def regrade_progress_view(self, request: HttpRequest, token: str) -> HttpResponse:
        """Show how many of the regraded submissions are queued, running and done."""
        ids = request.session.get(PROGRESS_SESSION_KEY, {}).get(token)
        if ids is None or not self.has_view_permission(request):
            raise PermissionDenied
        statuses = list(Submission.objects.filter(id__in=ids).values_list("status", flat=True))
        counts = {
            "queued": statuses.count(Submission.Status.QUEUED),
            "running": statuses.count(Submission.Status.RUNNING),
            "done": sum(status in Submission.FINAL for status in statuses),
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Regrading",
            "total": len(ids),
            "counts": counts,
            "finished": counts["done"] == len(statuses),
        }
        return TemplateResponse(request, "admin/exercises/submission/regrade.html", context)


from exercises import admin_runs  # noqa: E402,F401  (registers runs' policies and gradebooks)
