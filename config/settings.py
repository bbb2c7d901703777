"""Settings for the Shaanxi patent-conversion portal.

Everything that differs between a newcomer's laptop and production comes from environment
variables read here, and only here (see `.env.example`). The embedded default is SQLite with
Celery tasks run in-process; set DATABASE_URL and CELERY_BROKER_URL for PostgreSQL and Redis.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_ratelimit",
    "axes",
    "portal",
    "patents",
    "projects",
    "incentives",
    "exchange",
    "reporting",
    # Top of the dependency graph: `manage.py load_demo` calls every app's demo.py.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLanguageMiddleware",
    # Refuses an oversized multipart request (413) before anything reads its body.
    "portal.middleware.UploadSizeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.otp.OTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits (portal/session_security.py), then password expiry,
    # which must come after the second-factor middleware above.
    "portal.session_security.SessionTimeoutMiddleware",
    "portal.session_security.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.RequestContextMiddleware",
    # A signed-in user refused (HTTP 403) is an audit row with outcome "denied".
    "portal.middleware.DeniedAuditMiddleware",
    # django-axes turns a locked-out login into the lockout page; its docs ask for it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "portal.context_processors.portal",
            ],
            # Dates, periods, money and counts the same way on every page (portal/formats.py).
            "builtins": ["portal.templatetags.formats"],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, for the test database too: a real Celery worker in another
    # process must be able to open it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
# Password policy (portal/passwords.py; GB/T 22239-2019 8.1.4.1 a): at least PASSWORD_MIN_LENGTH
# characters of at least three kinds (upper, lower, digit, symbol), not the user name nor close
# to it, not a common password, none of the last PASSWORD_HISTORY passwords; it expires after
# PASSWORD_MAX_AGE_DAYS (0: never) and the user must then choose a new one before going on.
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 8)
PASSWORD_HISTORY = env_int("PASSWORD_HISTORY", 5)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "portal.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "portal.passwords.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.passwords.PasswordHistoryValidator", "OPTIONS": {"history": PASSWORD_HISTORY}},
]
# Accounts not used for this many days are disabled by a daily task (0: never).
ACCOUNT_INACTIVE_DAYS = env_int("ACCOUNT_INACTIVE_DAYS", 90)

# Lockout after failed logins (django-axes; GB/T 22239-2019 8.1.4.1 b). The account and the
# client IP address are counted independently: AXES_FAILURE_LIMIT failures for one user name
# (from any address) lock that account, and as many from one address (over any user names)
# lock that address, for AXES_COOLOFF_MINUTES after the last failure. A locked login gets the
# login page with one message whether the account exists or the password was right. Only the
# login forms authenticate with a password (the API takes sessions and tokens), so every
# password guess goes through the axes backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A good login forgets that account's failures only (portal.accounts.on_login): axes' own reset
# would also forget the failures of its IP address, so an attacker holding one account could
# keep guessing another's password from the same address.
AXES_RESET_ON_SUCCESS = False
# Attempts while locked out count too, so a guesser who keeps going stays locked.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_CALLABLE = "portal.views.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# The same client address as the audit log (honours TRUST_X_FORWARDED_FOR).
AXES_CLIENT_IP_CALLABLE = "portal.middleware.client_ip_from"
# The audit log already records every login and logout.
AXES_DISABLE_ACCESS_LOG = True
# No start-up banner on every command; failures are still logged (without the user name).
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
# Enforced on the server by portal.session_security.SessionTimeoutMiddleware, in seconds: a
# session idle this long ends, and any session ends this long after its login (0: no limit).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_LIFETIME", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS only (GB/T 22239-2019 8.1.2.1 and 8.1.4.8: confidentiality and integrity in transit).
# Plain-HTTP requests are redirected, except /healthz: the container health check calls
# http://127.0.0.1:8000/healthz from inside the container. Behind a TLS-terminating proxy set
# BEHIND_TLS_PROXY=1 so the forwarded HTTPS requests are not redirected again.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Browsers remember to use HTTPS only (sent on HTTPS responses only); 0 turns it off.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4; GB/T 22239-2019 8.1.4.4 intrusion prevention): scripts,
# styles, fonts and fetches only from this origin. No 'unsafe-inline' or 'unsafe-eval' anywhere:
# templates carry no inline scripts, event handlers or style attributes (static/portal/portal.js
# acts on data attributes instead; tests/test_csp.py scans the templates), the Swagger UI page
# included (its template is overridden: templates/drf_spectacular/swagger_ui.html).
# CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only: the browser
# reports violations in its console but blocks nothing (to try a change on a live server).
content_security_policy = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
CONTENT_SECURITY_POLICY: dict[str, dict[str, list[str]]] | None
CONTENT_SECURITY_POLICY_REPORT_ONLY: dict[str, dict[str, list[str]]] | None
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = content_security_policy
else:
    CONTENT_SECURITY_POLICY = content_security_policy
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None
# Behind a reverse proxy that sets X-Forwarded-For, the audit log records the client, not the proxy.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
# Audit log (GB/T 22239-2019 8.1.4.3): each row is chained to the one before by this hash,
# "sha256" or "sm3" (the Chinese national standard, when OpenSSL provides it); see portal/audit.py.
AUDIT_HASH_ALGORITHM = os.environ.get("AUDIT_HASH_ALGORITHM", "sha256").strip().lower()
# Days an audit row is kept before `manage.py purge_audit` may archive and delete it: at least
# 180 (Cybersecurity Law art. 21: six months), enforced by a system check and, on PostgreSQL, by
# the audit table's trigger.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail: printed to the console unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
# Links in e-mails point here.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker process that dies mid-task (killed, out of memory) puts its task back on the queue
# instead of acknowledging it as failed; every task is idempotent, so running it again is safe.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Time limits in seconds: the soft one raises SoftTimeLimitExceeded inside the task, the hard one
# kills the process. The long tasks (recompute, matching, exports) get limits of their own.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
_long_soft_limit = env_int("CELERY_LONG_TASK_SOFT_TIME_LIMIT", 3000)
_long_limit = env_int("CELERY_LONG_TASK_TIME_LIMIT", 3600)
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": _long_soft_limit, "time_limit": _long_limit}
    for name in (
        "reporting.tasks.recompute_progress",
        "reporting.tasks.recompute_all",
        "reporting.tasks.run_export",
        "patents.tasks.match_need",
        "patents.tasks.match_needs",
    )
}
# Redis hands a task that was delivered but not acknowledged (acks late: a worker that died)
# to another worker after the visibility timeout. It must exceed the longest hard time limit,
# or a task still running would be delivered a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 3600),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Refuses tokens of accounts that must give a second factor (portal/otp.py).
        "portal.otp.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "陕西省专利转化运用项目管理平台 API",
    "DESCRIPTION": "Shaanxi patent-conversion portal, REST API v1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe every endpoint: for logged-in users only (the access
    # matrix, tests/test_access_matrix.py, asks it of a visitor).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    # No deep links: Swagger UI puts each operation's link inside its expand button, a link in a
    # button that screen readers and keyboards cannot reach (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" or "kind" field with different choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "projects.models.Application.Status",
        "AssignmentStatusEnum": "projects.models.Assignment.Status",
        "ReportKindEnum": "projects.models.ProgressReport.Kind",
        "StatReturnStatusEnum": "reporting.models.StatReturn.Status",
        "ProgressStatusEnum": "reporting.models.ProgressSnapshot.Status",
        "ExportStatusEnum": "reporting.models.ExportJob.Status",
        "PatentStatusEnum": "patents.models.Patent.Status",
        "PatentKindEnum": "patents.models.Patent.Kind",
        "QualificationKindEnum": "portal.models.Qualification.Kind",
        "ClaimStatusEnum": "incentives.models.Claim.Status",
    },
}

# Second factor (TOTP with an authenticator app, django-otp; GB/T 22239-2019 8.1.4.1 d: two or
# more authentication techniques). With OTP_REQUIRED on, users of OTP_REQUIRED_ROLES (and Django
# superusers) enrol and then enter a code after their password before any page or API call works;
# API tokens are refused for them, since a token would skip the second factor. Any user may also
# enable it on their account page, and is then asked for a code at every login.
OTP_REQUIRED = env_bool("OTP_REQUIRED", False)
OTP_REQUIRED_ROLES = env_list(
    "OTP_REQUIRED_ROLES", "reviewer,system_admin,security_admin,audit_admin"
)
OTP_TOTP_ISSUER = "陕西专利转化平台"
# After a wrong code the next attempt waits 1 s, then 2 s, 4 s, … (django-otp's throttle).
OTP_TOTP_THROTTLE_FACTOR = 1
# The admin site never shows a TOTP secret; only its owner sees it, once, when enrolling.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Project attachments (declarations, progress evidence): the largest file accepted, in MB.
PROJECT_ATTACHMENT_MAX_MB = env_int("PROJECT_ATTACHMENT_MAX_MB", 20)
# Uploads above this size are streamed to a temporary file rather than held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Reporting: the largest return workbook accepted (MB); progress status thresholds, as the share
# of the value expected by now on the straight line from baseline to target (at least ON_TRACK:
# on track; at least AT_RISK, or a projection reaching the target: at risk; else behind); and
# how many days before the due date a city that has not submitted is reminded.
REPORTING_UPLOAD_MAX_MB = env_int("REPORTING_UPLOAD_MAX_MB", 5)
REPORTING_ON_TRACK_RATIO = float(os.environ.get("REPORTING_ON_TRACK_RATIO", "0.95"))
REPORTING_AT_RISK_RATIO = float(os.environ.get("REPORTING_AT_RISK_RATIO", "0.80"))
REPORTING_REMINDER_DAYS = env_int("REPORTING_REMINDER_DAYS", 5)

# Official documents (portal/documents.py): the authority that issues the programme's notices
# (发文机关: its name in the letterhead and the signature) and its code in document numbers
# (发文机关代字: 陕知转〔2025〕12号).
DOCUMENT_AUTHORITY = os.environ.get("DOCUMENT_AUTHORITY", "陕西省知识产权局")
DOCUMENT_NUMBER_CODE = os.environ.get("DOCUMENT_NUMBER_CODE", "陕知转")

# Patent pool: the largest patent list accepted for import (MB); 100,000 rows of .xlsx are ~10 MB.
PATENT_IMPORT_MAX_MB = env_int("PATENT_IMPORT_MAX_MB", 50)
EXCHANGE_MAX_MB = env_int("EXCHANGE_MAX_MB", 20)

# Uploads (portal/uploads.py). A whole multipart request larger than UPLOAD_MAX_REQUEST_MB is
# refused with 413 before its body is read; by default the largest per-file limit above plus room
# for the form. At most UPLOAD_MAX_FILES files in one request. An .xlsx (a zip of XML parts) with
# more than XLSX_MAX_ENTRIES parts is refused before it is opened.
UPLOAD_MAX_REQUEST_MB = env_int(
    "UPLOAD_MAX_REQUEST_MB",
    max(PROJECT_ATTACHMENT_MAX_MB, REPORTING_UPLOAD_MAX_MB, PATENT_IMPORT_MAX_MB, EXCHANGE_MAX_MB)
    + 10,
)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("UPLOAD_MAX_FILES", 20)
XLSX_MAX_ENTRIES = env_int("XLSX_MAX_ENTRIES", 500)

# Cache shared by every process: the rate-limit counters live here. Django's Redis cache when
# REDIS_CACHE_URL is set (production: several gunicorn workers must count together); otherwise
# each process's memory, which is right for the embedded default (one runserver process).
REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL", "")
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "portal",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rate limits (django-ratelimit; GB/T 22239-2019 8.1.4.4 c: resource control): "count/period",
# period s, m, h or d. Logins and registrations are counted per client address (behind the
# trusted proxy, the address it appended to X-Forwarded-For), uploads and exports per user.
RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10/m")
RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5/h")
RATELIMIT_UPLOAD = os.environ.get("RATELIMIT_UPLOAD", "30/m")
RATELIMIT_EXPORT = os.environ.get("RATELIMIT_EXPORT", "30/m")
RATELIMIT_IP_META_KEY = "portal.ratelimits.client_ip"
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit 4.1 lists the cache backends it knows; Django's own RedisCache came later.
    # Its add() is SET NX and incr() is INCRBY, atomic as the counters need.
    "django_ratelimit.W001",
]
if not REDIS_CACHE_URL:
    # The embedded default's memory cache counts per process: right for runserver, wrong for
    # several workers. `check --deploy` says so instead (portal.W002, portal/checks.py).
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# Periodic tasks, declared in code (run by `make beat`).
CELERY_BEAT_SCHEDULE = {
    "reporting-recompute-nightly": {
        "task": "reporting.tasks.recompute_all",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
    "patents-match-nightly": {
        "task": "patents.tasks.match_needs",
        "schedule": crontab(hour=3, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
    "reporting-reminders-daily": {
        "task": "reporting.tasks.send_reminders",
        "schedule": crontab(hour=8, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
    "portal-disable-inactive-accounts-daily": {
        "task": "portal.tasks.disable_inactive_accounts",
        "schedule": crontab(hour=1, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
    "portal-verify-audit-chain-daily": {
        "task": "portal.tasks.verify_audit_chain",
        "schedule": crontab(hour=4, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
    "portal-prune-user-sessions-daily": {
        "task": "portal.tasks.prune_user_sessions",
        "schedule": crontab(hour=1, minute=45),
        "options": {"expires": 6 * 60 * 60},
    },
}

# Demo accounts are created only by `manage.py load_demo`; this is their shared password.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2025")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
