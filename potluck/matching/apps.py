from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "potluck.matching"
    label = "matching"

    def ready(self) -> None:
        # A need's history and notes show what matching and follow-through did to it, in the
        # reader's language: add their texts to the needs app's tables of labels.
        from potluck.matching.follow_up import STILL_NEEDED_TEXTS
        from potluck.matching.labels import NEED_EVENT_LABELS
        from potluck.needs import models as need_models

        need_models.NEED_EVENT_LABELS.update(NEED_EVENT_LABELS)
        need_models.NeedNote.SYSTEM_TEXTS.update(STILL_NEEDED_TEXTS)
