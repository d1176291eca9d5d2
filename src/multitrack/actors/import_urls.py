"""URLs of the people import: upload, preview, confirm, cancel (all under a process)."""

from django.urls import path

from multitrack.actors import import_views

urlpatterns = [
    path(
        "processes/<int:pk>/import-people/",
        import_views.people_import_upload,
        name="people-import",
    ),
    path(
        "processes/<int:pk>/import-people/preview/",
        import_views.people_import_preview,
        name="people-import-preview",
    ),
    path(
        "processes/<int:pk>/import-people/confirm/",
        import_views.people_import_confirm,
        name="people-import-confirm",
    ),
    path(
        "processes/<int:pk>/import-people/cancel/",
        import_views.people_import_cancel,
        name="people-import-cancel",
    ),
]
