"""Forms for writing a broadcast and adding a chat group."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from potluck.core.errors import DomainError
from potluck.networks.models import Network
from potluck.notifications.models import PERSON_CHANNELS, Channel
from potluck.outreach import selectors
from potluck.outreach.models import BROADCAST_MAX_LENGTH, ChatHook
from potluck.outreach.selectors import Filters
from potluck.outreach.services import (
    EMPTY_MESSAGE,
    HOOK_NAME_MAX_LENGTH,
    NO_CHANNEL,
    URL_TOO_LONG,
    broadcast_text_clean,
)

# Which field a service's refusal is about, by its code; the rest go above the form.
ERROR_FIELDS = {
    "empty_message": "message",
    "too_long": "message",
    "no_channel": "channels",
    "no_name": "name",
    "not_a_kind": "kind",
    "url_invalid": "url",
    "url_scheme": "url",
    "url_too_long": "url",
    "url_private": "url",
}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    field = ERROR_FIELDS.get(error.code)
    form.add_error(field if field in form.fields else None, str(error))


class BroadcastForm(forms.Form):
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=BROADCAST_MAX_LENGTH,
        strip=True,
        error_messages={
            "required": EMPTY_MESSAGE,
            "max_length": _(
                "Keep the message under %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
        help_text=_("Plain text. Text messages (SMS) are cut after 320 characters."),
    )
    skills = forms.MultipleChoiceField(
        label=_("Only volunteers with one of these skills"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = forms.MultipleChoiceField(
        label=_("Only volunteers who cover one of these neighbourhoods"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Only volunteers who speak one of these languages"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    include_paused = forms.BooleanField(
        label=_("Include volunteers who are resting"), required=False
    )
    channels = forms.MultipleChoiceField(
        label=_("Send it by"),
        choices=[(str(c.value), c.label) for c in PERSON_CHANNELS],
        initial=[Channel.EMAIL.value, Channel.WEB.value],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": NO_CHANNEL},
        help_text=_("Each person gets it only on the ways they chose in their settings."),
    )
    # Made by the preview; sent back with the confirmation so a double submit sends once.
    token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skills = selectors.skill_choices(network=network)
        self._choose("skills", [(skill, skill) for skill in skills])
        self._choose("areas", [(area, area) for area in network.areas])
        self._choose("languages", network.language_choices())

    def _choose(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices
        if not choices:  # nothing to pick from: the list is left out of the page
            field.widget = forms.MultipleHiddenInput()

    def clean_message(self) -> str:
        try:
            return broadcast_text_clean(self.cleaned_data["message"])
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            skills=tuple(data["skills"]),
            areas=tuple(data["areas"]),
            languages=tuple(data["languages"]),
            include_paused=data["include_paused"],
        )

    def hidden_fields_for_confirm(self) -> list[tuple[str, str]]:
        """The cleaned form as name/value pairs, for the confirmation's hidden inputs."""
        data = self.cleaned_data
        pairs = [("message", data["message"])]
        for name in ("skills", "areas", "languages", "channels"):
            pairs += [(name, value) for value in data[name]]
        if data["include_paused"]:
            pairs.append(("include_paused", "on"))
        return pairs


class ChatHookForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the group"),
        max_length=HOOK_NAME_MAX_LENGTH,
        help_text=_("For you: which group and where, for example “Volunteers on Slack”."),
    )
    kind = forms.ChoiceField(
        label=_("Chat service"), choices=ChatHook.Kind.choices, widget=forms.RadioSelect
    )
    url = forms.CharField(
        label=_("Incoming webhook address"),
        max_length=500,
        error_messages={"max_length": URL_TOO_LONG},
        widget=forms.TextInput(
            attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_(
            "You make it in the chat service's settings, as explained above. "
            "It is stored encrypted."
        ),
    )
