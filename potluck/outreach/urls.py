"""Coordinators reaching many people: broadcasts to volunteers, and chat groups."""

from django.urls import path

from potluck.outreach import views

app_name = "outreach"
urlpatterns = [
    path("<slug:slug>/broadcasts/", views.broadcasts, name="broadcasts"),
    path("<slug:slug>/chat-groups/", views.chat_groups, name="chat_groups"),
    path("<slug:slug>/chat-groups/toggle/", views.chat_group_toggle, name="chat_group_toggle"),
    path("<slug:slug>/chat-groups/delete/", views.chat_group_delete, name="chat_group_delete"),
    path("<slug:slug>/chat-groups/test/", views.chat_group_test, name="chat_group_test"),
]
