"""URLs: the web pages of each app, the JSON API and the admin."""

from django.contrib import admin
from django.urls import include, path

from multitrack.api import api

urlpatterns = [
    path("", include("multitrack.web.urls")),
    path("accounts/", include("multitrack.accounts.urls")),
    path("", include("multitrack.actors.urls")),
    path("", include("multitrack.processes.urls")),
    path("", include("multitrack.actors.import_urls")),
    path("", include("multitrack.ideas.urls")),
    path("", include("multitrack.practice.urls")),
    path("", include("multitrack.insights.urls")),
    path("", include("multitrack.consultations.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
