from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "potluck.needs"
    label = "needs"
