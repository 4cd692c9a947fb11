"""The one settings module. Everything that differs between a laptop and production comes from the
environment (see docs/running.md); with nothing set you get SQLite, no Redis and a local email outbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from repair.env import (
    env_bool,
    env_crisis_lines,
    env_fernet_keys,
    env_int,
    env_list,
    env_str,
    env_time_zone,
    env_url,
)

# Lets the typed generics (ModelAdmin[Couple], QuerySet[Invite]) be used at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (50+ random characters) or set DEBUG=true for local use."
        )
    SECRET_KEY = "django-insecure-local-development-only-key-never-use-this-in-production"  # noqa: S105

SITE_URL = env_url("SITE_URL", "http://localhost:8000", schemes={"http", "https"}).rstrip("/")
_site = urlsplit(SITE_URL)
HTTPS = _site.scheme == "https"
SITE_NAME = env_str("SITE_NAME", "Mend")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [_site.hostname or "localhost", "localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"{_site.scheme}://{_site.netloc}"])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "allauth",
    "allauth.account",
    # Lower layers first: repair.lib (no models) <- couples <- program, checkins, rituals <- home.
    "repair.couples",
    "repair.program",
    "checkins",
    "rituals",
    "repair.therapists",
    "repair.home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware, skipping detection while LANGUAGES has one entry.
    "repair.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after auth (it needs request.user), and outside all that follows, so what they add to a
    # signed-in response is covered by its no-store too.
    "repair.middleware.PrivateResponseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "repair.middleware.TimeZoneMiddleware",
    "repair.middleware.SlidingSessionMiddleware",
    "repair.middleware.NotFoundPageMiddleware",
    # A therapist account opens only its own screens, Settings and the public pages.
    "repair.therapists.middleware.TherapistBoundaryMiddleware",
]

ROOT_URLCONF = "repair.urls"
WSGI_APPLICATION = "repair.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "repair.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    schemes={"sqlite", "postgres", "postgresql"},
)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The web server and the local Celery worker share the file: WAL and an immediate write lock
    # turn "database is locked" errors into short waits.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env_bool("DB_PREPARED_STATEMENTS", False):
    # Opt-in: server-side parameter binding lets psycopg prepare a statement once it has run twice
    # on a kept connection, so PostgreSQL stops re-planning the same page queries (the couple
    # lookup went from 2.6 to 1.3 ms). Off by default because a generic plan can be far worse than
    # a fresh one: the reminder tick's 1,000-id batches took ~2 s each instead of milliseconds
    # (docs/performance.md). Also needs a pooler that keeps prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=2
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, sessions, Celery broker ---------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", "", schemes={"redis", "rediss"})
if REDIS_URL:
    CACHES = {
        "default": {
            # Degrades to a miss if Redis stops (repair/lib/cache.py), with short timeouts so a hung
            # Redis costs a page a second at most, not a worker.
            "BACKEND": "repair.lib.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "mend"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # A real, shared cache (allauth's rate limits need one) that needs no server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", REDIS_URL or "filesystem://", schemes={"redis", "rediss", "filesystem"}
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # No broker server: messages are files in one folder that the web process writes and the local
    # worker reads. kombu needs the folders to exist before either side starts.
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "store_processed": False,
        # Broadcast messages (worker pings) go here too, not into the current directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    # Longer than any task's hard time limit, so Redis never hands a running task to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often beat proves it is alive (repair.tasks.heartbeat).
HEARTBEAT_SECONDS = env_int("HEARTBEAT_SECONDS", 60, minimum=1)
# A reminder send claimed longer ago than this is taken over by another worker. Every attempt ends
# before half of it: its SMTP timeouts are cut to fit (rituals/reminders/send.py). Tests shorten it.
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 300, minimum=1)

# --- Accounts ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "repair.User"
# Django's and allauth's backends, loading the signed-in person with one plain SELECT on every
# request (repair/couples/auth_backends.py). Sessions record the backend's path, so sessions made
# under the stock paths end once when this list changes.
AUTHENTICATION_BACKENDS = [
    "repair.couples.auth_backends.ModelBackend",
    "repair.couples.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "today"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# A six-character code typed into the same tab works better on a phone than a link that opens a
# different browser and loses the invite the person was following.
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "repair.couples.forms.SignupDetailsForm"
ACCOUNT_FORMS = {
    name: f"repair.couples.account_forms.{form}"
    for name, form in {
        "signup": "SignupForm",
        "login": "LoginForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "add_email": "AddEmailForm",
        "reauthenticate": "ReauthenticateForm",
        "confirm_email_verification_code": "ConfirmEmailVerificationCodeForm",
        "change_email": "ChangeEmailForm",
    }.items()
}
# The code page offers "send a new code" (twice) and lets a mistyped address be corrected once.
# allauth's own clock only ends the attempt after a day: repair/couples/account_views.py keeps the
# real life of a code (EMAIL_CODE_MINUTES) and turns an expired one into a new one on request.
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = 3
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE = 1
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 60 * 60 * 24
# The sign-up waiting for its code lasts as long (allauth's default, 15 minutes, would end it
# together with the first code and send the person back to the sign-in page).
ACCOUNT_LOGIN_TIMEOUT = 60 * 60 * 24
EMAIL_CODE_MINUTES = 15
ACCOUNT_ADAPTER = "repair.couples.accounts.AccountAdapter"
SIGNUPS_OPEN = env_bool("SIGNUPS_OPEN", default=True)
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Wrong passwords are limited by repair/lib/signin_limits.py (per account and address pair, per address,
# per account; docs/running.md, "Sign-in and invite limits"), not by allauth's per-email limit,
# which let anyone who knew an address lock its owner out. "login" caps sign-in posts per address.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "",
    "signup": "20/m/ip",
    "confirm_email": "1/m/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Time, language --------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")

# --- Static files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
WHITENOISE_USE_FINDERS = DEBUG
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

# --- Email ---------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_OUTBOX_DIR = VAR_DIR / "outbox"
_email_host = env_str("EMAIL_HOST")
if _email_host:
    _email_port = env_int("EMAIL_PORT", 587)
    _use_tls = env_bool("EMAIL_USE_TLS", default=_email_port == 587)
    _use_ssl = env_bool("EMAIL_USE_SSL", default=_email_port == 465)
    if _use_tls and _use_ssl:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true.")
    MAILERS = {
        "default": {
            # Django's SMTP backend with a fast path for plain addresses (repair/lib/mail.py).
            "BACKEND": "repair.lib.mail.SMTPBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": _email_port,
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": _use_tls,
                "use_ssl": _use_ssl,
                "timeout": env_int("EMAIL_TIMEOUT", 10, minimum=1),
            },
        }
    }
else:
    # Local runs: every message is written to var/outbox and shown at /outbox/ (DEBUG only).
    MAILERS = {"default": {"BACKEND": "repair.lib.mail.OutboxBackend"}}

# --- Security --------------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=HTTPS)
if env_bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the app append the client's address to X-Forwarded-For (0: the header
# is ignored and the socket's peer is the client). Read by the per-address limits and the local
# outbox (repair/lib/addresses.py) and by allauth's own limits. See docs/running.md.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "repair.home.views.csrf_failure"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# --- Encryption at rest: the words people write (repair/lib/crypto.py, docs/architecture.md) -----------
# Fernet keys, comma-separated, newest first: the first encrypts, every one decrypts. Unset, one key is
# derived from SECRET_KEY so a laptop and a first deployment just work; set explicit keys in production
# so SECRET_KEY can be rotated on its own and field keys can be rotated with `encryption_rotate`.
_derived_field_key = base64.urlsafe_b64encode(
    hmac.new(SECRET_KEY.encode(), b"mend.field-encryption", hashlib.sha256).digest()
).decode()
FIELD_ENCRYPTION_KEYS = env_fernet_keys("FIELD_ENCRYPTION_KEYS", default=[_derived_field_key])

# --- The product ---
# --------------------------------------------------------------------------------
INVITE_TTL = timedelta(days=7)
# Where "Quick exit" sends a person: a neutral page chosen by the operator.
QUICK_EXIT_URL = env_url("QUICK_EXIT_URL", "https://www.bbc.com/weather", schemes={"http", "https"})

# --- Logging: no request bodies, no free text anyone wrote -----------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Paths can hold invite tokens; a 404 line is not worth a secret in the log.
        "django.request": {"level": "ERROR"},
    },
}

# Shown on the Support page and after a safety concern. Operators set lines for their country in
# CRISIS_LINES_JSON (see docs/running.md); these are the defaults.
CRISIS_LINES = [
    {
        "name": _("Emergency services"),
        "detail": _(
            "If you are in danger now, call your local emergency number (112 in Europe, 911 in North America, 999 in the UK)."
        ),
        "url": "",
    },
    {
        # Both partners are at risk after a disclosure: the hurt one of despair, the other of shame.
        "name": _("Suicide and self-harm"),
        "detail": _(
            "If you are thinking of ending your life or hurting yourself, call or text a crisis line now (988 in the US and Canada, 116 123 for Samaritans in the UK and Ireland), or find one for your country."
        ),
        "url": "https://findahelpline.com",
    },
    {
        "name": _("Find a helpline"),
        "detail": _("Free, confidential helplines for many countries, searchable by topic."),
        "url": "https://findahelpline.com",
    },
    {
        "name": _("Domestic abuse support"),
        "detail": _(
            "If you are afraid of your partner, a specialist service can help you plan for safety."
        ),
        "url": "https://www.hotpeachpages.net",
    },
]
CRISIS_LINES = env_crisis_lines("CRISIS_LINES_JSON", CRISIS_LINES)

# Where to look for a therapist: shown beside the support lines on the Support page and in the read
# "When to see a therapist". Operators set their country's directories in THERAPIST_DIRECTORY_JSON
# (the same shape as CRISIS_LINES_JSON; see docs/running.md); these international ones are the
# defaults.
THERAPIST_DIRECTORY = [
    {
        "name": _("EFT therapists"),
        "detail": _(
            "The International Centre for Excellence in Emotionally Focused Therapy lists therapists trained in EFT, in many countries."
        ),
        "url": "https://iceeft.com",
    },
    {
        "name": _("Gottman-trained therapists"),
        "detail": _(
            "The Gottman Institute's referral network lists therapists trained in its method."
        ),
        "url": "https://www.gottman.com",
    },
    {
        "name": _("A general directory"),
        "detail": _(
            "Psychology Today's directory can be searched by place, by couples work and by infidelity."
        ),
        "url": "https://www.psychologytoday.com",
    },
]
THERAPIST_DIRECTORY = env_crisis_lines("THERAPIST_DIRECTORY_JSON", THERAPIST_DIRECTORY)
