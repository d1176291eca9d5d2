"""Multitrack's settings, all read from the environment with safe defaults.

Development (the default): SQLite under ``var/``, a secret key generated once and kept under
``var/``, DEBUG off unless ``DEBUG=1``. Production (``MULTITRACK_PRODUCTION=1``): ``SECRET_KEY``
and ``ALLOWED_HOSTS`` are required, cookies are secure, HSTS and HTTPS redirects are on, and
``manage.py check --deploy`` passes with no warnings; ``MULTITRACK_FIELD_KEYS`` (the keys that
encrypt sensitive fields) is required too.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from multitrack.env import ConfigurationError, envbool, envint, envlist, envsecret, envstr
from multitrack.field_encryption import field_keys_from_environment

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(envstr("MULTITRACK_VAR_DIR") or "var").resolve()

PRODUCTION = envbool("MULTITRACK_PRODUCTION", default=False)
DEBUG = envbool("DEBUG", default=False)

SECRET_KEY = envsecret("SECRET_KEY", keep_in=None if PRODUCTION else VAR_DIR / "secret_key")
# Keys that encrypt sensitive fields at rest (names, contact details, notes, ties), never derived
# from SECRET_KEY: "k2:<base64>,k1:<base64>", the first seals, all open. Required in production;
# in development generated once into var/field_keys. See docs/decisions/0003.
MULTITRACK_FIELD_KEYS = field_keys_from_environment(
    keep_in=None if PRODUCTION else VAR_DIR / "field_keys"
)

ALLOWED_HOSTS = envlist(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'multitrack.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", default=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and a background worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Prepared statements only where the code asks for one (the vote statement, which
    # PostgreSQL would otherwise parse and plan for every vote); Django's default turns them off
    # altogether. Set DATABASE_PREPARED_STATEMENTS=0 behind a pgbouncer older than 1.21 in
    # transaction mode, which cannot keep them.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        2**31 - 1 if envbool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs page's assets itself, not from a CDN
    "multitrack.web",
    "multitrack.accounts",
    "multitrack.actors",
    "multitrack.processes",
    "multitrack.ideas",
    "multitrack.practice",
    "multitrack.insights",
    "multitrack.consultations",
]

MIDDLEWARE = [
    # First: a lost database connection anywhere below answers 503 with Retry-After, in words.
    "multitrack.web.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "multitrack.accounts.session_guard.AdminHostMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "multitrack.accounts.session_guard.IdleSessionMiddleware",
    "multitrack.web.middleware.NoStoreMiddleware",
    "multitrack.web.middleware.PermissionsPolicyMiddleware",
    # Writes the audit line for each response that showed real names (actors.real_name_log).
    "multitrack.actors.real_name_log.RealNameViewLogMiddleware",
]

ROOT_URLCONF = "multitrack.urls"
WSGI_APPLICATION = "multitrack.wsgi.application"

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
            ],
        },
    }
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after a working day and when the browser closes (absolute limit), and after an
# hour without a request (idle limit; accounts/session_guard.py).
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", default=8 * 60 * 60)
MULTITRACK_SESSION_IDLE_MINUTES = envint("MULTITRACK_SESSION_IDLE_MINUTES", default=60)
# Host names on which the admin site answers; elsewhere it is a 404. Off in production unless
# set: give it a host name reachable only from the team's network (see the README).
MULTITRACK_ADMIN_HOSTS = envlist("MULTITRACK_ADMIN_HOSTS", default=[] if PRODUCTION else ["*"])
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Content Security Policy (issue 6; django-csp 4, see docs/security.md) -------------------
# Everything comes from this origin: no inline script or style, no eval, no plugins, no framing,
# no <base>. Two narrow allowances: `data:` images (Plotly draws heatmaps as data: images) and
# one style attribute by its hash (the `image-rendering: pixelated` Plotly puts on heatmap
# images), nothing else. multitrack.W004/W005 fail `check --deploy` if the policy drifts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": [
            "'unsafe-hashes'",
            "'sha256-AR/cKIZjWPcPmBUPDA6oti9XBiTbJvz0Cro2J1VzzS8='",
        ],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# --- end of Content Security Policy -----------------------------------------------------------

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating reverse proxy that sets this header (see the README).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = envstr("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = envstr("EMAIL_HOST") or "localhost"
EMAIL_PORT = envint("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL") or "multitrack@localhost"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's target, production only: elsewhere the app serves static files straight from
# the package (WHITENOISE_USE_FINDERS below), so there is no folder to collect into or warn about.
STATIC_ROOT = envstr("STATIC_ROOT") or (str(VAR_DIR / "static") if PRODUCTION else None)
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "multitrack.web.finders.PlotlyFinder",
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
# Uploaded files (meeting attachments). Never served from a URL of their own: only through
# the access-checked download view, so MEDIA_URL stays unset and nothing maps to this folder.
MEDIA_ROOT = Path(envstr("MULTITRACK_UPLOAD_DIR") or VAR_DIR / "uploads").resolve()
# Outside production the app serves its static files straight from the package (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# Login throttling counts in the cache, and the hourly key that hashes addresses for the vote
# limits lives there, so every web process must share one: the database in production (run
# `multitrack createcachetable` once), process memory elsewhere. MULTITRACK_CACHE=memory|database
# overrides.
_CACHE_KIND = envstr("MULTITRACK_CACHE") or ("database" if PRODUCTION else "memory")
if _CACHE_KIND not in {"memory", "database"}:
    raise ConfigurationError(
        f"MULTITRACK_CACHE must be 'memory' or 'database'; got {_CACHE_KIND!r}"
    )
# Django culls a third of the entries past 300 by default (at random in the database cache): a
# login throttle's counter or its hashing key could vanish under load. Live entries are culled
# only past a million; expired ones still go.
_CACHE_OPTIONS = {"MAX_ENTRIES": 1_000_000}
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "multitrack_cache",
            "OPTIONS": _CACHE_OPTIONS,
        }
        if _CACHE_KIND == "database"
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": _CACHE_OPTIONS,
        }
    )
}

# Largest CSV import accepted, in bytes.
MULTITRACK_IMPORT_MAX_BYTES = envint("MULTITRACK_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
# --- Uploads (issue 6; see multitrack.web.uploads) ---------------------------------------------
# Largest meeting attachment, largest Pol.is export (a .zip or one of its CSVs), and how much the
# upload folder may hold in all (0: no quota; the disk is then the limit).
MULTITRACK_UPLOAD_MAX_BYTES = envint("MULTITRACK_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
MULTITRACK_POLIS_IMPORT_MAX_BYTES = envint(
    "MULTITRACK_POLIS_IMPORT_MAX_BYTES", default=50 * 1024 * 1024
)
MULTITRACK_UPLOAD_QUOTA_BYTES = envint("MULTITRACK_UPLOAD_QUOTA_BYTES", default=1024**3)
# A file part larger than the largest of those is dropped while it arrives (never written to the
# temporary folder in full); the view then says it was too large.
FILE_UPLOAD_HANDLERS = [
    "multitrack.web.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Form fields and JSON bodies (not files): a CSV import's worth. Larger files wait on disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = MULTITRACK_IMPORT_MAX_BYTES + 65_536
FILE_UPLOAD_MAX_MEMORY_SIZE = MULTITRACK_IMPORT_MAX_BYTES + 65_536
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# --- end of uploads -----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # While the database is away every request fails alike: one short line a second, not a
        # traceback per request (multitrack.web.middleware.DatabaseUnavailableMiddleware).
        "database_unavailable": {"()": "multitrack.web.middleware.DatabaseUnavailableLogFilter"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["database_unavailable"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL") or "WARNING"},
}

# --- Consultations (issue 3): background recomputes and abuse limits -------------------------
# django-tasks (the backport of Django 6's tasks) with the ORM backend from django-tasks-db:
# works on SQLite and PostgreSQL; run the worker with `multitrack db_worker`.
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {
    "default": {
        "BACKEND": envstr("MULTITRACK_TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Seconds a recompute waits after the first new vote, so a burst of votes makes one fit.
MULTITRACK_MAP_DEBOUNCE_SECONDS = envint("MULTITRACK_MAP_DEBOUNCE_SECONDS", default=10)
# Rate limits, per minute, counted in the database (consultations.RateCount, an UNLOGGED table
# on PostgreSQL) by one atomic upsert. An address appears there only as a keyed hash whose key is
# made for each clock hour and kept in the shared cache; no address is ever written to the
# database or the logs.
MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE = envint(
    "MULTITRACK_VOTES_PER_PARTICIPANT_PER_MINUTE", default=60
)
MULTITRACK_VOTES_PER_ADDRESS_PER_MINUTE = envint(
    "MULTITRACK_VOTES_PER_ADDRESS_PER_MINUTE", default=1200
)
MULTITRACK_STATEMENTS_PER_PARTICIPANT_PER_HOUR = envint(
    "MULTITRACK_STATEMENTS_PER_PARTICIPANT_PER_HOUR", default=10
)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
MULTITRACK_TRUSTED_PROXY_COUNT = envint("MULTITRACK_TRUSTED_PROXY_COUNT", default=0)
# --- end of consultations ---------------------------------------------------------------------
# --- Consultations: the participant vote endpoint (the hot path of a public consultation) -----
# Answered right after SecurityMiddleware, before sessions, auth and messages, which a vote does
# not use; it checks CSRF (Django's own check), the participant cookie and the limits itself.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "multitrack.consultations.vote_endpoint.VoteEndpointMiddleware",
)
# --- Two-step sign-in (issue 6; django-otp and django-otp-webauthn, see accounts/mfa.py) ------
# Required for conveners, staff and superusers; anyone else may turn it on. An authenticator app
# (TOTP) or a passkey, plus one-time recovery codes. Passkeys are a SECOND factor only: the
# passwordless sign-in django-otp-webauthn offers by default stays off (multitrack.E101 refuses
# to start with it on), and its authentication backend is not installed.
# Authenticator apps are our own device (accounts.AuthenticatorAppDevice, its key encrypted at
# rest), not django-otp's otp_totp plugin, which keeps the key in clear.
INSTALLED_APPS += ["django_otp", "django_otp_webauthn"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "multitrack.accounts.middleware.TwoStepSignInMiddleware",
)
MULTITRACK_SITE_NAME = envstr("MULTITRACK_SITE_NAME") or "Multitrack"
OTP_TOTP_ISSUER = MULTITRACK_SITE_NAME
# Wrong codes: each further attempt waits 1, 2, 4, 8... seconds (per authenticator app and per
# set of recovery codes), kept in the database.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_RECOVERY_CODE_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = MULTITRACK_SITE_NAME
# The relying party id (the host name passkeys are bound to): MULTITRACK_PASSKEY_RP_ID, or the
# host the request came to (Django checked it against ALLOWED_HOSTS). An IP address cannot be one.
MULTITRACK_PASSKEY_RP_ID = envstr("MULTITRACK_PASSKEY_RP_ID") or ""
OTP_WEBAUTHN_RP_ID_CALLABLE = "multitrack.accounts.passkeys.relying_party_id"
OTP_WEBAUTHN_HELPER_CLASS = "multitrack.accounts.passkeys.PasskeyHelper"
# The origins a passkey may be used from. In production: https:// on each ALLOWED_HOSTS name
# (or MULTITRACK_PASSKEY_ORIGINS); elsewhere also the request's own origin (any local port).
OTP_WEBAUTHN_ALLOWED_ORIGINS = envlist(
    "MULTITRACK_PASSKEY_ORIGINS",
    default=(
        [f"https://{host}" for host in ALLOWED_HOSTS if host not in {"*", ""} and host[0] != "."]
        if PRODUCTION
        else ["http://localhost:8000"]
    ),
)
# --- end of two-step sign-in ------------------------------------------------------------------
