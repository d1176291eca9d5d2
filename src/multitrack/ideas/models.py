"""Official talks (Track 1), ideas and how they travel to the official table, and non-papers.

Official talks belong to a conflict; ideas and non-papers belong to the process whose meeting
or consultation gave birth to them, so only that process's members ever see them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from multitrack.actors.models import Conflict, Party
from multitrack.ideas.rules import IdeaStage, OfficialStatus
from multitrack.processes.models import Meeting, Process
from multitrack.processes.rules import Track

# Official talks.


class OfficialTrack(models.Model):
    """An official negotiation track in a conflict, e.g. "Border talks"."""

    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="official_tracks")
    name = models.CharField(max_length=200)
    parties = models.ManyToManyField(Party, related_name="official_tracks")
    mediator = models.CharField(
        max_length=200,
        blank=True,
        help_text="The mediating state or intergovernmental organisation.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["conflict__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["conflict", "name"], name="official_track_once")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("official-track-detail", args=[self.pk])


class Round(models.Model):
    """One round of official talks: dates, venue, level and outcome."""

    class Level(models.TextChoices):
        LEADERS = "leaders", "Heads of state or government"
        MINISTERIAL = "ministerial", "Ministerial"
        SENIOR_OFFICIALS = "senior", "Senior officials"
        TECHNICAL = "technical", "Technical / expert"

    official_track = models.ForeignKey(
        OfficialTrack, on_delete=models.CASCADE, related_name="rounds"
    )
    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.SENIOR_OFFICIALS)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["official_track", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="round_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_date:%d %b %Y})"

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "A round cannot end before it starts."})


class StatusChange(models.Model):
    """A change in the status of an official track, dated and explained."""

    official_track = models.ForeignKey(
        OfficialTrack, on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(max_length=20, choices=OfficialStatus.choices)
    date = models.DateField()
    reason = models.CharField(max_length=500)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["official_track", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} since {self.date:%d %b %Y}"


class Agreement(models.Model):
    """An agreement reached in official talks, with its signatories and numbered provisions."""

    official_track = models.ForeignKey(
        OfficialTrack, on_delete=models.CASCADE, related_name="agreements"
    )
    title = models.CharField(max_length=300)
    date = models.DateField()
    signatories = models.ManyToManyField(Party, related_name="agreements_signed")
    other_signatories = models.CharField(
        max_length=300, blank=True, help_text="Witnesses and guarantors, e.g. the mediator."
    )

    class Meta:
        ordering = ["-date", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreement-detail", args=[self.pk])


class Provision(models.Model):
    """A numbered provision of an agreement, which ideas may have fed."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="provisions")
    number = models.CharField(max_length=20, help_text='As numbered in the text, e.g. "4.2".')
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["agreement", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="provision_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} § {self.number}"


# Ideas.

ORIGIN_MESSAGE = "An idea is born in exactly one place: choose a meeting or a consultation."


class Idea(models.Model):
    """A proposal, option, formula or confidence-building measure born in a process's meeting,
    or in a consultation (then linked to the bridging statements it came from)."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "Proposal"
        OPTION = "option", "Option"
        FORMULA = "formula", "Formula"
        CONFIDENCE_BUILDING_MEASURE = "cbm", "Confidence-building measure"

    class Issue(models.TextChoices):
        SECURITY = "security", "Security"
        TERRITORY = "territory", "Territory"
        GOVERNANCE = "governance", "Governance"
        JUSTICE = "justice", "Justice and historical grievances"
        IDENTITY = "identity", "Identity and culture"
        ECONOMY = "economy", "Economy and resources"
        HUMANITARIAN = "humanitarian", "Humanitarian"
        OTHER = "other", "Other"

    class Sensitivity(models.TextChoices):
        LOW = "low", "Low"
        MODERATE = "moderate", "Moderate"
        HIGH = "high", "High"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="ideas")
    # Exactly one origin: a meeting, or a consultation and the statements it came from.
    origin_meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ideas_born",
        help_text="The meeting where it was born.",
    )
    origin_consultation = models.ForeignKey(
        "consultations.Consultation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ideas_born",
        help_text="The consultation where it was born.",
    )
    origin_statements = models.ManyToManyField(
        "consultations.Statement",
        blank=True,
        related_name="ideas_born",
        help_text="The consultation's bridging statements it came from.",
    )
    title = models.CharField(max_length=200)
    summary = models.TextField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PROPOSAL)
    issue = models.CharField(max_length=20, choices=Issue.choices)
    sensitivity = models.CharField(
        max_length=20, choices=Sensitivity.choices, default=Sensitivity.MODERATE
    )
    # The latest stage change, kept here so the pipeline board filters without a subquery.
    stage = models.CharField(max_length=30, choices=IdeaStage.choices, default=IdeaStage.RAISED)
    adopted_in = models.ForeignKey(
        Provision, null=True, blank=True, on_delete=models.PROTECT, related_name="ideas_adopted"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(origin_meeting__isnull=False, origin_consultation__isnull=True)
                | Q(origin_meeting__isnull=True, origin_consultation__isnull=False),
                name="idea_born_in_one_place",
                violation_error_message=ORIGIN_MESSAGE,
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("idea-detail", args=[self.pk])

    def clean(self) -> None:
        if bool(self.origin_meeting_id) == bool(self.origin_consultation_id):
            raise ValidationError(ORIGIN_MESSAGE, code="origin")
        meeting = self.origin_meeting if self.origin_meeting_id else None
        if meeting is not None and self.process_id and meeting.process_id != self.process_id:
            raise ValidationError({"origin_meeting": "Choose a meeting of this process."})
        consultation = self.origin_consultation if self.origin_consultation_id else None
        if (
            consultation is not None
            and consultation.process_id is not None
            and consultation.process_id != self.process_id
        ):
            message = "Choose a consultation of this process, or one that stands alone."
            raise ValidationError({"origin_consultation": message})

    @property
    def is_from_consultation(self) -> bool:
        return self.origin_consultation_id is not None

    @property
    def origin_date(self) -> datetime.date:
        """When it was born: the meeting's date, or the day its consultation opened."""
        if self.origin_meeting_id:
            return self.origin_meeting.date  # type: ignore[union-attr]
        consultation = self.origin_consultation
        opened = consultation.opens_at or consultation.created_at  # type: ignore[union-attr]
        return timezone.localdate(opened)


class IdeaStageChange(models.Model):
    """A dated, explained move of an idea from one stage to the next."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="stage_changes")
    stage = models.CharField(max_length=30, choices=IdeaStage.choices)
    date = models.DateField()
    reason = models.CharField(max_length=500)
    provision = models.ForeignKey(
        Provision, null=True, blank=True, on_delete=models.PROTECT, related_name="stage_changes"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["idea", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.idea}: {self.get_stage_display()} on {self.date:%d %b %Y}"


class IdeaVersion(models.Model):
    """An idea as reworked at a later meeting, possibly in another process and at another track.

    The track is read from the meeting's attendance when the version is recorded and kept, so
    the journey shows it even to members who may not see that meeting.
    """

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    summary = models.TextField()
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="idea_versions"
    )
    track = models.CharField(max_length=3, choices=Track.choices, blank=True)
    date = models.DateField()
    note = models.CharField(max_length=500, blank=True, help_text="What changed, and why.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["idea", "number"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "number"], name="idea_version_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.idea} v{self.number}"


class Transfer(models.Model):
    """How an idea was carried towards official talks, and what was said back.

    Under the Chatham House Rule a transfer never names who first said what: the carrier is a
    kind, and the free-text description is checked against the registry before it is saved.
    """

    class CarrierKind(models.TextChoices):
        PARTICIPANT = "participant", "A participant who also sits in official circles"
        CONVENER = "convener", "The convener"
        NON_PAPER = "non_paper", "A written non-paper"
        BRIEFING = "briefing", "A briefing"

    class RecipientKind(models.TextChoices):
        NEGOTIATOR = "negotiator", "Negotiator"
        MEDIATOR_TEAM = "mediator_team", "Mediator team"
        MINISTRY = "ministry", "Ministry"
        PARLIAMENT = "parliament", "Parliament"
        PUBLIC = "public", "Public"

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="transfers")
    date = models.DateField()
    carrier_kind = models.CharField(max_length=20, choices=CarrierKind.choices)
    carrier_description = models.CharField(
        max_length=500, blank=True, help_text="How it was carried. Never who first said it."
    )
    recipient_kind = models.CharField(max_length=20, choices=RecipientKind.choices)
    official_track = models.ForeignKey(
        OfficialTrack, null=True, blank=True, on_delete=models.SET_NULL, related_name="transfers"
    )
    is_direct = models.BooleanField(default=True)
    response = models.TextField(blank=True, help_text="What was said back.")
    attribution_override_reason = models.TextField(blank=True)
    attribution_override_terms = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["idea", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.idea} → {self.get_recipient_kind_display()} on {self.date:%d %b %Y}"

    def clean(self) -> None:
        official_track = self.official_track if self.official_track_id else None
        if (
            official_track is not None
            and self.idea_id
            and official_track.conflict_id != self.idea.process.conflict_id
        ):
            raise ValidationError({"official_track": "Choose official talks of this conflict."})


# Non-papers.


class NonPaper(models.Model):
    """An unattributed document for officials, drafted from selected ideas of one process."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="non_papers")
    title = models.CharField(max_length=200)
    context = models.TextField(blank=True)
    # Flagged words (folded) the convener chose to keep, with the reason; see rules.check_text.
    override_terms = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("non-paper-detail", args=[self.pk])


class NonPaperOption(models.Model):
    """One option in a non-paper: an idea rewritten for officials, with its rationale."""

    non_paper = models.ForeignKey(NonPaper, on_delete=models.CASCADE, related_name="options")
    idea = models.ForeignKey(Idea, on_delete=models.PROTECT, related_name="non_paper_options")
    position = models.PositiveIntegerField(default=0)
    heading = models.CharField(max_length=200)
    text = models.TextField()
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["non_paper", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["non_paper", "idea"], name="idea_once_per_non_paper")
        ]

    def __str__(self) -> str:
        return self.heading


class Export(models.Model):
    """One export of a non-paper: who, when, in which format, and a fingerprint of what."""

    class Format(models.TextChoices):
        MARKDOWN = "md", "Markdown"
        DOCX = "docx", "Word (DOCX)"
        PDF = "pdf", "PDF"

    non_paper = models.ForeignKey(NonPaper, on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=10, choices=Format.choices)
    sha256 = models.CharField(max_length=64)
    overridden_terms = models.JSONField(default=list, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    exported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-exported_at"]

    def __str__(self) -> str:
        return f"{self.non_paper} as {self.get_format_display()}"
