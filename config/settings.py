"""Potluck's one settings file: every value comes from the environment (see .env.example)."""

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import (
    BASE_DIR,
    dev_fernet_key,
    dev_hash_key,
    env_bool,
    env_int,
    env_list,
    env_str,
    read_keys,
)

DEBUG = env_bool("POTLUCK_DEBUG", False)
# Tests run with immediate tasks and plain static files; pytest sets this on import.
TESTING = env_bool("POTLUCK_TESTING", "pytest" in sys.modules)
# A fixed development key is allowed only with DEBUG or in tests; production must set its own.
SECRET_KEY = env_str("POTLUCK_SECRET_KEY") or (
    "dev-only-insecure-key-never-use-in-production-0123456789" if DEBUG or TESTING else ""
)
if not SECRET_KEY:
    raise RuntimeError("Set POTLUCK_SECRET_KEY (or POTLUCK_DEBUG=1 for development).")
# Field encryption: sensitive columns are sealed with MultiFernet under these keys (the first
# encrypts, every one decrypts), and looked up through keyed hashes under POTLUCK_HASH_KEY.
# Keys come from the environment or from a file (one per line), never from the database.
# Development and tests derive fixed keys from the development secret key.
POTLUCK_FIELD_KEYS = read_keys("POTLUCK_FIELD_KEYS") or (
    [dev_fernet_key(SECRET_KEY)] if DEBUG or TESTING else []
)
POTLUCK_HASH_KEY = (read_keys("POTLUCK_HASH_KEY") or [""])[0] or (
    dev_hash_key(SECRET_KEY) if DEBUG or TESTING else ""
)
if not POTLUCK_FIELD_KEYS or not POTLUCK_HASH_KEY:
    raise RuntimeError(
        "Set POTLUCK_FIELD_KEYS and POTLUCK_HASH_KEY (or their *_FILE variants); "
        "`potluck generate-keys` prints new ones."
    )
ALLOWED_HOSTS = env_list("POTLUCK_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("POTLUCK_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("POTLUCK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "potluck.core",
    "potluck.accounts",
    "potluck.networks",
    "potluck.needs",
    "potluck.volunteers",
    "potluck.matching",
    "potluck.ledger",
    "potluck.notifications",
    "potluck.sms",
    "potluck.outreach",
    "potluck.api",
    "potluck.privacy",
    "potluck.ops",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "potluck.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "potluck.networks.middleware.RolesRememberedMiddleware",
    "potluck.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "potluck.accounts.middleware.SessionTimeoutMiddleware",
    "potluck.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "potluck" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# Databases: embedded SQLite by default, PostgreSQL through DATABASE_URL.
DATA_DIR = Path(env_str("POTLUCK_DATA_DIR", str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    # `potluck serve` keeps connections open between requests (POTLUCK_DB_CONN_MAX_AGE).
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("POTLUCK_DB_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "potluck.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so racing writers queue up
                # instead of failing mid-transaction; WAL lets readers carry on meanwhile.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                ),
            },
            # Tests use a real file (not shared-cache memory) so threads behave as in production.
            # One file per test process, so parallel runs never share a database.
            "TEST": {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["potluck.accounts.backends.EmailOrPhoneBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Argon2 hashes any length, but nobody needs more than 128 characters.
    {"NAME": "potluck.accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
]

# ---- Sessions, logins and abuse limits (potluck/accounts).
# Sessions live in the database with their owner's id, so logging out everywhere and
# deactivating an account end them server-side.
SESSION_ENGINE = "potluck.accounts.sessions"
# A session ends after this long without a request (idle) and this long after login (absolute).
POTLUCK_SESSION_IDLE_SECONDS = env_int("POTLUCK_SESSION_IDLE_SECONDS", 2 * 3600)
POTLUCK_SESSION_MAX_SECONDS = env_int("POTLUCK_SESSION_MAX_SECONDS", 7 * 24 * 3600)
SESSION_COOKIE_AGE = POTLUCK_SESSION_MAX_SECONDS
# Changing a login or two-factor settings needs the password (and code) this recently.
POTLUCK_REAUTH_SECONDS = env_int("POTLUCK_REAUTH_SECONDS", 10 * 60)
# Failed logins (or two-factor codes) allowed per account, and per client address, in a window.
POTLUCK_LOGIN_MAX_FAILURES = env_int("POTLUCK_LOGIN_MAX_FAILURES", 5)
POTLUCK_LOGIN_WINDOW_SECONDS = env_int("POTLUCK_LOGIN_WINDOW_SECONDS", 15 * 60)
# Public forms (ask for help, sign up) accepted per client address in a window.
POTLUCK_PUBLIC_FORM_LIMIT = env_int("POTLUCK_PUBLIC_FORM_LIMIT", 10)
POTLUCK_PUBLIC_FORM_WINDOW_SECONDS = env_int("POTLUCK_PUBLIC_FORM_WINDOW_SECONDS", 3600)
# The client address is REMOTE_ADDR. Behind a reverse proxy every request seems to come from
# the proxy, so name the header the proxy sets (X-Forwarded-For, X-Real-IP); Potluck takes its
# last address, the one the proxy itself saw. Set it ONLY if a proxy always sets that header,
# or anyone could pick their own address. Addresses are only ever stored as keyed hashes.
POTLUCK_CLIENT_IP_HEADER = env_str("POTLUCK_CLIENT_IP_HEADER", "").strip()
# Hours a link to finish signing up (or to confirm a new login) keeps working.
POTLUCK_VERIFY_LINK_HOURS = env_int("POTLUCK_VERIFY_LINK_HOURS", 72)
# Text messages: kept in memory in tests, printed in development, none in production until a
# provider is configured (see potluck/core/sms.py).
POTLUCK_SMS_BACKEND = env_str(
    "POTLUCK_SMS_BACKEND",
    "potluck.core.sms.LocmemBackend"
    if TESTING
    else "potluck.core.sms.ConsoleBackend"
    if DEBUG
    else "potluck.core.sms.DisabledBackend",
)
# The name authenticator apps show beside the code.
OTP_TOTP_ISSUER = "Potluck"
# Wrong codes count towards POTLUCK_LOGIN_MAX_FAILURES per account and per address (429 and a
# clear message). django-otp's own back-off would also turn down *right* codes for a few
# seconds after a typo, with no way to tell the person why, so it is off.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

LANGUAGE_CODE = "en"
# Arabic is the third interface language and our right-to-left test case
# (base.html sets dir="rtl"; potluck.css uses logical properties only).
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("ar", _("Arabic"))]
# Django adds ":" after a form label unless the label ends in one of these characters, and
# looks them up in the catalogue: listed here so makemessages finds them and Arabic can add
# its own question mark "؟" (otherwise its labels would end "؟:").
LABEL_ENDINGS = _(":?.!")
LOCALE_PATHS = [BASE_DIR / "potluck" / "locale"]
TIME_ZONE = env_str("POTLUCK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "potluck" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

EMAIL_BACKEND = env_str("POTLUCK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("POTLUCK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("POTLUCK_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("POTLUCK_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("POTLUCK_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("POTLUCK_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("POTLUCK_FROM_EMAIL", "Potluck <potluck@localhost>")

# Notifications: daily digests go out from this local hour on
# (`potluck send_digests`); coordinators' digests flag needs waiting longer than this.
POTLUCK_DIGEST_HOUR = env_int("POTLUCK_DIGEST_HOUR", 7)
POTLUCK_DIGEST_STALE_DAYS = env_int("POTLUCK_DIGEST_STALE_DAYS", 3)

# Flash messages may carry a status link, so they live server-side, never in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"


# ---- HTTP security: cookies, HTTPS, response headers. `manage.py check --deploy` passes with
# nothing silenced (potluck/core/tests/test_headers.py runs it).
def _env_flag(name: str, default: bool) -> bool:
    """env_bool, except that an empty value (as in a copied .env.example) keeps the default."""
    return env_bool(name, default) if env_str(name).strip() else default


# Development and tests run over plain http; production is HTTPS only.
_HTTPS = not (DEBUG or TESTING)
# HTTPS-only cookies named __Host-…: browsers then insist on Secure, Path=/ and no Domain,
# so no other host (a subdomain, say) can set or read them. Over plain http (development,
# tests) browsers refuse such cookies, hence one switch for both the flag and the names.
POTLUCK_SECURE_COOKIES = _env_flag("POTLUCK_SECURE_COOKIES", _HTTPS)
_COOKIE_PREFIX = "__Host-" if POTLUCK_SECURE_COOKIES else ""
SESSION_COOKIE_NAME = f"{_COOKIE_PREFIX}sessionid"
SESSION_COOKIE_SECURE = POTLUCK_SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF token from the cookie: forms (and htmx, which posts them) carry it.
CSRF_COOKIE_NAME = f"{_COOKIE_PREFIX}csrftoken"
CSRF_COOKIE_SECURE = POTLUCK_SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_NAME = f"{_COOKIE_PREFIX}django_language"
LANGUAGE_COOKIE_SECURE = POTLUCK_SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Behind a proxy that ends TLS (Caddy, nginx), the header it sets to say the request came over
# HTTPS, e.g. X-Forwarded-Proto. Set it only if the proxy always overwrites that header.
_PROXY_SSL_HEADER = env_str("POTLUCK_PROXY_SSL_HEADER").strip()
SECURE_PROXY_SSL_HEADER = (
    (f"HTTP_{_PROXY_SSL_HEADER.upper().replace('-', '_')}", "https") if _PROXY_SSL_HEADER else None
)
SECURE_SSL_REDIRECT = _env_flag("POTLUCK_SSL_REDIRECT", _HTTPS)
# Browsers remember to use HTTPS only; sent on HTTPS responses only, never in development.
SECURE_HSTS_SECONDS = env_int("POTLUCK_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("POTLUCK_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_flag("POTLUCK_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Status links carry their token in the path; never send it to another site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything comes from this site (no CDN, fonts or analytics), and no inline script or style
# runs: htmx is told not to add its indicator style (see base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING or env_bool("POTLUCK_TASKS_IMMEDIATE")
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# How long a claim lasts unless the network says otherwise.
POTLUCK_DEFAULT_CLAIM_HOURS = env_int("POTLUCK_DEFAULT_CLAIM_HOURS", 48)
POTLUCK_PAGE_SIZE = env_int("POTLUCK_PAGE_SIZE", 25)
# The bearer token a monitoring system shows to read /health/metrics; empty: metrics are off.
POTLUCK_METRICS_TOKEN = env_str("POTLUCK_METRICS_TOKEN", "")
# Days a closed need keeps its personal details before the retention job erases them.
POTLUCK_DEFAULT_RETENTION_DAYS = env_int("POTLUCK_DEFAULT_RETENTION_DAYS", 30)

# ---- Backups (potluck/ops/backup, docs/backups.md). `potluck backup` seals each backup to
# the operator's public key, so the server makes backups it cannot read itself; the private
# key stays off the server and is given only to `potluck restore` (here, from its _FILE, or
# --key-file). Backups go to POTLUCK_BACKUP_DIR; `potluck backup` deletes ones older than
# POTLUCK_BACKUP_KEEP_DAYS (0 keeps them all).
POTLUCK_BACKUP_PUBLIC_KEY = env_str("POTLUCK_BACKUP_PUBLIC_KEY", "").strip()
POTLUCK_BACKUP_PRIVATE_KEY = (read_keys("POTLUCK_BACKUP_PRIVATE_KEY") or [""])[0]
POTLUCK_BACKUP_DIR = Path(env_str("POTLUCK_BACKUP_DIR", "").strip() or DATA_DIR / "backups")
POTLUCK_BACKUP_KEEP_DAYS = env_int("POTLUCK_BACKUP_KEEP_DAYS", 0)

# The font the printable flyer is set in (potluck/networks/paper.py). It must
# cover the script of every language a network prints in; Debian's fonts-dejavu-core does,
# Arabic included. Without it the flyer page says so instead of making a PDF.
POTLUCK_FLYER_FONT = env_str(
    "POTLUCK_FLYER_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
)

# Posting new needs to chat groups (potluck/notifications/webhooks.py).
# Seconds to wait for a chat service to answer a post.
POTLUCK_WEBHOOK_TIMEOUT = env_int("POTLUCK_WEBHOOK_TIMEOUT", 10)
# Whether a hook may point at this machine or a private network (127.0.0.1, 10.x, ...): off in
# production, so a coordinator can't make the server poke at services behind its firewall.
POTLUCK_WEBHOOK_ALLOW_PRIVATE = env_bool("POTLUCK_WEBHOOK_ALLOW_PRIVATE", DEBUG)

# Twilio, for texting people and for the conversation by SMS (potluck/sms,
# docs/sms.md). POTLUCK_SMS_BACKEND=potluck.core.sms.TwilioBackend turns it on. The auth token
# signs Twilio's webhook calls (a request without a valid X-Twilio-Signature is refused) and
# may come from a file (POTLUCK_TWILIO_AUTH_TOKEN_FILE); tests get a fixed one.
POTLUCK_TWILIO_ACCOUNT_SID = env_str("POTLUCK_TWILIO_ACCOUNT_SID", "")
POTLUCK_TWILIO_AUTH_TOKEN = (read_keys("POTLUCK_TWILIO_AUTH_TOKEN") or [""])[0] or (
    "test-twilio-auth-token" if TESTING else ""
)
# The number messages come from when their network has no SMS number of its own.
POTLUCK_TWILIO_FROM = env_str("POTLUCK_TWILIO_FROM", "")
# Where Twilio's REST API is; tests point it at a local server that speaks the same API.
POTLUCK_TWILIO_BASE_URL = env_str("POTLUCK_TWILIO_BASE_URL", "https://api.twilio.com")

# Every handler runs the redaction filter: no token, email or phone number reaches a log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "potluck.core.redact.RedactFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("POTLUCK_LOG_LEVEL", "INFO")},
}
