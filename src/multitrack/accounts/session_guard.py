"""Sessions end after a spell without activity; the admin answers only on its own host names.

ASVS 7.3.1 (idle timeout) and 8.4.2 (administrative interfaces not on the public host). The
absolute limit is the session cookie's age (``SESSION_COOKIE_AGE``, a working day).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

LAST_SEEN_KEY = "multitrack_last_seen"
# The last-seen time is written at most this often, so reading pages does not write the session
# on every request; the idle limit is therefore exact to within this many seconds.
WRITE_EVERY_SECONDS = 60


@receiver(user_logged_in, dispatch_uid="multitrack-idle-clock")
def start_the_idle_clock(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """Sign-in is activity; recording it here spares the first page a session write."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = int(time.time())


class IdleSessionMiddleware:
    """Signs a user out once ``MULTITRACK_SESSION_IDLE_MINUTES`` pass without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            idle_limit = settings.MULTITRACK_SESSION_IDLE_MINUTES * 60
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(last_seen, int) and now - last_seen > idle_limit:
                logout(request)  # flushes the session: a new one, with a new key
                messages.info(
                    request,
                    f"You were signed out after {settings.MULTITRACK_SESSION_IDLE_MINUTES} "
                    "minutes without activity. Please sign in again.",
                )
                to_login = redirect_to_login(request.get_full_path())
                if getattr(request, "htmx", False):  # a fragment request: reload the whole page
                    return HttpResponseClientRedirect(to_login["Location"])
                return to_login
            if not isinstance(last_seen, int) or now - last_seen >= WRITE_EVERY_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class AdminHostMiddleware:
    """The admin site exists only on the host names in ``MULTITRACK_ADMIN_HOSTS``.

    ``["*"]`` (the development default) allows any host; an empty list (the production default)
    turns the admin off: it answers 404 like any unknown page, so it does not advertise itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/"):
            hosts: list[str] = settings.MULTITRACK_ADMIN_HOSTS
            if "*" not in hosts and request.get_host().split(":")[0] not in hosts:
                raise Http404
        return self.get_response(request)
