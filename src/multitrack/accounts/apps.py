from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "multitrack.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and audit"
