from django.core.management.base import BaseCommand

from potluck.matching.services import match_auto


class Command(BaseCommand):
    help = (
        "Suggest matches in networks that ask for automatic runs and are due one (run every "
        "few minutes from cron). It only suggests: coordinators still review and dispatch."
    )

    def handle(self, *args: object, **options: object) -> None:
        runs = match_auto()
        for run in runs:
            self.stdout.write(
                f"{run.network.slug}: {run.matched_count} of {run.needs_count} need(s) matched."
            )
        self.stdout.write(f"{len(runs)} network(s) matched.")
