"""`potluck doctor` judges real settings, a real database, real files and a real SMTP server."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from potluck.accounts.tests.factories import UserFactory
from potluck.notifications.models import Message
from potluck.notifications.tests.conftest import SmtpHandler, smtp_server  # noqa: F401
from potluck.ops.doctor.results import GIB, Status
from potluck.ops.doctor.service_checks import disk_status
from potluck.ops.models import ScheduledRun

pytestmark = pytest.mark.django_db

FIELD_KEY = Fernet.generate_key().decode()
HASH_KEY = secrets.token_hex(32)


def production(static_root: Path) -> dict[str, Any]:
    """Settings as docs/deployment.md sets them up: HTTPS behind Caddy, SMTP, real keys."""
    return {
        "DEBUG": False,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": ["aid.example.org"],
        "SITE_URL": "https://aid.example.org",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "POTLUCK_CLIENT_IP_HEADER": "X-Forwarded-For",
        "POTLUCK_FIELD_KEYS": [FIELD_KEY],
        "POTLUCK_HASH_KEY": HASH_KEY,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True,
        "DEFAULT_FROM_EMAIL": "Potluck <aid@example.org>",
        "POTLUCK_SMS_BACKEND": "potluck.core.sms.DisabledBackend",
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
        "STATIC_ROOT": static_root,
        "WHITENOISE_USE_FINDERS": False,
        "POTLUCK_METRICS_TOKEN": secrets.token_urlsafe(32),
        "POTLUCK_BACKUP_PUBLIC_KEY": "potluck-backup-public:not-checked-by-doctor",
        "POTLUCK_BACKUP_PRIVATE_KEY": "",
        "POTLUCK_BACKUP_DIR": static_root.parent / "backups",
        # Any existing file will do: the doctor looks for the file, the flyer tests for glyphs.
        "POTLUCK_FLYER_FONT": str(Path(__file__)),
    }


@pytest.fixture
def in_production(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A well set up install: production settings, static files collected, worker alive."""
    values = production(tmp_path / "static")
    with override_settings(**values):
        call_command("collectstatic", interactive=False, verbosity=0)
        ScheduledRun.objects.create(job="deliver_messages", slot=timezone.now())
        values["POTLUCK_BACKUP_DIR"].mkdir()
        (values["POTLUCK_BACKUP_DIR"] / "potluck-20261121T030000Z-sqlite.backup").write_bytes(b"x")
        yield values


def doctor(*args: str) -> tuple[int, str]:
    """Run `potluck doctor`: its exit code and what it printed (colours off)."""
    out = StringIO()
    try:
        call_command("doctor", *args, stdout=out, no_color=True)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def line(output: str, name: str) -> str:
    """The result line of one check (with its fix, if any), spaces squeezed."""
    match = re.search(rf"^(\w+) +{re.escape(name)} +(.*(?:\n +fix: .*)?)", output, re.M)
    assert match, f"no line for {name!r} in:\n{output}"
    return " ".join(f"{match[1]} {match[2]}".split())


def test_a_well_set_up_install_passes_every_check(in_production: dict[str, Any]) -> None:
    code, output = doctor()
    assert code == 0, output
    assert not re.search(r"^(FAIL|WARN|SKIP)", output, re.M), output
    assert "Django deploy check  no issues" in output
    assert line(output, "Worker").startswith("OK alive")
    assert line(output, "Static files").startswith("OK ")


def test_development_settings_fail_with_what_to_fix() -> None:
    code, output = doctor()  # the test settings: development keys, plain http
    assert code == 1
    assert line(output, "Secret key").startswith("FAIL the development key is in use")
    assert line(output, "Encryption keys").startswith("FAIL the development keys are in use")
    assert line(output, "Site address").startswith("FAIL http://")
    assert "fix: Remove POTLUCK_SECURE_COOKIES=0" in line(output, "HTTPS")
    deploy = line(output, "Django deploy check")
    assert deploy.startswith("WARN")
    assert "security.W008" in deploy
    assert "security.W012" in deploy
    assert output.rstrip().endswith("FAIL")


def test_doctor_never_prints_a_secret(in_production: dict[str, Any]) -> None:
    UserFactory(email="secret.person@example.org")
    with override_settings(
        POTLUCK_SMS_BACKEND="potluck.core.sms.TwilioBackend",
        POTLUCK_TWILIO_ACCOUNT_SID="AC" + "5" * 32,
        POTLUCK_TWILIO_AUTH_TOKEN="twilio-token-value",
        POTLUCK_TWILIO_FROM="+15550001111",
        EMAIL_HOST_USER="mailer",
        EMAIL_HOST_PASSWORD="smtp-password-value",
    ):
        _, output = doctor()
    secrets_shown = [
        value
        for value in (
            in_production["SECRET_KEY"],
            FIELD_KEY,
            HASH_KEY,
            in_production["POTLUCK_METRICS_TOKEN"],
            "twilio-token-value",
            "AC" + "5" * 32,
            "smtp-password-value",
            "secret.person",
        )
        if value in output
    ]
    assert secrets_shown == []


BAD = [
    ({"DEBUG": True}, "Debug mode", "FAIL on:"),
    ({"SECRET_KEY": "short-but-not-dev"}, "Secret key", "WARN set, but short (17 characters)"),
    ({"ALLOWED_HOSTS": ["*"]}, "Allowed hosts", "FAIL POTLUCK_ALLOWED_HOSTS is empty or '*'"),
    (
        {"ALLOWED_HOSTS": ["other.example.org"]},
        "Allowed hosts",
        "FAIL the site address's host aid.example.org is not in",
    ),
    ({"ALLOWED_HOSTS": [".example.org"]}, "Allowed hosts", "OK .example.org"),
    ({"SITE_URL": "http://aid.example.org"}, "Site address", "FAIL http://aid.example.org"),
    (
        {"SITE_URL": "https://localhost", "ALLOWED_HOSTS": ["localhost"]},
        "Site address",
        "WARN https://localhost points at this machine",
    ),
    ({"SESSION_COOKIE_SECURE": False}, "HTTPS", "FAIL cookies may travel over plain http"),
    ({"SECURE_PROXY_SSL_HEADER": None}, "HTTPS", "FAIL HTTPS redirect is on but no proxy"),
    ({"SECURE_SSL_REDIRECT": False}, "HTTPS", "WARN plain http is not redirected"),
    ({"SECURE_HSTS_SECONDS": 3600}, "HTTPS", "WARN HSTS is 3600 seconds"),
    ({"POTLUCK_CLIENT_IP_HEADER": ""}, "HTTPS", "WARN behind a proxy, but every visitor"),
    ({"POTLUCK_FIELD_KEYS": ["not-a-key"]}, "Encryption keys", "FAIL field key 1 is not a"),
    ({"POTLUCK_HASH_KEY": "short"}, "Encryption keys", "WARN the hash key is short"),
    (
        {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
        "Email",
        "FAIL console backend: prints every email",
    ),
    ({"EMAIL_USE_TLS": False}, "Email", "WARN mail (and the SMTP password) crosses"),
    ({"DEFAULT_FROM_EMAIL": "p@localhost"}, "Email", "WARN mail comes from an @localhost"),
    (
        {"POTLUCK_SMS_BACKEND": "potluck.core.sms.ConsoleBackend"},
        "SMS",
        "FAIL ConsoleBackend: prints phone numbers",
    ),
    (
        {"POTLUCK_SMS_BACKEND": "potluck.core.sms.TwilioBackend", "POTLUCK_TWILIO_AUTH_TOKEN": ""},
        "SMS",
        "FAIL POTLUCK_TWILIO_ACCOUNT_SID and POTLUCK_TWILIO_AUTH_TOKEN not set",
    ),
    (
        {
            "POTLUCK_SMS_BACKEND": "potluck.core.sms.TwilioBackend",
            "POTLUCK_TWILIO_ACCOUNT_SID": "AC123",
            "POTLUCK_TWILIO_AUTH_TOKEN": "token",
            "POTLUCK_TWILIO_FROM": "+15550001111",
        },
        "SMS",
        "OK Twilio, account and auth token set; in Twilio set each number's \"A message comes "
        'in" webhook to https://aid.example.org/sms/twilio/ (HTTP POST)',
    ),
    (
        {
            "POTLUCK_SMS_BACKEND": "potluck.core.sms.TwilioBackend",
            "POTLUCK_TWILIO_ACCOUNT_SID": "AC123",
            "POTLUCK_TWILIO_AUTH_TOKEN": "token",
            "POTLUCK_TWILIO_FROM": "",
        },
        "SMS",
        "WARN POTLUCK_TWILIO_FROM not set",
    ),
    ({"POTLUCK_FLYER_FONT": "/nowhere/font.ttf"}, "Flyer font", "WARN /nowhere/font.ttf is"),
    ({"POTLUCK_METRICS_TOKEN": "abc"}, "Monitoring", "WARN the metrics token is short"),
    ({"POTLUCK_METRICS_TOKEN": ""}, "Monitoring", "OK /health/metrics is off"),
    ({"DATA_DIR": Path("/nowhere/potluck")}, "Disk", "FAIL /nowhere/potluck does not exist"),
]


@pytest.mark.parametrize(("overrides", "name", "expected"), BAD)
def test_each_problem_gets_its_line(
    in_production: dict[str, Any], overrides: dict[str, Any], name: str, expected: str
) -> None:
    with override_settings(**overrides):
        code, output = doctor()
    assert line(output, name).startswith(expected)
    assert code == (1 if expected.startswith("FAIL") else 0), output


def test_data_sealed_with_a_removed_key_fails(in_production: dict[str, Any]) -> None:
    UserFactory()
    new_key = Fernet.generate_key().decode()
    with override_settings(POTLUCK_FIELD_KEYS=[new_key]):
        code, output = doctor()
    assert code == 1
    assert line(output, "Encrypted data").startswith(
        "FAIL a stored accounts.User.email value opens with none of the field keys"
    )
    with override_settings(POTLUCK_FIELD_KEYS=[new_key, FIELD_KEY]):  # rotation in progress
        code, output = doctor()
    assert code == 0, output
    assert line(output, "Encrypted data").startswith("OK samples from")


def test_a_changed_hash_key_fails_because_nobody_could_log_in(
    in_production: dict[str, Any],
) -> None:
    UserFactory()
    with override_settings(POTLUCK_HASH_KEY=secrets.token_hex(32)):
        code, output = doctor()
    assert code == 1
    assert "FAIL the login hashes were made with another" in line(output, "Encrypted data")


@pytest.mark.parametrize(
    ("minutes_ago", "expected"),
    [(None, "FAIL has never run"), (10, "FAIL silent for 10 minutes"), (1, "OK alive")],
)
def test_the_worker_is_alive_only_if_its_scheduler_ran_lately(
    in_production: dict[str, Any], minutes_ago: int | None, expected: str
) -> None:
    ScheduledRun.objects.all().delete()
    if minutes_ago is not None:
        run = ScheduledRun.objects.create(job="deliver_messages", slot=timezone.now())
        then = timezone.now() - timedelta(minutes=minutes_ago)
        ScheduledRun.objects.filter(pk=run.pk).update(enqueued_at=then)
    code, output = doctor()
    assert line(output, "Worker").startswith(expected)
    assert code == (1 if expected.startswith("FAIL") else 0)
    if expected.startswith("FAIL"):
        assert "fix: Start `potluck worker`" in line(output, "Worker")


def _task(**fields: Any) -> DBTaskResult:
    return DBTaskResult.objects.create(  # type: ignore[misc]
        args_kwargs={"args": [], "kwargs": {}},
        task_path="potluck.notifications.tasks.deliver_due_messages",
        backend_name="default",
        run_after=timezone.now(),
        **fields,
    )


def test_waiting_and_failed_tasks_warn(in_production: dict[str, Any]) -> None:
    task = _task()
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=10)
    )
    _task()  # just enqueued: not late
    _task(status="FAILED", finished_at=timezone.now())
    _task(status="FAILED", finished_at=timezone.now() - timedelta(days=2))  # too old to count
    code, output = doctor()
    assert code == 0
    assert line(output, "Background tasks") == (
        "WARN 1 tasks waiting more than 5 minutes; 1 failed in the last day "
        "(potluck.notifications.tasks.deliver_due_messages: 1) fix: Restart potluck-worker, "
        "or run more workers (`potluck worker --no-schedule`). journalctl -u potluck-worker "
        "shows the errors."
    )


def test_late_and_failed_messages_warn(in_production: dict[str, Any]) -> None:
    now = timezone.now()
    Message.objects.create(
        channel="email", kind="test", address="a@example.org", next_attempt_at=now
    )  # due now: not late yet
    Message.objects.create(
        channel="email",
        kind="test",
        address="b@example.org",
        next_attempt_at=now - timedelta(minutes=20),
    )
    for _ in range(2):
        Message.objects.create(
            channel="sms",
            kind="test",
            address="+15550001111",
            status=Message.Status.FAILED,
            last_error="SmsSendError",
        )
    code, output = doctor()
    assert code == 0
    outbox = line(output, "Outbox")
    assert outbox.startswith(
        "WARN 1 messages due for more than 15 minutes; 2 messages failed in the last day "
        "(sms SmsSendError: 2)"
    )
    assert "example.org" not in outbox
    assert "555" not in outbox


def test_pending_and_unknown_migrations(in_production: dict[str, Any]) -> None:
    with override_settings(MIGRATION_MODULES={"ops": "potluck.ops.tests.pending_migrations"}):
        code, output = doctor()
    assert code == 1
    assert line(output, "Migrations").startswith("FAIL 1 not applied fix: Run `potluck migrate`")
    with override_settings(MIGRATION_MODULES={"ops": None}):
        code, output = doctor()
    assert line(output, "Migrations").startswith(
        "WARN the database has 1 migrations this code doesn't have"
    )


def test_static_files_not_collected_new_or_changed(in_production: dict[str, Any]) -> None:
    source = Path(in_production["STATIC_ROOT"]).parent / "source"
    source.mkdir()
    (source / "site.css").write_text("body { color: black; }")
    with override_settings(STATICFILES_DIRS=[source]):
        call_command("collectstatic", interactive=False, verbosity=0)
        assert line(doctor()[1], "Static files").startswith("OK ")
        (source / "site.css").write_text("body { color: navy; }")
        assert line(doctor()[1], "Static files").startswith(
            "WARN 0 new and 1 changed since the last collectstatic fix: Run `potluck "
            "collectstatic --noinput`"
        )
        (source / "new.css").write_text("p { margin: 0; }")
        code, output = doctor()
    assert code == 1
    assert line(output, "Static files").startswith("FAIL 1 new and 1 changed")
    with override_settings(STATIC_ROOT=source / "nothing-here"):
        assert line(doctor()[1], "Static files").startswith("FAIL not collected")


def test_a_test_email_reaches_a_real_smtp_server(
    in_production: dict[str, Any],
    smtp_server: SmtpHandler,  # noqa: F811
) -> None:
    code, output = doctor("--send-test-email", "operator@example.org")
    assert code == 0, output
    assert line(output, "Test email").startswith("OK accepted by the mail server")
    assert [message["To"] for message in smtp_server.received] == ["operator@example.org"]
    assert smtp_server.received[0]["Subject"] == "Potluck test email"
    assert "operator@example.org" not in output


def test_a_test_email_the_server_refuses_fails_with_its_code(
    in_production: dict[str, Any],
    smtp_server: SmtpHandler,  # noqa: F811
) -> None:
    smtp_server.reply = "554 5.7.1 Relay denied"
    code, output = doctor("--send-test-email", "operator@example.org")
    assert code == 1
    assert line(output, "Test email").startswith("FAIL not sent (SMTPDataError 554)")


def test_a_test_email_to_no_server_fails(in_production: dict[str, Any]) -> None:
    with override_settings(EMAIL_HOST="127.0.0.1", EMAIL_PORT=_closed_port(), EMAIL_USE_TLS=False):
        code, output = doctor("--send-test-email", "operator@example.org")
    assert code == 1
    assert line(output, "Test email").startswith("FAIL not sent (ConnectionRefusedError")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_backups_must_be_set_up_recent_and_unreadable_on_the_server(
    in_production: dict[str, Any],
) -> None:
    assert line(doctor()[1], "Backups").startswith("OK 1 in ")
    backup = next(in_production["POTLUCK_BACKUP_DIR"].iterdir())
    three_days_ago = time.time() - 3 * 24 * 3600
    os.utime(backup, (three_days_ago, three_days_ago))
    assert line(doctor()[1], "Backups").startswith("WARN the newest is 72 hours old")
    backup.unlink()
    assert line(doctor()[1], "Backups").startswith("WARN none in ")
    with override_settings(POTLUCK_BACKUP_PRIVATE_KEY="potluck-backup-secret:x"):
        assert line(doctor()[1], "Backups").startswith("WARN the private backup key is on")
    with override_settings(POTLUCK_BACKUP_PUBLIC_KEY=""):
        code, output = doctor()
    assert code == 0
    assert line(output, "Backups").startswith("WARN no backup key")


@pytest.mark.parametrize(
    ("free_gib", "total_gib", "expected"),
    [(0.5, 100, Status.FAIL), (5, 100, Status.WARN), (20, 100, Status.OK), (1.5, 10, Status.OK)],
)
def test_disk_space_thresholds(free_gib: float, total_gib: int, expected: Status) -> None:
    assert disk_status(free=int(free_gib * GIB), total=total_gib * GIB) == expected


def test_an_unreachable_database_fails_and_skips_what_needs_it(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "POTLUCK_DEBUG": "1",
        "POTLUCK_TESTING": "",
        "POTLUCK_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{_closed_port()}/potluck",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "doctor", "--no-color"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert line(result.stdout, "Database").startswith("FAIL does not answer (OperationalError")
    assert line(result.stdout, "Worker") == "SKIP skipped: the database did not answer"
    assert "CommandError: Fix the FAIL lines above" in result.stderr
