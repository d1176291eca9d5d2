"""Admin for superusers only, after two-step sign-in: users and their roles, API tokens (revoke
only), the audit trail (read-only), and each user's second factors (to reset a lost one).

The admin is a superuser's tool. Staff accounts that are not superusers cannot enter it at all,
whatever model permissions someone grants them and whichever app registers models: the site's
``has_permission`` is replaced below. Our own ModelAdmins also check for a superuser
(``SuperuserOnly``), so the rule holds even if the site check is ever removed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.http import HttpRequest
from django_otp_webauthn.admin import WebAuthnCredentialAdmin
from django_otp_webauthn.models import WebAuthnCredential

from multitrack.accounts.audit import audit
from multitrack.accounts.forms import ThrottledAdminAuthenticationForm
from multitrack.accounts.mfa import is_verified
from multitrack.accounts.models import (
    APIToken,
    AuditEvent,
    AuthenticatorAppDevice,
    Membership,
    RecoveryCodeDevice,
)


def is_active_superuser(request: HttpRequest) -> bool:
    """Whether the request comes from an active superuser who passed two-step sign-in: the
    admin's only audience (the two-step middleware sends others to verify first; this holds
    even without it)."""
    user = request.user
    return bool(user.is_active and user.is_superuser and is_verified(user))


# Replacing the method on the default site (rather than a custom AdminSite with its own
# AdminConfig) keeps settings.INSTALLED_APPS as it is; the effect is the same.
admin.site.has_permission = is_active_superuser  # type: ignore[method-assign]
# The admin's sign-in is another door for guessing passwords: the same brute-force protection.
admin.site.login_form = ThrottledAdminAuthenticationForm


class SuperuserOnly(admin.ModelAdmin):
    """A ModelAdmin that only active superusers may see or use."""

    def _is_superuser(self, request: HttpRequest) -> bool:
        return is_active_superuser(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_superuser(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._is_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_superuser(request)


class SuperuserOnlyInline(admin.TabularInline):
    """An inline that only active superusers may see or use."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_active_superuser(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)


class MembershipInline(SuperuserOnlyInline):
    model = Membership
    autocomplete_fields = ["process"]


class MultitrackUserAdmin(SuperuserOnly, UserAdmin):
    """Django's user admin, for superusers only, with the user's roles in processes."""

    inlines = [MembershipInline]


class MultitrackGroupAdmin(SuperuserOnly, GroupAdmin):
    """Django's group admin, for superusers only."""


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), MultitrackUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, MultitrackGroupAdmin)


@admin.register(Membership)
class MembershipAdmin(SuperuserOnly):
    list_display = ["user", "process", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "process__title"]
    autocomplete_fields = ["user", "process"]
    list_select_related = ["user", "process"]


@admin.register(APIToken)
class APITokenAdmin(SuperuserOnly):
    """Tokens are issued by their owners on the API tokens page; here they can only be revoked."""

    list_display = ["name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(SuperuserOnly):
    """The audit trail is append-only: nobody adds, changes or deletes lines here."""

    list_display = ["at", "actor", "action", "target_type", "target_id", "process"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "actor__username", "target_id"]
    list_select_related = ["actor", "process"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedReset(admin.ModelAdmin):
    """Deleting a second factor here resets someone's two-step sign-in: each one is audited
    (who, whose, which kind; never a key), in the same transaction as the deletion."""

    reset_action = "accounts.mfa.reset_by_admin"

    def _audit_reset(self, request: HttpRequest, device: models.Model) -> None:
        audit(
            actor=request.user,
            action=self.reset_action,
            target=device,
            detail={"user": getattr(device, "user_id", None)},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._audit_reset(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for device in queryset:
                self._audit_reset(request, device)
            super().delete_queryset(request, queryset)


@admin.register(AuthenticatorAppDevice)
class AuthenticatorAppDeviceAdmin(AuditedReset, SuperuserOnly):
    """A user's authenticator apps: listed and deleted here (to reset a lost phone), never
    shown with their key, never added (a user sets one up on the two-step pages)."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    readonly_fields = [
        "user",
        "name",
        "confirmed",
        "created_at",
        "last_used_at",
        "throttling_failure_count",
    ]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RecoveryCodeDevice)
class RecoveryCodeDeviceAdmin(AuditedReset, SuperuserOnly):
    """A user's recovery codes: how many are left, never the codes (only hashes are stored).

    Deleting a set, like deleting a user's authenticator apps (above) and passkeys
    (PasskeyAdmin below), resets their two-step sign-in.
    """

    list_display = ["user", "created_at", "last_used_at", "unused"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    fields = ["user", "name", "created_at", "last_used_at", "throttling_failure_count"]
    readonly_fields = ["user", "name", "created_at", "last_used_at", "throttling_failure_count"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Unused codes")
    def unused(self, obj: RecoveryCodeDevice) -> int:
        return obj.unused_count()


class PasskeyAdmin(AuditedReset, SuperuserOnly, WebAuthnCredentialAdmin):
    """Users' passkeys (django-otp-webauthn ships this admin without registering it): listed and
    deleted here to reset a lost one, by superusers only, audited."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(WebAuthnCredential, PasskeyAdmin)
