"""The one exception type services raise for a rule the caller broke."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A translatable, user-facing refusal from a service (never a programming error)."""

    def __init__(self, message: str | Promise, *, code: str = "invalid", status: int = 400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __str__(self) -> str:
        return str(self.message)
