"""The learner pages render for visitors and learners, and say what needs an account."""

import pytest
from django.urls import reverse

from courses.models import LessonRead
from grader.compare import SCALE_ATOL

pytestmark = pytest.mark.django_db


def test_home_lists_published_courses_only(client, small):
    from tests.factories import make_course

    make_course("hidden-course", published=False, title="Hidden course")
    page = client.get(reverse("home")).content.decode()
    assert "A small course" in page
    assert "Hidden course" not in page


def test_anonymous_visitor_reads_a_lesson_and_is_told_to_log_in_to_answer(client, small):
    response = client.get(small.lessons[0].get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="math inline">\\(a_t\\)' in page
    assert "mathjax/es5/tex-chtml.js" in page
    assert "Log in to answer" in page
    assert reverse("login") in page
    assert not LessonRead.objects.exists()


def test_unpublished_course_and_unknown_slugs_are_not_found(client, small):
    small.course.published = False
    small.course.save(update_fields=["published"])
    assert client.get(small.course.get_absolute_url()).status_code == 404
    assert client.get(small.lessons[0].get_absolute_url()).status_code == 404
    assert client.get("/courses/nope/").status_code == 404
    assert client.get("/courses/nope/nothing/").status_code == 404
    assert client.get("/exercises/nope/").status_code == 404


def test_opening_a_lesson_records_nothing_and_posting_read_records_it_once(alice, learner, small):
    lesson = small.lessons[0]
    url = lesson.get_absolute_url()
    page = alice.get(url)
    assert page.status_code == 200
    assert not LessonRead.objects.exists()
    read_url = reverse("read_lesson", args=[lesson.course.slug, lesson.slug])
    assert f'action="{read_url}"' in page.text
    assert alice.get(read_url).status_code == 405
    assert alice.post(read_url).status_code == 302
    assert alice.post(read_url, headers={"X-Requested-With": "fetch"}).status_code == 204
    assert LessonRead.objects.filter(user=learner).count() == 1


def test_an_anonymous_post_of_read_records_nothing(client, small):
    lesson = small.lessons[0]
    response = client.post(reverse("read_lesson", args=[lesson.course.slug, lesson.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not LessonRead.objects.exists()


def test_lesson_links_to_neighbours_and_exercises(client, small):
    first = client.get(small.lessons[0].get_absolute_url()).content.decode()
    assert small.lessons[1].get_absolute_url() in first
    second = client.get(small.lessons[1].get_absolute_url()).content.decode()
    assert small.lessons[0].get_absolute_url() in second
    assert small.exercise.get_absolute_url() in second


def test_anonymous_exercise_page_shows_prompt_and_login_link(client, small):
    page = client.get(small.exercise.get_absolute_url()).content.decode()
    assert "\\(x + 1\\)" in page
    assert "to run and submit your code" in page
    assert 'name="code"' not in page


def test_exercise_page_states_how_numbers_are_compared(client, small):
    small.exercise.rtol, small.exercise.atol = 1e-4, 1e-7
    small.exercise.save(update_fields=["rtol", "atol"])
    page = client.get(small.exercise.get_absolute_url()).content.decode()
    assert "rtol = 0.0001" in page
    assert f"max(atol, {SCALE_ATOL:g} × max|expected|) with atol = 1e-07" in page
    assert "float32 precision pass" in page


def test_exercise_page_editor_starts_with_starter_code(alice, small):
    page = alice.get(small.exercise.get_absolute_url()).content.decode()
    assert 'data-mode="python"' in page
    assert "def add_one(x):" in page
    assert "Run examples" in page and ">Submit<" in page


def test_signup_creates_an_account_and_signs_in(client, db):
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "email": "",
            "password1": "pw-Unrolled-123",
            "password2": "pw-Unrolled-123",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"].username == "newbie"


def test_signup_with_mismatched_passwords_is_refused_with_a_message(client, db):
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "password1": "pw-Unrolled-123", "password2": "other-pw-456"},
    )
    assert response.status_code == 400
    assert "password fields didn" in response.content.decode()


def test_login_logout_and_password_pages_render(client, learner):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(
        reverse("login"), {"username": "alice", "password": "a-long-test-password-42"}
    )
    assert response.status_code == 302
    assert client.get(reverse("password_change")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("password_change")).status_code == 302


def test_password_reset_sends_a_mail(client, mailoutbox, db):
    from tests.factories import make_user

    make_user("bob", email="bob@example.org")
    response = client.post(reverse("password_reset"), {"email": "bob@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body
