"""The home page is public and lists published courses."""

import pytest

from courses.models import Course

pytestmark = pytest.mark.django_db


def test_home_lists_published_courses_to_anonymous_visitors(client):
    Course.objects.create(slug="shown", title="Shown course", published=True)
    Course.objects.create(slug="draft", title="Draft course", published=False)
    response = client.get("/")
    assert response.status_code == 200
    assert "Shown course" in response.text
    assert "Draft course" not in response.text
