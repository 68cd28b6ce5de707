from django.urls import path

from potluck.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("settings/", views.notification_settings, name="settings"),
]
