"""Settings for OPC Community: one module, configured by environment variables only.

Local runs (``make run`` / ``make test``) set ``DEBUG=1`` and point
``DATABASE_URL``/``REDIS_URL`` at the services they provisioned. Production
(``docker compose``) leaves ``DEBUG`` off, which makes ``SECRET_KEY`` and
``ALLOWED_HOSTS`` mandatory and turns on every HTTPS hardening setting.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from opc_community.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-never-used-in-production-0123456789abcdef")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names when DEBUG is off.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Project apps first, so that their templates (admin branding) win.
    "opc_community.accounts",
    "opc_community.core",
    "opc_community.workdays",
    "opc_community.rulebook",
    "opc_community.notices",
    "opc_community.portal",
    "residents",
    "spaces",
    "resources",
    "scoring",
    "discipline",
    # pghistory.admin must come before django.contrib.admin (its templates).
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "opc_community.core.apps.OpcAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.syndication",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Simplified Chinese unless the person chose English with the switch (not the browser's language).
    "opc_community.portal.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Attaches the acting user and URL to every audit-trail row of the request.
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "opc_community.urls"
WSGI_APPLICATION = "opc_community.wsgi.application"

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
                "django.template.context_processors.i18n",
                "opc_community.portal.context_processors.portal",
            ],
        },
    },
]

# PostgreSQL only: the schema relies on btree_gist exclusion constraints and range types.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opc_community"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…).")

# --- Database roles ----------------------------------------------------------
# Two PostgreSQL roles (docs/operations.md, "Database roles"). DATABASE_URL is the application's:
# the web server, worker and beat connect as a role that is neither superuser nor owner of the
# tables, so it cannot TRUNCATE, disable triggers or set session_replication_role, and holds only
# the rights opc_community.core.db_roles grants it. MIGRATION_DATABASE_URL is the owner's:
# `manage.py migrate`, `seed_demo` and the tests connect with its role, password, host and port to
# DATABASE_URL's database (db_roles.connect_as_owner), and every migrate ends by granting the
# application role its rights (creating the role, with DATABASE_URL's password, if the owner may).
# Without it one role does everything, as on a throwaway development database.
MIGRATION_DATABASE_URL = env_str("MIGRATION_DATABASE_URL", "")
DATABASE_OWNER = dj_database_url.parse(MIGRATION_DATABASE_URL) if MIGRATION_DATABASE_URL else None
#: The role the owner grants the application's rights to ("" when one role does everything), and its
#: password (kept here: connect_as_owner replaces the connection's credentials).
DATABASE_APP_ROLE = (
    DATABASES["default"]["USER"] if DATABASE_OWNER and DATABASE_OWNER["USER"] != DATABASES["default"]["USER"] else ""
)
DATABASE_APP_PASSWORD = DATABASES["default"]["PASSWORD"] if DATABASE_APP_ROLE else ""

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and private files ------------------------------------------------
STATIC_URL = "static/"
# Production serves collected files (collectstatic at image build); local runs serve straight
# from the apps' static folders through WhiteNoise's finders, so nothing needs collecting.
STATIC_ROOT = env_str("STATIC_ROOT", "") or (None if DEBUG else str(BASE_DIR / "staticfiles"))
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded identity documents and evidence live outside any served URL:
    # MEDIA_URL is unset and files are streamed by permission-checked views only.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / ".data" / "private"))},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Cache (Redis) -----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "opc"),
    }
}

# --- Email -------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OPC 社区 <noreply@opc-community.local>")

# --- Security ----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- REST API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "opc_community.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OPC Community API",
    "DESCRIPTION": "南沙国际 OPC 生态社区 — integrations API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from the bundled sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Enums shared by several serializers get one stable name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ComplaintStatusEnum": "residents.models.complaints.ComplaintStatus",
        "ComplaintCategoryEnum": "residents.models.complaints.ComplaintCategory",
        "ComplaintChannelEnum": "residents.models.complaints.ComplaintChannel",
        "ComplaintMessageKindEnum": "residents.models.complaints.MessageKind",
        "ComplaintSlaStateEnum": ["met", "late", "pending", "overdue"],
        "ApplicationStatusEnum": "residents.models.intake.ApplicationStatus",
        "DocumentKindEnum": "residents.models.intake.DocumentKind",
        "ResidentStatusEnum": "residents.models.residency.ResidentStatus",
        "AgreementStatusEnum": "residents.models.residency.AgreementStatus",
        "ExitKindEnum": "residents.models.residency.ExitKind",
        "ExitStatusEnum": "residents.models.residency.ExitStatus",
        "InvoiceKindEnum": "residents.models.ledger.InvoiceKind",
        "DepositEntryKindEnum": "residents.models.ledger.DepositEntryKind",
        "PublicationKindEnum": "opc_community.notices.models.PublicationKind",
        "PublicationStatusEnum": "opc_community.notices.models.PublicationStatus",
        "SpecialDayKindEnum": "opc_community.workdays.models.SpecialDay.Kind",
        "ActivityKindEnum": "resources.models.ActivityKind",
        "CheckInMethodEnum": "resources.models.CheckInMethod",
        "RequestStatusEnum": "spaces.models.RequestStatus",  # = renewal requests (same values)
        "BookingStatusEnum": "spaces.models.BookingStatus",
        "VisitorStatusEnum": "spaces.models.VisitorStatus",
        "PermitKindEnum": "spaces.models.PermitKind",
        "CaseStatusEnum": "discipline.models.CaseStatus",
        "AppealStatusEnum": "discipline.models.AppealStatus",
        "RewardStatusEnum": "discipline.models.RewardStatus",
    },
}

# --- Idempotency -------------------------------------------------------------
# How long an API Idempotency-Key or a form's one-time token counts (opc_community.core.idempotency):
# a retry or a page sent again within it gets the first answer; a form older than this is refused
# ("reload the page"). Records older than this are purged nightly (beat below).
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "opc")
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# The schedule is code: reviewed here, the same on every machine (ARCHITECTURE.md, "Jobs").
# Every job is idempotent, so a beat that fires twice changes nothing the second time.
CELERY_BEAT_SCHEDULE = {
    # Idempotency keys and form tokens older than IDEMPOTENCY_KEY_TTL count no more: their records go.
    "core-purge-idempotency-records": {
        "task": "opc_community.core.tasks.purge_idempotency_records",
        "schedule": crontab(hour=3, minute=40),
    },
    # 第九章第一条 / RULEBOOK §10: publication windows that ended hand their
    # decision back to the owning app. Hourly, so that a window ending at
    # 23:59:59 takes effect early the next morning.
    "notices-close-publication-windows": {
        "task": "opc_community.notices.tasks.close_publication_windows",
        "schedule": crontab(minute=5),
    },
    # 第三章第三条 / RULEBOOK §4.2: the 30-day renewal reminder, once per agreement.
    "residents-send-renewal-reminders": {
        "task": "residents.tasks.lifecycle.send_renewal_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # 第三章第四条 / RULEBOOK §4.4: not renewed by the end date → exit on expiry with the grace period.
    "residents-open-expiry-exits": {
        "task": "residents.tasks.lifecycle.open_expiry_exits",
        "schedule": crontab(hour=8, minute=0),
    },
    # 第四章第四条: missed complaint deadlines flagged to the daily management team, once each.
    "residents-flag-overdue-complaints": {
        "task": "residents.tasks.complaints.flag_overdue_complaints",
        "schedule": crontab(minute=15),
    },
    # 第四章第一条 / RULEBOOK §5: bookings not checked in 15 minutes after the start are
    # released and recorded as no-shows (every 5 minutes; a second run releases nothing).
    "spaces-release-no-show-bookings": {
        "task": "spaces.tasks.release_no_show_bookings",
        "schedule": crontab(minute="*/5"),
    },
    # 第六章第一条: the quarter that contains today takes inputs from its first day (added with its last
    # day as deadline unless staff added it ahead; residents told once). Daily, so a missed day 1 is made
    # up the next morning; on other days it only tells residents checked in since.
    "scoring-open-current-quarter": {
        "task": "scoring.tasks.open_current_quarter",
        "schedule": crontab(minute=5, hour=0),
    },
    # 第六章第二条: draft score cards of the quarter just ended (day 1 of each quarter, 02:00).
    "scoring-run-quarter-just-ended": {
        "task": "scoring.tasks.run_quarter_just_ended",
        "schedule": crontab(minute=0, hour=2, day_of_month=1, month_of_year="1,4,7,10"),
    },
    # 第六章第三条: score appeals not answered within their working days, flagged once each.
    "scoring-flag-overdue-score-appeals": {
        "task": "scoring.tasks.flag_overdue_score_appeals",
        "schedule": crontab(minute=35),
    },
    # Solved complaints neither confirmed nor reopened in time are closed (rule data).
    "residents-close-unconfirmed-complaints": {
        "task": "residents.tasks.complaints.close_unconfirmed_complaints",
        "schedule": crontab(hour=8, minute=20),
    },
    # 第八章第二条 rows 7 and 1b: overdue fees and overdue exit, one case per invoice / exit and band.
    "discipline-run-overdue-ladders": {
        "task": "discipline.tasks.run_overdue_ladders",
        "schedule": crontab(hour=8, minute=0),
    },
    # 第八章第二条: requests for review (复核) not answered within 3 working days, flagged once each.
    "discipline-flag-overdue-appeals": {
        "task": "discipline.tasks.flag_overdue_appeals",
        "schedule": crontab(minute=25),
    },
    # 第八章第一条: approved rewards not granted within 10 working days, flagged once each.
    "discipline-flag-overdue-reward-grants": {
        "task": "discipline.tasks.flag_overdue_reward_grants",
        "schedule": crontab(hour=8, minute=30),
    },
    # The decision ledger: chain, published checkpoints and live decisions verified; a break is told to the
    # administrators once; an intact chain's new head is published on the notice board (docs/discipline.md §6).
    "discipline-watch-decision-ledger": {
        "task": "discipline.tasks.watch_decision_ledger",
        "schedule": crontab(hour=4, minute=10),
    },
}

# --- Audit trail -------------------------------------------------------------
PGHISTORY_ADMIN_MODEL = "core.AuditEvent"
PGHISTORY_ADMIN_CLASS = "opc_community.core.admin.AuditEventAdmin"
PGHISTORY_ADMIN_ORDERING = "-pgh_created_at"

# --- Logging -----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own loggers print through the root handler only (not twice).
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

SITE_NAME = _("Nansha International OPC Ecosystem Community")
