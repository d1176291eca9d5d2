"""The demo extension: stalled official talks, and an idea from Track 2 to a provision."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from multitrack.demo import CONFLICT_NAME, demo_load
from multitrack.ideas.demo import load_ideas_demo
from multitrack.ideas.documents import non_paper_flags
from multitrack.ideas.models import Idea, NonPaper
from multitrack.ideas.rules import IdeaStage
from multitrack.ideas.selectors import idea_journey, quiet_channel_warnings


@pytest.fixture
def demo(db: None, tmp_path: Path) -> None:
    demo_load(logins_path=tmp_path / "logins.txt")  # loads the ideas and official talks too


def test_the_demo_has_an_idea_that_travelled_from_track_2_to_a_provision(demo: None) -> None:
    idea = Idea.objects.get(stage=IdeaStage.ADOPTED)
    assert idea.adopted_in is not None and idea.adopted_in.number == "3"
    amara = get_user_model().objects.get(username="amara")
    tracks = [event.track for event in idea_journey(user=amara, idea=idea) if event.track]
    assert tracks[0] == "2" and tracks[-1] == "1"


def test_the_demo_warns_of_a_quiet_channel_beside_stalled_talks(demo: None) -> None:
    amara = get_user_model().objects.get(username="amara")
    messages = [w.message for w in quiet_channel_warnings(user=amara)]
    assert any(
        m.startswith(
            "Aldmere talks (Kestrel Federation and Republic of Varnia): official talks "
            "stalled since 3 March 2026"
        )
        for m in messages
    ), messages


def test_the_demo_non_paper_names_nobody(demo: None) -> None:
    assert non_paper_flags(NonPaper.objects.get()) == []


def test_loading_twice_changes_nothing(demo: None) -> None:
    assert load_ideas_demo() is None
    assert Idea.objects.filter(process__conflict__name=CONFLICT_NAME).count() == 5


def test_the_demo_has_an_idea_born_in_the_consultation(demo: None) -> None:
    idea = Idea.objects.get(origin_consultation__isnull=False)
    amara = get_user_model().objects.get(username="amara")
    born = idea_journey(user=amara, idea=idea)[0]
    assert born.title == "Raised in consultation “Futures of the Selka Strait fisheries”"
    assert born.statements and all(s.status == "accepted" for s in born.statements)
    assert idea.process.conflict.contested_terms.count() == 2
