from django.db import models


class ScheduledRun(models.Model):
    """One periodic job's turn: a row per job and time slot, so that however many workers
    run the schedule, each turn is enqueued once (the unique constraint decides)."""

    job = models.CharField(max_length=40)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once")]

    def __str__(self) -> str:
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M}"
