"""Forms for ideas, official talks and non-papers: they parse input; the services decide and write.

Every choice of a related object is limited to what the user may see.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from multitrack.actors.models import Conflict, Party
from multitrack.ideas.models import (
    Agreement,
    Idea,
    NonPaper,
    OfficialTrack,
    Provision,
    Round,
    StatusChange,
    Transfer,
)
from multitrack.ideas.rules import ALLOWED_STAGE_CHANGES, Flag, IdeaStage
from multitrack.processes.models import Meeting

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OVERRIDE_HELP = (
    "Only if the text must name someone from the registry: say why. The reason is kept and audited."
)


class IdeaForm(forms.ModelForm):
    """Record an idea born in one of the process's meetings."""

    override_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=OVERRIDE_HELP
    )

    class Meta:
        model = Idea
        fields = ["title", "summary", "kind", "issue", "sensitivity", "origin_meeting"]
        labels = {"origin_meeting": "Born in"}

    def __init__(self, *args: Any, meetings: QuerySet[Meeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["origin_meeting"].queryset = meetings  # type: ignore[attr-defined]


class StageChangeForm(forms.Form):
    """Move an idea to its next stage."""

    stage = forms.ChoiceField(choices=IdeaStage.choices)
    date = forms.DateField(widget=DATE_INPUT)
    reason = forms.CharField(max_length=500)
    provision = forms.ModelChoiceField(
        queryset=Provision.objects.none(),
        required=False,
        help_text="For an adopted idea: the agreement provision it fed.",
    )

    def __init__(
        self, *args: Any, current: IdeaStage, provisions: QuerySet[Provision], **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", "id_stage_%s")
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_STAGE_CHANGES[current]
        self.fields["stage"].choices = [  # type: ignore[attr-defined]
            (stage.value, stage.label) for stage in IdeaStage if stage in allowed
        ]
        self.fields["provision"].queryset = provisions  # type: ignore[attr-defined]


class VersionForm(forms.Form):
    """Record a reworked version of an idea."""

    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    date = forms.DateField(widget=DATE_INPUT)
    meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.none(), required=False, help_text="Where it was reworked."
    )
    note = forms.CharField(max_length=500, required=False, help_text="What changed, and why.")
    override_reason = forms.CharField(required=False, help_text=OVERRIDE_HELP)

    def __init__(self, *args: Any, meetings: QuerySet[Meeting], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_version_%s")
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]


class TransferForm(forms.ModelForm):
    """Record how an idea was carried towards official talks."""

    override_reason = forms.CharField(required=False, help_text=OVERRIDE_HELP)

    class Meta:
        model = Transfer
        fields = [
            "date",
            "carrier_kind",
            "carrier_description",
            "recipient_kind",
            "official_track",
            "is_direct",
            "response",
        ]
        widgets = {"date": DATE_INPUT, "response": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, official_tracks: QuerySet[OfficialTrack], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_transfer_%s")
        super().__init__(*args, **kwargs)
        self.fields["official_track"].queryset = official_tracks  # type: ignore[attr-defined]


class PartiesMixin:
    def limit_parties(self, conflict: Conflict, *names: str) -> None:
        for name in names:
            field = self.fields[name]  # type: ignore[attr-defined]
            field.queryset = Party.objects.filter(conflict=conflict)
            field.widget = forms.CheckboxSelectMultiple()
            field.widget.choices = field.choices


class OfficialTrackForm(PartiesMixin, forms.ModelForm):
    """Record an official negotiation track and the parties at its table."""

    class Meta:
        model = OfficialTrack
        fields = ["name", "mediator", "parties"]

    def __init__(self, *args: Any, conflict: Conflict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_parties(conflict, "parties")


class RoundForm(forms.ModelForm):
    """Record a round of official talks."""

    class Meta:
        model = Round
        fields = ["title", "start_date", "end_date", "venue", "level", "outcome"]
        widgets = {
            "start_date": DATE_INPUT,
            "end_date": DATE_INPUT,
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_round_%s")
        super().__init__(*args, **kwargs)


class StatusForm(forms.ModelForm):
    """Record a change in the status of official talks."""

    class Meta:
        model = StatusChange
        fields = ["status", "date", "reason"]
        widgets = {"date": DATE_INPUT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_status_%s")
        super().__init__(*args, **kwargs)


class AgreementForm(PartiesMixin, forms.ModelForm):
    """Record an agreement and its signatories."""

    class Meta:
        model = Agreement
        fields = ["title", "date", "signatories", "other_signatories"]
        widgets = {"date": DATE_INPUT}

    def __init__(self, *args: Any, conflict: Conflict, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_agreement_%s")
        super().__init__(*args, **kwargs)
        self.limit_parties(conflict, "signatories")


class ProvisionForm(forms.ModelForm):
    """Add a numbered provision to an agreement."""

    class Meta:
        model = Provision
        fields = ["number", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class NonPaperCreateForm(forms.Form):
    """Draft a non-paper from selected ideas."""

    title = forms.CharField(max_length=200)
    context = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    ideas = forms.ModelMultipleChoiceField(
        queryset=Idea.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, ideas: QuerySet[Idea], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ideas"].queryset = ideas  # type: ignore[attr-defined]


class NonPaperEditForm(forms.Form):
    """Rewrite a non-paper: title, context, and each option's heading, text and rationale."""

    title = forms.CharField(max_length=200)
    context = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, non_paper: NonPaper, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"title": non_paper.title, "context": non_paper.context})
        super().__init__(*args, **kwargs)
        self.option_ids: list[int] = []
        for number, option in enumerate(non_paper.options.all(), start=1):
            self.option_ids.append(option.pk)
            prefix = f"option_{option.pk}_"
            self.fields[prefix + "heading"] = forms.CharField(
                max_length=200, label=f"Option {number}: heading", initial=option.heading
            )
            self.fields[prefix + "text"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 3}),
                label=f"Option {number}: text",
                initial=option.text,
            )
            self.fields[prefix + "rationale"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                label=f"Option {number}: rationale",
                initial=option.rationale,
            )

    def options(self) -> dict[int, dict[str, str]]:
        """The cleaned option fields, by option id."""
        return {
            pk: {
                name: self.cleaned_data[f"option_{pk}_{name}"]
                for name in ("heading", "text", "rationale")
            }
            for pk in self.option_ids
        }


class OverrideForm(forms.Form):
    """Keep some flagged words on purpose, with a reason."""

    words = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, flags: list[Flag], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_override_%s")
        super().__init__(*args, **kwargs)
        self.fields["words"].choices = [  # type: ignore[attr-defined]
            (flag.key, flag.words) for flag in flags if not flag.is_overridden
        ]


class BoardFilterForm(forms.Form):
    """Filter the pipeline board by issue and process."""

    issue = forms.ChoiceField(choices=[("", "Any issue"), *Idea.Issue.choices], required=False)
    process = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, processes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["process"].choices = [("", "Any process"), *processes]  # type: ignore[attr-defined]
