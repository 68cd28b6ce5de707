from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from potluck.networks.categories import Category
from potluck.networks.models import Network, Role


class JoinForm(forms.Form):
    note = forms.CharField(
        label=_("A note for the coordinators (optional)"),
        max_length=300,
        required=False,
        help_text=_("For example: how you heard of us, or what you'd like to help with."),
    )


class InvitationForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    max_uses = forms.IntegerField(
        label=_("How many people may use it"), min_value=1, max_value=500, initial=1
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class NetworkForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name for links"),
        max_length=60,
        help_text=_("Letters, numbers and hyphens, e.g. riverside-aid."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    area_served = forms.CharField(label=_("Area served"), max_length=200, required=False)
    areas = forms.CharField(
        label=_("Neighbourhoods"),
        required=False,
        max_length=2000,
        help_text=_("One per line; people choose from these when asking for help."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    join_policy = forms.ChoiceField(
        label=_("Joining"),
        choices=Network.JoinPolicy.choices,
        widget=forms.RadioSelect,
        initial=Network.JoinPolicy.APPROVAL,
    )
    categories = forms.MultipleChoiceField(
        label=_("Kinds of help"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(Category.values),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = settings.LANGUAGES  # type: ignore[attr-defined]
        self.fields["languages"].initial = [settings.LANGUAGE_CODE]

    def clean_areas(self) -> list[str]:
        lines = self.cleaned_data.get("areas", "").splitlines()
        return [line.strip()[:120] for line in lines if line.strip()][:100]
