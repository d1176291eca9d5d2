"""Forms for what conveners and facilitators enter: categories, calendars, venues, ties, surveys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Party, Person
from multitrack.insights.checks import calendar_choices
from multitrack.practice.models import RelationshipTie, StakeholderCategory, Survey
from multitrack.processes.models import Meeting, Process


class _PersonChoice(forms.ModelChoiceField):
    def __init__(self, *args: Any, label_for: Callable[[Person], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._label_for = label_for

    def label_from_instance(self, obj: Any) -> str:
        return self._label_for(obj)


def _parties(process: Process) -> Any:
    return Party.objects.filter(conflict_id=process.conflict_id).order_by("name")


class CategoryForm(forms.Form):
    label = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=StakeholderCategory.Kind.choices)
    party = forms.ModelChoiceField(queryset=Party.objects.none(), required=False)
    capacity = forms.ChoiceField(choices=[("", "—"), *Capacity.choices], required=False)
    tag = forms.CharField(max_length=50, required=False)
    minimum_count = forms.IntegerField(min_value=0, required=False)
    minimum_percent = forms.IntegerField(min_value=0, max_value=100, required=False)

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = _parties(process)  # type: ignore[attr-defined]


class TagForm(forms.Form):
    person = _PersonChoice(queryset=Person.objects.none(), label_for=str)
    tag = forms.CharField(max_length=50, help_text="The tag of a tagged category, e.g. diaspora.")

    def __init__(
        self, *args: Any, people: Any, label_for: Callable[[Person], str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        field.queryset = people  # type: ignore[attr-defined]
        field._label_for = label_for  # type: ignore[attr-defined]


class CalendarForm(forms.Form):
    party = forms.ModelChoiceField(queryset=Party.objects.none())
    calendar = forms.ChoiceField(choices=())

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = _parties(process)  # type: ignore[attr-defined]
        self.fields["calendar"].choices = calendar_choices()  # type: ignore[attr-defined]


class ObservanceForm(forms.Form):
    name = forms.CharField(max_length=200)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    recurs_yearly = forms.BooleanField(required=False)
    party = forms.ModelChoiceField(
        queryset=Party.objects.none(), required=False, help_text="Empty: it matters to everyone."
    )

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = _parties(process)  # type: ignore[attr-defined]


class VenueForm(forms.Form):
    party = forms.ModelChoiceField(queryset=Party.objects.none())
    venue = forms.CharField(max_length=200)
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = _parties(process)  # type: ignore[attr-defined]


class TieForm(forms.Form):
    person = _PersonChoice(queryset=Person.objects.none(), label_for=str)
    other = _PersonChoice(queryset=Person.objects.none(), label_for=str)
    kind = forms.ChoiceField(choices=RelationshipTie.Kind.choices)
    strength = forms.IntegerField(min_value=1, max_value=5, initial=3)
    observed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    formed_at = forms.ModelChoiceField(queryset=Meeting.objects.none(), required=False)

    def __init__(
        self,
        *args: Any,
        process: Process,
        people: Any,
        label_for: Callable[[Person], str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("person", "other"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]
            self.fields[name]._label_for = label_for  # type: ignore[attr-defined]
        self.fields["formed_at"].queryset = process.meetings.order_by("-date")  # type: ignore[attr-defined]


class SurveyForm(forms.Form):
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.none())
    phase = forms.ChoiceField(choices=Survey.Phase.choices)
    is_anonymous = forms.BooleanField(
        required=False, initial=True, help_text="Untick only if respondents agreed to be named."
    )
    custom_questions = forms.CharField(
        widget=forms.Textarea,
        required=False,
        help_text="Your own questions, one a line, answered on a 1-7 scale.",
    )

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = process.meetings.order_by("-date")  # type: ignore[attr-defined]


class ResponseForm(forms.Form):
    """One field per item, plus the respondent's own party (optional)."""

    respondent_party = forms.ModelChoiceField(queryset=Party.objects.none(), required=False)

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["respondent_party"].queryset = _parties(survey.process)  # type: ignore[attr-defined]
        for item in survey.items.all():
            self.fields[f"item_{item.pk}"] = forms.FloatField(
                label=item.text,
                min_value=item.scale_min,
                max_value=item.scale_max,
                required=False,
            )

    def answers(self) -> dict[int, float]:
        return {
            int(name.removeprefix("item_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("item_") and value is not None
        }
