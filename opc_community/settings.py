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
# PostgreSQL's JIT compiler costs more than it saves on this application's short queries (it was 96 % of
# the audit trail page's time when measured at 10,000 residents): off for every connection.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
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
    # MEDIA_URL is unset and files are streamed by permission-checked views only. A file stored
    # in a transaction that rolls back is deleted (opc_community.core.files).
    "default": {
        "BACKEND": "opc_community.core.files.PrivateStorage",
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
#: Seconds to wait for Redis to accept a connection, and then for each answer (cache, broker, results):
#: a hung Redis holds a request no longer than this (docs/operations.md, "Reliability").
REDIS_TIMEOUT = env_int("REDIS_TIMEOUT", 2)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "opc"),
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
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

# --- Logins ------------------------------------------------------------------
# Throttled logins (django-axes), staff two-factor authentication (django-otp, TOTP),
# idle session expiry by role, expiring API tokens. docs/security.md explains each part.
# Security settings of the operator, not rules of the regulation: they live here, not
# in the rulebook.
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp"]
_after_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE[_after_auth:_after_auth] = [
    # Sliding idle expiry: 30 minutes for staff, 7 days for residents (accounts.sessions).
    "opc_community.accounts.middleware.SlidingSessionMiddleware",
    # Sessions that need a second factor reach only the two-factor pages until it is given.
    "opc_community.accounts.middleware.TwoFactorMiddleware",
]
# Last: turns a login refused by axes into HTTP 429 (the page itself says why).
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked accounts and addresses before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]

#: Failed logins (wrong password or wrong two-factor code) within LOGIN_FAILURE_WINDOW that lock
#: further attempts for the same time: per account (user name as typed) and per client address.
LOGIN_FAILURE_LIMITS = {"username": 5, "ip_address": 20}
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
AXES_HANDLER = "opc_community.accounts.lockout.LoginAttemptsHandler"
AXES_LOCKOUT_PARAMETERS = list(LOGIN_FAILURE_LIMITS)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMITS["username"]
AXES_COOLOFF_TIME = LOGIN_FAILURE_WINDOW
# A refused attempt does not restart the clock: the lock ends 15 minutes after the failure that set it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "opc_community.accounts.lockout.attempted_username"
AXES_CLIENT_IP_CALLABLE = "opc_community.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "opc_community.accounts.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "otp_token"]
# Failures and lock-outs go to the audit trail (accounts.SecurityEvent); axes keeps only its counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
#: Reverse proxies in front of the site that append the client's address to X-Forwarded-For.
#: Production (docker compose) sits behind one HTTPS proxy; 0 = use the TCP peer (REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0 if DEBUG else 1)

# Staff enrol a TOTP authenticator; the administrator and oversight roles must (accounts.two_factor).
OTP_TOTP_ISSUER = "OPC 社区"
# The lock-out above counts wrong codes too; the device's own back-off would refuse right codes.
OTP_TOTP_THROTTLE_FACTOR = 0

#: Idle time after which a session ends (sliding: requests restart it; accounts.sessions).
SESSION_IDLE_TIMEOUT = {"staff": timedelta(minutes=30), "resident": timedelta(days=7)}
SESSION_COOKIE_AGE = int(SESSION_IDLE_TIMEOUT["resident"].total_seconds())

#: API tokens (Authorization: Token …) live 30 days from issue; a password change revokes them.
API_TOKEN_LIFETIME = timedelta(days=30)
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "opc_community.accounts.authentication.ExpiringTokenAuthentication"
    if name == "rest_framework.authentication.TokenAuthentication"
    else name
    for name in REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
]

#: Sign-up submissions per client address and window (residents' sign-up page).
SIGNUP_RATE_LIMIT = 10
SIGNUP_RATE_WINDOW = timedelta(hours=1)
# --- end of Logins -------------------------------------------------------------

# --- Content-Security-Policy ---------------------------------------------------
# Every page (portal, notice board, admin, API pages) gets one policy (django-csp 4): scripts and
# everything else only from this site, no inline script except one carrying the request's nonce
# (``<script nonce="{{ request.csp_nonce }}">``; none does today), no plugins, no framing, forms
# posting only here. Styles may be inline (the admin and the Swagger UI set style attributes);
# images may be data: URIs (the Swagger UI's icons). Nothing comes from a CDN (UI.md).
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE  # noqa: E402

MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- API robustness ----------------------------------------------------------
# No request a logged-in user can send ends in a 500, and the schema says what each operation
# answers (docs/security.md, "API robustness"; opc_community/core/api.py, filters.py, parsers.py,
# openapi.py).
# Missing or bad credentials answer 401 with `WWW-Authenticate: Token` (core.api.exception_handler).
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "opc_community.core.openapi.AutoSchema"
# JSON bodies nested deeper than core.parsers.MAX_JSON_DEPTH are a 400 (not a RecursionError).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "opc_community.core.parsers.JSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["AwardLevelEnum"] = "scoring.models.AwardLevel"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["ClaimStateEnum"] = "scoring.models.ClaimState"
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "EquipmentCategoryEnum": "spaces.models.EquipmentCategory",
    "EquipmentConditionEnum": "spaces.models.EquipmentCondition",
    "EquipmentLoanStatusEnum": "spaces.models.LoanStatus",
})
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "VoucherKindEnum": "resources.models.VoucherKind",
    "VoucherUnitEnum": "resources.models.VoucherUnit",
    "VoucherEntryKindEnum": "resources.models.EntryKind",
    "VoucherApplicationStatusEnum": "resources.models.ApplicationStatus",
    "VoucherGrantSourceEnum": "resources.models.GrantSource",
    "VoucherUsageChannelEnum": "resources.models.UsageChannel",
})
# Scenario matchmaking and policy help (第五章第二条).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "ScenarioKindEnum": "resources.models.ScenarioKind",
    "PartnerKindEnum": "resources.models.PartnerKind",
    "ScenarioInterestStatusEnum": "resources.models.InterestStatus",
    "MatchStepKindEnum": "resources.models.StepKind",
    "MatchOutcomeEnum": "resources.models.Outcome",
    "PolicyKindEnum": "resources.models.PolicyKind",
    "PolicyHelpStatusEnum": "resources.models.HelpStatus",
})
# Safety (第七章; spaces/api/safety.py).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "EmergencyPlanKindEnum": "spaces.models.PlanKind",
    "IncidentCategoryEnum": "spaces.models.IncidentCategory",
    "IncidentSeverityEnum": "spaces.models.IncidentSeverity",
    "IncidentStatusEnum": "spaces.models.IncidentStatus",
    "FireEquipmentTypeEnum": "spaces.models.EquipmentType",
    "FireEquipmentStatusEnum": "spaces.models.EquipmentStatus",
    "SafetyWorkItemStatusEnum": "spaces.models.WorkItemStatus",
})
# The sharing board (资源共享平台): its choice sets, named once.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "SharingKindEnum": "resources.models.SharingKind",
    "SharingCategoryEnum": "resources.models.SharingCategory",
    "SharingPostStatusEnum": "resources.models.PostStatus",
    "SharingMatchStatusEnum": "resources.models.MatchStatus",
    "SharingAnswerEnum": "resources.models.Answer",
})
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({  # 第四章第三条 mediation, 第九章第五条 rule questions
    "MediationStatusEnum": "residents.models.mediation.MediationStatus",
    "StatementPartyEnum": "residents.models.mediation.StatementParty",
    "RuleQuestionStatusEnum": "residents.models.rule_questions.QuestionStatus",
})
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "opc_community.core.openapi.document_error_responses",  # 400/401/403/404 (+409/415 for writes)
]
# The schema and its documentation page need a login, in every environment: they map every
# endpoint, staff-only ones included.
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["rest_framework.permissions.IsAuthenticated"]

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "opc")
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(days=1)
# The longest job (a quarter run or a day's ladders: seconds, docs/scores.md) is stopped at the hard
# limit; the broker hands a job that was never acknowledged to another worker once the visibility
# timeout has passed since its delivery, so that timeout must stay just above the hard limit (a
# longer one delays the recovery after a killed worker, a shorter one runs a slow job twice).
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
JOB_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60)
# Acknowledged after the job ends; a job whose worker or pool process died goes back to the queue
# (every job is idempotent, ARCHITECTURE.md "Jobs").
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": JOB_VISIBILITY_TIMEOUT,
    # Look for jobs of dead workers every 10 s (more often when a test shortens the timeout).
    "unacked_restore_interval": max(1, min(10, JOB_VISIBILITY_TIMEOUT // 5)),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# The schedule is code: reviewed here, the same on every machine (ARCHITECTURE.md, "Jobs").
# Every job is idempotent, so a beat that fires twice changes nothing the second time.


def _beat(task: str, **when: int | str) -> dict[str, object]:
    """A periodic task: ``when`` are crontab()'s fields (none: every minute)."""
    return {"task": task, "schedule": crontab(**when)}


CELERY_BEAT_SCHEDULE = {
    # 第四章第二条 / RULEBOOK §6: voucher balances past their validity expire (daily, once per grant),
    # and residents are warned before (rule data ``vouchers.expiry_warning_days``), once per grant.
    "resources-expire-vouchers": _beat("resources.tasks.expire_vouchers", hour=0, minute=20),
    "resources-warn-expiring-vouchers": _beat("resources.tasks.warn_expiring_vouchers", hour=9, minute=10),
    # 第五章第二条 (docs/resources.md): residents following a policy are reminded before its deadline (rule data
    # ``policies.reminder_days_before_deadline``; once per resident and policy, a unique row guards it), and
    # requests for policy help unanswered after their due day are flagged to the resources team, once each.
    "resources-remind-policy-deadlines": _beat("resources.tasks.remind_policy_deadlines", hour=9, minute=20),
    "resources-flag-overdue-policy-help": _beat("resources.tasks.flag_overdue_policy_help", hour=8, minute=50),
    # 第四章第二条 3 (RULEBOOK §6 decision): sharing posts past ``sharing.post_validity_days`` leave the board.
    "resources-expire-sharing-posts": _beat("resources.tasks.expire_sharing_posts", hour=0, minute=25),
    # 第五章第三条: missed deadlines of service requests are told to their handlers, once each.
    "resources-flag-overdue-service-requests": _beat("resources.tasks.flag_overdue_service_requests", hour=9, minute=20),
    # 第五章第四条: the quarter's survey is opened, a finished quarter evaluated (improvement items);
    # 第四章第四条 2: the standing resource and survey notices on the public board are brought up to date.
    "resources-surveys-and-standing-notices": _beat("resources.tasks.surveys_and_standing_notices", hour=0, minute=40),
    # Idempotency keys and form tokens older than IDEMPOTENCY_KEY_TTL count no more: their records go.
    "core-purge-idempotency-records": _beat("opc_community.core.tasks.purge_idempotency_records", hour=3, minute=40),
    # Stored files no row names (a crash between storing and saving) are logged and shown to the
    # administrators; deleting them is `manage.py sweep_files --delete` (docs/operations.md, "Stored files").
    "core-sweep-files": _beat("opc_community.core.tasks.sweep_files", day_of_week="sun", hour=4, minute=20),
    # 第九章第一条 / RULEBOOK §10: publication windows that ended hand their
    # decision back to the owning app. Hourly, so that a window ending at
    # 23:59:59 takes effect early the next morning.
    "notices-close-publication-windows": _beat("opc_community.notices.tasks.close_publication_windows", minute=5),
    # RULEBOOK §10 (decisions added 2026-12): objections not decided within their working days are
    # flagged to the administrator, once each.
    "notices-flag-late-objections": _beat("opc_community.notices.tasks.flag_late_objections", minute=10),
    # 第三章第三条 / RULEBOOK §4.2: the 30-day renewal reminder, once per agreement.
    "residents-send-renewal-reminders": _beat("residents.tasks.lifecycle.send_renewal_reminders", hour=8, minute=0),
    # 第三章第四条 / RULEBOOK §4.4: not renewed by the end date → exit on expiry with the grace period.
    "residents-open-expiry-exits": _beat("residents.tasks.lifecycle.open_expiry_exits", hour=8, minute=0),
    # 第四章第四条: missed complaint deadlines flagged to the daily management team, once each.
    "residents-flag-overdue-complaints": _beat("residents.tasks.complaints.flag_overdue_complaints", minute=15),
    # 第四章第三条, 第九章第五条: missed mediation and rule-question deadlines, told to the team once each.
    "residents-flag-overdue-mediations": _beat("residents.tasks.mediation.flag_overdue_mediations", minute=25),
    "residents-flag-overdue-rule-questions": _beat("residents.tasks.mediation.flag_overdue_rule_questions", minute=25),
    # 第四章第一条 / RULEBOOK §5: bookings not checked in 15 minutes after the start are
    # released and recorded as no-shows (every 5 minutes; a second run releases nothing).
    "spaces-release-no-show-bookings": _beat("spaces.tasks.release_no_show_bookings", minute="*/5"),
    # 第四章第二条 / RULEBOOK §6: loans still out after their due time are flagged and the resident and the
    # daily management team told (once per loan); reservations never collected lapse.
    "spaces-flag-overdue-loans": _beat("spaces.tasks.flag_overdue_loans", hour=8, minute=0),
    # 第七章第一条: fire equipment overdue for inspection, expiring or expired, told to the daily
    # management team once each (a second run tells nobody).
    "spaces-flag-safety-due": _beat("spaces.tasks.flag_safety_due", hour=7, minute=30),
    # 第四章第一条 3、4: yesterday's cleaning, disinfection and closing rounds not logged, recorded and told
    # to the daily management team once (a second run tells nobody).
    "spaces-flag-missed-rounds": _beat("spaces.tasks.flag_missed_rounds", hour=7, minute=40),
    # 第六章第一条: the quarter that contains today takes inputs from its first day (added with its last
    # day as deadline unless staff added it ahead; residents told once). Daily, so a missed day 1 is made
    # up the next morning; on other days it only tells residents checked in since.
    "scoring-open-current-quarter": _beat("scoring.tasks.open_current_quarter", minute=5, hour=0),
    # 第六章第二条: draft score cards of every quarter that ended and was never run (normally the one that
    # ended yesterday, on day 1 of a quarter); daily at 02:00, so a missed day 1 is made up the next.
    "scoring-run-quarter-just-ended": _beat("scoring.tasks.run_quarter_just_ended", minute=0, hour=2),
    # RULEBOOK §7.1 (quarterly plan): residents who have not filed their plan are reminded once, from 3
    # working days before their last day to file; late plan decisions are flagged to the administrators.
    "scoring-remind-plans": _beat("scoring.tasks.remind_plans", minute=0, hour=9),
    # 第六章第三条: score appeals not answered within their working days, flagged once each.
    "scoring-flag-overdue-score-appeals": _beat("scoring.tasks.flag_overdue_score_appeals", minute=35),
    # Solved complaints neither confirmed nor reopened in time are closed (rule data).
    "residents-close-unconfirmed-complaints": _beat("residents.tasks.complaints.close_unconfirmed_complaints", hour=8, minute=20),
    # 第八章第二条 rows 7 and 1b: overdue fees and overdue exit, one case per invoice / exit and band.
    "discipline-run-overdue-ladders": _beat("discipline.tasks.run_overdue_ladders", hour=8, minute=0),
    # RULEBOOK §9 (decisions added 2026-12): a rectification deadline passed → "not rectified" the next
    # morning, the responsible staff told; a decided case not published in time → the administrator told.
    "discipline-mark-unrectified-cases": _beat("discipline.tasks.mark_unrectified_cases", hour=7, minute=50),
    "discipline-flag-late-publications": _beat("discipline.tasks.flag_late_publications", minute=35),
    # 第八章第二条: requests for review (复核) not answered within 3 working days, flagged once each.
    "discipline-flag-overdue-appeals": _beat("discipline.tasks.flag_overdue_appeals", minute=25),
    # 第八章第一条: approved rewards not granted within 10 working days, flagged once each.
    "discipline-flag-overdue-reward-grants": _beat("discipline.tasks.flag_overdue_reward_grants", hour=8, minute=30),
    # The e-mail outbox: notifications' e-mails still pending (each at most once; NOTIFICATION_EMAIL_OUTBOX).
    "portal-send-notification-emails": _beat("opc_community.portal.tasks.send_notification_emails"),
    # The decision ledger: chain, published checkpoints and live decisions verified; a break is told to the
    # administrators once; an intact chain's new head is published on the notice board (docs/discipline.md §6).
    "discipline-watch-decision-ledger": _beat("discipline.tasks.watch_decision_ledger", hour=4, minute=10),
}

# --- Reliability -------------------------------------------------------------
# docs/operations.md, "Reliability". Redis timeouts (REDIS_TIMEOUT) and redelivery of killed jobs
# are set in the cache and Celery blocks above.

#: The e-mail outbox (``portal.services.notification_emails_send``): e-mails sent per run; after an error
#: reply of the mail server the next attempt waits base · 2^(n−1) seconds (at most max) until
#: ``max_attempts``, then the e-mail is "failed"; an e-mail still "sending" after the lease was
#: interrupted by a dead worker and is marked "failed", never sent again (at most once).
NOTIFICATION_EMAIL_OUTBOX = {
    "batch": env_int("NOTIFICATION_EMAIL_BATCH", 200),
    "retry_base_seconds": 60,
    "retry_max_seconds": 60 * 60,
    "max_attempts": 8,
    "sending_lease_seconds": 10 * 60,
}
#: Seconds to wait for the mail server (connect and each reply); Django's default waits forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

# --- Audit trail -------------------------------------------------------------
PGHISTORY_ADMIN_MODEL = "core.AuditEvent"
PGHISTORY_ADMIN_CLASS = "opc_community.core.admin.AuditEventAdmin"
PGHISTORY_ADMIN_ORDERING = "-pgh_created_at"

# --- Health ------------------------------------------------------------------
# /healthz (opc_community.core.health) and outages (opc_community.core.outages), docs/operations.md
# "Health and outages". Each check gives up after HEALTH_CHECK_TIMEOUT seconds.
HEALTH_CHECK_TIMEOUT = env_int("HEALTH_CHECK_TIMEOUT", 2)
# Heartbeats in Redis: the worker's (Celery's heartbeat_sent, recorded at most every
# HEALTH_HEARTBEAT_EVERY seconds) and beat's (each scheduler tick, at least every
# CELERY_BEAT_MAX_LOOP_INTERVAL seconds); older than these limits they are reported "stale".
HEALTH_KEY_PREFIX = f"{CACHES['default']['KEY_PREFIX']}:health"
HEALTH_HEARTBEAT_EVERY = 15
HEALTH_WORKER_STALE_AFTER = env_int("HEALTH_WORKER_STALE_AFTER", 60)
HEALTH_BEAT_STALE_AFTER = env_int("HEALTH_BEAT_STALE_AFTER", 180)
CELERY_BEAT_SCHEDULER = "opc_community.core.health:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
# A view that fails because PostgreSQL is unreachable answers 503, not 500 (any position works:
# it only handles exceptions).
MIDDLEWARE.append("opc_community.core.outages.DatabaseOutageMiddleware")

# --- Logging -----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own loggers print through the root handler only (not twice).
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # django-axes announces itself at every start; lock-outs are security events (audit trail).
        "axes": {"level": "WARNING"},
    },
}

SITE_NAME = _("Nansha International OPC Ecosystem Community")
#: The body that publishes on the public notice board (发布单位), shown on every item (RULEBOOK §10).
NOTICE_BOARD_PUBLISHER = _("Nansha International OPC Ecosystem Community Operations Management Office")
