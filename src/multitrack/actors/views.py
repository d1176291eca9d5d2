"""Registry pages: people, organisations, conflicts. Thin: parse, access, call a service, render.

Every object comes through an ``access_*`` function (404 for outsiders, same as missing); every
write goes through a service (which checks permissions, validates and audits).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from multitrack.actors import services
from multitrack.actors.access import (
    access_conflict_by_id,
    access_organisation_by_id,
    access_person_by_id,
)
from multitrack.actors.forgetting import forget_plan
from multitrack.actors.forms import (
    AffiliationForm,
    ConflictContextForm,
    ConflictForm,
    ContestedTermForm,
    OrganisationForm,
    PartyForm,
    PersonCreateForm,
    PersonForgetForm,
    PersonForm,
    processes_where_user_edits_people,
    show_service_errors,
)
from multitrack.actors.models import Affiliation, ContestedTerm, Organisation, Person
from multitrack.actors.real_name_log import real_names_shown
from multitrack.actors.selectors import (
    can_add_to_registry,
    can_edit_conflict,
    can_edit_person,
    can_forget_person,
    can_see_real_name,
    conflicts_visible_to,
    organisations_visible_to,
    parties_visible_to,
    people_matching,
    people_with_real_names_for,
)
from multitrack.processes.models import Attendance
from multitrack.processes.selectors import meetings_visible_to, processes_visible_to

PAGE_SIZE = 25
GET_AND_POST = ["GET", "POST"]


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# People ------------------------------------------------------------------------------------


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    """People the user may see, searchable by pseudonym (real name with need-to-know)."""
    query = request.GET.get("q", "").strip()[:100]
    party_id = _int_or_none(request.GET.get("party"))
    parties = parties_visible_to(user=request.user)
    people = people_matching(user=request.user, query=query, party_id=party_id).prefetch_related(
        Prefetch("parties", queryset=parties)
    )
    context = {
        "page": Paginator(people, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query,
        "party_id": party_id,
        "parties": parties,
        "can_add": processes_where_user_edits_people(request.user).exists(),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "actors/_person_results.html", context)
    return render(request, "actors/person_list.html", context)


def _person_page(
    request: HttpRequest, person: Person, affiliation_form: AffiliationForm | None = None
) -> dict[str, Any]:
    user = request.user
    return {
        "person": person,
        "can_see_real_name": can_see_real_name(user=user, person=person),
        "can_forget": can_forget_person(user=user, person=person) and not person.is_forgotten,
        "parties": person.parties.filter(pk__in=parties_visible_to(user=user)),
        "processes": processes_visible_to(user=user).filter(roster__person=person),
        "attendance": Attendance.objects.filter(
            person=person, meeting__in=meetings_visible_to(user=user)
        )
        .select_related("meeting", "meeting__process")
        .order_by("-meeting__date", "meeting__pk"),
        **_affiliations_context(request, person, affiliation_form),
    }


def _affiliations_context(
    request: HttpRequest, person: Person, form: AffiliationForm | None = None
) -> dict[str, Any]:
    is_editor = can_edit_person(user=request.user, person=person)
    can_see_details = can_see_real_name(user=request.user, person=person)
    if can_see_details and not person.is_forgotten:
        # Every page with this section (the person's page, its htmx updates) shows the name,
        # contact details, organisations and roles: the view is logged.
        real_names_shown(request, [person.pk])
    return {
        "person": person,
        "affiliations": person.affiliations.select_related("organisation"),
        # Capacity and dates explain the tracks; the organisation and role could identify
        # whoever hides behind the pseudonym, so they are need-to-know.
        "can_see_details": can_see_details,
        "can_edit": is_editor,
        "affiliation_form": form or (AffiliationForm(user=request.user) if is_editor else None),
    }


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A person: pseudonym always, real name and contact details only with need-to-know."""
    person = access_person_by_id(request.user, pk)
    return render(request, "actors/person_detail.html", _person_page(request, person))


@login_required
@require_http_methods(GET_AND_POST)
def person_create(request: HttpRequest) -> HttpResponse:
    """Register a person on the roster of one of the user's processes."""
    if not processes_where_user_edits_people(request.user).exists():
        raise PermissionDenied("Your roles do not allow adding people.")
    # "Add a person" on a process page preselects that process (the form offers only allowed ones).
    chosen = request.GET.get("process", "")
    initial = {"process": chosen} if chosen.isdigit() else {}
    form = PersonCreateForm(_posted(request), user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        process, parties = fields.pop("process"), fields.pop("parties")
        try:
            person = services.person_create(
                actor=request.user, process=process, parties=parties, **fields
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The person was added.")
            return redirect(person)
    return render(request, "actors/person_form.html", {"form": form, "person": None})


@login_required
@require_http_methods(GET_AND_POST)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a person's details (editors, who also have need-to-know for them)."""
    person = access_person_by_id(request.user, pk)
    if not (
        can_edit_person(user=request.user, person=person)
        and can_see_real_name(user=request.user, person=person)
    ):
        raise PermissionDenied("Your role does not allow editing this person.")
    real_names_shown(request, [person.pk])  # the form holds their name and contact details
    visible_parties = parties_visible_to(user=request.user)
    initial = {
        field: getattr(person, field)
        for field in (
            "pseudonym",
            "display_name",
            "aliases",
            "gender",
            "languages",
            "country",
            "email",
        )
    } | {"phone": person.phone, "parties": list(person.parties.filter(pk__in=visible_parties))}
    form = PersonForm(_posted(request), user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        # Parties in conflicts this user cannot see stay as they are.
        hidden = list(person.parties.exclude(pk__in=visible_parties))
        parties = fields.pop("parties") + hidden
        try:
            services.person_update(actor=request.user, person=person, parties=parties, **fields)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The changes were saved.")
            return redirect(person)
    return render(request, "actors/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(GET_AND_POST)
def person_forget(request: HttpRequest, pk: int) -> HttpResponse:
    """Forget a person everywhere: the page lists what will change; a POST confirms.

    Only a convener of every process the person is in (or a superuser) may do it.
    """
    person = access_person_by_id(request.user, pk)
    if not can_forget_person(user=request.user, person=person):
        raise PermissionDenied("Only a convener of every process this person is in may do this.")
    form = PersonForgetForm(_posted(request), person=person)
    if request.method == "POST" and not person.is_forgotten and form.is_valid():
        data = form.cleaned_data
        services.person_forget(
            actor=request.user,
            person=person,
            reason=data["reason"],
            drop_categories=data["drop_categories"],
            also_remove=data["also_remove"],
        )
        messages.success(request, "The person was forgotten. Nothing that named them is left.")
        return redirect(person)
    context = {"person": person, "form": form, "plan": forget_plan(person)}
    return render(request, "actors/person_forget.html", context)


def _affiliations_response(
    request: HttpRequest, person: Person, form: AffiliationForm | None = None
) -> HttpResponse:
    """After an affiliation change: the section for htmx, else the person's page."""
    if request.htmx:  # type: ignore[attr-defined]
        context = _affiliations_context(request, person, form)
        return render(request, "actors/_affiliations.html", context)
    if form is None:
        return redirect(person)
    return render(request, "actors/person_detail.html", _person_page(request, person, form))


@login_required
@require_POST
def affiliation_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an affiliation for a person (inline with htmx; a plain form post works too)."""
    person = access_person_by_id(request.user, pk)
    if not can_edit_person(user=request.user, person=person):
        raise PermissionDenied("Your role does not allow editing this person.")
    form = AffiliationForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.affiliation_add(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            return _affiliations_response(request, person)
    return _affiliations_response(request, person, form)


@login_required
@require_POST
def affiliation_remove(request: HttpRequest, pk: int, affiliation_pk: int) -> HttpResponse:
    """Delete an affiliation entered in error."""
    person = access_person_by_id(request.user, pk)
    affiliation = get_object_or_404(Affiliation, pk=affiliation_pk, person=person)
    services.affiliation_remove(actor=request.user, affiliation=affiliation)
    return _affiliations_response(request, person)


# Organisations -----------------------------------------------------------------------------


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    """Organisations the user may see, searchable by name and filterable by kind."""
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    organisations = organisations_visible_to(user=request.user).select_related("party")
    if query:
        organisations = organisations.filter(name__icontains=query)
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    context = {
        "page": Paginator(organisations.order_by("name"), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "query": query,
        "kind": kind,
        "kinds": Organisation.Kind.choices,
        "visible_party_ids": set(
            parties_visible_to(user=request.user).values_list("pk", flat=True)
        ),
        "can_add": can_add_to_registry(user=request.user),
    }
    return render(request, "actors/organisation_list.html", context)


@login_required
@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An organisation, the visible people affiliated with it and the processes it convenes."""
    organisation = access_organisation_by_id(request.user, pk)
    context = {
        "organisation": organisation,
        "party": organisation.party
        if organisation.party_id
        and parties_visible_to(user=request.user).filter(pk=organisation.party_id).exists()
        else None,
        # Only people the viewer has need-to-know for: "pseudonym X works at this ministry"
        # is as identifying as a name.
        "affiliations": organisation.affiliations.filter(
            person__in=people_with_real_names_for(user=request.user)
        )
        .select_related("person")
        .order_by("person__pseudonym", "-start_date"),
        "processes": processes_visible_to(user=request.user).filter(
            convener_organisation=organisation
        ),
    }
    return render(request, "actors/organisation_detail.html", context)


@login_required
@require_http_methods(GET_AND_POST)
def organisation_create(request: HttpRequest) -> HttpResponse:
    """Register an organisation."""
    if not can_add_to_registry(user=request.user):
        raise PermissionDenied("Your roles do not allow adding organisations.")
    form = OrganisationForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The organisation was added.")
            return redirect(organisation)
    return render(request, "actors/organisation_form.html", {"form": form})


# Conflicts ---------------------------------------------------------------------------------


@login_required
@require_GET
def conflict_list(request: HttpRequest) -> HttpResponse:
    """Conflicts the user may see, with their parties."""
    context = {
        "conflicts": conflicts_visible_to(user=request.user).prefetch_related("parties"),
        "can_add": request.user.has_perm("actors.add_conflict"),
    }
    return render(request, "actors/conflict_list.html", context)


def _conflict_page(
    request: HttpRequest,
    conflict: Any,
    party_form: PartyForm | None = None,
    term_form: ContestedTermForm | None = None,
) -> dict[str, Any]:
    is_editor = can_edit_conflict(user=request.user, conflict=conflict)
    return {
        "conflict": conflict,
        "parties": conflict.parties.all(),
        "processes": processes_visible_to(user=request.user).filter(conflict=conflict),
        "party_form": party_form or (PartyForm() if is_editor else None),
        "contested_terms": conflict.contested_terms.all(),
        "term_form": term_form or (ContestedTermForm() if is_editor else None),
        "is_editor": is_editor,
    }


@login_required
@require_GET
def conflict_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A conflict, its parties and the user's processes in it."""
    conflict = access_conflict_by_id(request.user, pk)
    return render(request, "actors/conflict_detail.html", _conflict_page(request, conflict))


@login_required
@require_http_methods(GET_AND_POST)
def conflict_create(request: HttpRequest) -> HttpResponse:
    """Register a conflict (accounts holding the ``actors.add_conflict`` permission)."""
    if not request.user.has_perm("actors.add_conflict"):
        raise PermissionDenied("Your account may not register conflicts.")
    form = ConflictForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            conflict = services.conflict_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The conflict was added.")
            return redirect(conflict)
    return render(request, "actors/conflict_form.html", {"form": form})


@login_required
@require_POST
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a party or community to a conflict."""
    conflict = access_conflict_by_id(request.user, pk)
    if not can_edit_conflict(user=request.user, conflict=conflict):
        raise PermissionDenied("Only the conflict's creator or a convener in it may add parties.")
    form = PartyForm(request.POST)
    if form.is_valid():
        try:
            services.party_add(actor=request.user, conflict=conflict, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The party was added.")
            return redirect(conflict)
    page = _conflict_page(request, conflict, form)
    return render(request, "actors/conflict_detail.html", page)


@login_required
@require_http_methods(GET_AND_POST)
def conflict_context_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a conflict's context profile: languages, customs, sensitivities."""
    conflict = access_conflict_by_id(request.user, pk)
    if not can_edit_conflict(user=request.user, conflict=conflict):
        raise PermissionDenied("Only the conflict's creator or a convener in it may edit it.")
    initial = {
        "languages": ", ".join(conflict.languages or []),
        "customs": conflict.customs,
        "sensitivities": conflict.sensitivities,
    }
    form = ConflictContextForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.conflict_context_update(
                actor=request.user, conflict=conflict, **form.cleaned_data
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The context profile was saved.")
            return redirect(conflict)
    return render(
        request, "actors/conflict_context_form.html", {"form": form, "conflict": conflict}
    )


@login_required
@require_POST
def contested_term_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a contested term and its neutral wording to the conflict's terminology list."""
    conflict = access_conflict_by_id(request.user, pk)
    if not can_edit_conflict(user=request.user, conflict=conflict):
        raise PermissionDenied("Only the conflict's creator or a convener in it may add terms.")
    form = ContestedTermForm(request.POST)
    if form.is_valid():
        try:
            services.contested_term_add(actor=request.user, conflict=conflict, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The term was added to the terminology list.")
            return redirect(f"{conflict.get_absolute_url()}#terminology")
    page = _conflict_page(request, conflict, term_form=form)
    return render(request, "actors/conflict_detail.html", page)


@login_required
@require_POST
def contested_term_remove(request: HttpRequest, pk: int, term_pk: int) -> HttpResponse:
    """Take a term off the conflict's terminology list."""
    conflict = access_conflict_by_id(request.user, pk)
    contested_term = get_object_or_404(ContestedTerm, pk=term_pk, conflict=conflict)
    if not can_edit_conflict(user=request.user, conflict=conflict):
        raise PermissionDenied("Only the conflict's creator or a convener in it may remove terms.")
    services.contested_term_remove(actor=request.user, contested_term=contested_term)
    messages.success(request, "The term was removed from the terminology list.")
    return redirect(f"{conflict.get_absolute_url()}#terminology")
