"""`potluck doctor`'s checks: is this installation ready to serve people, and what to fix.

Each check looks at one thing (a group of settings, the database, the worker, a service) and
gives one Result: OK, WARN (works, but look at it) or FAIL (broken or unsafe). Checks only
read; none prints a secret: keys, passwords and tokens show as "set" or "not set", and
nothing names a person (outbox errors are exception names and SMTP codes).
"""

from collections.abc import Callable

from potluck.ops.doctor.config_checks import (
    check_debug,
    check_deploy,
    check_hosts,
    check_https,
    check_keys,
    check_monitoring,
    check_secret_key,
    check_site_url,
)
from potluck.ops.doctor.data_checks import (
    check_database,
    check_encrypted_data,
    check_migrations,
    check_outbox,
    check_tasks,
    check_worker,
)
from potluck.ops.doctor.results import Result, Status
from potluck.ops.doctor.service_checks import (
    check_backups,
    check_disk,
    check_email,
    check_flyer_font,
    check_sms,
    check_static_files,
    send_test_email,
)

__all__ = ["Result", "Status", "diagnose"]

SETTINGS_CHECKS: tuple[Callable[[], Result], ...] = (
    check_debug,
    check_secret_key,
    check_hosts,
    check_site_url,
    check_https,
    check_keys,
)


DATABASE_CHECKS: tuple[Callable[[], Result], ...] = (
    check_migrations,
    check_encrypted_data,
    check_worker,
    check_tasks,
    check_outbox,
)


SERVICE_CHECKS: tuple[Callable[[], Result], ...] = (
    check_email,
    check_sms,
    check_static_files,
    check_flyer_font,
    check_monitoring,
    check_deploy,
    check_backups,
    check_disk,
)


def diagnose(*, test_email: str = "") -> list[Result]:
    """Every check's result, in order; a check that crashes is reported, not raised."""
    results = [_run(check) for check in SETTINGS_CHECKS]
    database = _run(check_database)
    results.append(database)
    for check in DATABASE_CHECKS:
        if database.status == Status.FAIL:
            name = check.__name__.removeprefix("check_").replace("_", " ").capitalize()
            results.append(Result(Status.SKIP, name, "skipped: the database did not answer"))
        else:
            results.append(_run(check))
    results += [_run(check) for check in SERVICE_CHECKS]
    if test_email:
        results.append(_run(lambda: send_test_email(test_email)))
    return results


def _run(check: Callable[[], Result]) -> Result:
    try:
        return check()
    except Exception as error:  # one broken check must not hide the others
        name = getattr(check, "__name__", "check").removeprefix("check_").replace("_", " ")
        if check is check_database:
            # The driver's first line ("connection refused", "password authentication failed
            # for user ..."): names a host or role, never a password.
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return Result(
                Status.FAIL,
                "Database",
                f"does not answer ({type(error).__name__}: {reason})",
                "Is PostgreSQL running, and is DATABASE_URL right?",
            )
        return Result(Status.FAIL, name.capitalize(), f"the check failed: {type(error).__name__}")
