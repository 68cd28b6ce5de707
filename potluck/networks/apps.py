from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "potluck.networks"
    label = "networks"
