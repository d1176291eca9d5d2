from django.apps import AppConfig


class IdeasConfig(AppConfig):
    name = "multitrack.ideas"
    label = "ideas"
    verbose_name = "Ideas, official talks and channels"

    def ready(self) -> None:
        from multitrack.api import api
        from multitrack.ideas.api import router

        # ready() can run twice (tests, autoreload): a router may be attached only once.
        if not any(existing is router for _, existing in api._routers):
            api.add_router("/", router)
