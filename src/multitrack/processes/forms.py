"""Forms for the process and meeting pages: they parse input; the services decide and write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from multitrack.accounts.models import Role
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Conflict, Organisation, Person
from multitrack.processes.models import Attendance, FollowUp, Meeting, Process

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommaSeparatedField(forms.CharField):
    """A comma-separated text input that reads as a list of strings ("Arabic, English")."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        items: dict[str, None] = {}
        for piece in str(text or "").split(","):
            if piece.strip():
                items.setdefault(piece.strip(), None)
        return list(items)


class PersonChoiceField(forms.ModelChoiceField):
    """A select of people labelled the way the user may call them (real name or pseudonym)."""

    def __init__(self, *args: Any, label_for: Callable[[Person], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_for = label_for

    def label_from_instance(self, obj: Any) -> str:
        return self.label_for(obj)


class ProcessForm(forms.ModelForm):
    """Open or edit a process; conflicts and organisations are limited to those the user sees."""

    class Meta:
        model = Process
        fields = [
            "title",
            "conflict",
            "declared_track",
            "convener_organisation",
            "aims",
            "start_date",
            "end_date",
            "ground_rules",
            "retention_months",
        ]
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT}

    def __init__(
        self,
        *args: Any,
        conflicts: QuerySet[Conflict],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["conflict"].queryset = conflicts  # type: ignore[attr-defined]
        self.fields["convener_organisation"].queryset = organisations  # type: ignore[attr-defined]


class MemberAddForm(forms.Form):
    """Give a user, named by username, a role in the process."""

    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices)

    def clean_username(self) -> Any:
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError("There is no active account with that username.")
        return user


class MemberRoleForm(forms.Form):
    """Change a member's role."""

    role = forms.ChoiceField(choices=Role.choices)


class MeetingForm(forms.ModelForm):
    """Schedule or edit a meeting; languages are typed as comma-separated lists."""

    working_languages = CommaSeparatedField(
        required=False, help_text="Separate languages with commas, e.g. “Arabic, English”."
    )
    interpretation_languages = CommaSeparatedField(
        required=False, help_text="Languages interpreted into, separated by commas."
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "date",
            "place",
            "is_virtual",
            "declared_track",
            "status",
            "working_languages",
            "interpretation_languages",
        ]
        widgets = {"date": DATE_INPUT}
        labels = {"is_virtual": "Held online", "declared_track": "Declared track"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "Confirmed" is reached only through the confirmation page, which runs the checks
        # first; the form offers it only to keep an already confirmed meeting as it is.
        if self.instance.status != Meeting.Status.CONFIRMED:
            status = self.fields["status"]
            assert isinstance(status, forms.ChoiceField)  # noqa: S101  # nosec B101  # narrows the type for mypy
            status.choices = [
                (value, label)
                for value, label in Meeting.Status.choices
                if value != Meeting.Status.CONFIRMED
            ]


class AgendaItemForm(forms.Form):
    """A point to append to the agenda."""

    title = forms.CharField(max_length=300)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AttendanceAddForm(forms.Form):
    """Record that someone from the process's roster attended (or not) a meeting."""

    person = PersonChoiceField(queryset=Person.objects.none(), label_for=str)
    status = forms.ChoiceField(
        choices=Attendance.Status.choices, initial=Attendance.Status.ATTENDED
    )
    capacity_override = forms.ChoiceField(
        choices=[("", "From their affiliations on the day"), *Capacity.choices],
        required=False,
        label="Capacity",
    )
    is_acting_officially = forms.BooleanField(required=False, label="Acting officially")

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Person],
        label_for: Callable[[Person], str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, PersonChoiceField)  # noqa: S101  # nosec B101  # narrows the type for mypy
        field.queryset = people
        field.label_for = label_for


class AttendanceChangeForm(forms.Form):
    """Change an attendance row: status, capacity override, acting officially."""

    status = forms.ChoiceField(choices=Attendance.Status.choices)
    capacity_override = forms.ChoiceField(
        choices=[("", "From their affiliations on the day"), *Capacity.choices],
        required=False,
        label="Capacity",
    )
    is_acting_officially = forms.BooleanField(required=False, label="Acting officially")


class NoteForm(forms.Form):
    """A note on a meeting; the override reason is asked for only after a refusal."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Note")
    override_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Reason to save it anyway",
        help_text="Kept with the note and in the audit trail.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_override_reason = bool(self.data.get(self.add_prefix("override_reason")))


class FollowUpForm(forms.ModelForm):
    """An action agreed at a meeting: an owner from the roster or a free-text owner."""

    owner = PersonChoiceField(
        queryset=Person.objects.none(),
        label_for=str,
        required=False,
        empty_label="(nobody from the roster)",
    )

    class Meta:
        model = FollowUp
        fields = ["description", "owner", "owner_note", "due_date"]
        widgets = {"due_date": DATE_INPUT}
        labels = {"owner_note": "Or an owner not in the registry"}

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Person],
        label_for: Callable[[Person], str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, PersonChoiceField)  # noqa: S101  # nosec B101  # narrows the type for mypy
        field.queryset = people
        field.label_for = label_for


class AttachmentForm(forms.Form):
    """Attach a document to a meeting (its content is checked by the service, not here)."""

    file = forms.FileField(
        label="Document",
        allow_empty_file=True,  # the service says "The file is empty." in its own words
        help_text="PDF, Word (.docx), Excel (.xlsx), OpenDocument text (.odt), PNG, JPEG, plain "
        "text or CSV. Only members who may read this process's notes can open it.",
    )
