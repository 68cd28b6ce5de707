from django.urls import path

from potluck.needs import offer_views, views

app_name = "needs"
urlpatterns = [
    path("<slug:slug>/ask/", views.need_ask, name="ask"),
    path("<slug:slug>/needs/", views.need_board, name="board"),
    path("<slug:slug>/needs/intake/", views.need_intake, name="intake"),
    path("<slug:slug>/needs/<int:need_id>/", views.need_detail, name="detail"),
    path("<slug:slug>/needs/<int:need_id>/claim/", views.need_claim, name="claim"),
    path("<slug:slug>/needs/<int:need_id>/release/", views.need_release, name="release"),
    path("<slug:slug>/needs/<int:need_id>/deliver/", views.need_deliver, name="deliver"),
    path("<slug:slug>/needs/<int:need_id>/close/", views.need_close, name="close"),
    path("<slug:slug>/needs/<int:need_id>/note/", views.need_note, name="note"),
    path("<slug:slug>/needs/<int:need_id>/contact/", views.need_reveal, name="reveal"),
    path("<slug:slug>/queue/", views.need_triage, name="triage"),
    path("<slug:slug>/my-claims/", views.my_claims, name="my_claims"),
    path("<slug:slug>/offers/", offer_views.offer_board, name="offers"),
    path("<slug:slug>/offers/new/", offer_views.offer_new, name="offer_new"),
    path("<slug:slug>/offers/<int:offer_id>/", offer_views.offer_detail, name="offer_detail"),
    path("<slug:slug>/offers/<int:offer_id>/close/", offer_views.offer_close, name="offer_close"),
    path("<slug:slug>/matches/<int:match_id>/", offer_views.match_detail, name="match_detail"),
    path("<slug:slug>/matches/<int:match_id>/close/", offer_views.match_close, name="match_close"),
]
