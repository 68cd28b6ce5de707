"""The requester's private status page, reached by the unguessable link they were given."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from potluck.core.errors import DomainError
from potluck.core.http import Request
from potluck.matching.follow_up import need_confirm_still_needed, still_needed_answered
from potluck.needs import selectors, services
from potluck.needs.forms import MessageForm
from potluck.needs.models import Need

STEPS = (Need.Status.OPEN, Need.Status.CLAIMED, Need.Status.DELIVERED, Need.Status.CLOSED)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def status_detail(request: Request, token: str) -> HttpResponse:
    need = selectors.access_need_by_token(token=token)
    with translation.override(need.language):
        context: dict[str, Any] = {
            "need": need,
            "token": token,
            "is_new": request.GET.get("new") == "1",
            "status_link": request.build_absolute_uri(reverse("status:detail", args=[token])),
            "steps": [(code, Need.Status(code).label) for code in STEPS],
            "step_index": STEPS.index(need.status) if need.status in STEPS else None,
            "message_form": MessageForm(),
            "messages_sent": need.notes.filter(kind="requester"),
            "language_choices": need.network.language_choices(),
            # Potluck asked whether they still need help (see matching.follow_up).
            "still_needed_question": need.status == Need.Status.OPEN
            and need.still_needed_asked_at is not None
            and not still_needed_answered(need=need),
        }
        response = render(request, "needs/status.html", context)
    return _no_store(response)


def _status_action(
    request: Request, token: str, action: Callable[[Need], Any], success: Promise
) -> HttpResponse:
    need = selectors.access_need_by_token(token=token)
    with translation.override(need.language):
        try:
            action(need)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, str(success))
    return _no_store(redirect("status:detail", token))


@require_POST
def status_message(request: Request, token: str) -> HttpResponse:
    form = MessageForm(request.POST)
    if not form.is_valid():
        need = selectors.access_need_by_token(token=token)
        with translation.override(need.language):
            messages.error(request, _("Write a message before sending."))
        return _no_store(redirect("status:detail", token))
    body = form.cleaned_data["body"]
    return _status_action(
        request,
        token,
        lambda need: services.need_add_requester_message(need=need, body=body),
        gettext_lazy("Your message was sent to the people helping you."),
    )


@require_POST
def status_confirm(request: Request, token: str) -> HttpResponse:
    return _status_action(
        request,
        token,
        lambda need: services.need_confirm_by_requester(need=need),
        gettext_lazy("Thank you for letting us know. We're glad help arrived."),
    )


@require_POST
def status_withdraw(request: Request, token: str) -> HttpResponse:
    return _status_action(
        request,
        token,
        lambda need: services.need_withdraw_by_requester(need=need),
        gettext_lazy("Your request is withdrawn. You can ask again any time."),
    )


@require_POST
def status_language(request: Request, token: str) -> HttpResponse:
    language = request.POST.get("language", "")
    return _status_action(
        request,
        token,
        lambda need: services.need_set_language(need=need, language=language),
        gettext_lazy("Language changed."),
    )


@require_POST
def status_still_needed(request: Request, token: str) -> HttpResponse:
    return _status_action(
        request,
        token,
        lambda need: need_confirm_still_needed(need=need),
        gettext_lazy("Thank you. Your request stays open, and we keep looking for someone."),
    )
