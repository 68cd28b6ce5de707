from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "potluck.core"
    label = "core"
