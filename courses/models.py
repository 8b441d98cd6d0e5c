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
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} on {self.question}: {self.score:.2f}"


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


from .figures import Figure  # noqa: E402, F401 - the model lives with the rest of figure support
