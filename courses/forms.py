"""Forms for answering questions: they turn raw POST data into clean values or one message."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .models import Question
from .services import parse_numeric


class ChoiceAnswerForm(forms.Form):
    choice = forms.MultipleChoiceField(
        error_messages={
            "required": "Choose an answer before checking it.",
            "invalid_choice": "That option does not belong to this question; reload the page.",
        }
    )

    def __init__(self, *args, question: Question, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        self.fields["choice"].choices = [(str(c.id), c.text) for c in question.choices.all()]

    def clean_choice(self) -> list[int]:
        ids = [int(value) for value in self.cleaned_data["choice"]]
        if self.question.kind == Question.Kind.SINGLE and len(ids) != 1:
            raise ValidationError("Choose exactly one answer.")
        return ids


class NumericAnswerForm(forms.Form):
    answer = forms.CharField(
        max_length=100,
        error_messages={
            "required": "Type a number before checking your answer.",
            "max_length": "That answer is far too long to be a number.",
        },
    )

    def __init__(self, *args, question: Question, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.question = question

    def clean_answer(self) -> float:
        return parse_numeric(self.cleaned_data["answer"])


def answer_form(question: Question, data=None) -> forms.Form:
    """Return the form that answers `question`, bound to `data` when given."""
    if question.kind == Question.Kind.NUMERIC:
        return NumericAnswerForm(data, question=question)
    return ChoiceAnswerForm(data, question=question)


def first_error(form: forms.Form) -> str:
    """Return the form's first error message."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "That answer could not be read."
