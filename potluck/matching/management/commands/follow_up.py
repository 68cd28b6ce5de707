from django.core.management.base import BaseCommand

from potluck.matching.tasks import follow_up_now


class Command(BaseCommand):
    help = (
        "Remind volunteers whose claims run out soon, end dispatches nobody answered, and ask "
        "people whose needs wait long whether they still need help (run from cron)."
    )

    def handle(self, *args: object, **options: object) -> None:
        counts = follow_up_now()
        self.stdout.write(
            "{claims_reminded} claim(s) reminded, {dispatches_ended} dispatch(es) ended, "
            "{needs_asked} need(s) asked whether still needed.".format(**counts)
        )
