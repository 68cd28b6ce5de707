from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "potluck.privacy"
    label = "privacy"
