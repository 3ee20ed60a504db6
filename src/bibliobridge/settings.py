"""Settings come from the environment, with safe defaults.

DEBUG is off unless BIBLIOBRIDGE_DEBUG=1; without DEBUG a SECRET_KEY is required.
DATABASE_URL selects PostgreSQL (postgres://user:pass@host:port/name, or
postgres:///name?host=/socket/dir); the default is SQLite in WAL mode under var/.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("BIBLIOBRIDGE_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Django DATABASES entry for a postgres:// or sqlite:// URL."""
    parts = urlparse(url)
    if parts.scheme in {"postgres", "postgresql"}:
        query: dict = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        if "prepare_threshold" in query:  # psycopg takes a number, or None for never
            threshold = query["prepare_threshold"]
            query["prepare_threshold"] = int(threshold) if threshold.isdigit() else None
        return {
            # Django's, with the ISO 18626 path's statements prepared (core/postgresql).
            "ENGINE": "bibliobridge.core.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": query.pop("host", parts.hostname or ""),
            "PORT": str(parts.port or query.pop("port", "")),
            "CONN_MAX_AGE": 60,
            "OPTIONS": query,
        }
    if parts.scheme == "sqlite":
        return sqlite_database(Path(unquote(parts.path)))
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported")


def sqlite_database(path: Path) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "bibliobridge.core.sqlite3",
        "NAME": path,
        # Kept open between requests: opening one costs more than most requests, and the
        # last connection to close checkpoints the write-ahead log.
        "CONN_MAX_AGE": 60,
        # WAL lets the web server read while the task worker writes.
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DEBUG = env_bool("BIBLIOBRIDGE_DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set BIBLIOBRIDGE_DEBUG=1 "
            "for a development server."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "bibliobridge.core",
    "bibliobridge.partners",
    "bibliobridge.agreements",
    "bibliobridge.catalog",
    "bibliobridge.ill",
    "bibliobridge.exchange",
    "bibliobridge.reports",
    "bibliobridge.api",
    "bibliobridge.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bibliobridge.core.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bibliobridge.urls"
WSGI_APPLICATION = "bibliobridge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bibliobridge.core.context_processors.navigation",
            ],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": sqlite_database(VAR_DIR / "bibliobridge.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Simplified Chinese is the default language; English is the other one.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
USE_TZ = True
# Times are stored in UTC; this is the zone shown to a user who has not chosen one.
TIME_ZONE = os.environ.get("BIBLIOBRIDGE_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("BIBLIOBRIDGE_MEDIA_ROOT", VAR_DIR / "media"))
# Uploaded documents are served only through permission-checked views: no URL route
# serves this prefix (it is set because Django's test live server needs one).
MEDIA_URL = "/media/"

# Uploads: agreement documents are PDFs up to this size.
MAX_DOCUMENT_BYTES = int(os.environ.get("BIBLIOBRIDGE_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024))
MAX_IMPORT_BYTES = int(os.environ.get("BIBLIOBRIDGE_MAX_IMPORT_BYTES", 50 * 1024 * 1024))
# Partners' catalogue files (MARC, MARCXML), uploaded for the background worker.
MAX_CATALOG_BYTES = int(os.environ.get("BIBLIOBRIDGE_MAX_CATALOG_BYTES", 2 * 1024**3))
CATALOG_IMPORT_DIR = Path(os.environ.get("BIBLIOBRIDGE_CATALOG_IMPORT_DIR", VAR_DIR / "imports"))
# OAI-PMH: the repository identifier in record identifiers (oai:<id>:<record>), stable
# whatever host name serves it, and the address Identify gives.
OAI_REPOSITORY_ID = os.environ.get("BIBLIOBRIDGE_OAI_REPOSITORY_ID", "")
OAI_ADMIN_EMAIL = os.environ.get("BIBLIOBRIDGE_OAI_ADMIN_EMAIL", "")
# Worker processes that read a large ISO 2709 file in parallel (1: read it in-process).
CATALOG_IMPORT_WORKERS = int(
    os.environ.get("BIBLIOBRIDGE_IMPORT_WORKERS", min(2, os.cpu_count() or 1))
)
# ISO 18626: the version sent to a partner whose endpoint names none, and a folder holding
# the official XSDs (ISO-18626-v1_2.xsd, ISO-18626-2021-2.xsd) for strict validation of
# every message in and out; without it, messages are checked by our own rules only.
# The currency exchange ledgers are kept in for partners whose terms name none, and
# annual reports total in (ISO 4217).
EXCHANGE_CURRENCY = os.environ.get("BIBLIOBRIDGE_EXCHANGE_CURRENCY", "CNY").upper()
ILL_DEFAULT_VERSION = os.environ.get("BIBLIOBRIDGE_ILL_VERSION", "1.2")
ILL_XSD_DIR = os.environ.get("BIBLIOBRIDGE_ILL_XSD_DIR", "")
ILL_SEND_TIMEOUT_SECONDS = float(os.environ.get("BIBLIOBRIDGE_ILL_SEND_TIMEOUT", 20))
# Days a lender may leave our request unanswered before the next lender is asked.
ILL_ANSWER_DAYS = int(os.environ.get("BIBLIOBRIDGE_ILL_ANSWER_DAYS", 5))
# A copy we supply is behind a link this many views and days long, then purged.
ILL_COPY_VIEWS = int(os.environ.get("BIBLIOBRIDGE_ILL_COPY_VIEWS", 5))
ILL_COPY_DAYS = int(os.environ.get("BIBLIOBRIDGE_ILL_COPY_DAYS", 30))
# Copyright rules for the copies we borrow (ill.copyright: cn, us or none) and how many
# years their records are kept.
ILL_COPYRIGHT_PROFILE = os.environ.get("BIBLIOBRIDGE_ILL_COPYRIGHT", "cn")
ILL_COPYRIGHT_YEARS = int(os.environ.get("BIBLIOBRIDGE_ILL_COPYRIGHT_YEARS", 3))
MAX_COPY_BYTES = int(os.environ.get("BIBLIOBRIDGE_MAX_COPY_BYTES", 100 * 1024 * 1024))
# Readers ask without a staff account at /ill/ask/ (0 turns the page off); staff check
# every such request before a partner is asked. At most this many an hour from one address.
ILL_READER_REQUESTS_PER_HOUR = int(os.environ.get("BIBLIOBRIDGE_ILL_READER_REQUESTS", 10))
# Publication exchange portal: items a partner puts in its cart are held for it this many
# hours after it last added one, then offered to others again unless it submitted them.
EXCHANGE_CART_HOURS = int(os.environ.get("BIBLIOBRIDGE_EXCHANGE_CART_HOURS", 48))
# Processes that compare candidate pairs when matching runs (the management command, the
# background task): the machine's cores; 1 keeps it in one process.
EXCHANGE_MATCH_WORKERS = int(
    os.environ.get("BIBLIOBRIDGE_EXCHANGE_MATCH_WORKERS", min(os.cpu_count() or 1, 4))
)
# A new portal link lasts this many days unless staff choose otherwise.
EXCHANGE_PORTAL_DAYS = int(os.environ.get("BIBLIOBRIDGE_EXCHANGE_PORTAL_DAYS", 30))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool(
    "BIBLIOBRIDGE_SECURE_COOKIES", not DEBUG and not env_bool("BIBLIOBRIDGE_HTTP")
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "bibliobridge@localhost")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("BIBLIOBRIDGE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The one outbound HTTP client refuses private and loopback addresses unless allowed here.
OUTBOUND_ALLOW_PRIVATE = env_bool("BIBLIOBRIDGE_OUTBOUND_ALLOW_PRIVATE")
OUTBOUND_TIMEOUT_SECONDS = float(os.environ.get("BIBLIOBRIDGE_OUTBOUND_TIMEOUT", 15))

# Reminders go out this many days before an agreement's expiry or notice deadline.
AGREEMENT_REMINDER_DAYS = (90, 30)
# The base URL used in mail (links back to the application).
SITE_URL = os.environ.get("BIBLIOBRIDGE_SITE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BIBLIOBRIDGE_LOG_LEVEL", "INFO")},
}
