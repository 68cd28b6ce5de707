"""What the person behind a need does about a pledge, from their private status link."""

from django.urls import path

from potluck.ledger.views import pledges

app_name = "ledger_status"
urlpatterns = [
    path(
        "<str:token>/pledges/<int:pledge_id>/handle/",
        pledges.status_pledge_handle,
        name="pledge_handle",
    ),
    path(
        "<str:token>/pledges/<int:pledge_id>/received/",
        pledges.status_pledge_received,
        name="pledge_received",
    ),
]
