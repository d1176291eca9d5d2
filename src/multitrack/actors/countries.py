"""Countries a person can be from: the ISO 3166-1 alpha-2 codes the ``holidays`` library knows.

``holidays`` covers every ISO 3166-1 country and territory (and Kosovo, ``XK``), so one list
serves both the person's country and the public holidays checked before a meeting.
"""

from __future__ import annotations

import re
from functools import cache

import holidays
from django.core.exceptions import ValidationError


@cache
def country_names() -> dict[str, str]:
    """Every known country code and its English name ("KE" -> "Kenya"), sorted by name."""
    names = {
        code: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", class_name)
        for class_name, code, *_ in holidays.registry.COUNTRIES.values()
    }
    return dict(sorted(names.items(), key=lambda item: item[1]))


def country_choices() -> list[tuple[str, str]]:
    """Choices for a select: an empty choice, then "Kenya (KE)" and so on, by name."""
    return [("", "—"), *((code, f"{name} ({code})") for code, name in country_names().items())]


def validate_country(value: str) -> None:
    """Refuse anything but a known ISO 3166-1 alpha-2 code, in capitals."""
    if value and value not in country_names():
        raise ValidationError(
            "%(value)s is not an ISO 3166-1 country code; use two capital letters, e.g. KE.",
            code="invalid_country",
            params={"value": value},
        )
