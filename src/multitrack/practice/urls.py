"""URLs of the pages where best-practice data is entered."""

from django.urls import path

from multitrack.practice import views

urlpatterns = [
    path("processes/<int:pk>/practice/", views.practice_settings, name="practice-settings"),
    path("processes/<int:pk>/practice/<str:what>/", views.practice_add, name="practice-add"),
    path(
        "processes/<int:pk>/practice/<str:what>/<int:entry_pk>/delete/",
        views.practice_delete,
        name="practice-delete",
    ),
    path("processes/<int:pk>/ties/", views.tie_list, name="tie-list"),
    path("processes/<int:pk>/ties/<int:tie_pk>/delete/", views.tie_delete, name="tie-delete"),
    path("processes/<int:pk>/surveys/", views.survey_list, name="survey-list"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey-detail"),
]
