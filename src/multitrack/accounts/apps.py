from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "multitrack.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and audit"

    def ready(self) -> None:
        from multitrack.accounts import (
            checks,  # noqa: F401  (registers the two-step checks)
            session_guard,  # noqa: F401  (starts the idle clock at sign-in)
        )
