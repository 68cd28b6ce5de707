from django.urls import path

from potluck.networks import reach_views, views

app_name = "networks"
urlpatterns = [
    path("new/", views.network_new, name="new"),
    path("invite/<str:token>/", views.invitation_detail, name="invitation"),
    path("<slug:slug>/", views.network_home, name="home"),
    path("<slug:slug>/join/", views.network_join, name="join"),
    path("<slug:slug>/members/", views.member_list, name="members"),
    path(
        "<slug:slug>/members/<int:membership_id>/answer/",
        views.membership_answer,
        name="membership_answer",
    ),
    path(
        "<slug:slug>/members/<int:membership_id>/role/",
        views.membership_role,
        name="membership_role",
    ),
    path("<slug:slug>/invitations/", views.invitation_new, name="invitation_new"),
    path(
        "<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    # Paper and phone (reach_views.py)
    path("<slug:slug>/reach/", reach_views.reach_settings, name="reach"),
    path("<slug:slug>/flyer.pdf", reach_views.flyer, name="flyer"),
    path("<slug:slug>/noticeboard/", reach_views.noticeboard, name="noticeboard"),
]
