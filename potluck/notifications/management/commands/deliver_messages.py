from django.core.management.base import BaseCommand

from potluck.notifications.services import messages_deliver_due


class Command(BaseCommand):
    help = "Send every outbox message that is due, retries included (run every minute from cron)."

    def handle(self, *args: object, **options: object) -> None:
        count = messages_deliver_due()
        self.stdout.write(f"{count} message(s) sent.")
