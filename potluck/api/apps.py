from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "potluck.api"
    label = "api"
