from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "multitrack.consultations"
    label = "consultations"
    verbose_name = "Consultations"

    def ready(self) -> None:
        from multitrack.api import api
        from multitrack.consultations.api import router

        # ready() can run twice (tests, autoreload): a router may be attached only once.
        if not any(existing is router for _, existing in api._routers):
            api.add_router("/consultations", router, tags=["consultations"])
