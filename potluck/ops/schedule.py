"""The periodic jobs `potluck worker` runs, and how often.

Each job is an existing task; the schedule only decides when it is enqueued. Time is cut
into slots of the job's interval; the first worker to record a slot enqueues the job, so two
workers (or a restarted one) never run a turn twice, and a worker that was down simply
picks up with the current slot.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from potluck.ops.models import ScheduledRun

# Turns are kept this long, then deleted: they hold a job name and a time, nothing else.
KEEP_RUNS = timedelta(days=7)


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # dotted path of a django_tasks task taking no arguments
    every: timedelta


JOBS = (
    Job(
        "deliver_messages", "potluck.notifications.tasks.deliver_due_messages", timedelta(minutes=1)
    ),
    Job("expire_claims", "potluck.needs.tasks.expire_claims", timedelta(minutes=5)),
    Job("follow_up", "potluck.matching.tasks.follow_up", timedelta(minutes=15)),
    Job("match_auto", "potluck.matching.tasks.match_auto", timedelta(minutes=1)),
    Job("expire_pledges", "potluck.ledger.tasks.expire_pledges", timedelta(hours=1)),
    Job("send_digests", "potluck.notifications.tasks.send_digests", timedelta(hours=1)),
    Job("erase_expired", "potluck.privacy.tasks.erase_expired", timedelta(days=1)),
)


def slot_of(job: Job, now: datetime) -> datetime:
    """The start of the slot `now` falls in, counted from the Unix epoch."""
    seconds = int(job.every.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)


def schedule_due(*, now: datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot nobody has taken yet; the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in JOBS:
        if _take_slot(job.name, slot_of(job, now)):
            import_string(job.task).enqueue()
            enqueued.append(job.name)
    ScheduledRun.objects.filter(slot__lt=now - KEEP_RUNS).delete()
    return enqueued


def _take_slot(name: str, slot: datetime) -> bool:
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=name, slot=slot)
    except IntegrityError:
        return False
    return True
