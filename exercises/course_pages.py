"""Course and lesson pages: courses' content with the learner's exercises and progress.

HTTP only. They compose both apps, so they live on the side that may import both (`courses`
never imports `exercises`); reads come from `courses.selectors` and `exercises.outline`,
writes from `courses.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.throttle import client_ip, count_try, retry_after
from courses import runs, selectors, services
from courses.forms import answer_form, first_error
from courses.models import Run
from exercises import outline
from exercises.policies import deadlines_by_exercise


def course(request: HttpRequest, course_slug: str) -> HttpResponse:
    """Show a course's outline, the learner's progress and where to continue; public."""
    course = selectors.get_course(request.user, course_slug)
    run = runs.current_run(request.user, course)
    lessons = outline.course_outline(request.user, course)
    items = outline.outline_items(request.user, lessons, run)
    done = {(item.kind, item.url): item.done for item in items}
    due = deadlines_by_exercise(run)
    for lesson in lessons:
        lesson.is_read = done.get(("lesson", lesson.get_absolute_url()), False)
        for exercise in lesson.open_exercises:
            exercise.due = due.get(exercise.id, "")
    return render(
        request,
        "courses/course.html",
        {
            "course": course,
            "lessons": lessons,
            "items": items,
            "progress": outline.progress(user=request.user, course=course, run=run),
            "next_item": outline.continue_item(request.user, course, items),
            "run": run,
            "can_join": run.is_default
            and Run.objects.filter(course=course, is_default=False)
            .exclude(enrollment=Run.Enrollment.LMS)
            .exists(),
        },
    )


JOIN_GROUP = "courses.join-code"


def _join_code_limits(request: HttpRequest) -> dict[str, int]:
    return {
        f"user:{request.user.pk}": settings.JOIN_CODE_FAILURES_PER_HOUR,
        f"client:{client_ip(request)}": settings.JOIN_CODE_FAILURES_PER_CLIENT_PER_HOUR,
    }


@require_POST
def join_run(request: HttpRequest, course_slug: str) -> HttpResponse:
    """Enroll the signed-in learner in a run of the course by its join code (or open run).

    Wrong codes are counted per learner and per client: past the limit no code is tried, the
    right one neither, so that codes cannot be guessed.
    """
    course_obj = selectors.get_course(request.user, course_slug)
    if not request.user.is_authenticated:
        return redirect_to_login(course_obj.get_absolute_url())
    code = request.POST.get("code", "")[:40]
    wait_s = retry_after(request, JOIN_GROUP, _join_code_limits(request))
    if wait_s is not None:
        messages.error(
            request,
            f"Too many wrong join codes from you or your network. Please try again in "
            f"{max(1, round(wait_s / 60))} min, and check the code with your instructor.",
        )
        response = course(request, course_slug)
        response.status_code = 429
        response["Retry-After"] = str(wait_s)
        return response
    try:
        enrollment = runs.join_run(user=request.user, course=course_obj, code=code)
    except ValidationError as exc:
        if code.strip():
            count_try(request, JOIN_GROUP, _join_code_limits(request))
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"You are in {enrollment.run.title}.")
    return redirect(course_obj.get_absolute_url())


def _lesson_context(request: HttpRequest, lesson, questions) -> dict:
    previous, following = selectors.lesson_neighbours(lesson)
    return {
        "course": lesson.course,
        "lesson": lesson,
        "questions": questions,
        "solved": _solved(request, questions),
        "exercises": [
            exercise for exercise in outline.visible_exercises(request.user).filter(lesson=lesson)
        ],
        "previous": previous,
        "next": following,
    }


def lesson(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    """Show a lesson with its questions; a GET changes nothing (the page posts `read_lesson`)."""
    lesson = selectors.get_lesson(request.user, course_slug, lesson_slug)
    questions = selectors.lesson_questions(request.user, lesson)
    return render(request, "courses/lesson.html", _lesson_context(request, lesson, questions))


@require_POST
def read_lesson(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    """Record that the learner read the lesson (posted on their first interaction with it)."""
    lesson = selectors.get_lesson(request.user, course_slug, lesson_slug)
    if not request.user.is_authenticated:
        if _wants_fragment(request):
            return JsonResponse({"error": "Log in to keep track of your reading."}, status=403)
        return redirect_to_login(lesson.get_absolute_url())
    services.mark_lesson_read(user=request.user, lesson=lesson)
    if _wants_fragment(request):
        return HttpResponse(status=204)
    return redirect(lesson.get_absolute_url())


def _solved(request: HttpRequest, views) -> set[int]:
    # An explanation gives the answer away, so it waits until the learner has found it.
    return services.solved_question_ids(
        user=request.user, questions=[view.question for view in views]
    )


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@require_POST
def answer_question(request: HttpRequest, question_id: int) -> HttpResponse:
    """Check a learner's answer to one question, record it, and show the feedback."""
    question = selectors.get_question(request.user, question_id)
    lesson = question.lesson
    anchor = f"{lesson.get_absolute_url()}#question-{question.slug}"
    if not request.user.is_authenticated:
        if _wants_fragment(request):
            return JsonResponse({"error": "Log in to answer questions."}, status=403)
        return redirect_to_login(anchor)
    form = answer_form(question, request.POST)
    error = ""
    attempt = None
    if form.is_valid():
        try:
            if "answer" in form.cleaned_data:
                attempt = services.answer_question(
                    user=request.user,
                    question=question,
                    numeric_answer=form.cleaned_data["answer"],
                )
            else:
                attempt = services.answer_question(
                    user=request.user, question=question, choice_ids=form.cleaned_data["choice"]
                )
        except ValidationError as exc:
            error = exc.messages[0]
    else:
        error = first_error(form)
    if not error and not _wants_fragment(request):
        return redirect(anchor)
    # Re-render with the learner's input and the message (or, for fetch, just the question).
    views = selectors.lesson_questions(request.user, lesson)
    for view in views:
        if view.question.id == question.id:
            view.error = error
            view.typed = request.POST.get("answer", "")[:100]
            current = view
    status = 400 if error else 200
    if _wants_fragment(request):
        return render(
            request,
            "courses/_question.html",
            {
                "view": current,
                "number": views.index(current) + 1,
                "just_answered": attempt,
                "solved": _solved(request, [current]),
            },
            status=status,
        )
    return render(
        request, "courses/lesson.html", _lesson_context(request, lesson, views), status=status
    )
