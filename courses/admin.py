"""Admin for courses, lessons and questions: Markdown with live preview, per-question stats."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import router
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from courses import figures
from courses.models import (
    Choice,
    Course,
    Enrollment,
    Lesson,
    Question,
    QuestionMistake,
    Run,
)
from courses.rendering import render_markdown
from courses.runs import (
    can_edit_course,
    can_view_course,
    default_run,
    enroll,
    runs_visible_to,
    taught_courses,
)
from courses.stats import question_stats

PREVIEW_URL = reverse_lazy("admin:courses_lesson_preview")
CHANGE_FORM = "admin/unrolled/change_form.html"


class MarkdownPreviewTextarea(forms.Textarea):
    """A textarea that the admin script gives a live, math-typeset preview."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"rows": 14, "class": "vLargeTextField", "data-markdown-preview": PREVIEW_URL}
            | (attrs or {})
        )


class NormalisedTextForm(forms.ModelForm):
    """Browsers send textarea text with CRLF line ends; the content is stored with LF."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # Code and Markdown keep their whitespace (a final newline, indentation).
            if isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea):
                field.strip = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned


def can_author(request: HttpRequest) -> bool:
    """Say whether the staff user may edit any course content (and so use the previews)."""
    user = request.user
    return (
        user.is_active
        and user.is_staff
        and any(user.has_perm(f"courses.{perm}") for perm in ("change_lesson", "change_question"))
    )


def ascii_id(raw: str | None, *, max_digits: int = 18) -> int | None:
    """Return `raw` as a whole number if it is 1 to `max_digits` ASCII digits, else None."""
    # str.isdigit() and int() also take "²" or "١" (Arabic-Indic one): ids are typed 0-9.
    if not raw or not (raw.isascii() and raw.isdigit()) or len(raw) > max_digits:
        return None
    return int(raw)


UNPUBLISH_INSTEAD = (
    "{} has learners' submissions or answers, so it cannot be deleted here: "
    "unpublish the course or exercise instead, or edit it."
)


def holds_learner_work(obj: Any) -> bool:
    """Say whether deleting `obj` would delete learners' work (a PROTECT relation, a chosen option)."""
    if isinstance(obj, Choice):
        return obj.attempts.exists()
    collector = Collector(using=router.db_for_write(type(obj)))
    try:
        collector.collect([obj])
    except (ProtectedError, RestrictedError):
        return True
    return any(
        isinstance(item, Choice) and item.attempts.exists()
        for items in collector.data.values()
        for item in items
    )


class KeepLearnerWorkFormSet(forms.BaseInlineFormSet):
    """An inline formset whose DELETE boxes refuse rows that hold learners' work."""

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            obj = form.instance
            if obj.pk is not None and holds_learner_work(obj):
                raise ValidationError(UNPUBLISH_INSTEAD.format(f"“{obj}”"))


class KeepLearnerWorkAdmin(admin.ModelAdmin):
    """Deleting content with learners' work shows why not, and what to do instead."""

    delete_confirmation_template = "admin/unrolled/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/unrolled/delete_selected_confirmation.html"


# Staff roles per run ---------------------------------------------------------------------------


def _course_id_of(obj: Any, course_field: str) -> int | None:
    """Follow `course_field` ("", "course", "lesson__course", ...) from obj to its course id."""
    target = obj
    for part in [p for p in course_field.split("__") if p]:
        target = getattr(target, part, None)
        if target is None:
            return None
    return getattr(target, "pk", None)


class NotFoundOutsideScope:
    """Mixin for a scoped ModelAdmin: a row outside get_queryset answers 404, never a redirect.

    Django's admin sends the change, delete and history pages of such a row to the index
    ("perhaps it was deleted?"). A 404 is what our own pages of another course answer, and
    it reads the same for a row that does not exist, so no id of another course shows.
    """

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404("Nothing you teach has that id.")
        return obj


class FiltersOnlyInScope:
    """Mixin for a scoped ModelAdmin: a list filter on a relation offers only the related rows
    of the listed ones, never every course, lesson, run or exercise by its title."""

    def get_list_filter(self, request: HttpRequest):
        scoped = []
        for list_filter in super().get_list_filter(request):  # type: ignore[misc]
            if isinstance(list_filter, str) and is_relation_path(self.model, list_filter):
                list_filter = (list_filter, admin.RelatedOnlyFieldListFilter)
            scoped.append(list_filter)
        return scoped


def is_relation_path(model: Any, path: str) -> bool:
    try:
        return get_fields_from_path(model, path)[-1].is_relation
    except (FieldDoesNotExist, NotRelationField):
        return False


class CourseScopedAdmin(NotFoundOutsideScope, FiltersOnlyInScope, KeepLearnerWorkAdmin):
    """Content of the courses one teaches: instructors change it, TAs only read it.

    `course_field` is the lookup from the model to its Course ("" for Course itself). Other
    courses' rows are not listed and their pages answer 404.
    """

    course_field = "course"

    def _courses(self, request: HttpRequest, *, instructor_only: bool = False):
        return taught_courses(request.user, instructor_only=instructor_only)

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        lookup = f"{self.course_field}__in" if self.course_field else "id__in"
        return queryset.filter(**{lookup: self._courses(request)}).distinct()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or (
            request.user.is_staff and self._courses(request).exists()
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return True
        if obj is None:
            return request.user.is_staff and self._courses(request).exists()
        return can_view_course(request.user, _course_id_of(obj, self.course_field))

    def _may_edit(self, request: HttpRequest, obj: Any) -> bool:
        if request.user.is_superuser:
            return True
        if obj is None:
            return self._courses(request, instructor_only=True).exists()
        return can_edit_course(request.user, _course_id_of(obj, self.course_field))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) and self._may_edit(request, None)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        # Content is only ever attached to a course one may edit.
        if not request.user.is_superuser:
            mine = self._courses(request, instructor_only=True)
            if db_field.related_model is Course:
                kwargs["queryset"] = Course.objects.filter(id__in=mine)
            elif db_field.related_model is Lesson:
                kwargs["queryset"] = Lesson.objects.filter(course__in=mine)
            elif db_field.related_model is Run:
                kwargs["queryset"] = Run.objects.filter(course__in=mine)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class LearnerWorkAdmin(NotFoundOutsideScope, FiltersOnlyInScope, admin.ModelAdmin):
    """Learners' work (answers, submissions) in the runs one teaches, for reading only.

    The model has a `run`; other runs' rows are not listed and their pages answer 404.
    """

    def get_queryset(self, request: HttpRequest):
        # Only the learners of one's own runs (all for a superuser).
        return super().get_queryset(request).filter(run__in=runs_visible_to(request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or runs_visible_to(request.user).exists()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return runs_visible_to(request.user).filter(id=obj.run_id).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LessonInline(admin.TabularInline):
    model = Lesson
    formset = KeepLearnerWorkFormSet
    fields = ("order", "slug", "title", "edit_link")
    readonly_fields = ("edit_link",)
    extra = 0
    show_change_link = True
    ordering = ("order", "id")

    @admin.display(description="Body")
    def edit_link(self, lesson: Lesson) -> str:
        if lesson.pk is None:
            return "Save first, then edit the body."
        url = reverse("admin:courses_lesson_change", args=[lesson.pk])
        return format_html('<a href="{}">Edit the lesson</a>', url)


@admin.register(Course)
class CourseAdmin(CourseScopedAdmin):
    course_field = ""
    list_display = ("title", "slug", "published", "order", "lesson_count", "runs_link")
    list_editable = ("order",)
    list_filter = ("published",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [LessonInline]

    @admin.display(description="Lessons")
    def lesson_count(self, course: Course) -> int:
        return course.lessons.count()

    @admin.display(description="Runs and gradebooks")
    def runs_link(self, course: Course) -> str:
        url = reverse("admin:courses_run_changelist") + f"?course__id__exact={course.pk}"
        return format_html('<a href="{}">Runs</a>', url)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # Any author may start a course; they then teach its default run.
        return admin.ModelAdmin.has_add_permission(self, request)

    def save_model(self, request: HttpRequest, obj: Course, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and not request.user.is_superuser:
            enroll(user=request.user, run=default_run(obj), role=Enrollment.Role.INSTRUCTOR)


class LessonForm(NormalisedTextForm):
    class Meta:
        model = Lesson
        fields = ("course", "order", "slug", "title", "body")
        widgets = {"body": MarkdownPreviewTextarea(attrs={"rows": 30})}


@admin.register(Lesson)
class LessonAdmin(CourseScopedAdmin):
    form = LessonForm
    change_form_template = CHANGE_FORM
    list_display = ("title", "course", "order", "slug")
    list_display_links = ("title",)
    list_editable = ("order",)
    list_filter = ("course",)
    search_fields = ("title", "slug", "body")
    ordering = ("course", "order", "id")
    prepopulated_fields = {"slug": ("title",)}

    def get_urls(self) -> list:
        preview = self.admin_site.admin_view(require_POST(self.preview_view))
        return [path("preview/", preview, name="courses_lesson_preview"), *super().get_urls()]

    def preview_view(self, request: HttpRequest) -> JsonResponse:
        """Return the rendered HTML of the posted Markdown (the live preview)."""
        if not can_author(request):
            raise PermissionDenied
        return JsonResponse({"html": render_markdown(request.POST.get("text", ""))})


class ChoiceForm(NormalisedTextForm):
    class Meta:
        model = Choice
        fields = ("order", "text", "is_correct", "feedback")
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 50}),
            "feedback": forms.Textarea(attrs={"rows": 2, "cols": 50}),
        }


class ChoiceInline(admin.TabularInline):
    model = Choice
    form = ChoiceForm
    formset = KeepLearnerWorkFormSet
    extra = 0
    ordering = ("order", "id")


class QuestionMistakeForm(NormalisedTextForm):
    class Meta:
        model = QuestionMistake
        fields = ("order", "slug", "message", "code")
        widgets = {
            "message": forms.Textarea(attrs={"rows": 3, "cols": 40}),
            "code": forms.Textarea(attrs={"rows": 6, "cols": 60, "class": "code"}),
        }


class QuestionMistakeInline(admin.StackedInline):
    model = QuestionMistake
    form = QuestionMistakeForm
    extra = 0
    ordering = ("order", "id")
    verbose_name = "known wrong method (numeric only)"
    verbose_name_plural = "known wrong methods (numeric only): answer(p) of the wrong method"


class QuestionForm(NormalisedTextForm):
    class Meta:
        model = Question
        fields = (
            "lesson", "order", "slug", "kind", "prompt", "explanation",
            "tolerance", "absolute_tolerance", "parameters_code", "answer_code", "solution",
        )  # fmt: skip
        widgets = {
            "prompt": MarkdownPreviewTextarea(attrs={"rows": 6}),
            "explanation": MarkdownPreviewTextarea(attrs={"rows": 4}),
            "solution": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django_ace import AceWidget

        for name in ("parameters_code", "answer_code"):
            self.fields[name].widget = AceWidget(
                mode="python", width="100%", height="160px", showprintmargin=False
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == Question.Kind.NUMERIC:
            for name, function in (("parameters_code", "generate"), ("answer_code", "answer")):
                if not cleaned.get(name, "").strip():
                    self.add_error(name, f"A numeric question needs code defining {function}().")
        return cleaned


@admin.register(Question)
class QuestionAdmin(CourseScopedAdmin):
    course_field = "lesson__course"
    form = QuestionForm
    change_form_template = "admin/courses/question/change_form.html"
    list_display = ("slug", "lesson", "kind", "order", "variants_status", "stats_link")
    list_filter = ("lesson__course", "kind", "lesson")
    search_fields = ("slug", "prompt")
    ordering = ("lesson__course", "lesson__order", "order", "id")
    inlines = [ChoiceInline, QuestionMistakeInline]
    readonly_fields = ("variants_status",)
    actions = ["compute_variants_again"]

    @admin.display(description="Variants")
    def variants_status(self, question: Question) -> str:
        from courses.numeric import PoolState, pool_state

        if question.pk is None or question.kind != Question.Kind.NUMERIC:
            return "—"
        state = pool_state(question)
        if state == PoolState.READY:
            return f"{question.variants.count()} ready"
        if state == PoolState.FAILED:
            return f"failed: {question.variants_error}"
        return "being prepared by the workers"

    @admin.action(description="Compute the numeric variants again (workers)")
    def compute_variants_again(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for question in queryset.filter(kind=Question.Kind.NUMERIC):
            # Forgetting the pool's version makes the save ask the workers for a new pool.
            question.variants_version = ""
            question.save(update_fields=["variants_version"])
            count += 1
        self.message_user(request, f"{count} numeric question(s) sent to the workers.")

    @admin.display(description="Statistics")
    def stats_link(self, question: Question) -> str:
        url = reverse("admin:courses_question_stats", args=[question.pk])
        return format_html('<a href="{}">Statistics</a>', url)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:question_id>/stats/", wrap(self.stats_view), name="courses_question_stats"),
            path(
                "numeric-preview/",
                wrap(require_POST(self.numeric_preview_view)),
                name="courses_question_numeric_preview",
            ),
            *super().get_urls(),
        ]

    def stats_view(self, request: HttpRequest, question_id: int) -> HttpResponse:
        """Show the distribution of chosen options and the share right at the first try."""
        question = get_object_or_404(
            self.get_queryset(request).select_related("lesson"), pk=question_id
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Statistics: {question.slug}",
            "stats": question_stats(question, runs=runs_visible_to(request.user)),
            "question": question,
        }
        return TemplateResponse(request, "admin/courses/question/stats.html", context)

    def numeric_preview_view(self, request: HttpRequest) -> JsonResponse:
        """Show a stored variant of a saved numeric question, with the drafted prompt filled.

        Reads the pool the workers computed: the web process runs no question code.
        """
        from courses.numeric import (
            PoolState,
            PromptError,
            fill_prompt,
            pool_state,
            solution_values,
        )

        if not can_author(request):
            raise PermissionDenied
        question_id = ascii_id(request.POST.get("question", "").strip(), max_digits=9)
        asked_index = ascii_id(request.POST.get("variant", "").strip() or "0", max_digits=9)
        for number, what in ((question_id, "question"), (asked_index, "sample variant")):
            if number is None:
                return JsonResponse({"error": f"The {what} must be given as a whole number."})
        # Only a question of a course one teaches: its answers are not another course's to read.
        # An unknown id and another course's read the same.
        question = self.get_queryset(request).filter(pk=question_id).first()
        if question is None:
            return JsonResponse({"error": "No question of a course you teach has this id: save "
                                 "the question first, then the workers compute its variants."},
                                status=404)  # fmt: skip
        state = pool_state(question)
        if state == PoolState.FAILED:
            return JsonResponse({"error": f"The variants could not be computed: "
                                 f"{question.variants_error}"})  # fmt: skip
        count = question.variants.count() if state == PoolState.READY else 0
        if not count:
            return JsonResponse({"error": "The variants are being prepared by the workers; "
                                 "try again in a moment (save first if you changed the code)."})  # fmt: skip
        index = asked_index % count
        variant = question.variants.get(index=index)
        data: dict[str, Any] = {
            "variant": index,
            "count": count,
            "parameters": variant.parameters,
            "answer": variant.answer,
            "steps": variant.steps,
            "mistakes": variant.mistakes,
        }
        draft = request.POST.get("prompt", question.prompt).replace("\r\n", "\n")
        solution = request.POST.get("solution", question.solution).replace("\r\n", "\n")
        try:
            data["html"] = render_markdown(fill_prompt(draft, variant.parameters))
            data["solution_html"] = render_markdown(fill_prompt(solution, solution_values(variant)))
        except PromptError as exc:
            data["error"] = str(exc)
        return JsonResponse(data)


figures.register_admin(admin.site, CourseScopedAdmin)


from courses import admin_runs  # noqa: E402,F401  (registers runs, enrollments and learners' answers)
