from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "potluck.accounts"
    label = "accounts"
