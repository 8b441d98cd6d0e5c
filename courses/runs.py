"""Course runs: which run a learner works in, joining one, and who teaches which course.

Staff roles are per run (Enrollment.role): an instructor edits the content of the courses
of their runs and sees those runs' learners; a teaching assistant sees the same but edits
nothing. Superusers see everything. Nobody else sees any learner's work.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Course, Enrollment, Run

STAFF_ROLES = (Enrollment.Role.INSTRUCTOR, Enrollment.Role.TA)


def default_run(course: Course) -> Run:
    """Return the course's open, self-paced run (made with the course)."""
    run, _ = Run.objects.get_or_create(
        course=course,
        is_default=True,
        defaults={"slug": "self-paced", "title": "Self-paced", "enrollment": Run.Enrollment.OPEN},
    )
    return run


def current_run(user: AbstractBaseUser, course: Course) -> Run:
    """Return the run `user` works in: their newest run of the course, else the default run."""
    if user.is_authenticated:
        enrolled = (
            Run.objects.filter(course=course, is_default=False, enrollments__user=user)
            .order_by("-starts_at", "-id")
            .first()
        )
        if enrolled is not None:
            return enrolled
    return default_run(course)


@transaction.atomic
def enroll(
    *,
    user: AbstractBaseUser,
    run: Run,
    role: str = Enrollment.Role.LEARNER,
    source: str = Enrollment.Source.STAFF,
) -> Enrollment:
    """Put `user` in `run` with `role` (an existing enrollment gets the new role)."""
    enrollment, created = Enrollment.objects.get_or_create(
        run=run, user=user, defaults={"role": role, "source": source}
    )
    if not created and enrollment.role != role:
        enrollment.role = role
        enrollment.save(update_fields=["role"])
    return enrollment


def join_run(*, user: AbstractBaseUser, course: Course, code: str = "") -> Enrollment:
    """Enroll a learner in a run of `course` by its join code, or in its one open run.

    Raises ValidationError with what to do when no run takes them.
    """
    code = (code or "").strip()
    now = timezone.now()
    runs = Run.objects.filter(course=course, is_default=False).exclude(ends_at__lt=now)
    if code:
        run = runs.filter(enrollment=Run.Enrollment.CODE, join_code__iexact=code).first()
        if run is None:
            raise ValidationError(
                "No current run of this course has that join code; check it with your instructor."
            )
        source = Enrollment.Source.CODE
    else:
        open_runs = list(runs.filter(enrollment=Run.Enrollment.OPEN)[:2])
        if len(open_runs) != 1:
            raise ValidationError("Type the join code your instructor gave you.")
        run, source = open_runs[0], Enrollment.Source.OPEN
    existing = Enrollment.objects.filter(run=run, user=user).first()
    if existing is not None:
        return existing
    return enroll(user=user, run=run, source=source)


# Staff access ----------------------------------------------------------------------------------


def staff_runs(user: AbstractBaseUser, *, instructor_only: bool = False) -> QuerySet[Run]:
    """Return the runs `user` teaches (every run for a superuser)."""
    if getattr(user, "is_superuser", False):
        return Run.objects.all()
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return Run.objects.none()
    roles = (Enrollment.Role.INSTRUCTOR,) if instructor_only else STAFF_ROLES
    return Run.objects.filter(enrollments__user=user, enrollments__role__in=roles).distinct()


def taught_courses(user: AbstractBaseUser, *, instructor_only: bool = False) -> QuerySet[Course]:
    """Return the courses of the runs `user` teaches (as instructor only, if asked)."""
    if getattr(user, "is_superuser", False):
        return Course.objects.all()
    runs = staff_runs(user, instructor_only=instructor_only)
    return Course.objects.filter(id__in=runs.values("course_id"))


def runs_visible_to(user: AbstractBaseUser) -> QuerySet[Run]:
    """Return the runs whose learners `user` may see: the runs they teach (all: superuser)."""
    return staff_runs(user)


def can_edit_course(user: AbstractBaseUser, course_id: int | None) -> bool:
    """Say whether `user` may change the content of the course (its instructor, or superuser)."""
    if getattr(user, "is_superuser", False):
        return True
    return course_id is not None and (
        taught_courses(user, instructor_only=True).filter(id=course_id).exists()
    )


def can_view_course(user: AbstractBaseUser, course_id: int | None) -> bool:
    """Say whether `user` may see the course's learners' work (instructor, TA or superuser)."""
    if getattr(user, "is_superuser", False):
        return True
    return course_id is not None and taught_courses(user).filter(id=course_id).exists()
