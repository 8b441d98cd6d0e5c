"""Reads for instructors' statistics on questions."""

from __future__ import annotations

from dataclasses import dataclass, field

from courses.models import Choice, Question, QuestionAttempt


@dataclass
class ChoiceCount:
    choice: Choice
    count: int
    share: float


@dataclass
class QuestionStats:
    """How learners answered one question."""

    question: Question
    attempts: int = 0
    learners: int = 0
    first_try_correct: int = 0
    choices: list[ChoiceCount] = field(default_factory=list)

    @property
    def first_try_correct_share(self) -> float | None:
        """Return the share of learners whose first attempt was correct (None: no learner)."""
        return self.first_try_correct / self.learners if self.learners else None


def question_stats(question: Question, runs=None) -> QuestionStats:
    """Return how often each option was chosen and how many learners were right at first try
    (in `runs` only, if given)."""
    attempts = QuestionAttempt.objects.filter(question=question)
    if runs is not None:
        attempts = attempts.filter(run__in=runs)
    stats = QuestionStats(question=question, attempts=attempts.count())
    first_by_user: dict[int, bool] = {}
    for user_id, correct in attempts.order_by("created_at", "id").values_list(
        "user_id", "is_correct"
    ):
        first_by_user.setdefault(user_id, correct)
    stats.learners = len(first_by_user)
    stats.first_try_correct = sum(first_by_user.values())
    chosen = QuestionAttempt.chosen.through.objects.filter(
        questionattempt__in=attempts.values("id")
    )
    counts: dict[int, int] = {}
    for choice_id in chosen.values_list("choice_id", flat=True):
        counts[choice_id] = counts.get(choice_id, 0) + 1
    for choice in question.choices.order_by("order", "id"):
        count = counts.get(choice.id, 0)
        share = count / stats.attempts if stats.attempts else 0.0
        stats.choices.append(ChoiceCount(choice=choice, count=count, share=share))
    return stats
