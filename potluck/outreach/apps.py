from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "potluck.outreach"
    label = "outreach"
