"""The demo workspace shows at least one gap of each kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from multitrack.actors.models import Person
from multitrack.demo import demo_load
from multitrack.insights.checks import CheckKind
from multitrack.insights.selectors import process_health
from multitrack.practice.demo import COASTAL, LAKESIDE
from multitrack.processes.models import Process

pytestmark = pytest.mark.django_db


def test_demo_shows_a_gap_of_each_kind(tmp_path: Path) -> None:
    demo_load(logins_path=tmp_path / "logins.txt")  # loads the best-practice data too
    admin = get_user_model().objects.get(username="admin")
    coastal = process_health(user=admin, process=Process.objects.get(title=COASTAL))
    lakeside = process_health(user=admin, process=Process.objects.get(title=LAKESIDE))

    assert any(r.is_gap and r.text.startswith("Missing voices") for r in coastal.inclusivity)
    assert any(r.is_gap for r in coastal.engagement)
    assert any(r.is_gap and r.text.startswith("Trust network") for r in lakeside.network)
    (planned,) = coastal.upcoming
    kinds = {issue.kind for issue in planned.check.issues}
    assert kinds == {CheckKind.LANGUAGE, CheckKind.OBSERVANCE, CheckKind.VENUE}
    changes = [c for comparison in coastal.surveys for c in comparison.changes]
    assert any(c.is_suppressed for c in changes) and any(not c.is_suppressed for c in changes)


def test_demo_plans_a_session_on_a_participants_public_holiday(tmp_path: Path) -> None:
    demo_load(logins_path=tmp_path / "logins.txt")
    admin = get_user_model().objects.get(username="admin")
    lakeside = process_health(user=admin, process=Process.objects.get(title=LAKESIDE))

    assert Person.objects.exclude(country="").exists()
    session = next(
        row for row in lakeside.upcoming if row.meeting.title.startswith("Technical session")
    )
    (issue,) = session.check.issues
    assert issue.kind == CheckKind.OBSERVANCE
    assert "Public holidays:" in issue.text
    assert all(p.display_name not in issue.text for p in Person.objects.all())
