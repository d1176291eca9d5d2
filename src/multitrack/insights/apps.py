from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "multitrack.insights"
    label = "insights"
    verbose_name = "Measures and reports"

    def ready(self) -> None:
        from multitrack.api import api
        from multitrack.insights.api import router

        # ready() can run twice (tests, autoreload): a router may be attached only once.
        if not any(existing is router for _, existing in api._routers):
            api.add_router("/", router)
