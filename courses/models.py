"""Courses, lessons and questions, and what each learner has done with them."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    published = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("course", kwargs={"course_slug": self.slug})


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown; math in $…$ and $$…$$.")
    order = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="lesson_slug_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lesson", kwargs={"course_slug": self.course.slug, "lesson_slug": self.slug})


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice (select all that apply)"
        NUMERIC = "numeric", "Numeric, randomised per learner"

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="questions")
    slug = models.SlugField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    prompt = models.TextField(help_text="Markdown; numeric questions use {name} fields.")
    explanation = models.TextField(
        blank=True, help_text="Shown once the learner has answered correctly."
    )
    order = models.PositiveIntegerField(default=0)
    tolerance = models.FloatField(default=1e-3, help_text="Relative tolerance (numeric only).")
    absolute_tolerance = models.FloatField(
        default=5e-4,
        help_text="Absolute tolerance (numeric only): an answer is accepted within "
        "absolute tolerance + relative tolerance × |answer|.",
    )
    solution = models.TextField(
        blank=True,
        help_text="Numeric only: the worked solution, Markdown with {name:.4f} fields filled "
        "with the learner's own parameters, the values steps(p) returns, and {answer}.",
    )
    parameters_code = models.TextField(
        blank=True, help_text="Python defining generate(rng) -> dict (numeric only)."
    )
    answer_code = models.TextField(
        blank=True,
        help_text="Python defining answer(p) -> float and, optionally, steps(p) -> dict of "
        "the intermediate values the worked solution shows (numeric only).",
    )
    # The pool of variants the workers computed, and from which code (see courses.numeric).
    variants_version = models.CharField(max_length=64, blank=True, editable=False)
    variants_error = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lesson", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "slug"], name="question_slug_unique_in_lesson"
            )
        ]

    def __str__(self) -> str:
        return self.slug


class QuestionMistake(models.Model):
    """A typical wrong method of a numeric question: code computing its answer, and a message."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="mistakes")
    slug = models.SlugField()
    message = models.TextField(help_text="Markdown: what went wrong, and where to read again.")
    code = models.TextField(help_text="Python defining answer(p) -> the wrong method's answer.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["question", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "slug"], name="question_mistake_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return self.slug


class QuestionVariant(models.Model):
    """One set of numbers of a numeric question, computed by a worker in the sandbox.

    Each learner is mapped to one variant of the question's pool; the web tier only reads them.
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="variants")
    index = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    parameters = models.JSONField()
    answer = models.FloatField()
    # Named intermediate values for the worked solution, and each known mistake's answer.
    steps = models.JSONField(default=dict)
    mistakes = models.JSONField(default=dict)

    class Meta:
        ordering = ["question", "index"]
        constraints = [
            models.UniqueConstraint(fields=["question", "index"], name="question_variant_index")
        ]

    def __str__(self) -> str:
        return f"{self.question} #{self.index}"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.TextField()
    is_correct = models.BooleanField(default=False)
    feedback = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class QuestionAttempt(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_attempts"
    )
    # PROTECT: a learner's answers outlive any edit of the content; unpublish instead.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="attempts")
    chosen = models.ManyToManyField(Choice, blank=True, related_name="attempts")
    numeric_answer = models.FloatField(null=True, blank=True)
    # The known mistake a wrong numeric answer matched (its slug), if any.
    mistake = models.SlugField(blank=True)
    score = models.FloatField(default=0.0)
    is_correct = models.BooleanField(default=False)
    # The run the learner answered in (their course's default run unless enrolled elsewhere).
    run = models.ForeignKey(
        "Run", on_delete=models.PROTECT, related_name="question_attempts", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} on {self.question}: {self.score:.2f}"

    def save(self, *args, **kwargs) -> None:
        if self.run_id is None:
            self.run_id = default_run_id(self.question.lesson.course_id)
        super().save(*args, **kwargs)


class LessonRead(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons_read"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_read_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.lesson}"


class Run(models.Model):
    """One offering of a course (e.g. "Spring 2027"): its learners, staff, dates and rules.

    The content is shared by every run of the course. Each course has one default run,
    open to anyone: self-paced learners work there without enrolling.
    """

    class Enrollment(models.TextChoices):
        OPEN = "open", "Open: anyone signed in may join"
        CODE = "code", "With a join code"
        LMS = "lms", "Only through the LMS (LTI launch or roster sync)"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="runs")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    is_default = models.BooleanField(
        default=False, editable=False, help_text="The self-paced run every learner is in."
    )
    enrollment = models.CharField(max_length=4, choices=Enrollment.choices, default=Enrollment.CODE)
    join_code = models.CharField(
        max_length=40, blank=True, help_text="Learners type it on the course page to join."
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="Due dates are shown in this zone, e.g. Europe/Berlin.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "-is_default", "-starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="run_slug_unique_in_course"),
            models.UniqueConstraint(
                fields=["course"],
                condition=models.Q(is_default=True),
                name="one_default_run_per_course",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.title}: {self.title}"

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from django.core.exceptions import ValidationError

        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                {"time_zone": f"“{self.time_zone}” is not a time zone; use e.g. Europe/Berlin."}
            ) from None
        if self.enrollment == self.Enrollment.CODE and not self.join_code.strip():
            raise ValidationError({"join_code": "Give a join code, or choose another enrollment."})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The run must end after it starts."})


class Enrollment(models.Model):
    """A person's place in a run: learner, teaching assistant or instructor."""

    class Role(models.TextChoices):
        LEARNER = "learner", "Learner"
        TA = "ta", "Teaching assistant"
        INSTRUCTOR = "instructor", "Instructor"

    class Source(models.TextChoices):
        OPEN = "open", "Joined an open run"
        CODE = "code", "Joined with the code"
        LMS = "lms", "Through the LMS"
        STAFF = "staff", "Added by staff"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.LEARNER)
    source = models.CharField(max_length=5, choices=Source.choices, default=Source.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["run", "user"], name="one_enrollment_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.run} as {self.get_role_display()}"


def default_run_id(course_id: int) -> int | None:
    """Return the id of the course's default run (made with the course), or None."""
    return (
        Run.objects.filter(course_id=course_id, is_default=True)
        .values_list("id", flat=True)
        .first()
    )


from .figures import Figure  # noqa: E402, F401 - the model lives with the rest of figure support
