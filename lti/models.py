"""What binds the LMS to Unrolled: a context to a run, a resource link to an item, and the
outbox of scores to send back. django-lti (lti_tool) keeps registrations, deployments,
contexts, users and resource links; these rows point into it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from lti_tool.models import LtiContext, LtiResourceLink

from courses.models import Lesson, Run
from exercises.models import Exercise


class ContextRun(models.Model):
    """The run an LMS course (an LTI context) is taught in; made on its first launch."""

    context = models.OneToOneField(LtiContext, on_delete=models.CASCADE, related_name="unrolled")
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="lti_contexts")

    def __str__(self) -> str:
        return f"{self.context} → {self.run}"


class LinkTarget(models.Model):
    """What a resource link opens (a lesson or an exercise) and its LMS grade column."""

    resource_link = models.OneToOneField(
        LtiResourceLink, on_delete=models.CASCADE, related_name="unrolled"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, null=True, blank=True)
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, null=True, blank=True)
    lineitem_url = models.URLField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.resource_link} → {self.exercise or self.lesson}"


class ScoreOutbox(models.Model):
    """One learner's grade of one linked item, to send to its LMS line item.

    `version` grows with every grade change; `sent_version` is the last one delivered. The
    task sends the *current* grade, so an older score never overwrites a newer one, and a
    version already delivered is never sent again: a sender first claims the row.
    """

    target = models.ForeignKey(LinkTarget, on_delete=models.CASCADE, related_name="outbox")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    lms_user_id = models.CharField(max_length=255)
    version = models.PositiveIntegerField(default=0)
    sent_version = models.PositiveIntegerField(default=0)
    sent_score = models.FloatField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Who is sending now (lti.passback.claim_send): one sender per row, until claimed_until.
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "user"], name="one_outbox_row_per_grade")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.target}: v{self.version} (sent v{self.sent_version})"

    @property
    def pending(self) -> bool:
        return self.sent_version < self.version
