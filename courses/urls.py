from django.urls import path

from . import views
from .figures import figure_view

urlpatterns = [
    path("", views.home, name="home"),
    path("questions/<int:question_id>/answer/", views.answer_question, name="answer_question"),
    path("courses/<slug:course_slug>/", views.course, name="course"),
    path("courses/<slug:course_slug>/<slug:lesson_slug>/", views.lesson, name="lesson"),
    path(
        "courses/<slug:course_slug>/<slug:lesson_slug>/figures/<str:name>",
        figure_view,
        name="lesson_figure",
    ),
]
