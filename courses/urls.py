from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("questions/<int:question_id>/answer/", views.answer_question, name="answer_question"),
    path("courses/<slug:course_slug>/", views.course, name="course"),
    path("courses/<slug:course_slug>/<slug:lesson_slug>/", views.lesson, name="lesson"),
    path(
        "courses/<slug:course_slug>/<slug:lesson_slug>/read/",
        views.read_lesson,
        name="read_lesson",
    ),
]
