from django.core.management.base import BaseCommand

from potluck.needs.services import claims_expire


class Command(BaseCommand):
    help = "Return needs whose claim ran out to the queue (run every few minutes from cron)."

    def handle(self, *args: object, **options: object) -> None:
        count = claims_expire()
        self.stdout.write(f"{count} expired claim(s) released.")
