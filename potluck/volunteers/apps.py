from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "potluck.volunteers"
    label = "volunteers"
