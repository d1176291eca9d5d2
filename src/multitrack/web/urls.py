"""The dashboard, and the icon browsers ask for at /favicon.ico."""

from django.urls import path

from multitrack.web import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("favicon.ico", views.favicon, name="favicon"),
]
