"""Who may do what in which process: the membership checks every view and API call goes through.

A user who is not a member of a process is told it does not exist (404), never that it is
forbidden: even the existence of a dialogue can be sensitive. A member who lacks a permission
gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from multitrack.accounts.models import Membership, Role
from multitrack.accounts.permissions import ROLE_PERMISSIONS, Permission

_CACHE_ATTRIBUTE = "_multitrack_roles"


def roles_of(user: Any) -> dict[int, str]:
    """The user's role in each process, by process id; loaded once per request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached: dict[int, str] | None = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("process_id", "role"))
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles after memberships change."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def role_in(user: Any, process_id: int) -> Role | None:
    """The user's role in a process, or None for outsiders."""
    role = roles_of(user).get(process_id)
    return Role(role) if role else None


def is_member(user: Any, process_id: int) -> bool:
    """Whether the user may know the process exists at all."""
    return bool(getattr(user, "is_superuser", False)) or process_id in roles_of(user)


def can(user: Any, permission: Permission, process_id: int) -> bool:
    """Whether the user holds ``permission`` in the process."""
    if not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    role = roles_of(user).get(process_id)
    return role is not None and permission in ROLE_PERMISSIONS[role]


def processes_where(user: Any, permission: Permission) -> set[int]:
    """Ids of the processes in which the user holds ``permission`` (superusers: not listed)."""
    return {pid for pid, role in roles_of(user).items() if permission in ROLE_PERMISSIONS[role]}


def require(user: Any, permission: Permission, process_id: int) -> None:
    """Raise PermissionDenied unless the user holds ``permission`` in the process."""
    if not can(user, permission, process_id):
        raise PermissionDenied(f"Your role in this process does not allow this ({permission}).")
