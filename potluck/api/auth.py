"""Bearer-token authentication for /api/v1."""

from datetime import timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from potluck.accounts.models import ApiToken, User

# Recording every request would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)
# Keys are "pl_" plus 43 characters; anything far longer is not a key, so don't hash it.
MAX_KEY_LENGTH = 128


class ApiRequest(HttpRequest):
    """For type checkers: an API request after TokenAuth let it in."""

    auth: User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a key from accounts.services.api_token_create."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        key = token.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return None
        api_token = ApiToken.objects.matching(key).select_related("user").first()
        if api_token is None or not api_token.user.is_active:
            return None
        _touch(api_token)
        return api_token.user


def _touch(api_token: ApiToken) -> None:
    now = timezone.now()
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION),
        pk=api_token.pk,
    ).update(last_used_at=now)
