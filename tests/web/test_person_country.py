"""A person's country: validated, entered on the person form, shown on the person page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from multitrack.actors.models import Person
from tests.conftest import Workspace
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["KE", "EG", "IL", "XK", ""])
def test_known_country_codes_and_no_country_are_valid(code: str) -> None:
    PersonFactory.build(country=code).full_clean()


@pytest.mark.parametrize("code", ["ke", "XX", "K", "Kenya"])
def test_anything_but_a_known_iso_code_is_refused(code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        PersonFactory.build(country=code).full_clean()

    assert "country" in refused.value.message_dict


def test_the_person_form_saves_a_country(workspace: Workspace) -> None:
    person = workspace.person
    client = workspace.client_for(workspace.facilitator)
    form = client.get(reverse("person-edit", args=[person.pk])).content.decode()
    assert '<option value="KE">Kenya (KE)</option>' in form

    response = client.post(
        reverse("person-edit", args=[person.pk]),
        {
            "pseudonym": person.pseudonym,
            "display_name": person.display_name,
            "gender": person.gender,
            "country": "KE",
        },
    )

    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).country == "KE"


def test_the_person_form_refuses_an_unknown_country(workspace: Workspace) -> None:
    person = workspace.person
    response = workspace.client_for(workspace.facilitator).post(
        reverse("person-edit", args=[person.pk]),
        {
            "pseudonym": person.pseudonym,
            "display_name": person.display_name,
            "gender": person.gender,
            "country": "XX",
        },
    )

    assert response.status_code == 200
    assert "country" in response.context["form"].errors
    assert Person.objects.get(pk=person.pk).country == ""


@pytest.mark.parametrize("role", ["observer", "facilitator"])
def test_members_who_see_the_person_see_their_country(workspace: Workspace, role: str) -> None:
    Person.objects.filter(pk=workspace.person.pk).update(country="KE")

    page = workspace.client_for(getattr(workspace, role)).get(workspace.person.get_absolute_url())

    assert "<dt>Country</dt><dd>Kenya (KE)</dd>" in page.content.decode()


def test_outsider_does_not_see_the_person_or_their_country(workspace: Workspace) -> None:
    page = workspace.client_for(workspace.outsider).get(workspace.person.get_absolute_url())

    assert page.status_code == 404
