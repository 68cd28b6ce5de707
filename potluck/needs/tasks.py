from django_tasks import task

from potluck.needs.services import claims_expire


@task()
def expire_claims() -> int:
    """Background form of `potluck expire_claims`, for schedulers that enqueue tasks."""
    return claims_expire()
