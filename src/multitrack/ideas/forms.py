"""Forms for ideas, official talks and non-papers: they parse input; the services decide and write.

Every choice of a related object is limited to what the user may see.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import QuerySet

from multitrack.actors.models import Conflict, Party
from multitrack.consultations.models import Consultation, Statement
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
from multitrack.ideas.selectors import ORIGINS, BridgingStatement
from multitrack.processes.models import Meeting

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OVERRIDE_HELP = (
    "Only if the text must name someone from the registry: say why. The reason is kept and audited."
)


class StatementChoiceField(forms.ModelMultipleChoiceField):
    """Bridging statements, each shown with its group-aware consensus in the latest map."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consensus: dict[int, float] = {}
        self.prefix_titles = False

    def label_from_instance(self, obj: Any) -> str:
        label = f"#{obj.number} {obj.text}"
        if obj.pk in self.consensus:
            label += f" (group-aware consensus {self.consensus[obj.pk]:.2f})"
        if self.prefix_titles:
            label = f"{obj.consultation.title}: {label}"
        return label


class IdeaForm(forms.ModelForm):
    """Record an idea born in one of the process's meetings, or in a consultation (with the
    bridging statements it came from)."""

    origin = forms.ChoiceField(
        choices=[("meeting", "A meeting"), ("consultation", "A consultation")],
        required=False,
        widget=forms.RadioSelect,
        label="Born in",
        help_text="Left empty: a consultation if one is chosen below, else a meeting.",
    )
    origin_statements = StatementChoiceField(
        queryset=Statement.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Bridging statements it came from",
        help_text="From the consultation's latest opinion map: agreed on in every group.",
    )
    override_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=OVERRIDE_HELP
    )

    class Meta:
        model = Idea
        fields = [
            "title",
            "summary",
            "kind",
            "issue",
            "sensitivity",
            "origin",
            "origin_meeting",
            "origin_consultation",
            "origin_statements",
        ]
        labels = {"origin_meeting": "Meeting", "origin_consultation": "Consultation"}

    def __init__(
        self,
        *args: Any,
        meetings: QuerySet[Meeting],
        consultations: QuerySet[Consultation],
        bridging: list[BridgingStatement],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["origin_meeting"].queryset = meetings  # type: ignore[attr-defined]
        self.fields["origin_consultation"].queryset = consultations  # type: ignore[attr-defined]
        statements = self.fields["origin_statements"]
        statements.queryset = Statement.objects.filter(  # type: ignore[attr-defined]
            pk__in=[b.statement.pk for b in bridging]
        ).select_related("consultation")
        statements.consensus = {b.statement.pk: b.consensus for b in bridging}  # type: ignore[attr-defined]
        statements.prefix_titles = len({b.statement.consultation_id for b in bridging}) > 1  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        # Only the chosen origin counts: whatever was picked for the other one is dropped.
        data = super().clean() or {}
        if not data.get("origin"):
            chosen_consultation = data.get("origin_consultation") and not data.get("origin_meeting")
            data["origin"] = "consultation" if chosen_consultation else "meeting"
        if data["origin"] == "consultation":
            data["origin_meeting"] = None
        else:
            data["origin_consultation"] = None
            data["origin_statements"] = []
        return data

    def full_clean(self) -> None:
        # The model's clean() and its constraint both say "exactly one origin": show it once.
        super().full_clean()
        if self.is_bound and self.errors.get(NON_FIELD_ERRORS):
            unique = [str(e) for e in dict.fromkeys(self.errors[NON_FIELD_ERRORS])]
            self.errors[NON_FIELD_ERRORS] = self.error_class(unique, error_class="nonfield")

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned data as ``services.idea_record`` takes it."""
        return {k: v for k, v in self.cleaned_data.items() if k != "origin"}


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
    """Filter the pipeline board by issue, process and origin."""

    issue = forms.ChoiceField(choices=[("", "Any issue"), *Idea.Issue.choices], required=False)
    process = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    origin = forms.ChoiceField(choices=[("", "Born anywhere"), *ORIGINS], required=False)

    def __init__(self, *args: Any, processes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["process"].choices = [("", "Any process"), *processes]  # type: ignore[attr-defined]
