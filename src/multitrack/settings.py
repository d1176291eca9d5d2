"""Multitrack's settings, all read from the environment with safe defaults.

Development (the default): SQLite under ``var/``, a secret key generated once and kept under
``var/``, DEBUG off unless ``DEBUG=1``. Production (``MULTITRACK_PRODUCTION=1``): ``SECRET_KEY``
and ``ALLOWED_HOSTS`` are required, cookies are secure, HSTS and HTTPS redirects are on, and
``manage.py check --deploy`` passes with no warnings.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from multitrack.env import ConfigurationError, envbool, envint, envlist, envsecret, envstr

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(envstr("MULTITRACK_VAR_DIR") or "var").resolve()

PRODUCTION = envbool("MULTITRACK_PRODUCTION", default=False)
DEBUG = envbool("DEBUG", default=False)

SECRET_KEY = envsecret("SECRET_KEY", keep_in=None if PRODUCTION else VAR_DIR / "secret_key")

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
MEDIA_ROOT = VAR_DIR / "uploads"
# Outside production the app serves its static files straight from the package (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# Rate limits, login throttling and the opinion-map debounce count in the cache, so every web
# process must share one: the database in production (run `multitrack createcachetable` once),
# process memory elsewhere. MULTITRACK_CACHE=memory|database overrides.
_CACHE_KIND = envstr("MULTITRACK_CACHE") or ("database" if PRODUCTION else "memory")
if _CACHE_KIND not in {"memory", "database"}:
    raise ConfigurationError(
        f"MULTITRACK_CACHE must be 'memory' or 'database'; got {_CACHE_KIND!r}"
    )
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "multitrack_cache"}
        if _CACHE_KIND == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Largest CSV import accepted, in bytes.
MULTITRACK_IMPORT_MAX_BYTES = envint("MULTITRACK_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MULTITRACK_IMPORT_MAX_BYTES + 65_536
FILE_UPLOAD_MAX_MEMORY_SIZE = MULTITRACK_IMPORT_MAX_BYTES + 65_536

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
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
# Rate limits, per minute. The per-address count is kept in the cache under a keyed hash whose
# key is replaced every hour; no address is ever written to the database or the logs.
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
