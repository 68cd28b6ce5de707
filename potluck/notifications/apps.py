from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "potluck.notifications"
    label = "notifications"
