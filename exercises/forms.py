"""The learner's code form: an Ace editor (Python mode) over a plain textarea."""

from django import forms
from django_ace import AceWidget


class SolutionForm(forms.Form):
    code = forms.CharField(
        label="Your code",
        required=False,
        strip=False,
        widget=AceWidget(
            mode="python",
            width="100%",
            height="24rem",
            tabsize=4,
            usesofttabs=True,
            showgutter=True,
            showprintmargin=False,
            toolbar=False,
            useworker=False,
            fontsize="15px",
            attrs={"spellcheck": "false", "autocapitalize": "off", "autocomplete": "off"},
        ),
    )
