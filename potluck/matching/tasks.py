from django_tasks import task

from potluck.matching import follow_up as follow_through
from potluck.matching import services


@task()
def match_auto() -> int:
    """Background form of `potluck match_auto`: suggest (never assign) where a network asks."""
    return len(services.match_auto())


@task()
def follow_up() -> dict[str, int]:
    """Background form of `potluck follow_up`, for schedulers that enqueue tasks."""
    return follow_up_now()


def follow_up_now() -> dict[str, int]:
    """Reminders, unanswered dispatches and "still needed?" questions, each a count."""
    return {
        "claims_reminded": follow_through.claims_remind(),
        "dispatches_ended": services.dispatches_expire(),
        "needs_asked": follow_through.needs_ask_still_needed(),
    }
