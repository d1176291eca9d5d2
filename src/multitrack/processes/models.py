"""Dialogue processes, their meetings, attendance, agendas, notes and follow-ups."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Conflict, Organisation, Person
from multitrack.encrypted_fields import (
    EncryptedCharField,
    EncryptedJSONField,
    EncryptedModel,
    EncryptedTextField,
)
from multitrack.processes.rules import Track


class GroundRules(models.TextChoices):
    """How what is said in a meeting may be used afterwards."""

    CHATHAM_HOUSE = "chatham_house", "Chatham House Rule"
    OFF_THE_RECORD = "off_the_record", "Off the record"
    ON_THE_RECORD = "on_the_record", "On the record"


class Process(models.Model):
    """A long-running dialogue process: a series of meetings under one set of ground rules."""

    conflict = models.ForeignKey(Conflict, on_delete=models.PROTECT, related_name="processes")
    title = models.CharField(max_length=200)
    declared_track = models.CharField(max_length=3, choices=Track.choices, default=Track.TRACK_2)
    convener_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="convened_processes",
    )
    aims = models.TextField(blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    ground_rules = models.CharField(
        max_length=20, choices=GroundRules.choices, default=GroundRules.CHATHAM_HOUSE
    )
    retention_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1200)],
        help_text="Keep meeting notes, attachments, relationship ties and who answered a survey "
        "for this many months after each meeting, and the people only in this process for this "
        "many months after the process ends. Empty: keep everything.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "processes"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="process_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("process-detail", args=[self.pk])

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The process cannot end before it starts."})


class ProcessParticipant(models.Model):
    """A person on a process's roster: invited to take part, whether or not they came."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="roster")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="process_roles")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "person"], name="person_once_per_process")
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.process}"


class Meeting(models.Model):
    """One meeting of a process: when, where, in which languages, and who was in the room."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        CONFIRMED = "confirmed", "Confirmed"  # planned, and its checks were read (meeting_confirm)
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(max_length=200)
    date = models.DateField()
    place = models.CharField(max_length=200, blank=True)
    is_virtual = models.BooleanField(default=False)
    declared_track = models.CharField(
        max_length=3,
        choices=Track.choices,
        blank=True,
        help_text="Leave empty to use the process's declared track.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    working_languages = models.JSONField(default=list, blank=True)
    interpretation_languages = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d %b %Y})"

    def get_absolute_url(self) -> str:
        return reverse("meeting-detail", args=[self.pk])

    @property
    def effective_declared_track(self) -> str:
        """The track its organisers declared: the meeting's own, else the process's."""
        return self.declared_track or self.process.declared_track


class AgendaItem(models.Model):
    """A point on a meeting's agenda."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """Whether a person attended a meeting, and in which capacity.

    The capacity is read from the person's affiliations at the meeting's date unless a
    facilitator recorded it explicitly here.
    """

    class Status(models.TextChoices):
        ATTENDED = "attended", "Attended"
        EXCUSED = "excused", "Excused"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ATTENDED)
    capacity_override = models.CharField(
        max_length=30,
        choices=Capacity.choices,
        blank=True,
        help_text="Only when it differs from what the person's affiliations say on the day.",
    )
    is_acting_officially = models.BooleanField(
        default=False,
        help_text="A serving official attending on behalf of their government, "
        "not in a personal capacity.",
    )

    class Meta:
        ordering = ["meeting", "person__pseudonym"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"], name="attendance_once_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} at {self.meeting}: {self.get_status_display()}"

    @property
    def capacity(self) -> Capacity | None:
        """The capacity the person held at this meeting."""
        if self.capacity_override:
            return Capacity(self.capacity_override)
        return self.person.capacity_on(self.meeting.date)


class Note(EncryptedModel):
    """A non-attributed note of what was said in a meeting.

    The text, and the override's reason and quoted names, are encrypted at rest
    (docs/decisions/0003).
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notes")
    text = EncryptedTextField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)
    attribution_override_reason = EncryptedTextField(
        blank=True,
        help_text="Why the note was saved although it names someone from the registry.",
    )
    # The registry names the note was saved with: as identifying as the names themselves.
    attribution_override_terms = EncryptedJSONField(default=list, blank=True)

    class Meta:
        ordering = ["meeting", "written_at"]

    def __str__(self) -> str:
        return f"Note on {self.meeting}"


class FollowUp(models.Model):
    """An action agreed at a meeting, with an owner and a due date."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="follow_ups")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    owner_note = models.CharField(
        max_length=200,
        blank=True,
        help_text="An owner who is not in the registry, e.g. 'convening team'.",
    )
    due_date = models.DateField(null=True, blank=True)
    is_done = models.BooleanField(default=False)

    class Meta:
        ordering = ["is_done", "due_date", "pk"]

    def __str__(self) -> str:
        return self.description


class MeetingAttachment(EncryptedModel):
    """A confidential document attached to a meeting (agenda papers, minutes, a photo).

    The file lies in the upload folder under a random name, encrypted at rest and bound to this
    attachment (``processes.attachment_files``); the name the user gave it is kept here, made
    safe and encrypted, with the size and SHA-256 of the plaintext. It is served only through
    the access-checked download view.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    # Relative to MEDIA_ROOT: attachments/<random>.sealed (older rows keep their first name).
    file = models.FileField(max_length=200)
    original_name = EncryptedCharField(max_length=150)
    content_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField()  # of the plaintext
    # Of the plaintext; encrypted, since in clear it would confirm a guessed document.
    sha256 = EncryptedCharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "uploaded_at", "pk"]

    def __str__(self) -> str:
        # Not the file's name: it is confidential, and str() ends up in logs and error pages.
        return f"Attachment {self.pk}"
