"""Consultations: statements, participants, votes (effective and their history), stored maps."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

VOTE_CHOICES = [(1, "Agree"), (-1, "Disagree"), (0, "Pass")]


_COUNTER_FIELDS = ("last_participant_number", "map_requested_at")


def new_public_key() -> str:
    """The unguessable part of a consultation's participant link."""
    return secrets.token_urlsafe(12)


def hash_secret(raw: str) -> str:
    """Browser identities and invitation tokens are stored only as their SHA-256."""
    return hashlib.sha256(raw.encode()).hexdigest()


class Consultation(models.Model):
    """A question put to many people, who answer by voting on short statements."""

    class Moderation(models.TextChoices):
        PRE = "pre", "Pre-moderation: new statements wait for a moderator"
        POST = "post", "Post-moderation: new statements show at once, moderators may remove them"

    class Access(models.TextChoices):
        LINK = "link", "Anyone with the link"
        INVITED = "invited", "Invited participants only (one-time links)"

    class ResultsVisibility(models.TextChoices):
        MEMBERS = "members", "Only members of the process"
        PARTICIPANTS = "participants", "Participants, after they have voted"
        PUBLIC = "public", "Anyone with the link"

    process = models.ForeignKey(
        "processes.Process",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="consultations",
        help_text="Leave empty for a consultation that stands alone.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    question = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    languages = models.JSONField(default=list, blank=True, help_text="Language codes, e.g. en, fr.")
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    moderation = models.CharField(max_length=4, choices=Moderation.choices, default=Moderation.PRE)
    access = models.CharField(max_length=8, choices=Access.choices, default=Access.LINK)
    results_visibility = models.CharField(
        max_length=12, choices=ResultsVisibility.choices, default=ResultsVisibility.MEMBERS
    )
    accepts_statements = models.BooleanField(
        default=True, help_text="Participants may write their own statements."
    )
    statement_max_length = models.PositiveSmallIntegerField(default=280)
    public_key = models.CharField(max_length=32, unique=True, default=new_public_key)
    # Participant numbers are issued from this counter: one short row update, no table lock.
    last_participant_number = models.PositiveIntegerField(default=0, editable=False)
    # Set while a recompute is queued and has not started: votes in between queue nothing more.
    map_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(statement_max_length__gte=20) & Q(statement_max_length__lte=1000),
                name="consultation_statement_length_sensible",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The counters are advanced by single-row updates elsewhere; saving a copy read
        # earlier must never write them back (that would reissue participant numbers).
        if (
            not self._state.adding
            and not kwargs.get("force_insert")
            and (kwargs.get("update_fields") is None)
        ):
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in _COUNTER_FIELDS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("consultation-detail", args=[self.pk])

    def clean(self) -> None:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "The consultation must close after it opens."})
        if not 20 <= self.statement_max_length <= 1000:
            raise ValidationError({"statement_max_length": "Choose between 20 and 1000."})
        languages = self.languages or []
        if not isinstance(languages, list) or not all(
            isinstance(code, str) and 2 <= len(code) <= 8 for code in languages
        ):
            raise ValidationError({"languages": "Give language codes such as en, fr, pt-BR."})

    def participant_url(self) -> str:
        return reverse("participate", args=[self.public_key])

    def is_open(self, now: Any = None) -> bool:
        """Whether votes and statements are accepted now."""
        now = now or timezone.now()
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)


class Participant(models.Model):
    """Someone taking part: known only by a per-browser secret (stored hashed) or an invitation."""

    class Origin(models.TextChoices):
        INVITED = "invited", "Invited"
        ANONYMOUS = "anonymous", "Anonymous"
        IMPORTED = "imported", "Imported"

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="participants"
    )
    number = models.PositiveIntegerField(help_text="Voter id in exports.")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="participant_number_once"
            )
        ]

    def __str__(self) -> str:
        return f"Participant {self.number}"


class Invitation(models.Model):
    """A one-time link for an invited participant; the token itself is never stored."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    participant = models.OneToOneField(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation {self.pk} to {self.consultation}"


class Statement(models.Model):
    """A short statement participants vote on."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for moderation"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="statements"
    )
    number = models.PositiveIntegerField(help_text="Comment id in exports.")
    text = models.TextField()
    language = models.CharField(max_length=8, blank=True)
    author = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    is_seed = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    is_meta = models.BooleanField(default=False)
    moderation_reason = models.CharField(max_length=200, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="statement_number_once")
        ]

    def __str__(self) -> str:
        return f"Statement {self.number}"


class Vote(models.Model):
    """The effective vote of a participant on a statement: exactly one per pair.

    Every vote cast is also appended to :class:`VoteRecord`; changing a vote updates this row
    and appends a record, so history is never lost.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=VOTE_CHOICES)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "statement"], name="one_effective_vote_per_statement"
            ),
            models.CheckConstraint(condition=Q(value__in=[-1, 0, 1]), name="vote_value_known"),
        ]
        indexes = [models.Index(fields=["consultation", "cast_at"])]

    def __str__(self) -> str:
        return f"{self.participant} on {self.statement}: {self.value}"


class VoteRecord(models.Model):
    """Append-only history: every vote ever cast, tagged with where it came from."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="vote_records"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="vote_records"
    )
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(choices=VOTE_CHOICES)
    origin = models.CharField(max_length=10, choices=Participant.Origin.choices)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cast_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__in=[-1, 0, 1]), name="vote_record_value_known"
            )
        ]
        indexes = [models.Index(fields=["consultation", "cast_at"])]

    def __str__(self) -> str:
        return f"{self.participant} on {self.statement}: {self.value} at {self.cast_at:%H:%M:%S}"


class OpinionMap(models.Model):
    """A stored result of the opinion engine; enough to reproduce it (version, random state).

    Each fit stores a map of everyone's votes and, when the consultation has both anonymous
    and invited (or imported) participants, a second map of the invited participants' votes
    only, with the same ``computed_at``: an anonymous vote is bounded only by a cookie.
    """

    class Participants(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        INVITED = "invited", "Invited participants only"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="maps")
    participants = models.CharField(
        max_length=8,
        choices=Participants.choices,
        default=Participants.EVERYONE,
        help_text="Whose votes the map is fitted on: everyone's, or only those of participants "
        "who are not anonymous (invited or imported).",
    )
    computed_at = models.DateTimeField(default=timezone.now)
    engine_version = models.CharField(max_length=100)
    random_state = models.BigIntegerField()
    n_participants = models.PositiveIntegerField(default=0)
    n_statements = models.PositiveIntegerField(default=0)
    n_votes = models.PositiveIntegerField(default=0)
    last_vote_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)
    state = models.JSONField(default=dict, help_text="Warm start for the next fit.")
    warm_start_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"Map of {self.consultation_id} at {self.computed_at:%Y-%m-%d %H:%M}"


class RateCount(models.Model):
    """A rate-limit counter: how many actions under ``key`` in the window ending at ``window_end``.

    Counted with a single atomic upsert (``limits.hit``), so every web process shares the same
    counts. On PostgreSQL the table is UNLOGGED: no write-ahead log, so counting costs no disk
    flush; after a server crash the counters start again from zero, which only forgives a minute
    of votes. Keys hold no address, only a keyed hash (see ``limits.address_hash``).
    """

    key = models.CharField(max_length=80, primary_key=True)
    window_end = models.BigIntegerField(help_text="Unix time at which this count expires.")
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
