"""The dashboard."""

from django.urls import path

from multitrack.web import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
