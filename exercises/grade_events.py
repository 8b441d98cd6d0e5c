"""A signal sent whenever a learner's grade of an item in a run may have changed.

Sent after a graded submission is final and after a staff override, once the change is
committed. Receivers (the LTI grade passback) read the current grade themselves.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from exercises.models import Submission

# Arguments: run (courses.Run), user_id (int), exercise (exercises.Exercise).
grade_changed = Signal()


def announce_graded_submission(submission_id: int) -> None:
    """Send grade_changed for a graded submission that just became final (after commit)."""
    if not grade_changed.has_listeners():
        return
    submission = (
        Submission.objects.select_related("run", "exercise")
        .filter(id=submission_id, kind=Submission.Kind.SUBMIT)
        .first()
    )
    if submission is None or submission.run is None:
        return
    transaction.on_commit(
        lambda: grade_changed.send(
            sender=Submission,
            run=submission.run,
            user_id=submission.user_id,
            exercise=submission.exercise,
        )
    )
