"""Pages: each one for its members, 404 for outsiders, 403 for writes without the permission,
405 for the wrong method, and the login page for anonymous visitors."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document as WordDocument

from multitrack.accounts.models import AuditEvent
from multitrack.ideas import services
from multitrack.ideas.models import Export, Idea, IdeaStageChange, NonPaper, StatusChange
from multitrack.ideas.rules import IdeaStage, OfficialStatus
from tests.ideas.conftest import Talks

D = datetime.date


@pytest.fixture
def idea(talks: Talks) -> Idea:
    workspace = talks.workspace
    return services.idea_record(
        actor=workspace.facilitator,
        process=workspace.process,
        origin_meeting=workspace.meeting,
        title="Joint water commission",
        summary="Share the river in dry years.",
        issue=Idea.Issue.ECONOMY,
    )


@pytest.fixture
def non_paper(talks: Talks, idea: Idea) -> NonPaper:
    return services.non_paper_create(
        actor=talks.workspace.facilitator,
        process=talks.workspace.process,
        title="Water options",
        context="Drought.",
        ideas=[idea],
    )


def urls(talks: Talks, idea: Idea, non_paper: NonPaper) -> dict[str, str]:
    agreement = services.agreement_record(
        actor=talks.workspace.convener,
        official_track=talks.official_track,
        title="Accord",
        date=D(2025, 12, 1),
        signatories=[talks.north, talks.south],
    )
    return {
        "board": reverse("idea-board"),
        "idea": reverse("idea-detail", args=[idea.pk]),
        "idea_create": reverse("idea-create", args=[talks.workspace.process.pk]),
        "official_list": reverse("official-track-list", args=[talks.conflict.pk]),
        "official": reverse("official-track-detail", args=[talks.official_track.pk]),
        "agreement": reverse("agreement-detail", args=[agreement.pk]),
        "channels": reverse("channel-overview", args=[talks.conflict.pk]),
        "non_paper_create": reverse("non-paper-create", args=[talks.workspace.process.pk]),
        "non_paper": reverse("non-paper-detail", args=[non_paper.pk]),
    }


READ_PAGES = ["idea", "official_list", "official", "agreement", "channels", "non_paper"]


@pytest.mark.parametrize("page", READ_PAGES)
def test_members_see_the_page_and_outsiders_get_404(
    talks: Talks, idea: Idea, non_paper: NonPaper, page: str
) -> None:
    url = urls(talks, idea, non_paper)[page]
    assert talks.workspace.client_for(talks.workspace.observer).get(url).status_code == 200
    assert talks.workspace.client_for(talks.workspace.outsider).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_board_shows_only_the_viewers_ideas(talks: Talks, idea: Idea) -> None:
    url = reverse("idea-board")
    assert idea.title in talks.workspace.client_for(talks.workspace.observer).get(url).text
    assert idea.title not in talks.workspace.client_for(talks.workspace.outsider).get(url).text


def test_the_board_filters_by_issue(talks: Talks, idea: Idea) -> None:
    client = talks.workspace.client_for(talks.workspace.observer)
    assert idea.title in client.get(reverse("idea-board"), {"issue": "economy"}).text
    assert idea.title not in client.get(reverse("idea-board"), {"issue": "security"}).text


@pytest.mark.parametrize(
    ("page", "data"),
    [
        ("idea_create", {}),
        ("official_list", {"name": "x"}),
        ("agreement", {"number": "1", "text": "x"}),
        ("non_paper_create", {}),
        ("non_paper", {"title": "x"}),
    ],
)
def test_observers_cannot_write(
    talks: Talks, idea: Idea, non_paper: NonPaper, page: str, data: dict[str, str]
) -> None:
    url = urls(talks, idea, non_paper)[page]
    assert talks.workspace.client_for(talks.workspace.observer).post(url, data).status_code == 403


@pytest.mark.parametrize("name", ["idea-stage-change", "idea-version-add", "idea-transfer"])
def test_idea_sub_forms_refuse_observers_outsiders_and_get(
    talks: Talks, idea: Idea, name: str
) -> None:
    url = reverse(name, args=[idea.pk])
    workspace = talks.workspace
    assert workspace.client_for(workspace.observer).post(url, {}).status_code == 403
    assert workspace.client_for(workspace.outsider).post(url, {}).status_code == 404
    assert workspace.client_for(workspace.facilitator).get(url).status_code == 405


@pytest.mark.parametrize("name", ["round-add", "official-status-add", "agreement-add"])
def test_official_sub_forms_refuse_observers_outsiders_and_get(talks: Talks, name: str) -> None:
    url = reverse(name, args=[talks.official_track.pk])
    workspace = talks.workspace
    assert workspace.client_for(workspace.observer).post(url, {}).status_code == 403
    assert workspace.client_for(workspace.outsider).post(url, {}).status_code == 404
    assert workspace.client_for(workspace.facilitator).get(url).status_code == 405


def test_a_facilitator_records_an_idea_through_the_page(talks: Talks) -> None:
    client = talks.workspace.client_for(talks.workspace.facilitator)
    response = client.post(
        reverse("idea-create", args=[talks.workspace.process.pk]),
        {
            "title": "Hotline",
            "summary": "A military hotline.",
            "kind": "cbm",
            "issue": "security",
            "sensitivity": "high",
            "origin_meeting": talks.workspace.meeting.pk,
        },
    )
    idea = Idea.objects.get(title="Hotline")
    assert response.status_code == 302 and response["Location"] == idea.get_absolute_url()


def test_a_named_source_is_refused_on_the_page_with_the_words_quoted(talks: Talks) -> None:
    client = talks.workspace.client_for(talks.workspace.facilitator)
    response = client.post(
        reverse("idea-create", args=[talks.workspace.process.pk]),
        {
            "title": "Hotline",
            "summary": "kwame mensah suggested a hotline.",
            "kind": "cbm",
            "issue": "security",
            "sensitivity": "high",
            "origin_meeting": talks.workspace.meeting.pk,
        },
    )
    assert response.status_code == 200
    assert "kwame mensah" in response.text and "Chatham House" in response.text
    assert not Idea.objects.filter(title="Hotline").exists()


def test_a_stage_change_through_the_page(talks: Talks, idea: Idea) -> None:
    client = talks.workspace.client_for(talks.workspace.facilitator)
    url = reverse("idea-stage-change", args=[idea.pk])
    refused = client.post(url, {"stage": "adopted", "date": "2025-05-01", "reason": "x"})
    assert "Select a valid choice" in refused.text  # only the allowed next stages are offered
    refused = client.post(url, {"stage": "developed", "date": "2025-03-01", "reason": "x"})
    assert "The previous change was on 14 March 2025" in refused.text
    assert not IdeaStageChange.objects.exists()
    client.post(url, {"stage": "developed", "date": "2025-05-01", "reason": "Reworked"})
    assert IdeaStageChange.objects.get().stage == IdeaStage.DEVELOPED


def test_a_status_change_and_the_warning_on_the_channel_page(talks: Talks) -> None:
    client = talks.workspace.client_for(talks.workspace.facilitator)
    client.post(
        reverse("official-status-add", args=[talks.official_track.pk]),
        {"status": "stalled", "date": "2025-03-03", "reason": "Deadlock"},
    )
    assert StatusChange.objects.get().status == OfficialStatus.STALLED
    page = client.get(reverse("channel-overview", args=[talks.conflict.pk])).text
    assert "official talks stalled since 3 March 2025" in page
    assert "based on the processes you are a member of" in page.lower()
    assert 'data-chart="channel-timeline"' in page and 'id="channel-timeline"' in page


def test_non_paper_export_downloads_the_file_and_logs_it(talks: Talks, non_paper: NonPaper) -> None:
    client = talks.workspace.client_for(talks.workspace.convener)
    url = reverse("non-paper-export", args=[non_paper.pk, "docx"])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="non-paper-{non_paper.pk}.docx"'
    )
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(response.content)).paragraphs)
    assert "Water options" in text
    assert Export.objects.get().exported_by == talks.workspace.convener
    assert AuditEvent.objects.filter(action="ideas.non_paper.exported.docx").exists()


def test_a_flagged_non_paper_is_not_exported_from_the_page(
    talks: Talks, non_paper: NonPaper
) -> None:
    non_paper.context = "Drafted with Kwame Mensah."
    non_paper.save()
    client = talks.workspace.client_for(talks.workspace.convener)
    page = client.get(reverse("non-paper-detail", args=[non_paper.pk])).text
    assert "Export is blocked" in page and "“Kwame Mensah”" in page
    response = client.post(reverse("non-paper-export", args=[non_paper.pk, "pdf"]))
    assert response.status_code == 302
    assert not Export.objects.exists()


def test_facilitators_cannot_export(talks: Talks, non_paper: NonPaper) -> None:
    client = talks.workspace.client_for(talks.workspace.facilitator)
    assert client.post(reverse("non-paper-export", args=[non_paper.pk, "md"])).status_code == 403


def test_the_dashboard_tag_renders_the_warnings_for_the_user(talks: Talks) -> None:
    StatusChange.objects.create(
        official_track=talks.official_track,
        status=OfficialStatus.STALLED,
        date=D(2025, 3, 3),
        reason="Deadlock",
    )
    template = Template("{% load ideas %}{% channel_warnings %}")
    request = RequestFactory().get("/")
    request.user = talks.workspace.observer
    html = template.render(Context({"request": request}))
    assert "Border talks (North and South): official talks stalled since 3 March 2025" in html
    assert "Based on the processes you are a member of." in html
    request.user = talks.workspace.outsider
    assert "Quiet channels" not in template.render(Context({"request": request}))


def test_the_board_costs_the_same_queries_for_one_idea_or_many(
    talks: Talks, idea: Idea, django_assert_num_queries: Any
) -> None:
    client = talks.workspace.client_for(talks.workspace.observer)
    client.get(reverse("idea-board"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("idea-board"))
    for number in range(5):
        services.idea_record(
            actor=talks.workspace.facilitator,
            process=talks.workspace.process,
            origin_meeting=talks.workspace.meeting,
            title=f"Idea {number}",
            summary="…",
            issue=Idea.Issue.OTHER,
        )
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("idea-board"))
