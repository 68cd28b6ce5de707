from django_tasks import task

from potluck.privacy.services import retention_enforce


@task()
def erase_expired() -> dict[str, int]:
    """Background form of `potluck erase-expired`, for schedulers that enqueue tasks."""
    return retention_enforce()
