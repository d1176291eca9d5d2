"""Registry pages: people, organisations, conflicts."""

from django.urls import path

from multitrack.actors import views

urlpatterns = [
    path("people/", views.person_list, name="person-list"),
    path("people/new/", views.person_create, name="person-create"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/forget/", views.person_forget, name="person-forget"),
    path(
        "people/<int:pk>/affiliations/add/",
        views.affiliation_add,
        name="affiliation-add",
    ),
    path(
        "people/<int:pk>/affiliations/<int:affiliation_pk>/remove/",
        views.affiliation_remove,
        name="affiliation-remove",
    ),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("conflicts/", views.conflict_list, name="conflict-list"),
    path("conflicts/new/", views.conflict_create, name="conflict-create"),
    path("conflicts/<int:pk>/", views.conflict_detail, name="conflict-detail"),
    path("conflicts/<int:pk>/parties/add/", views.party_add, name="party-add"),
    path("conflicts/<int:pk>/context/", views.conflict_context_edit, name="conflict-context-edit"),
    path("conflicts/<int:pk>/terms/add/", views.contested_term_add, name="contested-term-add"),
    path(
        "conflicts/<int:pk>/terms/<int:term_pk>/remove/",
        views.contested_term_remove,
        name="contested-term-remove",
    ),
]
