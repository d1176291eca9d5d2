"""factory_boy factories for the registry and processes."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model

from multitrack.accounts.models import Membership, Role
from multitrack.actors.capacity import Capacity
from multitrack.actors.models import Affiliation, Conflict, Organisation, Party, Person
from multitrack.processes.models import Attendance, Meeting, Process, ProcessParticipant


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class ConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conflict

    name = factory.Sequence(lambda n: f"Conflict {n}")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    conflict = factory.SubFactory(ConflictFactory)
    name = factory.Sequence(lambda n: f"Party {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.NGO_OR_CIVIL_SOCIETY


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    display_name = factory.Sequence(lambda n: f"Real Name {n}")
    pseudonym = factory.Sequence(lambda n: f"Participant {n:03d}")
    gender = Person.Gender.UNDISCLOSED


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    capacity = Capacity.ACADEMIC


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Process

    conflict = factory.SubFactory(ConflictFactory)
    title = factory.Sequence(lambda n: f"Dialogue {n}")


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    process = factory.SubFactory(ProcessFactory)
    title = factory.Sequence(lambda n: f"Round {n}")
    date = datetime.date(2025, 3, 14)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessParticipant

    process = factory.SubFactory(ProcessFactory)
    person = factory.SubFactory(PersonFactory)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    person = factory.SubFactory(PersonFactory)
    status = Attendance.Status.ATTENDED


def member(user: object, process: Process, role: Role) -> Membership:
    return Membership.objects.create(user=user, process=process, role=role)
