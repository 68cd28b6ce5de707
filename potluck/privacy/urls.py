from django.urls import path

from potluck.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.data, name="data"),
    path("export/", views.export, name="export"),
    path("delete/", views.delete, name="delete"),
]
