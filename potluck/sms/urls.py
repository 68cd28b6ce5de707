from django.urls import path

from potluck.sms import views

app_name = "sms"

urlpatterns = [
    path("twilio/", views.twilio_inbound, name="twilio"),
]
