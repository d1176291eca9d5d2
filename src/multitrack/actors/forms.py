"""Forms for the registry pages: they parse and check input; the services decide and write.

Choices (processes, parties, organisations) are always limited to what the user may see.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from multitrack.accounts.access import processes_where
from multitrack.accounts.permissions import Permission
from multitrack.actors import forgetting
from multitrack.actors.capacity import Capacity
from multitrack.actors.countries import country_choices
from multitrack.actors.models import ForgetReason, Organisation, Party, Person
from multitrack.actors.selectors import organisations_visible_to, parties_visible_to
from multitrack.processes.models import Process
from multitrack.processes.selectors import processes_visible_to

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommaSeparatedListField(forms.CharField):
    """A text input holding a comma-separated list ("Arabic, English") stored as a JSON list."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        items: dict[str, None] = {}  # keeps the order, drops repeats
        for piece in str(text or "").split(","):
            if piece.strip():
                items.setdefault(piece.strip(), None)
        return list(items)


def party_label(party: Party) -> str:
    """A party named with its conflict, since two conflicts may have a party of one name."""
    return f"{party.conflict.name}: {party.name}"


class PartiesField(forms.ModelMultipleChoiceField):
    """Checkboxes of parties, each labelled with its conflict."""

    def label_from_instance(self, obj: Any) -> str:
        return party_label(obj)


class PartyField(forms.ModelChoiceField):
    """A select of parties, each labelled with its conflict."""

    def label_from_instance(self, obj: Any) -> str:
        return party_label(obj)


def show_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (the rest above the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            form.add_error(target, messages)
    else:
        form.add_error(None, error.messages)


class PersonForm(forms.Form):
    """A person's details. Names and contact details are need-to-know: only editors see this."""

    pseudonym = forms.CharField(
        max_length=100,
        help_text="What everyone without need-to-know sees. Must be unique.",
    )
    display_name = forms.CharField(max_length=200, label="Real name")
    aliases = CommaSeparatedListField(
        required=False, help_text="Other names the person is known by, separated by commas."
    )
    gender = forms.ChoiceField(choices=Person.Gender.choices, initial=Person.Gender.UNDISCLOSED)
    languages = CommaSeparatedListField(
        required=False, help_text="Separated by commas, e.g. Arabic, English."
    )
    country = forms.ChoiceField(
        choices=country_choices,
        required=False,
        help_text="Their public holidays are checked before each meeting they are expected at.",
    )
    parties = PartiesField(
        queryset=Party.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="At most one party per conflict.",
    )
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=50, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = parties_visible_to(user=user)  # type: ignore[attr-defined]

    def clean_parties(self) -> list[Party]:
        parties = list(self.cleaned_data["parties"])
        if len({party.conflict_id for party in parties}) != len(parties):
            raise ValidationError("A person belongs to at most one party per conflict.")
        return parties


class PersonCreateForm(PersonForm):
    """A new person, placed on the roster of one of the user's processes."""

    process = forms.ModelChoiceField(
        queryset=Process.objects.none(),
        help_text="The person goes on this process's roster.",
    )

    field_order = ["process"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        processes = processes_where_user_edits_people(user)
        self.fields["process"].queryset = processes  # type: ignore[attr-defined]
        if len(processes) == 1:
            self.fields["process"].initial = processes[0]


def processes_where_user_edits_people(user: Any) -> Any:
    """The processes whose roster the user may add people to."""
    processes = processes_visible_to(user=user)
    if user.is_superuser:
        return processes
    return processes.filter(pk__in=processes_where(user, Permission.EDIT_PEOPLE))


class AffiliationForm(forms.Form):
    """A role a person held at an organisation, and the capacity it gave them, over a period."""

    capacity = forms.ChoiceField(choices=Capacity.choices)
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    role = forms.CharField(max_length=200, required=False)
    start_date = forms.DateField(required=False, widget=DATE_INPUT)
    end_date = forms.DateField(required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_visible_to(user=user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The affiliation cannot end before it starts.")
        return data


class OrganisationForm(forms.Form):
    """A new organisation."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Organisation.Kind.choices)
    country = forms.CharField(max_length=100, required=False)
    party = PartyField(
        queryset=Party.objects.none(),
        required=False,
        help_text="The party or community it belongs to, if any.",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = parties_visible_to(user=user)  # type: ignore[attr-defined]


class ConflictForm(forms.Form):
    """A new conflict context."""

    name = forms.CharField(max_length=200)
    summary = forms.CharField(widget=forms.Textarea, required=False)


class PartyForm(forms.Form):
    """A party or community in a conflict."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Party.Kind.choices, initial=Party.Kind.STATE)
    is_minority = forms.BooleanField(required=False, label="Minority community")


class ContestedTermForm(forms.Form):
    """A contested term of a conflict and the neutral wording chosen for it."""

    term = forms.CharField(max_length=200, help_text="As one side says it, e.g. a place name.")
    neutral_wording = forms.CharField(max_length=200, help_text="What drafts should say instead.")
    note = forms.CharField(max_length=300, required=False, help_text="Whose term it is, and why.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_term_%s")
        super().__init__(*args, **kwargs)


class ConflictContextForm(forms.Form):
    """A conflict's context profile: languages, customs and sensitivities."""

    languages = forms.CharField(
        max_length=300, required=False, help_text="Language codes, separated by commas: en, fr."
    )
    customs = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Customs and etiquette to respect.",
    )
    sensitivities = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Topics and gestures to handle with care.",
    )

    def clean_languages(self) -> list[str]:
        return [code.strip() for code in self.cleaned_data["languages"].split(",") if code.strip()]


class PersonForgetForm(forms.Form):
    """Confirm forgetting a person: why, and the pseudonym typed again (it cannot be undone)."""

    reason = forms.ChoiceField(
        choices=[(value, label) for value, label in ForgetReason.choices if value != "retention"]
    )
    drop_categories = forms.BooleanField(
        required=False,
        label="Also remove their gender, parties and stakeholder tags",
        help_text="Kept by default so past measures (share of women, party balance, channels) "
        "stay right; remove them if, with the name gone, they would still point to the person.",
    )
    also_remove = forms.CharField(
        required=False,
        label="Other words that name them",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Other words that name them in notes and texts of their processes (a surname "
        "used alone, a nickname), one per line, at least 4 letters and not a common word. "
        "Replaced too, and never stored.",
    )
    confirm = forms.CharField(
        max_length=100, label="Type the pseudonym to confirm", help_text="This cannot be undone."
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["confirm"].label = f"Type “{person.pseudonym}” to confirm"

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed.casefold() != self.person.pseudonym.casefold():
            raise ValidationError("Type the person's pseudonym exactly, to confirm.")
        return typed

    def clean_also_remove(self) -> list[str]:
        """The words, one a line; refused if any is shorter than 4 letters or a common word
        (it would be replaced in every text of the person's processes)."""
        return forgetting.refuse_common_words(self.cleaned_data["also_remove"].splitlines())
