"""Checks of what Potluck talks to or serves from: email, SMS, static files, fonts, disk."""

import filecmp
import json
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages
from django.core.mail import send_mail
from django.urls import reverse

from potluck.ops.doctor.results import (
    GIB,
    LOCAL_HOSTS,
    Problem,
    Result,
    Status,
    combine,
    duration,
)

# The backup timer runs daily; two missed days is worth a look.
BACKUP_OLD_AFTER = timedelta(hours=50)
NOT_FOR_PRODUCTION_EMAIL = {
    "django.core.mail.backends.console.EmailBackend": "prints every email (sign-up links too) "
    "into the log and sends nothing",
    "django.core.mail.backends.locmem.EmailBackend": "keeps email in memory and sends nothing",
    "django.core.mail.backends.dummy.EmailBackend": "throws every email away",
    "django.core.mail.backends.filebased.EmailBackend": "writes email to files and sends nothing",
}
NOT_FOR_PRODUCTION_SMS = {
    "potluck.core.sms.ConsoleBackend": "prints phone numbers and secret links into the log",
    "potluck.core.sms.LocmemBackend": "keeps messages in memory and sends nothing",
}


def check_email() -> Result:
    backend = settings.EMAIL_BACKEND
    if backend in NOT_FOR_PRODUCTION_EMAIL:
        return Result(
            Status.WARN if settings.DEBUG else Status.FAIL,
            "Email",
            f"{backend.rsplit('.', 2)[-2]} backend: {NOT_FOR_PRODUCTION_EMAIL[backend]}",
            "Set POTLUCK_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the "
            "POTLUCK_EMAIL_* settings of your mail provider.",
        )
    if backend != "django.core.mail.backends.smtp.EmailBackend":
        return Result(Status.OK, "Email", f"backend {backend}")
    problems = []
    secure = settings.EMAIL_USE_TLS or settings.EMAIL_USE_SSL
    if not secure and settings.EMAIL_HOST not in LOCAL_HOSTS:
        problems.append(
            Problem(
                Status.WARN,
                "mail (and the SMTP password) crosses the network unencrypted",
                "Set POTLUCK_EMAIL_USE_TLS=1 (usually with POTLUCK_EMAIL_PORT=587).",
            )
        )
    if "@localhost" in settings.DEFAULT_FROM_EMAIL:
        problems.append(
            Problem(
                Status.WARN,
                "mail comes from an @localhost address, which other servers reject as spam",
                "Set POTLUCK_FROM_EMAIL to an address of your domain.",
            )
        )
    login = "login set" if settings.EMAIL_HOST_USER else "no login"
    encryption = "TLS" if secure else "no TLS"
    summary = f"SMTP {settings.EMAIL_HOST}:{settings.EMAIL_PORT}, {encryption}, {login}"
    return combine("Email", problems, summary)


def send_test_email(address: str) -> Result:
    """Send one real email through the configured backend; never names the address."""
    try:
        send_mail(
            "Potluck test email",
            "This is a test from `potluck doctor`: email from Potluck reaches this address.",
            None,
            [address],
        )
    except Exception as error:  # any failure is the answer to report
        code = getattr(error, "smtp_code", None)
        detail = f"{type(error).__name__} {code}" if code else type(error).__name__
        if isinstance(error, OSError) and not code:
            detail += f": {error.strerror or error}"
        return Result(
            Status.FAIL,
            "Test email",
            f"not sent ({detail})",
            "Check POTLUCK_EMAIL_HOST, _PORT, _USE_TLS, _HOST_USER and _HOST_PASSWORD.",
        )
    if settings.EMAIL_BACKEND in NOT_FOR_PRODUCTION_EMAIL:
        return Result(
            Status.WARN,
            "Test email",
            "not really sent: " + NOT_FOR_PRODUCTION_EMAIL[settings.EMAIL_BACKEND],
            "Set up SMTP (see Email above).",
        )
    return Result(Status.OK, "Test email", "accepted by the mail server: look in that inbox")


def check_sms() -> Result:
    backend = settings.POTLUCK_SMS_BACKEND
    name = backend.rsplit(".", 1)[-1]
    if backend in NOT_FOR_PRODUCTION_SMS:
        return Result(
            Status.WARN if settings.DEBUG else Status.FAIL,
            "SMS",
            f"{name}: {NOT_FOR_PRODUCTION_SMS[backend]}",
            "Set POTLUCK_SMS_BACKEND=potluck.core.sms.TwilioBackend (docs/sms.md), "
            "or potluck.core.sms.DisabledBackend.",
        )
    if backend == "potluck.core.sms.DisabledBackend":
        return Result(
            Status.OK, "SMS", "off: people sign up by email (docs/sms.md turns texting on)"
        )
    if backend != "potluck.core.sms.TwilioBackend":
        return Result(Status.OK, "SMS", f"backend {backend}")
    return _check_twilio()


def _check_twilio() -> Result:
    webhook = settings.SITE_URL + reverse("sms:twilio")
    problems = []
    missing = [
        setting
        for setting in ("POTLUCK_TWILIO_ACCOUNT_SID", "POTLUCK_TWILIO_AUTH_TOKEN")
        if not getattr(settings, setting)
    ]
    if missing:
        problems.append(
            Problem(
                Status.FAIL,
                f"{' and '.join(missing)} not set",
                "Copy them from the Twilio console into the environment file.",
            )
        )
    if not settings.POTLUCK_TWILIO_FROM:
        problems.append(
            Problem(
                Status.WARN,
                "POTLUCK_TWILIO_FROM not set: only networks with their own number can text",
                "Set POTLUCK_TWILIO_FROM to a Twilio number (+15551234567).",
            )
        )
    if settings.POTLUCK_TWILIO_BASE_URL.rstrip("/") != "https://api.twilio.com":
        problems.append(
            Problem(
                Status.WARN,
                "POTLUCK_TWILIO_BASE_URL does not point at Twilio",
                "Remove POTLUCK_TWILIO_BASE_URL.",
            )
        )
    fine = (
        "Twilio, account and auth token set; in Twilio set each number's "
        f'"A message comes in" webhook to {webhook} (HTTP POST)'
    )
    return combine("SMS", problems, fine)


def check_static_files() -> Result:
    if settings.DEBUG or getattr(settings, "WHITENOISE_USE_FINDERS", False):
        return Result(Status.OK, "Static files", "served from the source folders")
    storage = storages["staticfiles"]
    root = Path(settings.STATIC_ROOT)
    fix = "Run `potluck collectstatic --noinput`, then restart potluck-web."
    if not isinstance(storage, ManifestFilesMixin):
        if root.is_dir() and any(root.iterdir()):
            return Result(Status.OK, "Static files", f"collected in {root}")
        return Result(Status.FAIL, "Static files", f"nothing collected in {root}", fix)
    manifest = root / storage.manifest_name
    if not manifest.is_file():
        return Result(Status.FAIL, "Static files", f"not collected ({manifest} missing)", fix)
    collected = json.loads(manifest.read_text(encoding="utf-8")).get("paths", {})
    missing = changed = 0
    for finder in get_finders():
        for path, source in finder.list(["CVS", ".*", "*~"]):
            if path not in collected:
                missing += 1
            elif not filecmp.cmp(source.path(path), root / path, shallow=False):
                changed += 1
    if missing or changed:
        return Result(
            Status.FAIL if missing else Status.WARN,
            "Static files",
            f"{missing} new and {changed} changed since the last collectstatic",
            fix,
        )
    return Result(Status.OK, "Static files", f"{len(collected)} files collected in {root}")


def check_flyer_font() -> Result:
    font = Path(settings.POTLUCK_FLYER_FONT)
    if not font.is_file():
        return Result(
            Status.WARN,
            "Flyer font",
            f"{font} is missing: printable flyers are off",
            "apt-get install fonts-dejavu-core (or set POTLUCK_FLYER_FONT).",
        )
    return Result(Status.OK, "Flyer font", str(font))


def check_backups() -> Result:
    """A backup key is set, its private half is not on the server, and backups are recent."""
    if not getattr(settings, "POTLUCK_BACKUP_PUBLIC_KEY", ""):
        return Result(
            Status.WARN,
            "Backups",
            "no backup key: `potluck backup` can't run",
            "Follow docs/backups.md (potluck backup --generate-key, then the timer).",
        )
    if getattr(settings, "POTLUCK_BACKUP_PRIVATE_KEY", ""):
        return Result(
            Status.WARN,
            "Backups",
            "the private backup key is on the server: whoever takes the server can read them",
            "Keep it elsewhere; give it to `potluck restore --key-file` only when restoring.",
        )
    folder = Path(settings.POTLUCK_BACKUP_DIR)
    found = sorted(folder.glob("potluck-*.backup"), key=lambda path: path.stat().st_mtime)
    if not found:
        return Result(
            Status.WARN,
            "Backups",
            f"none in {folder} yet",
            "Run `potluck backup`, and enable potluck-backup.timer (docs/deployment.md).",
        )
    age = timedelta(seconds=time.time() - found[-1].stat().st_mtime)
    if age > BACKUP_OLD_AFTER:
        return Result(
            Status.WARN,
            "Backups",
            f"the newest is {duration(age)} old",
            "Is potluck-backup.timer on? systemctl list-timers potluck-backup.timer",
        )
    return Result(Status.OK, "Backups", f"{len(found)} in {folder}, newest {duration(age)} old")


def check_disk() -> Result:
    data_dir = Path(settings.DATA_DIR)
    if not data_dir.is_dir():
        return Result(
            Status.FAIL, "Disk", f"{data_dir} does not exist", "Create it, owned by potluck."
        )
    usage = shutil.disk_usage(data_dir)
    status = disk_status(free=usage.free, total=usage.total)
    message = f"{usage.free / GIB:.1f} GiB free of {usage.total / GIB:.1f} GiB in {data_dir}"
    if not os.access(data_dir, os.W_OK):
        return Result(
            Status.WARN,
            "Disk",
            message + ", not writable by this user",
            "Run doctor as the potluck user (sudo -u potluck ...), or chown the folder.",
        )
    fix = "Free some space (old backups, logs) or grow the disk." if status != Status.OK else ""
    return Result(status, "Disk", message, fix)


def disk_status(*, free: int, total: int) -> Status:
    """FAIL under 1 GiB free (SQLite and PostgreSQL stop writing when full), WARN under 10%."""
    if free < GIB:
        return Status.FAIL
    if free < total / 10:
        return Status.WARN
    return Status.OK
