"""Staff see what they teach, and nothing of another course: not its question answers through
the admin's previews, not its unpublished lessons or exercises on the learner pages or the API.
(Any LMS instructor becomes staff on their first launch, so "staff" alone proves nothing.)"""

import pytest
from django.test import Client

from courses.models import Enrollment
from exercises.models import Submission
from exercises.services import create_api_token
from tests.factories import (
    make_course,
    make_exercise,
    make_lesson,
    make_numeric_question,
    make_staff,
    make_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture
def draft(db):
    """Another, unpublished course: a lesson, a numeric question and an exercise."""
    course = make_course("draft-course", published=False)
    lesson = make_lesson(course, "draft-lesson")
    return {
        "course": course,
        "lesson": lesson,
        "numeric": make_numeric_question(lesson, "draft-numeric"),
        "exercise": make_exercise(lesson, "draft-exercise", published=False),
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def preview(client: Client, question) -> tuple[int, object]:
    response = client.post("/admin/courses/question/numeric-preview/", {"question": question.pk})
    return response.status_code, response


def test_the_numeric_preview_of_another_courses_question_is_not_found(small, draft):
    teacher = signed_in(make_staff(small.course))
    status, response = preview(teacher, draft["numeric"])
    assert status == 404
    assert str(draft["numeric"].variants.get(index=0).answer) not in response.content.decode()
    # Their own course's question still previews.
    status, response = preview(teacher, small.numeric)
    assert status == 200 and response.json()["count"] > 0


def draft_urls(draft) -> list[str]:
    return [
        draft["course"].get_absolute_url(),
        draft["lesson"].get_absolute_url(),
        draft["exercise"].get_absolute_url(),
    ]


@pytest.mark.parametrize("role", [Enrollment.Role.INSTRUCTOR, Enrollment.Role.TA])
def test_staff_of_another_course_do_not_see_an_unpublished_course(small, draft, role):
    other = signed_in(make_staff(small.course, role=role))
    for url in draft_urls(draft):
        assert other.get(url).status_code == 404, url
    assert "draft-course" not in other.get("/").content.decode()
    own = signed_in(make_staff(draft["course"], role=role))
    for url in draft_urls(draft):
        assert own.get(url).status_code == 200, url


def test_staff_of_another_course_cannot_submit_to_its_unpublished_exercise(small, draft):
    staff = make_staff(small.course)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=staff)}")
    url = f"/api/exercises/{draft['exercise'].slug}/submissions"
    response = api.post(url, {"code": "x = 1"}, content_type="application/json")
    assert response.status_code == 404
    page = signed_in(staff).post(draft["exercise"].get_absolute_url(), {"code": "x = 1"})
    assert page.status_code == 404
    assert not Submission.objects.exists()
    # Who teaches it may try it out before publishing.
    teacher = make_staff(draft["course"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=teacher)}")
    assert api.post(url, {"code": "x = 1"}, content_type="application/json").status_code == 202


def test_a_superuser_sees_every_course(draft):
    admin = signed_in(make_user("root", is_staff=True, is_superuser=True))
    for url in draft_urls(draft):
        assert admin.get(url).status_code == 200, url


def test_figures_in_the_admin_are_scoped_to_the_courses_one_teaches(small, draft):
    from django.contrib.auth.models import Permission

    from courses.figures import Figure

    svg = '<svg xmlns="http://www.w3.org/2000/svg"/>'
    mine = Figure.objects.create(course=small.course, name="mine.svg", svg=svg)
    theirs = Figure.objects.create(course=draft["course"], name="theirs.svg", svg=svg)
    teacher = make_staff(small.course)
    # Even with the figure permissions a superuser might grant.
    teacher.user_permissions.add(*Permission.objects.filter(codename__endswith="_figure"))
    client = signed_in(teacher)
    listing = client.get("/admin/courses/figure/").content.decode()
    assert "mine.svg" in listing and "theirs.svg" not in listing
    for page in ("change", "delete"):
        assert client.get(f"/admin/courses/figure/{theirs.pk}/{page}/").status_code == 404
    assert client.get(f"/admin/courses/figure/{mine.pk}/change/").status_code == 200
    add = client.get("/admin/courses/figure/add/").content.decode()
    assert small.course.title in add and draft["course"].title not in add


def test_a_learner_reaches_nothing_of_an_unpublished_course_by_id_or_slug(draft, learner):
    from courses.figures import Figure

    Figure.objects.create(course=draft["course"], name="f.svg",
                          svg='<svg xmlns="http://www.w3.org/2000/svg"/>')  # fmt: skip
    client = signed_in(learner)
    lesson = draft["lesson"].get_absolute_url()
    gets = [*draft_urls(draft), f"{lesson}figures/f.svg"]
    posts = [f"{lesson}read/", f"/questions/{draft['numeric'].pk}/answer/",
             draft["exercise"].get_absolute_url(), f"/courses/{draft['course'].slug}/join/"]  # fmt: skip
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"answer": "1", "code": "x = 1"}).status_code == 404, url
    api = Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=learner)}")
    url = f"/api/exercises/{draft['exercise'].slug}/submissions"
    assert api.post(url, {"code": "x"}, content_type="application/json").status_code == 404
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "changelist",
    [
        "courses/lesson", "courses/question", "courses/run", "courses/questionattempt",
        "courses/figure", "exercises/exercise", "exercises/knownmistake", "exercises/itempolicy",
        "exercises/submission", "exercises/gradeoverride",
    ],
)  # fmt: skip
def test_the_admin_lists_filter_by_nothing_of_another_course(small, draft, changelist):
    from django.contrib.auth.models import Permission

    from courses.models import QuestionAttempt, Run

    run = Run.objects.create(course=draft["course"], slug="spring", title="Hidden Run Title")
    QuestionAttempt.objects.create(user=make_user("bob"), question=draft["numeric"], run=run)
    Submission.objects.create(user=make_user("carol"), exercise=draft["exercise"], run=run)
    teacher = make_staff(small.course)
    teacher.user_permissions.add(*Permission.objects.filter(codename__endswith="_figure"))
    response = signed_in(teacher).get(f"/admin/{changelist}/")
    assert response.status_code == 200
    html = response.content.decode()
    for secret in (draft["course"].title, draft["lesson"].title, run.title, "draft-exercise"):
        assert secret not in html, secret


def test_a_known_mistake_is_added_on_its_exercise_page_only(small):
    teacher = signed_in(make_staff(small.course))
    assert teacher.get("/admin/exercises/knownmistake/add/").status_code == 403
    response = teacher.post("/admin/exercises/knownmistake/add/", {
        "order": 0, "slug": "x", "title": "t", "message": "m", "code": "x = 1",
        "variants-TOTAL_FORMS": 0, "variants-INITIAL_FORMS": 0,
    })  # fmt: skip
    assert response.status_code == 403


def test_staff_cannot_reach_accounts_or_groups_nor_raise_their_own_rights(small):
    teacher = make_staff(small.course)
    client = signed_in(teacher)
    for url in ("/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/",
                f"/admin/auth/user/{teacher.pk}/change/", "/admin/auth/group/add/",
                "/admin/axes/accessattempt/", "/admin/lti_tool/ltiregistration/"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    response = client.post(f"/admin/auth/user/{teacher.pk}/change/", {
        "username": teacher.username, "is_staff": "on", "is_superuser": "on", "is_active": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
    })  # fmt: skip
    assert response.status_code == 403
    teacher.refresh_from_db()
    assert not teacher.is_superuser and not teacher.user_permissions.exists()


def test_signing_up_sets_no_flag_beyond_the_form():
    response = Client().post("/accounts/signup/", {
        "username": "climber", "password1": "xX9-long-pass-word", "password2": "xX9-long-pass-word",
        "is_staff": "on", "is_superuser": "on", "groups": "1", "user_permissions": "1",
    })  # fmt: skip
    assert response.status_code == 302
    from django.contrib.auth.models import User

    user = User.objects.get(username="climber")
    assert not (user.is_staff or user.is_superuser or user.groups.exists())
    assert not user.user_permissions.exists()
