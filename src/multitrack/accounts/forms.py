"""Forms for the account pages."""

from __future__ import annotations

from django import forms


class APITokenForm(forms.Form):
    """A name for a new personal API token, so its owner can tell their tokens apart."""

    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. 'Reporting script on my laptop'."
    )
