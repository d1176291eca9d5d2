"""The JSON API for people, organisations, conflicts and their parties.

Views stay thin: an id becomes an object through ``access_*``, lists come from the selectors,
writes go through the services. A person's real name and contact details are null unless the
caller has need-to-know for them; a party is shown only where its conflict is visible.
"""

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from multitrack.accounts.access import is_member
from multitrack.accounts.api import (
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    Pages,
    RequiredText,
    caller,
    choices_schema,
    omittable,
)
from multitrack.actors import services
from multitrack.actors.access import (
    access_conflict_by_id,
    access_organisation_by_id,
    access_person_by_id,
)
from multitrack.actors.models import Conflict, ContestedTerm, Organisation, Party, Person
from multitrack.actors.real_name_log import real_name_scope, real_names_shown
from multitrack.actors.selectors import (
    conflicts_visible_to,
    organisations_visible_to,
    parties_visible_to,
    people_visible_to,
)
from multitrack.processes.access import access_process_by_id

router = Router()

OrganisationKind = Annotated[
    Organisation.Kind, choices_schema(Organisation.Kind, "OrganisationKind")
]
PartyKind = Annotated[Party.Kind, choices_schema(Party.Kind, "PartyKind")]

_CONFLICTS = "_multitrack_visible_conflict_ids"


# Need-to-know, worked out once per request (never per row) and kept on the request.


def may_see_real_name(request: HttpRequest, person_id: int) -> bool:
    """Whether the caller has need-to-know for this person's name and contact details."""
    return real_name_scope(request, user=caller(request)).allows(person_id)


def may_see_conflict(request: HttpRequest, conflict_id: int) -> bool:
    """Whether the caller may see a conflict (and so the parties to it)."""
    if not hasattr(request, _CONFLICTS):
        visible = conflicts_visible_to(user=caller(request)).values_list("pk", flat=True)
        setattr(request, _CONFLICTS, set(visible))
    return conflict_id in getattr(request, _CONFLICTS)


def _parties(request: HttpRequest, party_ids: list[int]) -> list[Party]:
    """The parties with these ids, all in conflicts the caller may see; else Http404."""
    wanted = set(party_ids)
    parties = list(parties_visible_to(user=caller(request)).filter(pk__in=wanted))
    if len(parties) != len(wanted):
        raise Http404("No such party.")
    return parties


def _need_to_know(context: dict[str, Any], person: Person, value: Any) -> Any:
    request = context["request"]
    if not may_see_real_name(request, person.pk):
        return None
    if not person.is_forgotten:
        real_names_shown(request, [person.pk], user=caller(request))
    return value


# Schemas.


class PartyOut(Schema):
    id: int
    conflict_id: int
    name: str
    kind: PartyKind
    is_minority: bool


class PersonRefOut(Schema):
    """A person as named to the caller: the pseudonym always, the real name with need-to-know."""

    id: int
    pseudonym: str
    display_name: str | None = Field(description="Null unless the caller has need-to-know.")

    @staticmethod
    def resolve_display_name(obj: Person, context: dict[str, Any]) -> str | None:
        return _need_to_know(context, obj, obj.display_name)


class PersonOut(PersonRefOut):
    """A person. Real name, aliases, email and phone are null without need-to-know."""

    aliases: list[str] | None = Field(description="Null unless the caller has need-to-know.")
    email: str | None = Field(description="Null unless the caller has need-to-know.")
    phone: str | None = Field(description="Null unless the caller has need-to-know.")
    gender: Person.Gender
    languages: list[str]
    # Like the party, not need-to-know: every member who sees the person sees it, because the
    # meeting checks name whose public holidays a date hits. In a small room a country can point
    # to someone, so it is shown only where the person is (never in the funders' report).
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. KE; empty if not recorded.")
    parties: list[PartyOut] = Field(description="Only parties to conflicts the caller may see.")

    @staticmethod
    def resolve_aliases(obj: Person, context: dict[str, Any]) -> list[str] | None:
        return _need_to_know(context, obj, obj.aliases)

    @staticmethod
    def resolve_email(obj: Person, context: dict[str, Any]) -> str | None:
        return _need_to_know(context, obj, obj.email)

    @staticmethod
    def resolve_phone(obj: Person, context: dict[str, Any]) -> str | None:
        return _need_to_know(context, obj, obj.phone)

    @staticmethod
    def resolve_parties(obj: Person, context: dict[str, Any]) -> list[Party]:
        request = context["request"]
        return [p for p in obj.parties.all() if may_see_conflict(request, p.conflict_id)]


class PersonCreateIn(Schema):
    process_id: Id = Field(description="The process whose roster the person joins.")
    pseudonym: RequiredText = Field(max_length=100)
    display_name: RequiredText = Field(max_length=200)
    aliases: list[str] = Field(default_factory=list)
    gender: Person.Gender = Person.Gender.UNDISCLOSED
    languages: list[str] = Field(default_factory=list)
    country: str = Field(
        "", max_length=2, description="ISO 3166-1 alpha-2 code in capitals, e.g. KE."
    )
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=50)
    party_ids: list[Id] = Field(default_factory=list)


class PersonUpdateIn(Schema):
    """Only the fields sent are changed."""

    pseudonym: RequiredText = omittable(max_length=100)
    display_name: RequiredText = omittable(max_length=200)
    aliases: list[str] = omittable()
    gender: Person.Gender = omittable()
    languages: list[str] = omittable()
    country: str = omittable(max_length=2)
    email: str = omittable(max_length=254)
    phone: str = omittable(max_length=50)
    party_ids: list[Id] = omittable()


class OrganisationOut(Schema):
    id: int
    name: str
    kind: OrganisationKind
    country: str
    party: PartyOut | None = Field(description="Null also when its conflict is not visible.")

    @staticmethod
    def resolve_party(obj: Organisation, context: dict[str, Any]) -> Party | None:
        party = obj.party
        if party is None or not may_see_conflict(context["request"], party.conflict_id):
            return None
        return party


class OrganisationCreateIn(Schema):
    name: RequiredText = Field(max_length=200)
    kind: OrganisationKind
    country: str = Field("", max_length=100)
    party_id: Id | None = None


class ConflictOut(Schema):
    id: int
    name: str
    summary: str
    languages: list[str]
    customs: str
    sensitivities: str
    parties: list[PartyOut]


class ContestedTermOut(Schema):
    id: int
    conflict_id: int
    term: str
    neutral_wording: str
    note: str


class ContestedTermIn(Schema):
    term: RequiredText = Field(max_length=200)
    neutral_wording: RequiredText = Field(max_length=200)
    note: str = Field("", max_length=300)


class ConflictCreateIn(Schema):
    name: RequiredText = Field(max_length=200)
    summary: str = ""


class PartyCreateIn(Schema):
    name: RequiredText = Field(max_length=200)
    kind: PartyKind = Party.Kind.STATE
    is_minority: bool = False


# People.


@router.get(
    "/people",
    response={200: list[PersonOut], **READ_ERRORS},
    operation_id="person_list",
    summary="List the people on the rosters of the caller's processes",
    tags=["people"],
)
@paginate(Pages)
def person_list(request: HttpRequest, process_id: Id | None = None) -> QuerySet[Person]:
    user = caller(request)
    people = people_visible_to(user=user).prefetch_related("parties")
    if process_id is not None:
        # Checked first: a person on two rosters must not reveal the roster of a process the
        # caller is not in.
        if not is_member(user, process_id):
            return Person.objects.none()
        people = people.filter(process_roles__process_id=process_id)
    return people


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, **READ_ERRORS},
    operation_id="person_read",
    summary="Read a person",
    tags=["people"],
)
def person_read(request: HttpRequest, person_id: Id) -> Person:
    return access_person_by_id(caller(request), person_id)


@router.post(
    "/people",
    response={201: PersonOut, **WRITE_ERRORS},
    operation_id="person_create",
    summary="Register a person on a process's roster",
    tags=["people"],
)
def person_create(request: HttpRequest, payload: PersonCreateIn) -> Status[Person]:
    user = caller(request)
    process = access_process_by_id(user, payload.process_id)
    fields = payload.model_dump(exclude={"process_id", "party_ids", "pseudonym", "display_name"})
    person = services.person_create(
        actor=user,
        process=process,
        pseudonym=payload.pseudonym,
        display_name=payload.display_name,
        parties=_parties(request, payload.party_ids),
        **fields,
    )
    return Status(201, person)


@router.patch(
    "/people/{person_id}",
    response={200: PersonOut, **WRITE_ERRORS},
    operation_id="person_update",
    summary="Change a person's details",
    tags=["people"],
)
def person_update(request: HttpRequest, person_id: Id, payload: PersonUpdateIn) -> Person:
    user = caller(request)
    person = access_person_by_id(user, person_id)
    fields = payload.model_dump(exclude_unset=True)
    party_ids = fields.pop("party_ids", None)
    parties = None
    if party_ids is not None:
        # The caller sets the parties they can see; those in conflicts hidden from them stay,
        # as on the web form: an update must never drop what the caller cannot see.
        hidden = person.parties.exclude(pk__in=parties_visible_to(user=user))
        parties = _parties(request, party_ids) + list(hidden)
    return services.person_update(actor=user, person=person, parties=parties, **fields)


# Organisations.


@router.get(
    "/organisations",
    response={200: list[OrganisationOut], **READ_ERRORS},
    operation_id="organisation_list",
    summary="List the organisations tied to the caller's processes and people",
    tags=["organisations"],
)
@paginate(Pages)
def organisation_list(request: HttpRequest) -> QuerySet[Organisation]:
    return organisations_visible_to(user=caller(request)).select_related("party")


@router.get(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, **READ_ERRORS},
    operation_id="organisation_read",
    summary="Read an organisation",
    tags=["organisations"],
)
def organisation_read(request: HttpRequest, organisation_id: Id) -> Organisation:
    return access_organisation_by_id(caller(request), organisation_id)


@router.post(
    "/organisations",
    response={201: OrganisationOut, **WRITE_ERRORS},
    operation_id="organisation_create",
    summary="Register an organisation",
    tags=["organisations"],
)
def organisation_create(
    request: HttpRequest, payload: OrganisationCreateIn
) -> Status[Organisation]:
    party = None if payload.party_id is None else _parties(request, [payload.party_id])[0]
    organisation = services.organisation_create(
        actor=caller(request),
        name=payload.name,
        kind=payload.kind,
        country=payload.country,
        party=party,
    )
    return Status(201, organisation)


# Conflicts and their parties.


@router.get(
    "/conflicts",
    response={200: list[ConflictOut], **READ_ERRORS},
    operation_id="conflict_list",
    summary="List the conflicts of the caller's processes, with their parties",
    tags=["conflicts"],
)
@paginate(Pages)
def conflict_list(request: HttpRequest) -> QuerySet[Conflict]:
    return conflicts_visible_to(user=caller(request)).prefetch_related("parties")


@router.get(
    "/conflicts/{conflict_id}",
    response={200: ConflictOut, **READ_ERRORS},
    operation_id="conflict_read",
    summary="Read a conflict and its parties",
    tags=["conflicts"],
)
def conflict_read(request: HttpRequest, conflict_id: Id) -> Conflict:
    return access_conflict_by_id(caller(request), conflict_id)


@router.post(
    "/conflicts",
    response={201: ConflictOut, **WRITE_ERRORS},
    operation_id="conflict_create",
    summary="Register a conflict",
    tags=["conflicts"],
)
def conflict_create(request: HttpRequest, payload: ConflictCreateIn) -> Status[Conflict]:
    conflict = services.conflict_create(
        actor=caller(request), name=payload.name, summary=payload.summary
    )
    return Status(201, conflict)


@router.post(
    "/conflicts/{conflict_id}/parties",
    response={201: PartyOut, **WRITE_ERRORS},
    operation_id="party_add",
    summary="Add a party or community to a conflict",
    tags=["conflicts"],
)
def party_add(request: HttpRequest, conflict_id: Id, payload: PartyCreateIn) -> Status[Party]:
    user = caller(request)
    conflict = access_conflict_by_id(user, conflict_id)
    party = services.party_add(
        actor=user,
        conflict=conflict,
        name=payload.name,
        kind=payload.kind,
        is_minority=payload.is_minority,
    )
    return Status(201, party)


@router.get(
    "/conflicts/{conflict_id}/terms",
    response={200: list[ContestedTermOut], **READ_ERRORS},
    operation_id="contested_term_list",
    summary="List a conflict's contested terms and the neutral wording chosen for each",
    tags=["conflicts"],
)
def contested_term_list(request: HttpRequest, conflict_id: Id) -> QuerySet[ContestedTerm]:
    return access_conflict_by_id(caller(request), conflict_id).contested_terms.all()


@router.post(
    "/conflicts/{conflict_id}/terms",
    response={201: ContestedTermOut, **WRITE_ERRORS},
    operation_id="contested_term_add",
    summary="Add a contested term and its neutral wording to a conflict's terminology list",
    tags=["conflicts"],
)
def contested_term_add(
    request: HttpRequest, conflict_id: Id, payload: ContestedTermIn
) -> Status[ContestedTerm]:
    user = caller(request)
    conflict = access_conflict_by_id(user, conflict_id)
    contested = services.contested_term_add(
        actor=user,
        conflict=conflict,
        term=payload.term,
        neutral_wording=payload.neutral_wording,
        note=payload.note,
    )
    return Status(201, contested)


@router.delete(
    "/conflicts/{conflict_id}/terms/{term_id}",
    response={204: None, **WRITE_ERRORS},
    operation_id="contested_term_remove",
    summary="Take a term off a conflict's terminology list",
    tags=["conflicts"],
)
def contested_term_remove(request: HttpRequest, conflict_id: Id, term_id: Id) -> Status[None]:
    user = caller(request)
    conflict = access_conflict_by_id(user, conflict_id)
    contested = conflict.contested_terms.filter(pk=term_id).first()
    if contested is None:
        raise Http404("No such term.")
    services.contested_term_remove(actor=user, contested_term=contested)
    return Status(204, None)
