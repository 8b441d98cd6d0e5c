"""Routes of the courses app: the home page (course and lesson pages: exercises.urls)."""

from django.urls import path

from . import views
from .figures import figure_view

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "courses/<slug:course_slug>/<slug:lesson_slug>/figures/<str:name>",
        figure_view,
        name="lesson_figure",
    ),
]
