"""URLs of the consultation pages: staff pages under /consultations/, participants under /c/."""

from django.urls import path

from multitrack.consultations import participant_views, views

urlpatterns = [
    path("consultations/", views.consultation_list, name="consultation-list"),
    path("consultations/new/", views.consultation_create, name="consultation-create"),
    path(
        "processes/<int:pk>/consultations/new/",
        views.consultation_create,
        name="process-consultation-create",
    ),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation-detail"),
    path("consultations/<int:pk>/edit/", views.consultation_edit, name="consultation-edit"),
    path("consultations/<int:pk>/statements/", views.statement_seed, name="statement-seed"),
    path(
        "consultations/<int:pk>/invitations/",
        views.invitations_create,
        name="invitations-create",
    ),
    path("consultations/<int:pk>/moderation/", views.moderation_queue, name="moderation-queue"),
    path("consultations/<int:pk>/results/", views.results, name="consultation-results"),
    path("consultations/<int:pk>/recompute/", views.recompute, name="consultation-recompute"),
    path(
        "consultations/<int:pk>/report.<str:fmt>",
        views.report,
        name="consultation-report",
    ),
    path("consultations/<int:pk>/export/", views.polis_export, name="consultation-export"),
    path("consultations/<int:pk>/import/", views.polis_import, name="consultation-import"),
    path("c/<str:key>/", participant_views.participate, name="participate"),
    path("c/<str:key>/vote/", participant_views.vote, name="participate-vote"),
    path("c/<str:key>/votes/", participant_views.my_votes, name="participate-votes"),
    path("c/<str:key>/write/", participant_views.write, name="participate-write"),
    path("c/<str:key>/map/", participant_views.participant_map, name="participate-map"),
    path("c/<str:key>/join/<str:token>/", participant_views.join, name="participate-join"),
]
