"""Sigap settings: one module, driven by ``SIGAP_*`` environment variables.

Every variable is documented in ``.env.example`` and the README. Helpers fail loudly
(``ImproperlyConfigured``) on a value they cannot parse, and every secret may also be
given as ``<NAME>_FILE`` pointing at a file that holds it.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets generic Django classes be subscripted at run time (``ModelAdmin[Ticket]``).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_path}: {exc}") from exc
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = env(name, "")
    if value == "":
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}: expected a boolean (true/false), got {value!r}")


def envint(name: str, default: int) -> int:
    value = env(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: expected an integer, got {value!r}") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    value = env(name, "")
    if value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATA_DIR = Path(env("SIGAP_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use SIGAP_SECRET_KEY; else generate one on first run and keep it in the data dir."""
    configured = env("SIGAP_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


SECRET_KEY = _secret_key()
# The key of the secrets stored in the database (core/secretbox.py); empty: SECRET_KEY.
SIGAP_SECRETS_KEY = env("SIGAP_SECRETS_KEY", "")
DEBUG = envbool("SIGAP_DEBUG", False)
ALLOWED_HOSTS = envlist("SIGAP_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("SIGAP_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env("SIGAP_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "huey.contrib.djhuey",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",  # the API docs page with its own copy of Swagger UI (no CDN)
    "sigap.core",
    "sigap.accounts",
    "sigap.customers",
    "sigap.tickets",
    "sigap.demo",
    "sigap.web",
    "sigap.portal",
    "sigap.sla",
    "sigap.notifications",
    "sigap.webhooks",
    "sigap.automations",
    "sigap.connectors",
    "sigap.surveys",
    "sigap.metrics",
    "sigap.relations",
    "sigap.kb",
    "sigap.triage",
    "sigap.connectors.livechat",
    "sigap.connectors.phone",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sigap.core.csp.CSPMiddleware",  # django-csp's, a plain response's policy built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sigap.core.locale.LanguageMiddleware",
    "sigap.accounts.business.TimeZoneMiddleware",  # the business's WIB/WITA/WIT
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "sigap.accounts.middleware.CachedUserAuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sigap.accounts.twofactor.TwoFactorMiddleware",
    "sigap.accounts.sessions.SessionTrackingMiddleware",
    "sigap.accounts.audit.AuditMiddleware",
    "sigap.accounts.presence.PresenceMiddleware",
    "sigap.accounts.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last: turns a locked-out sign-in into its 429 page (accounts/limits.py)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sigap.urls"
WSGI_APPLICATION = "sigap.wsgi.application"
ASGI_APPLICATION = "sigap.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csrf",
                # the staff menu's unread count and agent status (core.menucache)
                "sigap.web.context_processors.staff_menu",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# psycopg prepares a statement run this many times on a connection, or any a cursor asks
# to prepare: the count is never reached here.
PREPARE_ONLY_ASKED = 2**31 - 1
DATABASE_URL = env("SIGAP_DATABASE_URL", f"sqlite:///{DATA_DIR / 'sigap.sqlite3'}")
_db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers run while one writer writes; IMMEDIATE avoids lock upgrades
        # that fail with "database is locked" under concurrent writers.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        " PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    if envbool("SIGAP_DB_POOL", True):
        # psycopg's pool: one pool per process, shared by the threads of an ASGI server.
        _db["OPTIONS"] = {
            "pool": {
                "min_size": envint("SIGAP_DB_POOL_MIN", 2),
                "max_size": envint("SIGAP_DB_POOL_MAX", 20),
                "timeout": 10,
            }
        }
        _db["CONN_MAX_AGE"] = 0
    if envbool("SIGAP_DB_PREPARED", True) and envbool("SIGAP_DB_POOL", True):
        # psycopg prepares only what asks for it (Django's own cursors bind on the client
        # and cannot be prepared): the fixed statements of the hottest writes and reads
        # (core.fastsql.cursor), on connections the pool keeps (without it a connection
        # lives one request, and a statement prepared for one run costs a round trip
        # more). Off for a pooler that forgets prepared statements between transactions
        # (PgBouncer in transaction mode before 1.21).
        _db.setdefault("OPTIONS", {})["prepare_threshold"] = PREPARE_ONLY_ASKED
else:
    raise ImproperlyConfigured(
        f"SIGAP_DATABASE_URL: unsupported engine {_db['ENGINE']!r}; use sqlite:// or postgres://"
    )
DATABASES = {"default": _db}
# Threads per ``sigap serve`` process that run HTTP requests (sigap.asgi); each holds at
# most one database connection, so keep it within SIGAP_DB_POOL_MAX.
# Four: API creation at concurrency 16 served 311-312 per s with 3, 346-347 with 4, 305-307
# with 5 and 294 with 6 (2026-12-07, bench/served.py, docs/decisions/0009's seventh pass).
HTTP_THREADS = envint("SIGAP_HTTP_THREADS", 4)
IS_POSTGRES = _db["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Redis --------------------------------------------------------------------
REDIS_URL = env("SIGAP_REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "sigap.core.rediscache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from the shared cache, written through to the database: one statement
    # fewer on every signed-in request (decision 0009). Only with a cache every process
    # shares: ending a session deletes it there too (accounts.sessions.end).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The staff menu's per-user state (unread notifications, agent status) from the cache:
# only with one every process shares (core.menucache).
STAFF_MENU_CACHE = bool(REDIS_URL)

# Live updates (websockets): in-process layer embedded, Redis across processes. Redis
# Pub/Sub carries them (decision 0008): a push is one PUBLISH and arrives on the serving
# loop's subscription, instead of a Lua script per send and one blocking pop per message.


def live_channel_prefix(redis_url: str) -> str:
    """Pub/Sub channels are not per Redis database: the database number goes into their
    names, so installations sharing a Redis server by database stay apart."""
    from urllib.parse import urlparse

    database = (urlparse(redis_url).path or "/").strip("/") or "0"
    return f"sigap.db{database}."


CHANNEL_LAYERS: dict[str, Any] = (
    {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # A read timeout above the subscription's 0.1 s polls; the pool serves the
            # PUBLISHes, one at a time per process. Named after the process, to be told
            # apart in CLIENT LIST.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "client_name": f"sigap-live-{os.getpid()}",
                    }
                ],
                "prefix": live_channel_prefix(REDIS_URL),
            },
        }
    }
    if REDIS_URL
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)
# Threads per process for the live-chat websockets' database work (livechat/db.py); each
# holds a connection only while it works. Keep it below SIGAP_DB_POOL_MAX so HTTP requests
# still get a connection.
SIGAP_WS_DB_THREADS = envint("SIGAP_WS_DB_THREADS", 8)

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/masuk/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/masuk/"
# Magic sign-in links for the customer portal stay valid this long (seconds).
SIGAP_MAGIC_LINK_MAX_AGE = envint("SIGAP_MAGIC_LINK_MAX_AGE", 15 * 60)

# Two-factor authentication (django-otp, accounts/twofactor.py): TOTP apps with recovery
# codes; an admin makes it mandatory per role at /keamanan/2fa/.
OTP_TOTP_ISSUER = env("SIGAP_BUSINESS_NAME", "Sigap") or "Sigap"

# Password guessing (django-axes, accounts/limits.py): after AXES_FAILURE_LIMIT wrong
# passwords for one account, or from one client address, sign-in is refused (HTTP 429)
# for AXES_COOLOFF_TIME; an admin lifts it earlier by deleting the attempts in the admin
# (Axes → Access attempts) or with `sigap axes_reset_username <name>`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("SIGAP_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=envint("SIGAP_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks
# A sign-in clears only that account's own failures (accounts.limits), not every failure
# from its address: signing in to one's own account must not wipe a victim's count.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "sigap.accounts.limits.locked_out"
AXES_VERBOSE = False  # one warning per lockout (accounts.limits), not a line per attempt
# Mail anyone can ask for (sign-in links, sign-up): per recipient and per client address
# (django-ratelimit, on the default cache: Redis in production).
SIGAP_MAIL_PER_RECIPIENT = env("SIGAP_MAIL_PER_RECIPIENT", "3/15m")
SIGAP_MAIL_PER_CLIENT = env("SIGAP_MAIL_PER_CLIENT", "10/h")
# Help-centre suggestions while a customer types (the widget's /bantuan/saran/, the portal's
# complaint form): per client address (generous: mobile carriers put many customers behind
# one address) and per signed-in customer (accounts/limits.py).
SIGAP_SUGGESTIONS_PER_CLIENT = env("SIGAP_SUGGESTIONS_PER_CLIENT", "120/m")
SIGAP_SUGGESTIONS_PER_USER = env("SIGAP_SUGGESTIONS_PER_USER", "30/m")

# Single sign-on for staff with OpenID Connect (accounts/sso.py, docs/sso.md): Google
# Workspace, Microsoft Entra ID, Keycloak or any provider with discovery. Off unless
# SIGAP_OIDC_ISSUER is set; the client secret comes only from the environment (or _FILE).
SIGAP_OIDC_ISSUER = env("SIGAP_OIDC_ISSUER", "")
SIGAP_OIDC_CLIENT_ID = env("SIGAP_OIDC_CLIENT_ID", "")
SIGAP_OIDC_CLIENT_SECRET = env("SIGAP_OIDC_CLIENT_SECRET", "")
SIGAP_OIDC_SCOPES = env("SIGAP_OIDC_SCOPES", "openid email profile").split()
SIGAP_OIDC_PROVIDER_NAME = env("SIGAP_OIDC_PROVIDER_NAME", "SSO")
SIGAP_OIDC_ALLOWED_DOMAINS = [d.lower() for d in envlist("SIGAP_OIDC_ALLOWED_DOMAINS", [])]
SIGAP_OIDC_AUTO_PROVISION = envbool("SIGAP_OIDC_AUTO_PROVISION", False)
SIGAP_OIDC_DEFAULT_ROLE = env("SIGAP_OIDC_DEFAULT_ROLE", "agent")
SIGAP_OIDC_DEFAULT_TEAM = env("SIGAP_OIDC_DEFAULT_TEAM", "")
if SIGAP_OIDC_ISSUER:
    _missing = [
        name
        for name, value in (
            ("SIGAP_OIDC_CLIENT_ID", SIGAP_OIDC_CLIENT_ID),
            ("SIGAP_OIDC_CLIENT_SECRET", SIGAP_OIDC_CLIENT_SECRET),
        )
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(f"SIGAP_OIDC_ISSUER is set: {' and '.join(_missing)} too")
    if not {"openid", "email"} <= set(SIGAP_OIDC_SCOPES):
        raise ImproperlyConfigured("SIGAP_OIDC_SCOPES must include openid and email")
if SIGAP_OIDC_DEFAULT_ROLE not in ("agent", "supervisor"):
    raise ImproperlyConfigured(
        f"SIGAP_OIDC_DEFAULT_ROLE: agent or supervisor, got {SIGAP_OIDC_DEFAULT_ROLE!r}"
        " (admins are never made by single sign-on)"
    )
if SIGAP_OIDC_AUTO_PROVISION and not SIGAP_OIDC_ALLOWED_DOMAINS:
    raise ImproperlyConfigured(
        "SIGAP_OIDC_AUTO_PROVISION needs SIGAP_OIDC_ALLOWED_DOMAINS (whose people may get accounts)"
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Background jobs (Huey) -------------------------------------------------------------
# Embedded: a SQLite file queue beside the data (``sigap serve`` starts a worker with it).
# Production: Redis, and ``sigap worker`` on as many machines as needed.
HUEY: dict[str, Any] = {
    "name": "sigap",
    "immediate": envbool("SIGAP_JOBS_IMMEDIATE", False),
    "utc": True,
    "consumer": {
        "workers": envint("SIGAP_WORKER_THREADS", 2),
        "worker_type": "thread",
        "periodic": True,
        "check_worker_health": True,
    },
}
if REDIS_URL:
    HUEY.update(huey_class="huey.RedisHuey", connection={"url": REDIS_URL})
else:
    HUEY.update(
        huey_class="huey.SqliteHuey", connection={"filename": str(DATA_DIR / "jobs.sqlite3")}
    )

# Time-based automations (tickets/automations.py) and escalation (sla/sweep.py). The two
# times are defaults: each SLA policy may set its own (Pengaturan → Otomasi → Pengingat).
SIGAP_REMIND_AFTER_HOURS = envint("SIGAP_REMIND_AFTER_HOURS", 48)
# Acknowledge every ticket a customer opens (portal, email, chat...) with its deadlines.
SIGAP_AUTO_ACK = envbool("SIGAP_AUTO_ACK", True)
SIGAP_AUTO_CLOSE_DAYS = envint("SIGAP_AUTO_CLOSE_DAYS", 7)
# Tickets the SLA sweep claims, and holds locked, per transaction: a smaller batch holds its
# locks for less time and a worker killed mid-sweep leaves less to redo.
SIGAP_SLA_SWEEP_BATCH = envint("SIGAP_SLA_SWEEP_BATCH", 2000)
if SIGAP_SLA_SWEEP_BATCH < 1:
    raise ImproperlyConfigured("SIGAP_SLA_SWEEP_BATCH must be at least 1.")

# The chatbot (kb/conversation.py) answers live chat, WhatsApp and Telegram until a person
# takes over.
SIGAP_CHATBOT = envbool("SIGAP_CHATBOT", True)

# The live chat widget's defaults (a page's script tag may override each with
# ``data-name``, ``data-color``, ``data-greeting``, ``data-lang``): its title, its colour (a
# hex colour), the greeting above the form (empty: the translated default).
SIGAP_CHAT_NAME = env("SIGAP_CHAT_NAME", "")
SIGAP_CHAT_COLOR = env("SIGAP_CHAT_COLOR", "#0b6e4f")
SIGAP_CHAT_GREETING = env("SIGAP_CHAT_GREETING", "")

# Triage (triage/): classify new tickets in a job and fill confident fields.
SIGAP_TRIAGE = envbool("SIGAP_TRIAGE", True)

# Surveys (surveys/): CSAT and CES after resolution, NPS every so often per customer.
SIGAP_SURVEYS = envbool("SIGAP_SURVEYS", True)
SIGAP_SURVEY_INTERVAL_DAYS = envint("SIGAP_SURVEY_INTERVAL_DAYS", 14)  # per customer
SIGAP_SURVEY_EXPIRY_DAYS = envint("SIGAP_SURVEY_EXPIRY_DAYS", 14)
SIGAP_CES_SCALE = envint("SIGAP_CES_SCALE", 5)  # 5 or 7
SIGAP_NPS_EVERY_DAYS = envint("SIGAP_NPS_EVERY_DAYS", 90)

# How often the dashboard's live operations panel polls (metrics/_live.html).
SIGAP_LIVE_OPS_POLL_SECONDS = 15

# --- Outgoing email ---------------------------------------------------------------------
# Without SIGAP_SMTP_HOST, mail is printed to the console (demo and development).
EMAIL_HOST = env("SIGAP_SMTP_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("SIGAP_SMTP_PORT", 25)
EMAIL_HOST_USER = env("SIGAP_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env("SIGAP_SMTP_PASSWORD", "")
EMAIL_USE_TLS = envbool("SIGAP_SMTP_STARTTLS", False)
# Seconds an SMTP connection may wait on the server: a silent server fails the attempt
# (retried with backoff) instead of stalling the worker.
EMAIL_TIMEOUT = envint("SIGAP_SMTP_TIMEOUT", 30)
# Seconds a worker holds a reply it is sending (email, WhatsApp, Telegram, Meta); a reply
# whose worker died is sent again after it. Keep it longer than one attempt can take.
SIGAP_DELIVERY_LEASE = envint("SIGAP_DELIVERY_LEASE", 300)
if SIGAP_DELIVERY_LEASE <= EMAIL_TIMEOUT:
    raise ImproperlyConfigured("SIGAP_DELIVERY_LEASE must be longer than SIGAP_SMTP_TIMEOUT.")
DEFAULT_FROM_EMAIL = env("SIGAP_FROM_EMAIL", "Sigap <sigap@localhost>")
SIGAP_BUSINESS_NAME = env("SIGAP_BUSINESS_NAME", "Layanan Pelanggan")

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("SIGAP_TIME_ZONE", "Asia/Jakarta")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"SIGAP_TIME_ZONE: unknown time zone {TIME_ZONE!r}") from exc
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(env("SIGAP_MEDIA_DIR", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SIGAP_MAX_ATTACHMENT_BYTES = envint("SIGAP_MAX_ATTACHMENT_MB", 20) * 1024 * 1024
# One message sent through a page or the API: this many files, this much in all.
SIGAP_MAX_ATTACHMENTS_PER_MESSAGE = envint("SIGAP_MAX_ATTACHMENTS_PER_MESSAGE", 10)
SIGAP_MAX_MESSAGE_ATTACHMENTS_BYTES = envint("SIGAP_MAX_MESSAGE_ATTACHMENTS_MB", 25) * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 50  # Django's own hard stop (a 400) far above ours
# Django must accept the body before our limit can answer 413 with a clear message.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# /healthz (core/health.py): unhealthy when the worker's heartbeat is older than this, or
# when durable work has waited past its time for longer than this.
SIGAP_HEALTH_WORKER_STALE_SECONDS = envint("SIGAP_HEALTH_WORKER_STALE_SECONDS", 180)
SIGAP_HEALTH_QUEUE_STALE_SECONDS = envint("SIGAP_HEALTH_QUEUE_STALE_SECONDS", 600)

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SIGAP_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp). Scripts only from Sigap itself or
# inline with the request's nonce (``request.csp_nonce``); no inline event handlers. Styles
# may be inline (the charts are SVG with their own styles). Images from anywhere over https:
# an email's remote images are not loaded until an agent asks (tickets' sanitising).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:", "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],  # the live updates' websocket is same-origin
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# HTTPS only (behind TLS): Strict-Transport-Security for this many seconds (a year is
# usual), and plain http redirected. Off by default: the embedded default serves http.
SECURE_HSTS_SECONDS = envint("SIGAP_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SIGAP_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SIGAP_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = envbool("SIGAP_SSL_REDIRECT", False)
SECURE_REFERRER_POLICY = "same-origin"
if envbool("SIGAP_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("SIGAP_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Configured here, `run_huey` adds no handler of its own (each line came twice).
        "huey": {"handlers": ["console"], "propagate": False},
        # axes says "deleted 0 failed attempts" at every sign-in; lockouts are logged by
        # sigap.accounts.limits
        "axes": {"level": "WARNING"},
    },
}
