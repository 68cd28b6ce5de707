from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "potluck.accounts"
    label = "accounts"

    def ready(self) -> None:
        from potluck.accounts import signals  # noqa: F401  (connects the receivers)
