"""OneDoor settings. Everything that differs between machines comes from the environment.

Safe defaults for a laptop: SQLite, DEBUG off, no secret committed (a development key is
derived only when DEBUG or DEMO_MODE is on; anywhere else SECRET_KEY must be set).
"""

import os
import secrets
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# Demo mode: for demonstrations with the synthetic demo alliance. Nobody needs a second
# factor (OTP_REQUIRED defaults off) and mail goes to the console. Never in production.
DEMO_MODE = env_bool("DEMO_MODE")
# NHS numbers starting with 9 are never issued to a person: they are for testing. Accepted
# where there is no real child: the demo (its children have 999 numbers), DEBUG and the tests.
NHS_TEST_NUMBERS = env_bool(
    "NHS_TEST_NUMBERS", default=DEBUG or DEMO_MODE or bool(os.environ.get("ONEDOOR_TESTING"))
)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or DEMO_MODE or os.environ.get("ONEDOOR_TESTING"):
        # A throwaway key per process start: sessions do not survive a restart.
        SECRET_KEY = secrets.token_urlsafe(50)
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEMO_MODE=true "
            "for a local demonstration."
        )

# The key behind the pseudonyms in analysts' record-level extracts: keep it stable (and
# apart from SECRET_KEY, which may rotate) so that a child has the same pseudonym in every
# extract. Without it, one is derived from SECRET_KEY.
PSEUDONYM_KEY = os.environ.get("PSEUDONYM_KEY", "")

# The key that encrypts drafts at rest (what staff were writing when a session timed out:
# accounts/drafts.py): a Fernet key (`Fernet.generate_key()`), or several separated by commas
# to rotate (the first encrypts, any decrypts). Required like SECRET_KEY; the demo, DEBUG and
# the tests derive one from SECRET_KEY.
DRAFTS_KEY = os.environ.get("DRAFTS_KEY", "")
if not DRAFTS_KEY:
    if DEBUG or DEMO_MODE or os.environ.get("ONEDOOR_TESTING"):
        import base64
        import hashlib

        DRAFTS_KEY = base64.urlsafe_b64encode(
            hashlib.sha256(b"onedoor drafts " + SECRET_KEY.encode()).digest()
        ).decode()
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "DRAFTS_KEY is not set. Set it in the environment (a Fernet key), or set "
            "DEMO_MODE=true for a local demonstration."
        )

# The key of the audit trail's hashes (HMAC-SHA256: audit/models.py, ADR 34): without it,
# whoever can write to the database cannot recompute the chain after editing a row. Keep it
# outside the database and never change it (a changed key fails `verify_audit` from the
# first row). Required like SECRET_KEY; the demo and DEBUG derive one from SECRET_KEY; the
# tests use one fixed key, so that a process a test starts (a restore drill's verify_audit)
# verifies what the test wrote.
AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
if not AUDIT_KEY:
    if os.environ.get("ONEDOOR_TESTING"):
        AUDIT_KEY = "onedoor tests: not a secret"
    elif DEBUG or DEMO_MODE:
        import hashlib

        AUDIT_KEY = hashlib.sha256(b"onedoor audit " + SECRET_KEY.encode()).hexdigest()
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "AUDIT_KEY is not set. Set it in the environment (a long random string kept "
            "outside the database), or set DEMO_MODE=true for a local demonstration."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "onedoor.audit",
    "onedoor.alliance",
    "onedoor.accounts",
    "onedoor.children",
    "onedoor.referrals",
    "onedoor.triage",
    "onedoor.worklist",
    "onedoor.emails",
    "onedoor.operations",
    "onedoor.care",
    "onedoor.safeguarding",
    "onedoor.governance",
    "onedoor.meetings",
    "onedoor.case_audits",
    "onedoor.content",
    "onedoor.outcomes",
    "onedoor.coproduction",
    "onedoor.tracking",
    "onedoor.referrers",
    "onedoor.integrations",
    "onedoor.webhooks",
    "onedoor.api",
    "onedoor.insights",
    "onedoor.access",
    "onedoor.privacy",
    "onedoor.subject_access",
    "onedoor.web",
    "onedoor.demo",
    "onedoor.backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every response carries them, the outage page's too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "onedoor.audit.middleware.AuditContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "onedoor.web.database_away.DatabaseAwayMiddleware",  # before anything reads the user
    "onedoor.accounts.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "onedoor.accounts.middleware.SessionTimeoutMiddleware",
    "onedoor.accounts.middleware.DraftsMiddleware",  # a form sent: its draft goes
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "onedoor.accounts.middleware.SecondFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "onedoor.urls"
CSRF_FAILURE_VIEW = "onedoor.web.errors.csrf_failure"
WSGI_APPLICATION = "onedoor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "onedoor" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onedoor.web.context_processors.navigation",
                "onedoor.web.context_processors.service",
            ],
        },
    }
]

# Database: SQLite in WAL mode with durable commits unless DATABASE_URL says otherwise.
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "var" / "onedoor.sqlite3"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            # Django's SQLite, its write transactions taking turns in order (ADR 0031).
            "ENGINE": "onedoor.sqlite",
            "NAME": str(SQLITE_PATH),
            # In memory, as for Django's own engine (pytest-django names that one's alone).
            "TEST": {"NAME": ":memory:"},
            "CONN_MAX_AGE": 600,
            # A kept connection that died while idle is replaced before a request uses it.
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=FULL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "onedoor.accounts.backends.ModelBackendWithOrganisation",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: an idle timeout and an absolute one (both enforced by SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "10")))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
# Signed-in pages warn this long before either timeout (with JavaScript: static/onedoor/session.js).
SESSION_WARNING_BEFORE = timedelta(seconds=int(os.environ.get("SESSION_WARNING_SECONDS", "120")))
# A draft of a form not sent is kept this long for its author, then deleted.
DRAFT_KEPT_FOR = timedelta(days=int(os.environ.get("DRAFT_KEPT_DAYS", "7")))
# The public referral form's answers are kept this long after the last one saved, then deleted.
REFERRAL_ANSWERS_KEPT_FOR = timedelta(
    minutes=int(os.environ.get("REFERRAL_ANSWERS_KEPT_MINUTES", "120"))
)
# Answers saved for later ("save and come back later") are kept this long for the emailed
# link, then deleted (ADR 18).
REFERRAL_SAVED_FOR_LATER_FOR = timedelta(
    days=int(os.environ.get("REFERRAL_SAVED_FOR_LATER_DAYS", "7"))
)
# Tracking a referral (onedoor/tracking): how long a one-time code lasts, how many wrong tries
# void it, how long the right code shows the status, and the lookups allowed in an hour.
TRACKING_CODE_MINUTES = int(os.environ.get("TRACKING_CODE_MINUTES", "10"))
TRACKING_CODE_TRIES = 3
TRACKING_SHOWN_MINUTES = int(os.environ.get("TRACKING_SHOWN_MINUTES", "30"))
TRACKING_LOOKUPS_PER_ADDRESS_PER_HOUR = 20

# The API (`/api/v1/`, `/fhir/R4/`): how long a token works unless the administrator says
# otherwise, how many calls a client may make in a minute, and the largest body accepted.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
API_CALLS_PER_MINUTE = int(os.environ.get("API_CALLS_PER_MINUTE", "600"))
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(256 * 1024)))
# Event notifications to partners' systems (onedoor/webhooks, ADR 24): a subscription is
# turned off after this many failed deliveries in a row; each POST waits this long at most.
# Only https addresses, except 127.0.0.1 and localhost when WEBHOOK_ALLOW_LOCAL (DEBUG, tests).
WEBHOOK_MAX_FAILURES = int(os.environ.get("WEBHOOK_MAX_FAILURES", "8"))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_ALLOW_LOCAL = env_bool(
    "WEBHOOK_ALLOW_LOCAL", default=DEBUG or bool(os.environ.get("ONEDOOR_TESTING"))
)
TRACKING_CODES_PER_REFERENCE_PER_HOUR = 5
SESSION_ENGINE = "onedoor.accounts.sessions"  # Django's database sessions, read by one statement
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=not (DEBUG or DEMO_MODE))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# The CSRF cookie lasts as long as the browser session, like the session cookie: no expiry
# date that a browser on another clock could judge already past.
CSRF_COOKIE_AGE = None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
# Proxies whose X-Forwarded-For is believed, as addresses or networks: the rate limits, the
# lockouts and the audit trail key on the client's own address (onedoor/audit/addresses.py).
TRUSTED_PROXIES = [ip_network(item, strict=False) for item in env_list("TRUSTED_PROXIES", "")]

# The second factor: required for staff and professional referrers unless the product runs in
# demo mode (`User.needs_second_factor`).
OTP_REQUIRED = env_bool("OTP_REQUIRED", default=not DEMO_MODE)
OTP_TOTP_ISSUER = os.environ.get("OTP_ISSUER", "OneDoor")

# Lockout: by username and address together, and (at a higher count) by username from any
# address, each for a cool-off from the moment it began, never permanent (accounts/lockout.py).
AXES_FAILURE_LIMIT = int(os.environ.get("LOCKOUT_FAILURES", "5"))
LOCKOUT_USERNAME_FAILURES = int(os.environ.get("LOCKOUT_USERNAME_FAILURES", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOCKOUT_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "onedoor.accounts.lockout.Lockouts"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "onedoor.audit.addresses.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "onedoor.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    ("nhsuk", BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("autocomplete", BASE_DIR / "node_modules" / "accessible-autocomplete" / "dist"),
    BASE_DIR / "onedoor" / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if (DEBUG or DEMO_MODE)
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OneDoor <no-reply@onedoor.invalid>")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The background processes (ADR 0009). The scheduler runs the periodic jobs every
# SCHEDULER_TICK_SECONDS. /health answers 503 when the newest worker heartbeat, or the
# scheduler's last tick in which every job ran, is older than its limit; and a task left
# RUNNING by a worker whose heartbeat is older than its limit goes back on the queue.
SCHEDULER_TICK_SECONDS = int(os.environ.get("SCHEDULER_TICK_SECONDS", "300"))
HEALTH_WORKER_STALE_SECONDS = int(os.environ.get("HEALTH_WORKER_STALE_SECONDS", "120"))
HEALTH_SCHEDULER_STALE_SECONDS = int(
    os.environ.get("HEALTH_SCHEDULER_STALE_SECONDS", str(3 * SCHEDULER_TICK_SECONDS))
)

# Logs carry no personal data: identifiers only (see CONTRIBUTING.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes would log usernames and addresses; the audit trail records sign-ins.
    # WeasyPrint logs each step of every review pack it renders at INFO: its warnings only.
    "loggers": {"axes": {"level": "ERROR"}, "weasyprint.progress": {"level": "WARNING"}},
}

# The address people reach OneDoor at, for links in emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The alliance whose configuration this deployment serves (its slug in the data file).
ALLIANCE_SLUG = os.environ.get("ALLIANCE", "medway")
