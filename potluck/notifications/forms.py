"""The preferences form; the service checks every choice again."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from potluck.accounts.models import User
from potluck.notifications import preferences
from potluck.notifications.models import PERSON_CHANNELS, Preference

CHOICE_ERRORS = {"required": preferences.BAD_CHOICE, "invalid_choice": preferences.BAD_CHOICE}
HOURS = [("", _("None"))] + [(str(hour), f"{hour:02d}:00") for hour in range(24)]


class ChannelCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes where a channel the person can't use is shown, but disabled."""

    def __init__(self, *args: Any, unavailable: frozenset[str] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.unavailable = unavailable

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


class PreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("How should Potluck reach you?"),
        choices=[(channel.value, channel.label) for channel in PERSON_CHANNELS],
        error_messages={
            "required": preferences.NO_CHANNEL,
            "invalid_choice": preferences.BAD_CHOICE,
        },
    )
    mode = forms.ChoiceField(
        label=_("When?"),
        choices=Preference.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": preferences.BAD_CHOICE,
            "invalid_choice": preferences.BAD_CHOICE,
        },
        help_text=_(
            "A daily digest gathers emails and text messages into one a day. Urgent needs and "
            "reminders still come right away."
        ),
    )
    quiet_start = forms.TypedChoiceField(
        label=_("Quiet from"),
        choices=HOURS,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": preferences.BAD_HOUR},
    )
    quiet_end = forms.TypedChoiceField(
        label=_("Quiet until"),
        choices=HOURS,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": preferences.BAD_HOUR},
        help_text=_("No emails or text messages in these hours, except about urgent needs."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        error_messages={
            "required": preferences.BAD_CHOICE,
            "invalid_choice": preferences.BAD_CHOICE,
        },
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        problems = {
            channel.value: preferences.channel_problem(user=user, channel=channel)
            for channel in PERSON_CHANNELS
        }
        unavailable = {channel: problem for channel, problem in problems.items() if problem}
        field = self.fields["channels"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.widget = ChannelCheckboxes(choices=field.choices, unavailable=frozenset(unavailable))
        field.help_text = " ".join(unavailable.values())

    def clean_channels(self) -> list[str]:
        chosen: list[str] = self.cleaned_data["channels"]
        for channel in chosen:
            problem = preferences.channel_problem(user=self.user, channel=channel)
            if problem:
                raise forms.ValidationError(problem)
        return chosen

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if "quiet_start" in cleaned and "quiet_end" in cleaned and (start is None) != (end is None):
            self.add_error("quiet_end", preferences.HALF_QUIET)
        return cleaned
