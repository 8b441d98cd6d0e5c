"""The demo accounts `make run` creates, and the Instructors group they rely on."""

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

DEMO_LEARNER = ("learner", "unrolled-learner")
DEMO_INSTRUCTOR = ("instructor", "unrolled-instructor")
INSTRUCTORS_GROUP = "Instructors"

# Instructors author content and read submissions; they never change a learner's data.
INSTRUCTOR_PERMISSIONS = {
    "courses": {
        "course": ("add", "change", "delete", "view"),
        "lesson": ("add", "change", "delete", "view"),
        "question": ("add", "change", "delete", "view"),
        "choice": ("add", "change", "delete", "view"),
        "questionmistake": ("add", "change", "delete", "view"),
        "questionattempt": ("view",),
        "run": ("add", "change", "view"),
        "enrollment": ("add", "change", "delete", "view"),
    },
    "exercises": {
        "exercise": ("add", "change", "delete", "view"),
        "knownmistake": ("add", "change", "delete", "view"),
        "mistakevariant": ("add", "change", "delete", "view"),
        "submission": ("view",),
        "itempolicy": ("add", "change", "delete", "view"),
        "gradeoverride": ("view",),
    },
}


@transaction.atomic
def ensure_instructors_group() -> Group:
    """Create or update the Instructors group with exactly its authoring permissions."""
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    wanted = []
    for app_label, models in INSTRUCTOR_PERMISSIONS.items():
        for model, actions in models.items():
            codenames = [f"{action}_{model}" for action in actions]
            wanted += Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
    group.permissions.set(wanted)
    return group


@transaction.atomic
def ensure_demo_accounts() -> list[tuple[str, str]]:
    """Create the demo learner and instructor if missing; return their credentials."""
    group = ensure_instructors_group()
    learner, created = User.objects.get_or_create(username=DEMO_LEARNER[0])
    if created:
        learner.set_password(DEMO_LEARNER[1])
        learner.save()
    instructor, created = User.objects.get_or_create(
        username=DEMO_INSTRUCTOR[0], defaults={"is_staff": True}
    )
    if created:
        instructor.set_password(DEMO_INSTRUCTOR[1])
        instructor.save()
    instructor.groups.add(group)
    # The demo instructor teaches every course (in its self-paced run).
    from courses.models import Course, Enrollment
    from courses.runs import default_run, enroll

    for course in Course.objects.all():
        enroll(user=instructor, run=default_run(course), role=Enrollment.Role.INSTRUCTOR)
    return [DEMO_LEARNER, DEMO_INSTRUCTOR]
