from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "multitrack.web"
    label = "web"
    verbose_name = "Web interface"

    def ready(self) -> None:
        from multitrack.web import checks  # noqa: F401  (registers the deploy checks)
