"""Settings, read from environment variables with safe defaults.

DJANGO_ENV selects the mode:
- ``development`` (default): DEBUG on, SQLite, Celery tasks run inline, a fixed dev key.
- ``test``: like development but DEBUG off and fast password hashing.
- ``production``: every secret must come from the environment; HTTPS-only cookies, HSTS,
  SSL redirect. ``manage.py check --deploy`` reports nothing in this mode.

DATABASE_URL (e.g. postgres://user@host:5432/aims) switches from SQLite to PostgreSQL
through psycopg 3; CELERY_BROKER_URL (e.g. redis://host:6379/0) switches Celery from
inline execution to a real broker.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ.get("DJANGO_ENV", "development")
if ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, test or production, not {ENV!r}")
PRODUCTION = ENV == "production"


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no setting: true/false, 1/0, yes/no or on/off (any case); unset or empty gives
    ``default``. Anything else (a typo such as "ture") stops the start with a clear error
    instead of silently reading as false."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise ImproperlyConfigured(
        f"{name} must be true or false (or 1/0, yes/no, on/off), not {value!r}"
    )


def env_int(name, default, minimum=1):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_url(name):
    """An http(s) URL with a host, or "" when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must be an http:// or https:// URL, not {value!r}")
    try:
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port: {value!r}") from None
    return value


def env_seconds(name, default, maximum):
    """A number of seconds, more than 0 and at most ``maximum``."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds, not {value!r}") from None
    if not 0 < seconds <= maximum:  # also refuses nan and inf
        raise ImproperlyConfigured(f"{name} must be more than 0 and at most {maximum:g} seconds")
    return seconds


def env_required(name):
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return value


if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [env_required("ALLOWED_HOSTS")]
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

DEBUG = env_bool("DJANGO_DEBUG", ENV == "development")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "aims_portal",
    "registry",
    "assessments",
    "controls",
    "governance",
    "audits",
    "identity",
    "integrity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Answers a request again, once, when PostgreSQL dropped its connection before any of
    # its writes committed (aims_portal/db_retry.py).
    "aims_portal.db_retry.RetryLostConnectionMiddleware",
    # Outermost but two: turns any error page under /api/ (404, 500, ...) into JSON.
    "aims_portal.middleware.APIProblemMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF: it may read the body of the one API view allowed a larger one.
    "aims_portal.middleware.APIBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "aims_portal.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "aims_portal.middleware.AccessWindowMiddleware",
    "aims_portal.middleware.AdminTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aims_portal.urls"
WSGI_APPLICATION = "aims_portal.wsgi.application"

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
                "aims_portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATA_DIR = Path(os.environ.get("AIMS_DATA_DIR", BASE_DIR / "var"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "aims.sqlite3",
            # IMMEDIATE transactions make concurrent writers queue instead of failing.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication --------------------------------------------------------------------------
AUTH_USER_MODEL = "aims_portal.User"
AUTHENTICATION_BACKENDS = [
    "aims_portal.auth_backends.LoginThrottleBackend",  # refuses logins while locked out
    "aims_portal.auth_backends.PortalModelBackend",
]
# Login throttling: after AXES_FAILURE_LIMIT failures for one username from one address,
# that pair is locked out for AXES_COOLOFF_MINUTES; a success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", 0))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Two-factor authentication (TOTP): any user may turn it on; with AIMS_REQUIRE_ADMIN_2FA
# (on by default in production) administrators must use it.
AIMS_REQUIRE_ADMIN_2FA = env_bool("AIMS_REQUIRE_ADMIN_2FA", PRODUCTION)
# Days that must pass after a corrective action is marked implemented before its
# effectiveness is judged, so that the check sees the action at work (30 in production).
AIMS_EFFECTIVENESS_MIN_DAYS = env_int("AIMS_EFFECTIVENESS_MIN_DAYS", 30 if PRODUCTION else 0, 0)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "AIMS portal")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files: our own plus the npm packages installed by bin/setup ------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),
    ("vendor/bootstrap-icons-svg", NODE_MODULES / "bootstrap-icons" / "icons"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded evidence lives outside the web root and is only served through permission checks.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))

# --- Cache ----------------------------------------------------------------------------------
# The readiness score and past months of the dashboard trend are cached. Several processes
# (gunicorn workers, Celery) share them only through a shared cache: set CACHE_URL, e.g.
# redis://host:6379/1. Unset: a per-process memory cache.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
if CELERY_BROKER_URL:
    CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # No broker: every task runs inline, in the calling process.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Background jobs (SoA exports, ledger verification, evidence bundles; aims_portal/jobs.py).
# A job's row says how it went, and these choices keep that row truthful:
# - Time limits. A task gets JOB_TIME_LIMIT seconds (hard: the worker kills it) and a soft
#   limit a little earlier (the task stops and marks its job failed with the reason). A job
#   still running after its hard limit has lost its worker (killed, OOM, host gone): the
#   reaper marks it failed. A job no worker started within JOB_QUEUE_TIMEOUT is failed too.
# - Early acknowledgement (acks_late off, so reject_on_worker_lost has nothing to do). A
#   message is acknowledged when its task starts; if the worker dies mid-task the task is not
#   redelivered, the reaper fails the job after its time limit and the user retries it.
#   Redelivery (acks_late) would rerun a render that killed its worker (out of memory) on the
#   next worker, in a loop, and with Redis only after the visibility timeout anyway.
# - One message prefetched per worker process: jobs are long, so a busy process must not
#   hold messages another process could start.
# - Visibility timeout: a message taken by a worker but not started yet (waiting behind a
#   running job, at most about one time limit) returns to the queue after this long if that
#   worker died. Kept above the time limit so a live worker's waiting message is not handed
#   out twice; a second delivery would do nothing anyway (jobs.claim starts queued jobs only).
# - Publishing fails fast: a request that queues a job waits at most about a second for an
#   unreachable broker (connect timeout 0.5 s, socket timeout 1 s, two quick retries), then
#   marks the job failed and says so (page message, API 503).
JOB_TIME_LIMIT = env_int("AIMS_JOB_TIME_LIMIT", 1800)
JOB_QUEUE_TIMEOUT = env_int("AIMS_JOB_QUEUE_TIMEOUT", 1800)
CELERY_TASK_TIME_LIMIT = JOB_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = max(1, JOB_TIME_LIMIT - max(1, min(60, JOB_TIME_LIMIT // 10)))
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": JOB_TIME_LIMIT + JOB_QUEUE_TIMEOUT,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1.0,
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Job tasks keep no result (the row is the result); the result backend serves the rest
# (monitoring pings, tests) and gives up quickly too when Redis is away.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
}
# A checkpoint is signed (and time-stamped) whenever the log has grown and the last one is
# older than this many seconds; beat asks that often.
LEDGER_CHECKPOINT_INTERVAL = env_int("LEDGER_CHECKPOINT_INTERVAL", 60, minimum=5)
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "aims_portal.send_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    # Within the dashboard's five-minute tolerance for the readiness score.
    "refresh-readiness": {"task": "aims_portal.refresh_readiness", "schedule": 240.0},
    # Sign the log's tree head when it has grown, and recompute the whole log every night.
    "ledger-checkpoint": {
        "task": "integrity.checkpoint",
        "schedule": float(LEDGER_CHECKPOINT_INTERVAL),
    },
    "ledger-verify": {
        "task": "integrity.verify",
        "schedule": crontab(hour=2, minute=30),
    },
    # Jobs whose worker died, or that no worker started, are marked failed (aims_portal.jobs).
    "reap-jobs": {"task": "aims_portal.reap_jobs", "schedule": 60.0},
}

# --- Tamper-evident ledger -------------------------------------------------------------------
# The Ed25519 key that signs checkpoints: a PEM string or the path of a PEM file. Required in
# production; outside it a development key is generated under DATA_DIR on first use.
LEDGER_SIGNING_KEY = os.environ.get("LEDGER_SIGNING_KEY", "")
LEDGER_SIGNING_KEY_FILE = os.environ.get("LEDGER_SIGNING_KEY_FILE", "")
# The log's name in its checkpoints (C2SP "origin" and the signing key's name): a schema-less
# URL-like string that identifies this portal's log. Never change it once checkpoints exist.
LEDGER_ORIGIN = os.environ.get(
    "LEDGER_ORIGIN",
    f"{urlsplit(os.environ.get('PORTAL_BASE_URL', '')).hostname or 'localhost'}/aims-ledger",
)
if not LEDGER_ORIGIN or any(c.isspace() or c == "+" for c in LEDGER_ORIGIN):
    raise ImproperlyConfigured("LEDGER_ORIGIN must be one word without spaces or '+'")
# The RFC 3161 time-stamping authority that anchors checkpoints outside the database: its URL,
# the PEM chain (up to its root CA) its tokens must verify against, as a file or as text, and
# how long one request may take. Production needs them; bin/test and bin/demo run a local TSA.
LEDGER_TSA_URL = env_url("LEDGER_TSA_URL")
LEDGER_TSA_CERT_FILE = os.environ.get("LEDGER_TSA_CERT_FILE", "").strip()
LEDGER_TSA_CERT = os.environ.get("LEDGER_TSA_CERT", "").strip()
LEDGER_TSA_TIMEOUT = env_seconds("LEDGER_TSA_TIMEOUT", 5.0, maximum=60.0)
if LEDGER_TSA_CERT_FILE and LEDGER_TSA_CERT:
    raise ImproperlyConfigured("Set LEDGER_TSA_CERT_FILE or LEDGER_TSA_CERT, not both")
if LEDGER_TSA_URL and not (LEDGER_TSA_CERT_FILE or LEDGER_TSA_CERT):
    raise ImproperlyConfigured(
        "LEDGER_TSA_URL needs LEDGER_TSA_CERT_FILE or LEDGER_TSA_CERT: the TSA's tokens are "
        "verified against its certificate chain"
    )

# --- Registry policies -----------------------------------------------------------------------
# Folder of user-written Rego rules (*.rego), evaluated beside the built-in rules.
REGISTRY_POLICY_DIR = Path(os.environ.get("REGISTRY_POLICY_DIR", BASE_DIR / "policies"))
# Each Rego rule's time budget per document: a slower rule is refused when saved and denies
# (fails closed, named) when evaluated.
REGISTRY_POLICY_TIME_BUDGET_MS = int(os.environ.get("REGISTRY_POLICY_TIME_BUDGET_MS", 200))
if REGISTRY_POLICY_TIME_BUDGET_MS <= 0:
    raise ImproperlyConfigured("REGISTRY_POLICY_TIME_BUDGET_MS must be a positive number.")

# The registry in git (registry sync / export-git, the system page's Sync button, beat).
REGISTRY_GIT_REPO = os.environ.get("REGISTRY_GIT_REPO", "")  # a path or URL; unset: no sync
REGISTRY_GIT_REF = os.environ.get("REGISTRY_GIT_REF", "main")
REGISTRY_GIT_PATH = os.environ.get("REGISTRY_GIT_PATH", "models")  # folder of the YAML files
REGISTRY_GIT_EXPORT_BRANCH = os.environ.get("REGISTRY_GIT_EXPORT_BRANCH", "aims-portal-export")
REGISTRY_GIT_SYNC_USER = os.environ.get("REGISTRY_GIT_SYNC_USER", "")  # who scheduled syncs act as
REGISTRY_GIT_SYNC_MINUTES = int(os.environ.get("REGISTRY_GIT_SYNC_MINUTES", 60))
REGISTRY_GIT_CACHE = Path(os.environ.get("REGISTRY_GIT_CACHE", DATA_DIR / "git-cache"))
if REGISTRY_GIT_REPO:
    if not REGISTRY_GIT_SYNC_USER:
        raise ImproperlyConfigured("REGISTRY_GIT_REPO needs REGISTRY_GIT_SYNC_USER (a username).")
    CELERY_BEAT_SCHEDULE["registry-git-sync"] = {
        "task": "registry.git_sync",
        "schedule": REGISTRY_GIT_SYNC_MINUTES * 60.0,
    }

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a refused token then answers 401 with a WWW-Authenticate header.
        "aims_portal.auth_backends.PortalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["aims_portal.permissions.MatrixPermission"],
    # Depth limit and unstorable-text check on every JSON body (aims_portal/api_input.py).
    "DEFAULT_PARSER_CLASSES": [
        "aims_portal.api_input.PortalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        # Scoped access first: what the user may see, then what they asked for.
        "aims_portal.permissions.ScopeFilterBackend",
        "django_filters.rest_framework.DjangoFilterBackend",
        "aims_portal.api_input.PortalSearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "aims_portal.api_input.PortalPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "aims_portal.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AIMS portal API",
    "DESCRIPTION": "ISO/IEC 42001 AI Management System records and workflows.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Choice sets shared by several fields get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "registry.models.AISystem.Stage",
        "LevelEnum": "registry.models.Incident.Severity",
        "ApprovalStatusEnum": "controls.models.StatementOfApplicability.Status",
        "ReportJobStatusEnum": "audits.models.ReportExport.Status",
        # The roles an administrator grants (the five roles and the two sign-off roles).
        "GrantableRoleEnum": [
            ("admin", "Administrator"),
            ("governance_lead", "Governance lead"),
            ("system_owner", "System owner"),
            ("executive", "Executive / approver"),
            ("auditor", "Auditor"),
            ("dpo", "Data protection officer"),
            ("security_officer", "Security officer"),
        ],
    },
}

# --- UI ----------------------------------------------------------------------------------
DJANGO_TABLES2_TEMPLATE = "records/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-hover table-sm align-middle mb-0"}
# Required fields carry the "required" class on their wrapper: portal.css marks their label.
BOOTSTRAP5 = {"set_placeholder": False, "success_css_class": "", "required_css_class": "required"}
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True  # history is evidence: no "revert" from the admin

# --- Mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "aims-portal@localhost")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
# Used to build links in e-mails, which have no request to take the host from.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Security -----------------------------------------------------------------------------
# Content Security Policy: scripts only from our own static files, never inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports every unsupported CSS property and font lookup at INFO/WARNING.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}

FILTERS_EMPTY_CHOICE_LABEL = "Any"
FORMAT_MODULE_PATH = ["aims_portal.formats"]
if not PRODUCTION:
    # Serve static files straight from the finders (our static/ and node_modules).
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

# --- Management system registers (governance app) -------------------------------------------
# Objectives measured from portal data get their reading every morning, before reminders.
CELERY_BEAT_SCHEDULE["governance-measurements"] = {
    "task": "governance.compute_measurements",
    "schedule": crontab(hour=5, minute=30),
}
# Context issues and the communication plan share the internal/external choice set.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["InternalExternalEnum"] = (
    "governance.models.ContextIssue.Kind"
)

# --- Working together: notifications, webhooks, search (aims_portal.events, .webhooks) --------
# A webhook delivery that fails is tried again after AIMS_WEBHOOK_RETRY_BASE seconds, then
# twice that, four times that, ... until AIMS_WEBHOOK_MAX_ATTEMPTS attempts in all; each
# request may take AIMS_WEBHOOK_TIMEOUT seconds.
AIMS_WEBHOOK_MAX_ATTEMPTS = env_int("AIMS_WEBHOOK_MAX_ATTEMPTS", 6)
AIMS_WEBHOOK_RETRY_BASE = env_seconds("AIMS_WEBHOOK_RETRY_BASE", 30.0, maximum=3600.0)
AIMS_WEBHOOK_TIMEOUT = env_seconds("AIMS_WEBHOOK_TIMEOUT", 10.0, maximum=60.0)
CELERY_BEAT_SCHEDULE["send-digests"] = {
    "task": "aims_portal.send_digests",
    "schedule": crontab(hour=7, minute=0),
}
# Deliveries whose task was lost (broker down when queued, worker killed) are queued again.
CELERY_BEAT_SCHEDULE["webhooks-retry-due"] = {
    "task": "aims_portal.webhooks_retry_due",
    "schedule": 60.0,
}

# --- Single sign-on (OpenID Connect, identity app) -----------------------------------------
# Off until OIDC_RP_CLIENT_ID and the provider's endpoints are set; the password login stays
# for break-glass administrators. README "Single sign-on" shows the values for Entra ID,
# Okta, Keycloak and Google. Authorization code flow with PKCE (S256).
AUTHENTICATION_BACKENDS += ["identity.sso.PortalOIDCBackend"]
AIMS_OIDC_PROVIDER_NAME = os.environ.get("AIMS_OIDC_PROVIDER_NAME", "your organisation")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_url("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_url("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_url("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_url("OIDC_OP_JWKS_ENDPOINT")
# The provider's end_session_endpoint; empty when it has none (Google): logout then ends
# only the portal's session.
OIDC_OP_LOGOUT_ENDPOINT = env_url("OIDC_OP_LOGOUT_ENDPOINT")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's end-session request
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
LOGIN_REDIRECT_URL_FAILURE = "login"
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
# The claim that lists the user's groups (Entra ID sends object ids in "groups"; an app
# role claim "roles" works too), mapped to roles on the Administration > Group mappings page.
AIMS_OIDC_GROUPS_CLAIM = os.environ.get("AIMS_OIDC_GROUPS_CLAIM", "groups")
# ID token claims that count as multi-factor authentication (RFC 8176 amr values; acr
# values as the provider names them): such a session needs no authenticator code here.
AIMS_OIDC_MFA_AMR = env_list("AIMS_OIDC_MFA_AMR", "mfa,otp,hwk,sc,fido")
AIMS_OIDC_MFA_ACR = env_list(
    "AIMS_OIDC_MFA_ACR",
    "http://schemas.openid.net/pape/policies/2007/06/multi-factor,urn:okta:loa:2fa:any",
)
if OIDC_OP_LOGOUT_ENDPOINT:
    # Logging out posts a form that is redirected to the provider's end-session page.
    _sso_origin = "{0.scheme}://{0.netloc}".format(urlsplit(OIDC_OP_LOGOUT_ENDPOINT))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_sso_origin)
