from django.apps import AppConfig


class ActorsConfig(AppConfig):
    name = "multitrack.actors"
    label = "actors"
    verbose_name = "People, organisations and conflicts"
