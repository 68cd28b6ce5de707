"""A honeypot for public forms: a field people never see, and simple bots fill in.

The field is hidden by the `hp` class in potluck.css (no JavaScript needed), taken out of the
accessibility tree (aria-hidden) and the tab order (tabindex=-1), and its label tells anyone
who does meet it, a screen reader user with CSS off for instance, to leave it empty. A filled
field doesn't vanish silently: the form comes back with an error saying why, and the field
comes back empty, so a person can send it again.
"""

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

HONEYPOT_FIELD = "homepage"
HONEYPOT_FILLED = _(
    "This form looked as if a program had filled it in, so it wasn't sent. "
    "Please check your answers and send it again."
)


class HoneypotInput(forms.TextInput):
    def format_value(self, value: Any) -> str | None:
        return None  # never send a bot's text back, or a person would trip over it again


class HoneypotBoundField(BoundField):
    def css_classes(self, extra_classes: Any = None) -> str:
        return " ".join(filter(None, [super().css_classes(extra_classes=extra_classes), "hp"]))


class HoneypotField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Leave this field empty"),
            required=False,
            widget=HoneypotInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
            **kwargs,
        )
        # The field's own layout: a wrapper that screen readers skip.
        self.template_name = "accounts/honeypot_field.html"

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> BoundField:
        return HoneypotBoundField(form, self, field_name)


class HoneypotForm(forms.Form):
    """Base for public forms: adds the honeypot as the last field and refuses the form when
    it is filled in."""

    homepage = HoneypotField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT_FIELD] = self.fields.pop(HONEYPOT_FIELD)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.pop(HONEYPOT_FIELD, "") or self.data.get(HONEYPOT_FIELD):
            self.add_error(None, HONEYPOT_FILLED)
        return cleaned
