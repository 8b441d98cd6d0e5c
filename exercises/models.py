"""Coding exercises, their known mistakes, and learners' submissions."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from courses.models import Lesson, Run, default_run_id
from grader.grading import DEFAULT_ATOL, DEFAULT_MEMORY_MB, DEFAULT_RTOL, DEFAULT_TIME_LIMIT_MS


class Exercise(models.Model):
    class Check(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        PASSED = "passed", "Reference check passed"
        FAILED = "failed", "Reference check failed"

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="exercises")
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)
    entry_point = models.CharField(max_length=100, help_text="The function the learner writes.")
    returns = models.JSONField(
        default=list, blank=True, help_text="Names of the returned components, in order."
    )
    prompt = models.TextField(help_text="Markdown; math in $…$ and $$…$$.")
    starter_code = models.TextField(blank=True)
    reference_code = models.TextField()
    cases_code = models.TextField(help_text="Python defining make_cases() -> list of cases.")
    rtol = models.FloatField(default=DEFAULT_RTOL)
    atol = models.FloatField(default=DEFAULT_ATOL)
    time_limit_ms = models.PositiveIntegerField(default=DEFAULT_TIME_LIMIT_MS)
    memory_mb = models.PositiveIntegerField(default=DEFAULT_MEMORY_MB)
    published = models.BooleanField(default=False)
    check_status = models.CharField(
        max_length=10, choices=Check.choices, default=Check.UNCHECKED, editable=False
    )
    checked_version = models.CharField(max_length=64, blank=True, editable=False)
    check_report = models.JSONField(default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["lesson__course", "lesson__order", "order", "id"]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("exercise", kwargs={"exercise_slug": self.slug})


class KnownMistake(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="mistakes")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    message = models.TextField(help_text="Shown to a learner whose outputs match this variant.")
    code = models.TextField(help_text="The reference with this one mistake.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["exercise", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "slug"], name="mistake_slug_unique_in_exercise"
            )
        ]

    def __str__(self) -> str:
        return self.title


class MistakeVariant(models.Model):
    """Another way of writing a known mistake (`mistakes/<slug>/<name>.py`); it names it too."""

    mistake = models.ForeignKey(KnownMistake, on_delete=models.CASCADE, related_name="variants")
    name = models.SlugField(help_text="The file name in the course folder, without .py.")
    code = models.TextField(help_text="The reference with the same mistake, written otherwise.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["mistake", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mistake", "name"], name="variant_name_unique_in_mistake"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mistake.slug}/{self.name}"


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        ERROR = "error", "Error"

    class Kind(models.TextChoices):
        SUBMIT = "submit", "Submission"
        RUN = "run", "Run of the examples"

    class Fault(models.TextChoices):
        SUBMISSION = "submission", "The submitted code could not be graded"
        PLATFORM = "platform", "Our side failed (not an attempt; regraded)"

    FINAL = (Status.PASSED, Status.FAILED, Status.ERROR)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    # PROTECT: learners' graded work outlives any edit of the content; unpublish instead.
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="submissions")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.SUBMIT)
    code = models.TextField()
    status = models.CharField(
        max_length=7, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    exercise_version = models.CharField(max_length=64, blank=True)
    score = models.FloatField(null=True, blank=True)
    tests = models.JSONField(default=list, blank=True)
    misconception = models.TextField(blank=True)
    misconception_slug = models.CharField(max_length=50, blank=True)
    message = models.TextField(blank=True)
    stdout = models.TextField(blank=True)
    # Whose fault an ERROR is; empty for every other status (the API says null).
    fault = models.CharField(max_length=10, choices=Fault.choices, blank=True, default="")
    duration_ms = models.FloatField(null=True, blank=True)
    # Times the grading was (re)started: infrastructure retries, never learner attempts.
    deliveries = models.PositiveIntegerField(default=0)
    # The run it was made in, and the late penalty (a fraction of the score) it was accepted
    # with: lateness is judged when the submission is accepted, never when it is graded.
    run = models.ForeignKey(
        Run, on_delete=models.PROTECT, related_name="submissions", null=True, blank=True
    )
    late_penalty = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "exercise", "-created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.exercise} by {self.user}: {self.status}"

    def save(self, *args, **kwargs) -> None:
        if self.run_id is None:
            self.run_id = default_run_id(self.exercise.lesson.course_id)
        super().save(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def is_platform_fault(self) -> bool:
        return self.status == self.Status.ERROR and self.fault == self.Fault.PLATFORM


class ApiToken(models.Model):
    """A learner's API token; only its SHA-256 is stored, the token is shown once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"API token of {self.user}"


class ItemPolicy(models.Model):
    """An exercise's deadline and rules in one run. Without one, the exercise is self-paced."""

    class Late(models.TextChoices):
        CLOSED = "closed", "Closed after the due date"
        PENALTY = "penalty", "Accepted with a penalty per day late"

    class HiddenResults(models.TextChoices):
        IMMEDIATELY = "immediately", "Immediately"
        AFTER_DUE = "after_due", "Only after the due date"

    class Counting(models.TextChoices):
        BEST = "best", "Best submission"
        LAST = "last", "Last submission"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="policies")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="policies")
    due_at = models.DateTimeField(null=True, blank=True)
    late = models.CharField(max_length=7, choices=Late.choices, default=Late.CLOSED)
    penalty_per_day = models.FloatField(
        default=0.1, help_text="Fraction of the score lost per started day late (0.1 = 10 %)."
    )
    max_submissions = models.PositiveIntegerField(
        null=True, blank=True, help_text="Graded submissions allowed; empty: no limit."
    )
    cooldown_s = models.PositiveIntegerField(
        default=0, help_text="Seconds to wait between graded submissions."
    )
    hidden_results = models.CharField(
        max_length=11, choices=HiddenResults.choices, default=HiddenResults.IMMEDIATELY
    )
    counting = models.CharField(max_length=4, choices=Counting.choices, default=Counting.BEST)

    class Meta:
        ordering = ["run", "due_at", "id"]
        verbose_name_plural = "item policies"
        constraints = [
            models.UniqueConstraint(fields=["run", "exercise"], name="one_policy_per_run_item")
        ]

    def __str__(self) -> str:
        return f"{self.exercise} in {self.run}"


class GradeOverride(models.Model):
    """A grade set by staff for one learner and item in a run; every change is kept (audit)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="grade_overrides")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grade_overrides"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="overrides")
    score = models.FloatField(help_text="0 to 1; replaces the computed grade.")
    reason = models.TextField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grade_overrides_set"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} on {self.exercise}: {self.score:.2f} ({self.reason[:40]})"
