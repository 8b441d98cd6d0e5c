"""Routes of the exercises app: the JSON API, exercise pages, and course and lesson pages."""

from django.urls import path, re_path

from exercises import course_pages, views
from exercises.api import api, api_not_found

urlpatterns = [
    # JSON API: /api/exercises/<slug>/submissions, /api/submissions/<id>, /api/openapi.json.
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    # Learner pages.
    path("account/api-token/", views.api_token, name="api_token"),
    path("exercises/<slug:exercise_slug>/", views.exercise, name="exercise"),
    path(
        "exercises/<slug:exercise_slug>/submissions/<int:submission_id>/",
        views.exercise_submission_result,
        name="exercise_submission_result",
    ),
    # Course and lesson pages (they list exercises and progress).
    path(
        "questions/<int:question_id>/answer/",
        course_pages.answer_question,
        name="answer_question",
    ),
    path("courses/<slug:course_slug>/", course_pages.course, name="course"),
    path("courses/<slug:course_slug>/join/", course_pages.join_run, name="join_run"),
    path("courses/<slug:course_slug>/<slug:lesson_slug>/", course_pages.lesson, name="lesson"),
    path(
        "courses/<slug:course_slug>/<slug:lesson_slug>/read/",
        course_pages.read_lesson,
        name="read_lesson",
    ),
]
