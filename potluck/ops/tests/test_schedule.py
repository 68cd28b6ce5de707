from datetime import UTC, datetime, timedelta

import pytest

from potluck.conftest import run_together
from potluck.ops.models import ScheduledRun
from potluck.ops.schedule import JOBS, schedule_due, slot_of

NOON = datetime(2026, 11, 21, 12, 0, 30, tzinfo=UTC)


def test_a_slot_starts_at_a_multiple_of_the_interval() -> None:
    hourly = next(job for job in JOBS if job.every == timedelta(hours=1))
    assert slot_of(hourly, NOON) == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert slot_of(hourly, NOON + timedelta(minutes=59)) == slot_of(hourly, NOON)


@pytest.mark.django_db
def test_every_job_runs_once_per_slot() -> None:
    assert schedule_due(now=NOON) == [job.name for job in JOBS]
    assert schedule_due(now=NOON + timedelta(seconds=20)) == []
    later = schedule_due(now=NOON + timedelta(minutes=1))
    assert later == ["deliver_messages", "match_auto"]


@pytest.mark.django_db
def test_old_turns_are_deleted() -> None:
    schedule_due(now=NOON - timedelta(days=8))
    schedule_due(now=NOON)
    assert not ScheduledRun.objects.filter(slot__lt=NOON - timedelta(days=7)).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_enqueue_each_turn_once() -> None:
    results = run_together(lambda: schedule_due(now=NOON), lambda: schedule_due(now=NOON))
    names = [name for result in results for name in result]
    assert sorted(names) == sorted(job.name for job in JOBS)
    assert ScheduledRun.objects.count() == len(JOBS)
