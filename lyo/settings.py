"""Django settings for Lyo, read from the environment (and a ``.env`` file when present).

Embedded defaults let a fresh clone run with nothing configured: SQLite, Celery
tasks in-process, console sender. Production (``DEBUG`` off) has no default
secrets: a missing required variable stops the process with a message naming it.
"""

import base64
import hashlib
import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    # Variables already in the process environment win over the file.
    env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Required in production; development gets harmless placeholders.
PRODUCTION_REQUIRED = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEY",
    "ALLOWED_HOSTS",
    "WHATSAPP_WEBHOOK_VERIFY_TOKEN",
    "META_APP_SECRET",
)
if not DEBUG:
    missing = [name for name in PRODUCTION_REQUIRED if not env.str(name, default="").strip()]
    if missing:
        raise ImproperlyConfigured(
            "Lyo refuses to start in production (DEBUG is off) without these environment "
            f"variables: {', '.join(missing)}. Set them, or set DEBUG=1 for development."
        )

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-secret-key-do-not-use-in-production")
# Old keys kept while a rotation settles: sessions, password links and Chatwoot secret digests
# made with them still verify (and the digests are rewritten with the new key when they match).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def _dev_field_encryption_key(secret_key: str) -> str:
    # Development only: a stable Fernet key derived from SECRET_KEY, so that a
    # local database stays readable across restarts without configuring anything.
    return base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()).decode()


# Comma-separated Fernet keys: the first encrypts, all of them decrypt (rotation).
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="") or _dev_field_encryption_key(SECRET_KEY)

INSTALLED_APPS = [
    "django_prometheus",
    # Django's admin with Lyo's site (staff home, day view, test chat): backoffice/sites.py.
    "backoffice.apps.LyoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Admin login throttling (axes) and two-factor codes for staff (django-otp): backoffice/two_factor.py.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    # API tokens stored as hashes, with an expiry (replaces rest_framework.authtoken).
    "knox",
    "csp",
    # request.htmx, and htmx itself served from the app's static files (no CDN).
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "common",
    "tenants",
    "customers",
    "conversations",
    "bookings",
    "payments",
    "meta",
    "whatsapp",
    "instagram",
    "chatwoot",
    "reminders",
    "alerts",
    "feeds",
    "operators",
    "backoffice",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "common.logging.RequestLogContextMiddleware",
    # Before anything that checks ALLOWED_HOSTS: load balancers and Prometheus probe by IP.
    "lyo.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every page (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Everything after runs inside the tenant-scoping edge (tenants/scoping.py).
    "tenants.middleware.TenantScopeMiddleware",
    # Staff pages in the staff user's language (Italian for an Italian business); after auth.
    "backoffice.middleware.StaffLanguageMiddleware",
    # Which two-factor device this session was verified with; then the owners' 2FA requirement.
    "django_otp.middleware.OTPMiddleware",
    "backoffice.two_factor_views.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: the staff pages answer htmx requests with the fragment they swap.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tenants.middleware.StaffTenantTimezoneMiddleware",
    # Turns a locked-out login into the lockout page (axes wants to be innermost).
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# The POSTs of signed webhooks (Meta, Stripe, Chatwoot) run this shorter chain (lyo/wsgi.py):
# they are authenticated by their signature, carry no session, cookie or CSRF token and
# render no page, and at Meta's rates the rest of the chain was a fifth of their cost.
# They keep the metrics, the request's log context, the security headers, the
# ALLOWED_HOSTS check (CommonMiddleware) and the tenant-scoping edge.
WEBHOOK_MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "common.logging.RequestLogContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "tenants.middleware.TenantScopeMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "lyo.urls"
# Paths are matched with and without a trailing slash by the URL patterns themselves
# (Meta's callback URL is typed by hand); no redirect, which would drop a POST body.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "lyo.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite keeps connections per thread; a persistent one buys nothing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Axes first: a locked-out username and address is refused before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Login throttling and two-factor authentication --------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that
# combination is locked out for AXES_COOLOFF_MINUTES (a superuser unlocks it sooner in
# the admin: Axes → Access attempts → delete). Locking the pair, not the address alone,
# keeps a typo-prone colleague behind the same office router from locking everyone out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "backoffice.login_throttling.lockout_response"
# The client's address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT reverse proxies
# (the load balancer: 1), the address the outermost of them saw (X-Forwarded-For).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "backoffice.login_throttling.client_ip_address"
# Owners must confirm a TOTP code at every login when this is on; other staff may opt in.
LYO_REQUIRE_2FA = env.bool("LYO_REQUIRE_2FA", default=False)
# The tenant-scoping tripwire (tenants/scoping.py): inside a request or task, a query on
# a tenant-owned model raises until the code has said which tenant it serves. On in the
# test suite and with DEBUG; in production off unless set.
TENANT_SCOPES_ENFORCED = env.bool("TENANT_SCOPES_ENFORCED", default=DEBUG)
OTP_TOTP_ISSUER = "Lyo"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"  # stored times are UTC; each tenant computes in its own zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files served by the app itself: no CDN, works offline.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Redis, Celery, cache ---------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# One processing task per conversation with messages waiting, not one per message
# (conversations/services/inbound_queue.py). Needs Redis; off with in-process tasks.
INBOUND_TASK_PER_CONVERSATION = bool(REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"  # a host named, or kombu warns on every publish
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Late acknowledgement: a task whose worker dies mid-run is delivered again; the
# tasks are idempotent, so a redelivery never repeats a side effect.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish must not hang a webhook request when the broker is down: fail fast and
# leave the stored message pending for the periodic sweep.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes the database connection around every task, so each task
# opened a new one: about a sixth of the worker's CPU per message (bench/webhook.sh).
# With this reuse count it never does so by count; instead each task ends as a request
# does (lyo/celery.py): the connection is kept, and closed when it broke or is older
# than CONN_MAX_AGE.
CELERY_DB_REUSE_MAX = 1_000_000_000
# Several deployments (or a test run) can share one Redis by using their own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# Celery beat: every minute, re-enqueue inbound messages still pending and replies
# still queued after a minute (what a broker outage left behind).
CELERY_BEAT_SCHEDULE = {
    "messages-pending-sweep": {"task": "conversations.messages_pending_sweep", "schedule": 60.0},
    # Reminders due now; each is claimed on its booking, so overlapping runs send it once.
    "reminders-send-due": {"task": "reminders.send_due", "schedule": 60.0},
    "reminders-send-follow-ups": {"task": "reminders.send_follow_ups", "schedule": 300.0},
    # Bookings that have ended become completed (staff may then mark no-shows).
    "appointments-complete": {"task": "bookings.appointments_complete", "schedule": 300.0},
    # Held bookings past due (an offer nobody took) free their slot.
    "holds-expire": {"task": "bookings.holds_expire", "schedule": 60.0},
    # Waitlist requests whose window has started lapse.
    "waitlist-expire": {"task": "bookings.waitlist_expire", "schedule": 300.0},
    # Once a day: texts and payloads of messages past LYO_MESSAGE_RETENTION_DAYS are blanked.
    "messages-retention": {"task": "conversations.messages_retention_apply", "schedule": 24 * 3600.0},
    # Staff alerts held for someone's quiet hours go out when they end (and any whose task was lost).
    "alerts-deliver-held": {"task": "alerts.deliver_held", "schedule": 120.0},
    # Conversations staff took over and left idle for Tenant.staff_hand_back_hours go back to the assistant.
    "staff-idle-hand-back": {"task": "conversations.staff_idle_hand_back", "schedule": 300.0},
}
# Email (staff alerts). Development prints emails on the console; production sets an SMTP
# server: EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=f"django.core.mail.backends.{'console' if DEBUG else 'smtp'}.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Lyo <noreply@localhost>")

# Days a message's text and channel payload are kept (bookings are kept regardless); 0: for ever.
LYO_MESSAGE_RETENTION_DAYS = env.int("LYO_MESSAGE_RETENTION_DAYS", default=365)
# Largest photo, voice note, video or document the conversation page keeps a copy of
# (WhatsApp's own limits: 5 MB images, 16 MB audio and video, 100 MB documents); a
# larger one is not downloaded and staff open it on the phone.
LYO_MEDIA_MAX_BYTES = env.int("LYO_MEDIA_MAX_BYTES", default=16 * 1024 * 1024)

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Meta / WhatsApp --------------------------------------------------------------
WHATSAPP_WEBHOOK_VERIFY_TOKEN = env.str("WHATSAPP_WEBHOOK_VERIFY_TOKEN", default="")
META_APP_SECRET = env.str("META_APP_SECRET", default="")
GRAPH_API_BASE = env.str("GRAPH_API_BASE", default="https://graph.facebook.com").rstrip("/")
GRAPH_API_VERSION = env.str("GRAPH_API_VERSION", default="v25.0")
# Instagram messaging: the same Meta app (its secret signs these webhooks too). The
# verify token may differ from WhatsApp's; the Graph root is graph.instagram.com for
# Instagram-login tokens, graph.facebook.com (the default) for Facebook Page tokens.
INSTAGRAM_WEBHOOK_VERIFY_TOKEN = env.str("INSTAGRAM_WEBHOOK_VERIFY_TOKEN", default="") or WHATSAPP_WEBHOOK_VERIFY_TOKEN
INSTAGRAM_GRAPH_API_BASE = env.str("INSTAGRAM_GRAPH_API_BASE", default="").rstrip("/") or GRAPH_API_BASE
# Embedded Signup ("Connect WhatsApp" in the owner's settings): the Meta app's id (its
# secret is META_APP_SECRET above) and the id of the Embedded Signup configuration made
# for it in the app dashboard. Without both, the page says the operator connects numbers.
META_APP_ID = env.str("META_APP_ID", default="")
META_EMBEDDED_SIGNUP_CONFIG_ID = env.str("META_EMBEDDED_SIGNUP_CONFIG_ID", default="")
# The Facebook JS SDK that page loads (the one script Lyo loads from another host), and the
# origins whose "WA_EMBEDDED_SIGNUP" messages the page reads (Meta's login dialog).
META_SDK_URL = env.str("META_SDK_URL", default="https://connect.facebook.net/en_US/sdk.js")
META_LOGIN_ORIGINS = env.list("META_LOGIN_ORIGINS", default=["https://www.facebook.com", "https://web.facebook.com"])
LYO_SEND_BACKEND = env.str("LYO_SEND_BACKEND", default="graph")
# The address people open Lyo at, for the links operator commands print (onboarding's
# password link, admin and Meta callback URL). Unset: with DEBUG the development server
# (`make run`, port PORT), otherwise https:// and the first ALLOWED_HOSTS name.
LYO_PUBLIC_URL = env.str("LYO_PUBLIC_URL", default="").rstrip("/")
DEV_SERVER_PORT = env.int("PORT", default=8000)
if LYO_SEND_BACKEND not in ("graph", "console"):
    raise ImproperlyConfigured(f"LYO_SEND_BACKEND must be 'graph' or 'console', not {LYO_SEND_BACKEND!r}.")

# --- Payments (deposits and card guarantees) --------------------------------------
# A tenant connects its own Stripe account (its secret key, in its payment policy). A
# platform holding a Stripe Connect account sets its key here instead, and each tenant
# its connected account id.
STRIPE_PLATFORM_SECRET_KEY = env.str("STRIPE_PLATFORM_SECRET_KEY", default="")
STRIPE_PLATFORM_WEBHOOK_SECRET = env.str("STRIPE_PLATFORM_WEBHOOK_SECRET", default="")

# --- Chatwoot ---------------------------------------------------------------------
# Host names or CIDR networks (comma-separated) of self-hosted Chatwoots on a private
# network: Lyo otherwise posts only to https addresses that resolve to public ones.
CHATWOOT_ALLOWED_HOSTS = env.list("CHATWOOT_ALLOWED_HOSTS", default=[])
# Larger webhook bodies are refused (413) before they are authenticated or parsed.
CHATWOOT_WEBHOOK_BODY_MAX_BYTES = env.int("CHATWOOT_WEBHOOK_BODY_MAX_BYTES", default=256 * 1024)

# --- REST framework ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Authorization: Token <key>` as before, but the key is stored hashed and expires.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# API tokens (`manage.py api_token`): only a hash is stored; a token expires after
# API_TOKEN_TTL_DAYS and is not renewed by use, so a leaked one stops working alone.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be at least 1.")
REST_KNOX = {"TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS), "AUTO_REFRESH": False}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lyo API",
    "DESCRIPTION": "Availability and bookings of a Lyo tenant.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from the drf-spectacular-sidecar package, served by the
    # app itself: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# The schema and Swagger UI are for staff (session or token) unless this is on.
API_SCHEMA_PUBLIC = env.bool("API_SCHEMA_PUBLIC", default=False)
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["lyo.api_schema.ApiSchemaReader"]

# --- Security (production) --------------------------------------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Plain http is redirected to https (the load balancer says which it was, above).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes come over plain http from inside the network, by IP (ProbeMiddleware
    # answers them before this applies; the exemption keeps it so if the order changes).
    SECURE_REDIRECT_EXEMPT = [r"^health/?$", r"^health/live/?$", r"^metrics/?$"]
    # HSTS is only ever sent on an https response, so a plain-http development stack
    # never receives it. includeSubDomains covers only the subdomains of Lyo's own host.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading is the domain owner's decision (hstspreload.org, for the apex domain) and
    # hard to undo: off unless asked for; Django's reminder about it is silenced meanwhile.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp), in development too so a violation shows early.
# Scripts only from Lyo's own static files: no inline script, no eval. Styles allow
# 'unsafe-inline' because Django's admin writes a <style> block (change lists), the day
# view positions its grid with style attributes computed per booking, and Swagger UI's
# page has a <style> block; injected CSS cannot run code, injected script could.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # Swagger UI's and the admin's stylesheets embed small SVG icons as data: URLs.
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Metrics ----------------------------------------------------------------------
# Who may read /metrics (and the worker's CELERY_METRICS_PORT): a client presenting
# `Authorization: Bearer <METRICS_TOKEN>`, or one whose address is in
# METRICS_ALLOWED_NETWORKS. The address is the TCP peer (REMOTE_ADDR), never
# X-Forwarded-For: behind the load balancer every request comes from the load
# balancer's own address. With neither set, only loopback may read them.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 20:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 20 characters (a random string).")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network (CIDR).") from exc
if not METRICS_TOKEN and not METRICS_ALLOWED_NETWORKS:
    METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]

# JSON lines in production (what CloudWatch / Loki index), readable lines with DEBUG.
# Every line carries the tenant, conversation and message ids of its request or task
# (common.log_context) and has credentials masked (common.logging).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {LOG_FORMAT!r}.")
CELERY_TASK_LOG_LEVEL = env.str("CELERY_TASK_LOG_LEVEL", default="WARNING").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "log_context": {"()": "common.log_context.LogContextFilter"},
        "redact_secrets": {"()": "common.logging.SecretRedactingFilter"},
    },
    "formatters": {
        "json": {"()": "common.logging.JsonFormatter"},
        "text": {"()": "common.logging.ReadableFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["log_context", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's default handlers would print these a second time, unformatted.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Celery's own lines for every task ("Task ... received", "... succeeded in 0.02s")
        # carry no tenant or message ids and cost the worker about a millisecond of CPU per
        # task (bench/webhook.sh); failures are logged at ERROR whatever this says.
        "celery.app.trace": {"level": CELERY_TASK_LOG_LEVEL},
        "celery.worker.strategy": {"level": CELERY_TASK_LOG_LEVEL},
    },
}
# The worker logs through LOGGING above (JSON, ids, redaction) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
