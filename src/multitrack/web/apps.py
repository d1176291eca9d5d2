from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "multitrack.web"
    label = "web"
    verbose_name = "Web interface"
