import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from potluck.accounts import throttle, twofactor
from potluck.core.errors import DomainError
from potluck.core.http import AuthedRequest
from potluck.networks.models import Network
from potluck.privacy import services
from potluck.privacy.forms import AccountDeleteForm


@login_required
def data(request: AuthedRequest) -> HttpResponse:
    networks = Network.objects.filter(memberships__user=request.user).order_by("name")
    return render(request, "privacy/data.html", {"networks": networks})


@login_required
@require_POST
def export(request: AuthedRequest) -> HttpResponse:
    payload = services.account_export(user=request.user)
    response = HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"potluck-data-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete(request: AuthedRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        if twofactor.two_factor_enabled(user) and not twofactor.session_verified(user):
            raise twofactor.TwoFactorRequired(setup=False)  # the middleware asks for a code
        # Counted like a login: a borrowed session must not become a way to guess passwords.
        attempts = throttle.login_attempt_begin(
            request=request, account_key=throttle.account_key_of(user)
        )
        if attempts is None:
            context = {"form": AccountDeleteForm(), "too_many": True}
            return render(request, "privacy/delete.html", context, status=429)
        try:
            services.account_delete(user=user, password=form.cleaned_data["password"])
        except DomainError as error:
            if error.code != services.WRONG_PASSWORD_CODE:
                attempts.succeeded()
            form.add_error("password", str(error))
        else:
            attempts.succeeded()
            logout(request)
            messages.success(request, _("Your account has been deleted."))
            return redirect("home")
    return render(request, "privacy/delete.html", {"form": form})
