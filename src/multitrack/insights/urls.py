"""URLs of the process health page, the process report and meeting checks."""

from django.urls import path

from multitrack.insights import views

urlpatterns = [
    path("processes/<int:pk>/health/", views.process_health_page, name="process-health"),
    path("processes/<int:pk>/report/", views.process_report, name="process-report"),
    path("meetings/<int:pk>/checks/", views.meeting_checks, name="meeting-checks"),
]
