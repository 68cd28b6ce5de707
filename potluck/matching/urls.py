from django.urls import path

from potluck.matching import views

app_name = "matching"
urlpatterns = [
    path("<slug:slug>/matching/", views.matching_review, name="review"),
    path("<slug:slug>/matching/suggest/", views.matching_suggest, name="suggest"),
    path("<slug:slug>/matching/dispatch/", views.matching_dispatch, name="dispatch"),
    path("<slug:slug>/my-tasks/", views.my_tasks, name="my_tasks"),
    path("<slug:slug>/my-tasks/<int:dispatch_id>/accept/", views.dispatch_accept, name="accept"),
    path("<slug:slug>/my-tasks/<int:dispatch_id>/decline/", views.dispatch_decline, name="decline"),
]
