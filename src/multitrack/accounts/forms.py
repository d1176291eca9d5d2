"""Forms for the account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from multitrack.accounts import login_throttle
from multitrack.consultations.limits import client_address


class APITokenForm(forms.Form):
    """A name for a new personal API token, so its owner can tell their tokens apart."""

    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. 'Reporting script on my laptop'."
    )


class ThrottledLoginMixin:
    """Refuse a locked-out username before its password is checked; count failures.

    For Django's ``AuthenticationForm`` and the admin's: both are built with the request.
    """

    request: HttpRequest | None
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if not username or self.request is None:
            return super().clean()  # type: ignore[misc]
        address = client_address(self.request)
        try:
            login_throttle.check(username, address)
        except login_throttle.LoginLocked as locked:
            raise ValidationError(locked.message, code="throttled") from None
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError:
            login_throttle.record_failure(username, address)
            raise
        login_throttle.record_success(username, address)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The sign-in form, with brute-force protection."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's sign-in form, with the same protection (it is another way to guess)."""
