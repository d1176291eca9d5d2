"""URLs of the process and meeting pages."""

from django.urls import path

from multitrack.processes import views
from multitrack.processes.views.attachments import (
    attachment_add,
    attachment_delete,
    attachment_download,
)
from multitrack.processes.views.meetings import meeting_confirm

urlpatterns = [
    path("processes/", views.process_list, name="process-list"),
    path("processes/new/", views.process_create, name="process-create"),
    path("processes/<int:pk>/", views.process_detail, name="process-detail"),
    path("processes/<int:pk>/edit/", views.process_edit, name="process-edit"),
    path("processes/<int:pk>/members/", views.member_add, name="member-add"),
    path("processes/<int:pk>/members/<int:user_id>/", views.member_change, name="member-change"),
    path(
        "processes/<int:pk>/members/<int:user_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("processes/<int:pk>/meetings/new/", views.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/confirm/", meeting_confirm, name="meeting-confirm"),
    path("meetings/<int:pk>/agenda/", views.agenda_item_add, name="agenda-item-add"),
    path("meetings/<int:pk>/attendance/", views.attendance_add, name="attendance-add"),
    path(
        "meetings/<int:meeting_pk>/attendance/<int:pk>/",
        views.attendance_change,
        name="attendance-change",
    ),
    path(
        "meetings/<int:meeting_pk>/attendance/<int:pk>/remove/",
        views.attendance_remove,
        name="attendance-remove",
    ),
    path("meetings/<int:pk>/notes/", views.note_add, name="note-add"),
    path("meetings/<int:pk>/follow-ups/", views.follow_up_add, name="follow-up-add"),
    path("meetings/<int:pk>/attachments/", attachment_add, name="attachment-add"),
    path(
        "meetings/<int:meeting_pk>/attachments/<int:pk>/",
        attachment_download,
        name="attachment-download",
    ),
    path(
        "meetings/<int:meeting_pk>/attachments/<int:pk>/remove/",
        attachment_delete,
        name="attachment-remove",
    ),
    path(
        "meetings/<int:meeting_pk>/follow-ups/<int:pk>/done/",
        views.follow_up_set_done,
        name="follow-up-set-done",
    ),
]
