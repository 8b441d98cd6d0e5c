"""Admin for runs' item policies (deadlines and rules), gradebooks, drill-downs and overrides.

A run's gradebook is open to its instructors and TAs (404 for anyone else); only its
instructors override a grade, and every override is kept with its reason.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from courses.admin import CourseScopedAdmin, ascii_id
from courses.models import Run
from courses.runs import can_edit_course, runs_visible_to
from exercises.gradebook import (
    learner_submissions,
    override_grade,
    run_gradebook,
    run_gradebook_csv,
    run_learners,
)
from exercises.models import Exercise, GradeOverride, ItemPolicy


class ItemPolicyForm(forms.ModelForm):
    class Meta:
        model = ItemPolicy
        fields = (
            "run", "exercise", "due_at", "late", "penalty_per_day", "max_submissions",
            "cooldown_s", "hidden_results", "counting",
        )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        run, exercise = cleaned.get("run"), cleaned.get("exercise")
        if run and exercise and exercise.lesson.course_id != run.course_id:
            self.add_error("exercise", "Choose an exercise of the run's course.")
        penalty = cleaned.get("penalty_per_day")
        if penalty is not None and not 0 <= penalty <= 1:
            self.add_error("penalty_per_day", "A fraction from 0 to 1 (0.1 = 10 % per day).")
        if cleaned.get("hidden_results") == ItemPolicy.HiddenResults.AFTER_DUE and not cleaned.get(
            "due_at"
        ):
            self.add_error("hidden_results", "Results after the due date need a due date.")
        return cleaned


@admin.register(ItemPolicy)
class ItemPolicyAdmin(CourseScopedAdmin):
    """Deadlines and rules per exercise and run. Due dates are typed in the site's zone (UTC)
    and shown to learners in the run's zone."""

    course_field = "run__course"
    form = ItemPolicyForm
    list_display = ("exercise", "run", "due_at", "late", "max_submissions", "hidden_results")
    list_filter = ("run",)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.related_model is Exercise and not request.user.is_superuser:
            mine = self._courses(request, instructor_only=True)
            kwargs["queryset"] = Exercise.objects.filter(lesson__course__in=mine)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path(
                "gradebook/<int:run_id>/", wrap(self.gradebook_view), name="exercises_run_gradebook"
            ),
            path(
                "gradebook/<int:run_id>.csv",
                wrap(self.gradebook_csv_view),
                name="exercises_run_gradebook_csv",
            ),
            path(
                "gradebook/<int:run_id>/learner/<int:user_id>/",
                wrap(self.learner_view),
                name="exercises_run_learner",
            ),
            *super().get_urls(),
        ]

    def _run(self, request: HttpRequest, run_id: int) -> Run:
        return get_object_or_404(runs_visible_to(request.user).select_related("course"), pk=run_id)

    def gradebook_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """Show the run's gradebook: learners × items, late and overridden grades marked."""
        run = self._run(request, run_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Gradebook: {run}",
            "run": run,
            "book": run_gradebook(run),
        }
        return TemplateResponse(request, "admin/exercises/run_gradebook.html", context)

    def gradebook_csv_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        run = self._run(request, run_id)
        response = HttpResponse(run_gradebook_csv(run), content_type="text/csv; charset=utf-8")
        filename = f"gradebook-{run.course.slug}-{run.slug}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def learner_view(self, request: HttpRequest, run_id: int, user_id: int) -> HttpResponse:
        """One learner's submissions (code, verdicts), overrides, and the override form."""
        run = self._run(request, run_id)
        learner = get_object_or_404(run_learners(run), pk=user_id)
        exercises = Exercise.objects.filter(lesson__course=run.course)
        error = ""
        if request.method == "POST":
            if not can_edit_course(request.user, run.course_id):
                raise PermissionDenied
            try:
                exercise_id = ascii_id(request.POST.get("exercise"))
                if exercise_id is None:
                    raise Exercise.DoesNotExist
                exercise = exercises.get(pk=exercise_id)
                score = float(request.POST.get("score", "").replace(",", ".").strip())
                override_grade(
                    run=run,
                    user=learner,
                    exercise=exercise,
                    score=score,
                    reason=request.POST.get("reason", ""),
                    set_by=request.user,
                )
            except (Exercise.DoesNotExist, ValueError):
                error = "Choose an exercise and type a grade from 0 to 1."
            except ValidationError as exc:
                error = exc.messages[0]
            else:
                messages.success(request, f"Grade of {learner} on {exercise} set to {score:.0%}.")
                url = reverse("admin:exercises_run_learner", args=[run.pk, learner.pk])
                return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{learner} in {run}",
            "run": run,
            "learner": learner,
            "submissions": learner_submissions(run, learner.pk),
            "overrides": GradeOverride.objects.filter(run=run, user=learner).select_related(
                "exercise", "set_by"
            ),
            "exercises": exercises,
            "may_override": can_edit_course(request.user, run.course_id),
            "error": error,
        }
        status = 400 if error else 200
        return TemplateResponse(request, "admin/exercises/run_learner.html", context, status=status)


@admin.register(GradeOverride)
class GradeOverrideAdmin(CourseScopedAdmin):
    """Every grade override with its reason and author: an audit log, never edited."""

    course_field = "run__course"
    list_display = ("created_at", "run", "user", "exercise", "score", "reason", "set_by")
    list_filter = ("run",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(run__in=runs_visible_to(request.user))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
