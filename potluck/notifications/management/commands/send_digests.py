from django.core.management.base import BaseCommand

from potluck.notifications.digests import digests_send


class Command(BaseCommand):
    help = (
        "Send coordinators their daily summary of the queue, and fold held messages into the "
        "daily digest of people who chose one (run hourly or daily from cron; never sends twice "
        "in a day)."
    )

    def handle(self, *args: object, **options: object) -> None:
        counts = digests_send()
        self.stdout.write(
            f"{counts.queue_digests} queue digest(s) and {counts.digests} daily digest(s) written."
        )
