"""Shapes of the JSON API's requests and responses (they make /api/openapi.json)."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field


class SubmissionIn(Schema):
    code: str = Field(description="The Python source, at most 64 KiB as UTF-8.")
    kind: Literal["submit", "run"] = Field(
        "submit", description='"run" grades only the visible examples and is not an attempt.'
    )


class SubmissionCreated(Schema):
    id: int
    status: Literal["queued"]
    url: str


class TestOut(Schema):
    name: str
    passed: bool
    message: str


class SubmissionOut(Schema):
    id: int
    exercise: str
    kind: Literal["submit", "run"]
    status: Literal["queued", "running", "passed", "failed", "error"]
    score: float | None
    tests: list[TestOut]
    misconception: str | None
    message: str = Field(description="One sentence on the state or the result, for a person.")
    retrying: bool = Field(
        description="Grading hit a problem on our side and is being retried (never an attempt)."
    )
    fault: Literal["submission", "platform"] | None = Field(
        description=(
            'null unless status is "error"; then "submission" (the code could not be graded) '
            'or "platform" (our side failed: never an attempt, and it is graded again).'
        )
    )
    created_at: datetime
    graded_at: datetime | None


class Error(Schema):
    detail: str
