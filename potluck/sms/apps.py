from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "potluck.sms"
    label = "sms"
