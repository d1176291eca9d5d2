"""People, organisations, their affiliations over time, conflicts and the parties to them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from multitrack.actors.capacity import CAPACITY_PRECEDENCE, Capacity
from multitrack.actors.countries import country_names, validate_country
from multitrack.encrypted_fields import (
    EncryptedCharField,
    EncryptedEmailField,
    EncryptedJSONField,
    EncryptedModel,
)


class Conflict(models.Model):
    """A conflict context: the setting in which dialogue processes run."""

    name = models.CharField(max_length=200, unique=True)
    summary = models.TextField(blank=True)
    quiet_channel_days = models.PositiveIntegerField(
        default=60,
        help_text="Warn when official talks are blocked and no informal channel between two "
        "parties has met for this many days.",
    )
    languages = models.JSONField(default=list, blank=True)
    customs = models.TextField(blank=True, help_text="Customs and etiquette to respect.")
    sensitivities = models.TextField(
        blank=True, help_text="Topics and gestures to handle with care."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("conflict-detail", args=[self.pk])


class ContestedTerm(models.Model):
    """A contested term in a conflict (e.g. one of two names for a place) and the neutral wording
    the convener chose, used to check drafts and non-papers."""

    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="contested_terms")
    term = models.CharField(max_length=200)
    neutral_wording = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True, help_text="Whose term it is, and why.")

    class Meta:
        ordering = ["conflict", "term"]
        constraints = [
            models.UniqueConstraint(fields=["conflict", "term"], name="term_once_per_conflict")
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.neutral_wording}"


class Party(models.Model):
    """A party or community in a conflict: a state, an armed group, a minority community."""

    class Kind(models.TextChoices):
        STATE = "state", "State"
        NON_STATE_PARTY = "non_state", "Non-state party"
        COMMUNITY = "community", "Community"

    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STATE)
    is_minority = models.BooleanField(default=False)

    class Meta:
        ordering = ["conflict__name", "name"]
        verbose_name_plural = "parties"
        constraints = [
            models.UniqueConstraint(
                fields=["conflict", "name"], name="party_name_unique_in_conflict"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A government body, university, NGO, religious institution or other organisation."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", "Government body"
        INTERGOVERNMENTAL = "intergovernmental", "Intergovernmental organisation"
        UNIVERSITY_OR_THINK_TANK = "university", "University / think tank"
        NGO_OR_CIVIL_SOCIETY = "ngo", "NGO / civil society"
        RELIGIOUS = "religious", "Religious institution"
        BUSINESS = "business", "Business"
        MEDIA = "media", "Media"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = models.CharField(max_length=100, blank=True)
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="organisations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation-detail", args=[self.pk])


FORGOTTEN_PREFIX = "Forgotten participant"


class ForgetReason(models.TextChoices):
    """Why a person was forgotten: a code, so no free text (which could name them) is kept."""

    REQUEST = "request", "The person asked to be forgotten"
    SAFETY = "safety", "Keeping the record puts the person at risk"
    RETENTION = "retention", "The retention period of their processes ended"
    ERROR = "error", "The person was recorded in error"


class Person(EncryptedModel):
    """A person in the registry.

    The pseudonym is what everyone without need-to-know sees; the display name and contact
    details only reach those allowed to see them.
    """

    class Gender(models.TextChoices):
        WOMAN = "woman", "Woman"
        MAN = "man", "Man"
        NON_BINARY = "non_binary", "Non-binary"
        UNDISCLOSED = "undisclosed", "Not disclosed"

    # Encrypted at rest (docs/decisions/0003): the real name, aliases and contact details.
    display_name = EncryptedCharField(max_length=200)
    pseudonym = models.CharField(max_length=100, unique=True)
    aliases = EncryptedJSONField(
        default=list, blank=True, help_text="Other names the person is known by."
    )
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.UNDISCLOSED)
    languages = models.JSONField(default=list, blank=True)
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[validate_country],
        help_text="ISO 3166-1 code, e.g. KE: its public holidays are checked before meetings.",
    )
    parties = models.ManyToManyField(Party, blank=True, related_name="people")
    email = EncryptedEmailField(blank=True)
    phone = EncryptedCharField(max_length=50, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once, by actors.services.person_forget: the row is then a placeholder ("Forgotten
    # participant 7") kept so attendance, counts and derived tracks stay right.
    forgotten_at = models.DateTimeField(null=True, blank=True, editable=False)
    forgotten_reason = models.CharField(
        max_length=20, choices=ForgetReason.choices, blank=True, editable=False
    )

    class Meta:
        ordering = ["pseudonym"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        # Never the real name: str() ends up in logs, admin breadcrumbs and error pages.
        return self.pseudonym

    def get_absolute_url(self) -> str:
        return reverse("person-detail", args=[self.pk])

    def clean(self) -> None:
        if not self.is_forgotten and (self.pseudonym or "").casefold().startswith(
            FORGOTTEN_PREFIX.casefold()
        ):
            message = f"Pseudonyms starting “{FORGOTTEN_PREFIX}” are kept for placeholders."
            raise ValidationError({"pseudonym": message})

    @property
    def is_forgotten(self) -> bool:
        """Whether the person was forgotten: the row is a placeholder, never edited again."""
        return self.forgotten_at is not None

    def capacity_on(self, date: datetime.date) -> Capacity | None:
        """The capacity this person holds on ``date``, from their affiliations (None if none)."""
        return capacity_from_affiliations(self.affiliations.all(), date)

    @property
    def country_name(self) -> str:
        """The country's English name ("Kenya"), or the code if unknown, or ""."""
        return country_names().get(self.country, self.country)

    def party_in(self, conflict_id: int) -> Party | None:
        """The person's party or community in a given conflict."""
        for party in self.parties.all():
            if party.conflict_id == conflict_id:
                return party
        return None


class Affiliation(models.Model):
    """A person's role at an organisation over a period, and the capacity it gives them."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="affiliations"
    )
    role = models.CharField(max_length=200, blank=True)
    capacity = models.CharField(max_length=30, choices=Capacity.choices)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["person", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="affiliation_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_capacity_display()}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The affiliation cannot end before it starts."})

    def is_active_on(self, date: datetime.date) -> bool:
        """Whether the affiliation covers ``date`` (open ends count as covering)."""
        starts_before = self.start_date is None or self.start_date <= date
        ends_after = self.end_date is None or self.end_date >= date
        return starts_before and ends_after


def capacity_from_affiliations(
    affiliations: models.QuerySet[Affiliation] | list[Affiliation], date: datetime.date
) -> Capacity | None:
    """The most official capacity among the affiliations active on ``date``."""
    active = [Capacity(a.capacity) for a in affiliations if a.is_active_on(date)]
    if not active:
        return None
    return min(active, key=CAPACITY_PRECEDENCE.index)
