"""Checks of the settings alone: debug, keys, hosts, HTTPS, monitoring, Django's deploy check."""

from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks as django_checks

from config.env import dev_fernet_key, dev_hash_key
from potluck.ops.doctor.results import LOCAL_HOSTS, Problem, Result, Status, combine

# The fallback config/settings.py uses with DEBUG or in tests; production must never run on it.
DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789"  # noqa: S105


def check_debug() -> Result:
    if settings.DEBUG:
        return Result(
            Status.FAIL,
            "Debug mode",
            "on: errors show code and settings to anyone",
            "Remove POTLUCK_DEBUG from the environment file (or set POTLUCK_DEBUG=0).",
        )
    return Result(Status.OK, "Debug mode", "off")


def check_secret_key() -> Result:
    key = settings.SECRET_KEY
    fix = (
        "Set POTLUCK_SECRET_KEY to a new random value: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
    if key == DEV_SECRET_KEY or "insecure" in key:
        return Result(Status.FAIL, "Secret key", "the development key is in use", fix)
    if len(key) < 50 or len(set(key)) < 5:
        return Result(Status.WARN, "Secret key", f"set, but short ({len(key)} characters)", fix)
    return Result(Status.OK, "Secret key", f"set ({len(key)} characters)")


def check_hosts() -> Result:
    hosts = settings.ALLOWED_HOSTS
    site_host = urlsplit(settings.SITE_URL).hostname or ""
    problems = []
    if not hosts or "*" in hosts:
        problems.append(
            Problem(
                Status.FAIL,
                "POTLUCK_ALLOWED_HOSTS is empty or '*'",
                "Set POTLUCK_ALLOWED_HOSTS to your host name, e.g. aid.example.org.",
            )
        )
    elif set(hosts) <= LOCAL_HOSTS:
        problems.append(
            Problem(
                Status.WARN,
                "only this machine's own names are allowed",
                "Add your host name to POTLUCK_ALLOWED_HOSTS.",
            )
        )
    if site_host and hosts and "*" not in hosts and not _host_allowed(site_host, hosts):
        problems.append(
            Problem(
                Status.FAIL,
                f"the site address's host {site_host} is not in POTLUCK_ALLOWED_HOSTS",
                f"Add {site_host} to POTLUCK_ALLOWED_HOSTS.",
            )
        )
    return combine("Allowed hosts", problems, ", ".join(hosts))


def _host_allowed(host: str, allowed: list[str]) -> bool:
    return any(
        host == pattern or (pattern.startswith(".") and host.endswith(pattern))
        for pattern in allowed
    )


def check_site_url() -> Result:
    url = settings.SITE_URL
    parts = urlsplit(url)
    if parts.scheme != "https":
        return Result(
            Status.FAIL,
            "Site address",
            f"{url} is not https: links sent to people would go over plain http",
            "Set POTLUCK_SITE_URL=https://your.host.name (no path, no trailing slash).",
        )
    if (parts.hostname or "") in LOCAL_HOSTS:
        return Result(
            Status.WARN,
            "Site address",
            f"{url} points at this machine: links in email and SMS won't open elsewhere",
            "Set POTLUCK_SITE_URL to the address people use.",
        )
    return Result(Status.OK, "Site address", url)


def check_https() -> Result:
    """Secure cookies, HTTPS redirect, HSTS and the proxy headers must agree with each other."""
    problems = []
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        problems.append(
            Problem(
                Status.FAIL,
                "cookies may travel over plain http",
                "Remove POTLUCK_SECURE_COOKIES=0 (secure cookies are the default).",
            )
        )
    proxy = settings.SECURE_PROXY_SSL_HEADER
    if settings.SECURE_SSL_REDIRECT and not proxy:
        problems.append(
            Problem(
                Status.FAIL,
                "HTTPS redirect is on but no proxy header says a request came over HTTPS, so "
                "every request behind Caddy or nginx redirects in a loop",
                "Set POTLUCK_PROXY_SSL_HEADER=X-Forwarded-Proto (docs/deployment.md).",
            )
        )
    if not settings.SECURE_SSL_REDIRECT:
        problems.append(
            Problem(
                Status.WARN,
                "plain http is not redirected to https",
                "Remove POTLUCK_SSL_REDIRECT=0, or redirect in the proxy.",
            )
        )
    if settings.SECURE_HSTS_SECONDS < 180 * 24 * 3600:
        problems.append(
            Problem(
                Status.WARN,
                f"HSTS is {settings.SECURE_HSTS_SECONDS} seconds (browsers may fall back to http)",
                "Remove POTLUCK_HSTS_SECONDS (a year is the default).",
            )
        )
    if proxy and not settings.POTLUCK_CLIENT_IP_HEADER:
        problems.append(
            Problem(
                Status.WARN,
                "behind a proxy, but every visitor seems to come from the proxy's address, so "
                "login and form limits count all of them together",
                "Set POTLUCK_CLIENT_IP_HEADER=X-Forwarded-For.",
            )
        )
    fine = "secure cookies, HTTPS redirect, HSTS"
    if proxy:
        header = proxy[0].removeprefix("HTTP_").split("_")
        fine += f", proxy header {'-'.join(word.capitalize() for word in header)}"
    return combine("HTTPS", problems, fine)


def check_keys() -> Result:
    field_keys, hash_key = settings.POTLUCK_FIELD_KEYS, settings.POTLUCK_HASH_KEY
    fix = "`potluck generate-keys` prints new keys (docs/deployment.md)."
    if dev_fernet_key(DEV_SECRET_KEY) in field_keys or hash_key == dev_hash_key(DEV_SECRET_KEY):
        return Result(Status.FAIL, "Encryption keys", "the development keys are in use", fix)
    for number, key in enumerate(field_keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            return Result(
                Status.FAIL, "Encryption keys", f"field key {number} is not a Fernet key", fix
            )
    if len(hash_key) < 32:
        return Result(Status.WARN, "Encryption keys", "the hash key is short", fix)
    count = len(field_keys)
    return Result(
        Status.OK, "Encryption keys", f"{count} field key{'s' if count > 1 else ''}, hash key set"
    )


def check_monitoring() -> Result:
    token = settings.POTLUCK_METRICS_TOKEN
    if not token:
        return Result(
            Status.OK, "Monitoring", "/health/metrics is off (POTLUCK_METRICS_TOKEN turns it on)"
        )
    if len(token) < 20:
        return Result(
            Status.WARN,
            "Monitoring",
            "the metrics token is short",
            "Set POTLUCK_METRICS_TOKEN to a long random value.",
        )
    return Result(Status.OK, "Monitoring", "/health/metrics on, token set")


def check_deploy() -> Result:
    """Django's own `check --deploy`, summarized by message id."""
    found = [
        message
        for message in django_checks.run_checks(include_deployment_checks=True)
        if not message.is_silenced() and message.level >= django_checks.WARNING
    ]
    if not found:
        return Result(Status.OK, "Django deploy check", "no issues")
    errors = any(message.level >= django_checks.ERROR for message in found)
    return Result(
        Status.FAIL if errors else Status.WARN,
        "Django deploy check",
        f"{len(found)} issues: {', '.join(sorted(str(message.id) for message in found))}",
        "`potluck check --deploy` explains each.",
    )
