"""Forms: they parse and check input; services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from multitrack.consultations.models import Consultation
from multitrack.consultations.services import MAX_INVITATIONS_AT_ONCE, Decision

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,4})?$")


class LanguagesField(forms.CharField):
    """Language codes typed as "en, fr", kept as a list."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        codes = [code.strip() for code in text.replace(";", ",").split(",") if code.strip()]
        bad = [code for code in codes if not _LANGUAGE.match(code)]
        if bad:
            raise forms.ValidationError(f"Not a language code: {', '.join(bad)}")
        return codes


class ConsultationForm(forms.ModelForm):
    """A consultation's settings; on creation also its seed statements."""

    languages = LanguagesField(required=False, help_text="Language codes, e.g. en, fr, ar.")
    seed_statements = forms.CharField(
        required=False,
        widget=forms.Textarea,
        help_text="One statement per line; they are shown to participants at once.",
    )

    class Meta:
        model = Consultation
        fields = [
            "title",
            "question",
            "description",
            "languages",
            "opens_at",
            "closes_at",
            "moderation",
            "access",
            "results_visibility",
            "accepts_statements",
            "statement_max_length",
        ]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["seed_statements"]

    def seeds(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("seed_statements", "").splitlines()]


class SeedForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea, max_length=1000, label="Statement")


class InvitationsForm(forms.Form):
    count = forms.IntegerField(
        min_value=1, max_value=MAX_INVITATIONS_AT_ONCE, initial=10, label="How many links"
    )


class ModerationForm(forms.Form):
    """One decision, for one statement or a selection."""

    numbers = forms.TypedMultipleChoiceField(coerce=int, choices=(), label="Statements")
    decision = forms.ChoiceField(
        choices=[(Decision.ACCEPT, "Accept"), (Decision.REJECT, "Reject"), (Decision.META, "Meta")]
    )
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["numbers"].choices = [(n, str(n)) for n in numbers]  # type: ignore[attr-defined]


class VoteForm(forms.Form):
    statement = forms.IntegerField(min_value=1)
    value = forms.TypedChoiceField(
        coerce=int, choices=[("1", "Agree"), ("-1", "Disagree"), ("0", "Pass")]
    )


class StatementForm(forms.Form):
    """A participant's own statement."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Your statement")
    language = forms.ChoiceField(required=False, choices=())
    confirm = forms.BooleanField(
        required=False,
        label="It says something different: add it anyway",
        widget=forms.CheckboxInput,
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text = self.fields["text"]
        text.max_length = consultation.statement_max_length  # type: ignore[attr-defined]
        text.widget.attrs["maxlength"] = str(consultation.statement_max_length)
        text.help_text = f"At most {consultation.statement_max_length} characters, one idea."
        languages = consultation.languages or []
        self.fields["language"].choices = [(code, code) for code in languages]  # type: ignore[attr-defined]
        if len(languages) <= 1:
            self.fields["language"].widget = forms.HiddenInput()


class ImportForm(forms.Form):
    """A Pol.is export: a zip of its CSVs, or votes.csv and comments.csv."""

    archive = forms.FileField(
        required=False, help_text="A .zip holding votes.csv and comments.csv."
    )
    votes = forms.FileField(required=False, label="votes.csv")
    comments = forms.FileField(required=False, label="comments.csv")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("archive") and not data.get("votes"):
            raise forms.ValidationError("Choose a .zip export or a votes.csv file.")
        return data
