from django.core.management.base import BaseCommand

from potluck.ledger.services import pledges_expire


class Command(BaseCommand):
    help = "Let pledges nobody finished confirming in time run out (run hourly from cron)."

    def handle(self, *args: object, **options: object) -> None:
        count = pledges_expire()
        self.stdout.write(f"{count} pledge(s) expired.")
