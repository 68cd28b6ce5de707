"""Two-factor authentication: an authenticator app (TOTP) plus ten one-use recovery codes.

Built on django-otp: a confirmed `TOTPDevice` means two-factor is on; a `StaticDevice` holds
the recovery codes. Coordinators, treasurers and admins must have it on, and their session
verified with a code, before they use those roles (`two_factor_require`, called from
potluck.networks.selectors).
"""

from base64 import b32encode
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from potluck.accounts.models import User
from potluck.core.audit import audit_record
from potluck.core.errors import DomainError

RECOVERY_CODE_COUNT = 10
SETUP_SALT = "potluck.accounts.two_factor_setup"
SETUP_MAX_AGE = 60 * 60  # an hour to scan the code and type one back

TWO_FACTOR_SETUP_NEEDED = _(
    "Coordinators, treasurers and admins must turn on two-factor authentication before "
    "using their role. It takes a couple of minutes."
)
TWO_FACTOR_CODE_NEEDED = _(
    "To use your role, enter a code from your authenticator app (or a recovery code)."
)
WRONG_CODE = _("That code didn't work. Check the time on your phone and try a new code.")
ALREADY_ON = _("Two-factor authentication is already on.")
NOT_ON = _("Two-factor authentication is not on.")
ROLE_NEEDS_TWO_FACTOR = _(
    "You can't turn off two-factor authentication while you are a coordinator, treasurer or "
    "admin of a network. Ask another coordinator to change your role first."
)


class TwoFactorRequired(DomainError):
    """Raised where an elevated role is used without two-factor; pages turn it into a
    redirect (potluck.accounts.middleware), the API into a 403."""

    def __init__(self, *, setup: bool) -> None:
        message = TWO_FACTOR_SETUP_NEEDED if setup else TWO_FACTOR_CODE_NEEDED
        super().__init__(message, code="two_factor_required", status=403)
        self.setup = setup


def totp_device_for(user: Any) -> TOTPDevice | None:
    """The person's confirmed authenticator device, if two-factor is on."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def two_factor_enabled(user: Any) -> bool:
    return totp_device_for(user) is not None


def session_verified(user: Any) -> bool:
    """True when this request's session passed a code. Only sessions can: a user from an API
    token has no `is_verified` (django_otp.middleware.OTPMiddleware adds it to request.user)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def two_factor_satisfied(user: Any) -> bool:
    """Whether `user` may use an elevated role now (see two_factor_require)."""
    try:
        two_factor_require(user=user)
    except TwoFactorRequired:
        return False
    return True


def two_factor_require(*, user: Any) -> None:
    """Let `user` use an elevated role only with two-factor on and, in a browser session,
    that session verified by a code. An API token needs two-factor on (the session check
    can't apply, and creating a token already needed a verified session)."""
    if not two_factor_enabled(user):
        raise TwoFactorRequired(setup=True)
    if hasattr(user, "is_verified") and not session_verified(user):
        raise TwoFactorRequired(setup=False)


# ---------------------------------------------------------------------------- set up


def two_factor_begin(*, user: User) -> TOTPDevice:
    """An unsaved authenticator device with a fresh key, to show as a QR code. Nothing is
    stored until a code from the app proves the key arrived (two_factor_enable), so opening
    the set-up page changes no data."""
    if two_factor_enabled(user):
        raise DomainError(ALREADY_ON, code="two_factor_on")
    return TOTPDevice(user=user, name="authenticator", key=random_hex(20), confirmed=False)


def setup_key_sign(device: TOTPDevice) -> str:
    """The set-up key, signed for the form: the person can't swap in a key of their own."""
    return signing.dumps({"user": device.user_id, "key": device.key}, salt=SETUP_SALT)


def setup_key_open(*, user: User, signed: str) -> TOTPDevice | None:
    """The unsaved device the set-up form was made for; None if the form is stale or forged."""
    try:
        data = signing.loads(signed, salt=SETUP_SALT, max_age=SETUP_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != user.pk:
        return None
    return TOTPDevice(user=user, name="authenticator", key=data["key"], confirmed=False)


def two_factor_enable(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Save the device once a code from the app matches its key; returns new recovery codes,
    shown once."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    token = _digits(code)
    if not token or not totp.verify(int(token), tolerance=device.tolerance):
        raise DomainError(WRONG_CODE, code="wrong_code")
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise DomainError(ALREADY_ON, code="two_factor_on")
        TOTPDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.last_t = totp.t()  # this code can't be used again to log in
        device.save()
        codes = _new_recovery_codes(user)
        audit_record(actor=user, verb="two_factor.enabled", target=user)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace the recovery codes: the old ones stop working at once."""
    if not two_factor_enabled(user):
        raise DomainError(NOT_ON, code="two_factor_off")
    codes = _new_recovery_codes(user)
    audit_record(actor=user, verb="two_factor.recovery_codes_replaced", target=user)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Turn two-factor off; refused while the person holds an elevated role."""
    from potluck.networks.selectors import holds_elevated_role  # networks builds on accounts

    if not two_factor_enabled(user):
        raise DomainError(NOT_ON, code="two_factor_off")
    if holds_elevated_role(user=user):
        raise DomainError(ROLE_NEEDS_TWO_FACTOR, code="role_needs_two_factor", status=403)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(actor=user, verb="two_factor.disabled", target=user)


# ---------------------------------------------------------------------------- codes


def _digits(code: str) -> str:
    return "".join(code.split())


def _recovery(code: str) -> str:
    return "".join(char for char in code.lower() if char.isalnum())


def two_factor_check(*, user: User, code: str) -> Device | None:
    """The device that accepts `code` (app code first, then a recovery code, which is used
    up), or None. django-otp also slows down repeated failures per device."""
    totp = totp_device_for(user)
    if totp is None:
        return None
    digits = _digits(code)
    if digits.isdigit() and len(digits) == totp.digits:
        return verify_token(user, totp.persistent_id, digits)
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if recovery is None or not _recovery(code):
        return None
    return verify_token(user, recovery.persistent_id, _recovery(code))


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


# ---------------------------------------------------------------------------- QR code


def otpauth_url(device: TOTPDevice) -> str:
    """What the QR code says. Labelled with the display name, never the email or phone."""
    issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "Potluck")).replace(":", "")
    label = quote(f"{issuer}:{device.user.display_name}")
    params = urlencode(
        {
            "secret": manual_key(device).replace(" ", ""),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{params}"


def manual_key(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The QR code as inline SVG, drawn on the server: no script, no image request."""
    title = gettext("QR code for your authenticator app")
    svg: str = segno.make(otpauth_url(device), error="m").svg_inline(
        scale=4, omitsize=True, title=title
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)
