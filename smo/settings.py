"""SMO settings, read from the environment (and a `.env` file beside manage.py).

With no variables set besides DEBUG=true this is the embedded default: SQLite in WAL mode, Celery on
kombu's filesystem transport under var/, and the local sandbox as every platform's origin.
Every variable is documented in README.md.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from smo import crypto, env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
# Real environment variables win over the file; ENV_FILE points elsewhere (tests use /dev/null).
load_dotenv(env.string("ENV_FILE", str(BASE_DIR / ".env")), override=False)

DEBUG = env.boolean("DEBUG", default=False)
SECRET_KEY = env.required_secret("SECRET_KEY", DEBUG, dev_default="insecure-development-key-" + "x" * 40)
# Fernet keys, newest first; kept apart from SECRET_KEY so rotating one never touches the other.
FIELD_ENCRYPTION_KEYS = env.listing("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    FIELD_ENCRYPTION_KEYS = [
        env.required_secret(
            "FIELD_ENCRYPTION_KEYS", DEBUG, dev_default="ZGV2ZWxvcG1lbnQtb25seS1rZXktZG8tbm90LXVzZSE="
        )
    ]
crypto.validate_keys(FIELD_ENCRYPTION_KEYS)
ALLOWED_HOSTS = env.listing("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.listing("CSRF_TRUSTED_ORIGINS", default=[])
# Where platforms and e-mail readers reach this server. With DEBUG off there is no default: building a
# public media URL (Instagram and Facebook fetch media from it) fails with a message naming the variable.
PUBLIC_BASE_URL = env.string("PUBLIC_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "workspaces",
    "platforms",
    "scheduler",
    "inbox",
    "media",
    "api",
    "approvals",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "workspaces.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
if not DEBUG:
    # Serves collectstatic's output straight from gunicorn (the Docker image), so no proxy is needed for /static/.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "smo.urls"
WSGI_APPLICATION = "smo.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url: str, conn_max_age: int) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets web, worker and beat read while one writes; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue on the timeout instead of failing with "database is locked" mid-transaction.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


VAR_DIR.mkdir(exist_ok=True)
DATABASE_URL = env.string("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
# Web and workers keep a connection for this long; a health check before each reuse replaces one the
# server or a proxy dropped. Opening a PostgreSQL connection per task was the publisher's largest cost.
DATABASE_CONN_MAX_AGE = env.integer("DATABASE_CONN_MAX_AGE", 300, minimum=0)
DATABASES = {"default": _database(DATABASE_URL, DATABASE_CONN_MAX_AGE)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The composer's autosave finds its draft through the cache, so with several web processes it must be
# shared: set CACHE_URL (redis://…) in production; the default is per process.
CACHE_URL = env.string("CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// or rediss:// URL, got {CACHE_URL!r}.")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Public API (/api/v1/) ---
# Per token; empty turns throttling off. Counted in the cache, so CACHE_URL makes it hold across processes.
API_THROTTLE_RATE = env.string("API_THROTTLE_RATE", "300/min")
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sign-in brute-force protection (workspaces/login_throttle.py): failures per account name (x4 per address).
LOGIN_MAX_FAILURES = env.integer("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = env.integer("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
FORMAT_MODULE_PATH = ["workspaces.formats"]
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_WORKSPACE_TIME_ZONE = env.string("DEFAULT_WORKSPACE_TIME_ZONE", "UTC")
try:
    ZoneInfo(DEFAULT_WORKSPACE_TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"DEFAULT_WORKSPACE_TIME_ZONE must be an IANA time zone such as Europe/Berlin, "
        f"got {DEFAULT_WORKSPACE_TIME_ZONE!r}."
    ) from None

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.string("MEDIA_ROOT", str(VAR_DIR / "media")))
# Upload limits of the media library (bytes); a proxy in front must accept bodies this large.
MEDIA_MAX_IMAGE_BYTES = env.integer("MEDIA_MAX_IMAGE_BYTES", 10 * 1024 * 1024, minimum=1024)
MEDIA_MAX_VIDEO_BYTES = env.integer("MEDIA_MAX_VIDEO_BYTES", 512 * 1024 * 1024, minimum=1024)
# Lifetime of the signed /m/… links platforms fetch media from.
MEDIA_URL_MAX_AGE_SECONDS = env.integer("MEDIA_URL_MAX_AGE_SECONDS", 86400, minimum=60)
# Bulk import: the largest file (bytes) and the most rows one file may hold (never below 10,000).
IMPORT_MAX_ROWS = env.integer("IMPORT_MAX_ROWS", 50_000, minimum=10_000)
IMPORT_MAX_BYTES = env.integer("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024 * 1024)

SESSION_COOKIE_SECURE = not DEBUG and env.boolean("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Celery: the broker only rings the doorbell; the database is the schedule. ---
CELERY_BROKER_URL = env.string("CELERY_BROKER_URL", "filesystem://")
if not CELERY_BROKER_URL.startswith(("filesystem://", "redis://", "rediss://", "amqp://", "memory://")):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL must start with redis://, rediss://, amqp:// or filesystem://, got {CELERY_BROKER_URL!r}."
    )
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis' ack emulation re-sends a message only after its visibility timeout (an hour by default)
    # and costs the worker two pipelines per message, half its broker time in the burst benchmark.
    # SMO does not lean on it: a delivery whose message is lost stays `queued` until its lease
    # (QUEUED_LEASE_SECONDS) expires and is claimed again, and `sending` ones go to the reconciler.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"ack_emulation": False}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
# Celery's Django fixup closes every connection around every task unless this is set; smo/celery.py
# instead recycles connections by DATABASE_CONN_MAX_AGE and the health check.
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "scheduler.tasks.publish_delivery": {"queue": "publish"},
    "scheduler.tasks.reconcile_delivery": {"queue": "publish"},
    # Replies are creates on a platform: they go out on the publish queue, like posts (an exact name wins
    # over the pattern below).
    "inbox.tasks.send_reply": {"queue": "publish"},
    "inbox.tasks.replies_due": {"queue": "publish"},
    "inbox.tasks.*": {"queue": "sync"},
    "platforms.tasks.*": {"queue": "sync"},
}
CELERY_TIMEZONE = "UTC"

# --- Publishing engine ---
DISPATCH_INTERVAL_SECONDS = env.number("DISPATCH_INTERVAL_SECONDS", 1.0)
DISPATCH_BATCH_SIZE = env.integer("DISPATCH_BATCH_SIZE", 500, minimum=1)
QUEUED_LEASE_SECONDS = env.integer("QUEUED_LEASE_SECONDS", 120, minimum=1)
SENDING_LEASE_SECONDS = env.integer("SENDING_LEASE_SECONDS", 90, minimum=1)
RECONCILE_INTERVAL_SECONDS = env.number("RECONCILE_INTERVAL_SECONDS", 15.0)
RECONCILE_GIVE_UP_SECONDS = env.integer("RECONCILE_GIVE_UP_SECONDS", 3600, minimum=1)
RETRY_BASE_SECONDS = env.integer("RETRY_BASE_SECONDS", 30, minimum=1)
RETRY_MAX_SECONDS = env.integer("RETRY_MAX_SECONDS", 3600, minimum=1)
RETRY_MAX_ATTEMPTS = env.integer("RETRY_MAX_ATTEMPTS", 6, minimum=1)
# A video still processing on the platform after this long fails with advice instead of waiting forever.
MEDIA_PROCESSING_TIMEOUT_SECONDS = env.integer("MEDIA_PROCESSING_TIMEOUT_SECONDS", 3600, minimum=60)
# --- Channel care: tokens renewed ahead of expiry, warnings before a post is due on a broken channel ---
TOKEN_REFRESH_MARGIN_MINUTES = env.integer("TOKEN_REFRESH_MARGIN_MINUTES", 15, minimum=1)
TOKEN_REFRESH_INTERVAL_SECONDS = 300.0  # must stay well below the margin, so a failed renewal gets retries
DUE_SOON_WARNING_MINUTES = env.integer("DUE_SOON_WARNING_MINUTES", 60, minimum=1)
DUE_SOON_CHECK_INTERVAL_SECONDS = 120.0
if TOKEN_REFRESH_MARGIN_MINUTES * 60 < 2 * TOKEN_REFRESH_INTERVAL_SECONDS:
    raise ImproperlyConfigured("TOKEN_REFRESH_MARGIN_MINUTES must be at least 10, so a failed renewal is retried.")

# --- Inbox: polling per channel on the sync queue, and a sweep for webhook events whose message was lost ---
INBOX_SYNC_INTERVAL_SECONDS = env.number("INBOX_SYNC_INTERVAL_SECONDS", 300.0)
INBOX_SYNC_BATCH_SIZE = env.integer("INBOX_SYNC_BATCH_SIZE", 200, minimum=1)
INBOX_SYNC_MAX_PAGES = env.integer("INBOX_SYNC_MAX_PAGES", 10, minimum=1)
# Pending webhook events of one account that one processing task takes together.
INBOX_WEBHOOK_BATCH_SIZE = env.integer("INBOX_WEBHOOK_BATCH_SIZE", 200, minimum=1)
# Needs attention: negative items on our fresh posts, strongly negative DMs (VADER compound score, -1..1).
INBOX_ATTENTION_THRESHOLD = env.number("INBOX_ATTENTION_THRESHOLD", -0.5)
INBOX_ATTENTION_DM_THRESHOLD = env.number("INBOX_ATTENTION_DM_THRESHOLD", -0.75)
INBOX_ATTENTION_WINDOW_HOURS = env.number("INBOX_ATTENTION_WINDOW_HOURS", 48.0)
INBOX_ATTENTION_ALERTS = env.boolean("INBOX_ATTENTION_ALERTS", default=True)
WEBHOOK_PENDING_INTERVAL_SECONDS = env.number("WEBHOOK_PENDING_INTERVAL_SECONDS", 30.0)
# The tick looks for due channels more often than each channel is synced, so a new channel waits little.
INBOX_SYNC_TICK_SECONDS = max(5.0, min(60.0, INBOX_SYNC_INTERVAL_SECONDS / 5))

# --- E-mail (due-soon warnings to workspace admins) ---
EMAIL_BACKEND = env.string(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.string("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "SMO <smo@localhost>")

CELERY_BEAT_SCHEDULE = {
    # A short static list: one entry per job, never one per post.
    "dispatch-due-deliveries": {
        "task": "scheduler.tasks.dispatch_due",
        "schedule": DISPATCH_INTERVAL_SECONDS,
        "options": {"expires": max(DISPATCH_INTERVAL_SECONDS * 2, 2)},
    },
    "refresh-expiring-tokens": {
        "task": "platforms.tasks.refresh_expiring_tokens",
        "schedule": TOKEN_REFRESH_INTERVAL_SECONDS,
        "options": {"expires": TOKEN_REFRESH_INTERVAL_SECONDS},
    },
    "warn-due-soon": {
        "task": "platforms.tasks.warn_due_soon",
        "schedule": DUE_SOON_CHECK_INTERVAL_SECONDS,
        "options": {"expires": DUE_SOON_CHECK_INTERVAL_SECONDS},
    },
    "inbox-sync-due": {
        "task": "inbox.tasks.sync_due",
        "schedule": INBOX_SYNC_TICK_SECONDS,
        "options": {"expires": INBOX_SYNC_TICK_SECONDS},
    },
    "inbox-pending-webhooks": {
        "task": "inbox.tasks.process_pending_webhooks",
        "schedule": WEBHOOK_PENDING_INTERVAL_SECONDS,
        "options": {"expires": WEBHOOK_PENDING_INTERVAL_SECONDS},
    },
    "reconcile-unknown-deliveries": {
        "task": "scheduler.tasks.reconcile_unknown",
        "schedule": RECONCILE_INTERVAL_SECONDS,
        "options": {"expires": RECONCILE_INTERVAL_SECONDS * 2},
    },
    "inbox-replies-due": {  # replies whose retry time came, and leases that ran out
        "task": "inbox.tasks.replies_due",
        "schedule": 5.0,
        "options": {"expires": 10},
    },
    "inbox-reconcile-replies": {
        "task": "inbox.tasks.reconcile_replies",
        "schedule": RECONCILE_INTERVAL_SECONDS,
        "options": {"expires": RECONCILE_INTERVAL_SECONDS * 2},
    },
}

# --- Platforms ---
SANDBOX_URL = env.string("SANDBOX_URL", "http://127.0.0.1:8100")


def _platform_origins() -> dict[str, str]:
    from platforms.sandbox.origins import default_platform_origins

    default = default_platform_origins(SANDBOX_URL) if DEBUG else {}
    origins = env.json_object("PLATFORM_ORIGINS", default)
    for origin, target in origins.items():
        if not (isinstance(target, str) and target.startswith(("http://", "https://"))):
            raise ImproperlyConfigured(
                f"PLATFORM_ORIGINS: the replacement for {origin!r} must be an http(s) URL, got {target!r}."
            )
    return origins


PLATFORM_ORIGINS = _platform_origins()
PLATFORM_CONNECT_TIMEOUT = env.number("PLATFORM_CONNECT_TIMEOUT", 5.0)
PLATFORM_READ_TIMEOUT = env.number("PLATFORM_READ_TIMEOUT", 20.0)
# App credentials per platform. In DEBUG they default to the sandbox's demo app.
X_CLIENT_ID = env.string("X_CLIENT_ID", "smo-sandbox-client" if DEBUG else None)
X_CLIENT_SECRET = env.string("X_CLIENT_SECRET", "smo-sandbox-secret" if DEBUG else None)
# "oauth2" (PKCE, tokens refreshed) or "oauth1" (3-legged OAuth 1.0a with the consumer key and secret,
# for X apps configured that way; those tokens never expire and are never refreshed).
X_AUTH_MODE = (env.string("X_AUTH_MODE", "oauth2") or "oauth2").lower()
if X_AUTH_MODE not in ("oauth2", "oauth1"):
    raise ImproperlyConfigured(f"X_AUTH_MODE must be oauth2 or oauth1, got {X_AUTH_MODE!r}.")
X_CONSUMER_KEY = env.string("X_CONSUMER_KEY", "smo-sandbox-consumer" if DEBUG else None)
# Also X's webhook signing key (CRC and x-twitter-webhooks-signature); the sandbox signs with this one.
X_CONSUMER_SECRET = env.string("X_CONSUMER_SECRET", "smo-sandbox-consumer-secret" if DEBUG else None)
FACEBOOK_APP_ID = env.string("FACEBOOK_APP_ID", "smo-sandbox-app" if DEBUG else None)
FACEBOOK_APP_SECRET = env.string("FACEBOOK_APP_SECRET", "smo-sandbox-app-secret" if DEBUG else None)
# Instagram Login (accounts without a Facebook Page). Unset: Instagram connects through the Facebook Page picker.
INSTAGRAM_APP_ID = env.string("INSTAGRAM_APP_ID")
INSTAGRAM_APP_SECRET = env.string("INSTAGRAM_APP_SECRET")
FACEBOOK_GRAPH_VERSION = env.string("FACEBOOK_GRAPH_VERSION", "v21.0")
# Meta's webhook subscription handshake echoes hub.challenge only to a caller sending this token.
META_WEBHOOK_VERIFY_TOKEN = env.string("META_WEBHOOK_VERIFY_TOKEN", "smo-sandbox-verify-token" if DEBUG else None)
# The other platforms' apps; each connect button explains itself while its app is not configured.
LINKEDIN_CLIENT_ID = env.string("LINKEDIN_CLIENT_ID", "smo-sandbox-linkedin" if DEBUG else None)
LINKEDIN_CLIENT_SECRET = env.string("LINKEDIN_CLIENT_SECRET", "smo-sandbox-linkedin-secret" if DEBUG else None)
# LinkedIn's monthly API version (YYYYMM), sent in the LinkedIn-Version header; LinkedIn retires versions after a year.
LINKEDIN_API_VERSION = env.string("LINKEDIN_API_VERSION", "202601")
YOUTUBE_CLIENT_ID = env.string("YOUTUBE_CLIENT_ID", "smo-sandbox-youtube" if DEBUG else None)
YOUTUBE_CLIENT_SECRET = env.string("YOUTUBE_CLIENT_SECRET", "smo-sandbox-youtube-secret" if DEBUG else None)
# Bytes per resumable-upload request (a multiple of 256 KiB); each chunk is one short task, so a crash loses one.
YOUTUBE_UPLOAD_CHUNK_BYTES = env.integer("YOUTUBE_UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024)
PINTEREST_APP_ID = env.string("PINTEREST_APP_ID", "smo-sandbox-pinterest" if DEBUG else None)
PINTEREST_APP_SECRET = env.string("PINTEREST_APP_SECRET", "smo-sandbox-pinterest-secret" if DEBUG else None)
TIKTOK_CLIENT_KEY = env.string("TIKTOK_CLIENT_KEY", "smo-sandbox-tiktok" if DEBUG else None)
TIKTOK_CLIENT_SECRET = env.string("TIKTOK_CLIENT_SECRET", "smo-sandbox-tiktok-secret" if DEBUG else None)
# FILE_UPLOAD (SMO sends the video's bytes) or PULL_FROM_URL (TikTok fetches it: SMO's media domain must be
# verified in TikTok's developer portal; photo posts always pull).
TIKTOK_VIDEO_SOURCE = (env.string("TIKTOK_VIDEO_SOURCE", "FILE_UPLOAD") or "FILE_UPLOAD").upper()
if TIKTOK_VIDEO_SOURCE not in ("FILE_UPLOAD", "PULL_FROM_URL"):
    raise ImproperlyConfigured(
        f"TIKTOK_VIDEO_SOURCE must be FILE_UPLOAD or PULL_FROM_URL, got {TIKTOK_VIDEO_SOURCE!r}.")
THREADS_APP_ID = env.string("THREADS_APP_ID", "smo-sandbox-threads" if DEBUG else None)
THREADS_APP_SECRET = env.string("THREADS_APP_SECRET", "smo-sandbox-threads-secret" if DEBUG else None)
THREADS_API_VERSION = env.string("THREADS_API_VERSION", "v1.0")
# Snap's Public Profile API is open to allowlisted apps only.
SNAPCHAT_CLIENT_ID = env.string("SNAPCHAT_CLIENT_ID", "smo-sandbox-snapchat" if DEBUG else None)
SNAPCHAT_CLIENT_SECRET = env.string("SNAPCHAT_CLIENT_SECRET", "smo-sandbox-snapchat-secret" if DEBUG else None)
SNAPCHAT_SCOPES = env.string("SNAPCHAT_SCOPES", "snapchat-profile-api")
# Mastodon registers SMO on each instance the first time an admin connects to it; this is shown as the app's website.
MASTODON_APP_WEBSITE = env.string("MASTODON_APP_WEBSITE", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "smo.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}
    },
    "root": {"handlers": ["console"], "level": env.choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"])},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
