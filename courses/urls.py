"""Routes of the courses app: the home page (course and lesson pages: exercises.urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]
