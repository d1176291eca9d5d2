"""URLs of the idea, official talks, channel and non-paper pages."""

from django.urls import path

from multitrack.ideas import views

urlpatterns = [
    path("ideas/", views.idea_board, name="idea-board"),
    path("processes/<int:pk>/ideas/new/", views.idea_create, name="idea-create"),
    path(
        "consultations/<int:pk>/ideas/new/",
        views.idea_from_consultation,
        name="idea-from-consultation",
    ),
    path("ideas/<int:pk>/", views.idea_detail, name="idea-detail"),
    path("ideas/<int:pk>/stage/", views.idea_stage_change, name="idea-stage-change"),
    path("ideas/<int:pk>/versions/", views.idea_version_add, name="idea-version-add"),
    path("ideas/<int:pk>/transfers/", views.idea_transfer, name="idea-transfer"),
    path(
        "conflicts/<int:pk>/official-talks/", views.official_track_list, name="official-track-list"
    ),
    path("official-talks/<int:pk>/", views.official_track_detail, name="official-track-detail"),
    path("official-talks/<int:pk>/rounds/", views.round_add, name="round-add"),
    path("official-talks/<int:pk>/status/", views.status_add, name="official-status-add"),
    path("official-talks/<int:pk>/agreements/", views.agreement_add, name="agreement-add"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("conflicts/<int:pk>/channels/", views.channel_overview, name="channel-overview"),
    path("processes/<int:pk>/non-papers/new/", views.non_paper_create, name="non-paper-create"),
    path("non-papers/<int:pk>/", views.non_paper_detail, name="non-paper-detail"),
    path("non-papers/<int:pk>/override/", views.non_paper_override, name="non-paper-override"),
    path(
        "non-papers/<int:pk>/export/<str:format>/",
        views.non_paper_export,
        name="non-paper-export",
    ),
]
