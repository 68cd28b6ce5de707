from django.urls import include, path

from potluck.api.urls import api
from potluck.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("language/", core_views.set_language, name="set_language"),
    path("accounts/me/data/", include("potluck.privacy.urls")),
    path("accounts/", include("potluck.accounts.urls")),
    path("notifications/", include("potluck.notifications.urls")),
    path("n/", include("potluck.networks.urls")),
    path("n/", include("potluck.needs.urls")),
    path("n/", include("potluck.volunteers.urls")),
    path("n/", include("potluck.matching.urls")),
    path("n/", include("potluck.ledger.urls")),
    path("n/", include("potluck.outreach.urls")),
    path("sms/", include("potluck.sms.urls")),
    path("s/", include("potluck.needs.status_urls")),
    path("s/", include("potluck.ledger.status_urls")),
    path("api/v1/", api.urls),
    path("health/", include("potluck.ops.urls")),
]
