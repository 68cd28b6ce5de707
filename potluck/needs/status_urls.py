from django.urls import path

from potluck.needs import status_views

app_name = "status"
urlpatterns = [
    path("<str:token>/", status_views.status_detail, name="detail"),
    path("<str:token>/message/", status_views.status_message, name="message"),
    path("<str:token>/confirm/", status_views.status_confirm, name="confirm"),
    path("<str:token>/withdraw/", status_views.status_withdraw, name="withdraw"),
    path("<str:token>/language/", status_views.status_language, name="language"),
    path("<str:token>/still-needed/", status_views.status_still_needed, name="still_needed"),
]
