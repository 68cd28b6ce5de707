"""A person's notification settings and their in-Potluck inbox."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest
from potluck.notifications import preferences, selectors
from potluck.notifications.forms import PreferenceForm


@login_required
def notification_settings(request: AuthedRequest) -> HttpResponse:
    """Channels, immediate or daily digest, quiet hours and language."""
    user = request.user
    saved = selectors.preference_for(user)
    initial = {
        "channels": saved.channels,
        "mode": saved.mode,
        "quiet_start": saved.quiet_start,
        "quiet_end": saved.quiet_end,
        "language": user.language,
    }
    form = PreferenceForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            preferences.preference_update(user=user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            # The page after the redirect speaks the new language; say so in it.
            with translation.override(user.language):
                messages.success(request, _("Saved."))
            return redirect("notifications:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "notifications/settings.html", {"form": form}, status=status)


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    """Messages Potluck sent to this person "in Potluck", newest first."""
    before = request.GET.get("before", "")
    entries, next_before = selectors.inbox_for(
        user=request.user,
        language=translation.get_language() or request.user.language,
        before=int(before) if before.isdigit() else None,
    )
    context = {"entries": entries, "next_before": next_before, "older": before.isdigit()}
    return render(request, "notifications/inbox.html", context)
