from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "potluck.ledger"
    label = "ledger"
    verbose_name = "Money"

    def ready(self) -> None:
        from potluck.ledger import signals  # noqa: F401 (connects the receivers)
