"""What conveners enter so best practice can be measured: who should be in the room, which days
and venues to avoid, relationships between participants, and surveys before and after meetings.

Surveys are anonymous by default: an anonymous response stores no person, no time and no
user who entered it — only the answers and, if the respondent gave it, their own party.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Party, Person
from multitrack.encrypted_fields import EncryptedCharField, EncryptedIntegerField, EncryptedModel
from multitrack.insights.checks import calendar_for
from multitrack.insights.measures import CategoryKind
from multitrack.processes.models import Meeting, Process


def _same_conflict(process: Process, party: Party | None, field: str) -> None:
    if party is not None and party.conflict_id != process.conflict_id:
        raise ValidationError({field: "The party belongs to another conflict."})


class StakeholderCategory(models.Model):
    """A category of people who should be in the room, with the convener's target per meeting."""

    class Kind(models.TextChoices):
        # The same values as insights.measures.CategoryKind, which the measures read.
        PARTY = CategoryKind.PARTY.value, "Party or community"
        CAPACITY = CategoryKind.CAPACITY.value, "Capacity (sector)"
        WOMEN = CategoryKind.WOMEN.value, "Women"
        MINORITY = CategoryKind.MINORITY.value, "Minorities"
        TAGGED = CategoryKind.TAGGED.value, "Tagged by the convener (diaspora, youth...)"

    process = models.ForeignKey(
        Process, on_delete=models.CASCADE, related_name="stakeholder_categories"
    )
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    capacity = models.CharField(max_length=30, choices=Capacity.choices, blank=True)
    tag = models.CharField(
        max_length=50, blank=True, help_text="For tagged categories, e.g. 'diaspora' or 'youth'."
    )
    minimum_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="At least this many people at each meeting."
    )
    minimum_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="At least this share of those in the room, in percent.",
    )

    class Meta:
        ordering = ["process", "label"]
        verbose_name_plural = "stakeholder categories"
        constraints = [
            models.UniqueConstraint(fields=["process", "label"], name="category_label_once"),
            models.CheckConstraint(
                condition=Q(minimum_percent__isnull=True) | Q(minimum_percent__lte=100),
                name="category_percent_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        needs = {
            CategoryKind.PARTY: ("party", self.party_id),
            CategoryKind.CAPACITY: ("capacity", self.capacity),
            CategoryKind.TAGGED: ("tag", self.tag),
        }
        if self.kind in needs:
            field, value = needs[CategoryKind(self.kind)]
            if not value:
                raise ValidationError({field: "This kind of category needs it."})
        if self.minimum_count is None and self.minimum_percent is None:
            raise ValidationError("Set a target: a minimum count, a minimum share, or both.")
        if self.process_id and self.party_id:
            _same_conflict(self.process, self.party, "party")


class StakeholderTag(models.Model):
    """The convener's word that a person belongs to a tagged category (diaspora, youth...)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="stakeholder_tags")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    tag = models.CharField(max_length=50)

    class Meta:
        ordering = ["process", "tag", "person"]
        constraints = [
            models.UniqueConstraint(fields=["process", "person", "tag"], name="tag_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.tag}"


class PartyCalendar(models.Model):
    """A calendar whose holidays a party or community observes (see insights.checks)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="party_calendars")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    calendar = models.CharField(
        max_length=40, help_text="'jewish', 'islamic', 'orthodox' or 'country:XX'."
    )

    class Meta:
        ordering = ["process", "party", "calendar"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "party", "calendar"], name="calendar_once_per_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party}: {self.calendar}"

    def clean(self) -> None:
        try:
            calendar_for(self.calendar)
        except ValueError as error:
            raise ValidationError({"calendar": str(error)}) from None
        if self.process_id and self.party_id:
            _same_conflict(self.process, self.party, "party")


class Observance(models.Model):
    """A day the convener wants meetings kept off: for one party, or for everyone."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="observances")
    party = models.ForeignKey(
        Party,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Leave empty when it matters to everyone.",
    )
    name = models.CharField(max_length=200)
    date = models.DateField()
    recurs_yearly = models.BooleanField(default=False)

    class Meta:
        ordering = ["process", "date"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.process_id and self.party_id:
            _same_conflict(self.process, self.party, "party")


class RefusedVenue(models.Model):
    """A venue (city, country or building) a party will not meet in."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="refused_venues")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    venue = models.CharField(max_length=200)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["process", "party", "venue"]
        constraints = [
            models.UniqueConstraint(fields=["process", "party", "venue"], name="venue_refused_once")
        ]

    def __str__(self) -> str:
        return f"{self.party} refuses {self.venue}"

    def clean(self) -> None:
        if self.process_id and self.party_id:
            _same_conflict(self.process, self.party, "party")


class RelationshipTie(EncryptedModel):
    """A relationship between two participants, as a facilitator observed it on a date.

    What the relationship is (its kind and strength) is encrypted at rest; that a tie exists
    between two people is not (docs/decisions/0003).
    """

    class Kind(models.TextChoices):
        KNOWS = "knows", "Knows"
        WORKS_WITH = "works_with", "Works with"
        TRUSTS = "trusts", "Trusts"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="ties")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = EncryptedCharField(max_length=20, choices=Kind.choices, default=Kind.KNOWS)
    # 1 to 5, checked by the validators: the database cannot check a value it cannot read.
    strength = EncryptedIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    observed_on = models.DateField()
    formed_at = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The meeting at which the tie formed, if it formed at one.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["process", "-observed_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(person=F("other")), name="tie_between_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display().lower()} {self.other}"

    def clean(self) -> None:
        if self.person_id and self.person_id == self.other_id:
            raise ValidationError({"other": "A tie is between two different people."})
        meeting = self.formed_at if self.formed_at_id else None
        if meeting is not None and self.process_id and meeting.process_id != self.process_id:
            raise ValidationError({"formed_at": "The meeting belongs to another process."})


class Survey(models.Model):
    """A questionnaire given before or after a meeting. Anonymous unless the convener says not."""

    class Phase(models.TextChoices):
        BEFORE = "before", "Before the meeting"
        AFTER = "after", "After the meeting"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="surveys")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="surveys")
    phase = models.CharField(max_length=10, choices=Phase.choices)
    title = models.CharField(max_length=200)
    is_anonymous = models.BooleanField(
        default=True, help_text="Anonymous surveys never store who answered."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["process", "meeting__date", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "phase"], name="one_survey_per_phase")
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.meeting_id and self.process_id and self.meeting.process_id != self.process_id:
            raise ValidationError({"meeting": "The meeting belongs to another process."})


class SurveyItem(models.Model):
    """One question. Standard items (thermometer, trust, agreement) match across before/after."""

    class Kind(models.TextChoices):
        THERMOMETER = "thermometer", "Feeling thermometer (0-100)"
        TRUST = "trust", "Trust in the other party's participants (1-7)"
        AGREEMENT = "agreement", "Perceived possibility of agreement (1-7)"
        CUSTOM = "custom", "Convener's own question"

    SCALES = {
        Kind.THERMOMETER: (0, 100),
        Kind.TRUST: (1, 7),
        Kind.AGREEMENT: (1, 7),
    }

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    toward_party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(max_length=300)
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=7)

    class Meta:
        ordering = ["survey", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        if self.scale_max <= self.scale_min:
            raise ValidationError({"scale_max": "The scale must run upwards."})
        needs_party = self.kind in (self.Kind.THERMOMETER, self.Kind.TRUST)
        if needs_party and self.toward_party_id is None:
            raise ValidationError({"toward_party": "This item is about another party."})

    @property
    def key(self) -> tuple[str, int | None, str]:
        """What matches an item before a meeting with the same item after it."""
        text = self.text if self.kind == self.Kind.CUSTOM else ""
        return (self.kind, self.toward_party_id, text)


class SurveyResponse(models.Model):
    """One respondent's answers. No timestamp: an entry time could point to who answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent_party = models.ForeignKey(
        Party,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The respondent's own party, if they gave it.",
    )
    respondent = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Only ever set for surveys that are not anonymous.",
    )

    class Meta:
        ordering = ["survey", "pk"]

    def __str__(self) -> str:
        return f"Response to {self.survey}"

    def clean(self) -> None:
        if self.respondent_id and self.survey.is_anonymous:
            raise ValidationError({"respondent": "This survey is anonymous."})


class SurveyAnswer(models.Model):
    """One answer on an item's scale."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(SurveyItem, on_delete=models.CASCADE, related_name="answers")
    value = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.value:g}"

    def clean(self) -> None:
        if self.item_id and not self.item.scale_min <= self.value <= self.item.scale_max:
            raise ValidationError(
                {"value": f"Answer between {self.item.scale_min} and {self.item.scale_max}."}
            )
