"""Django settings. Everything deployment-specific comes from the environment (see .env.example)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from project.logs import log_format_choose, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ImproperlyConfigured(f"{name} must be an integer >= {minimum}, got {raw!r}.")
    return int(raw)


# DJANGO_DEMO=1 is the local demo and test mode: it may generate its own secret key.
DEMO = env_flag("DJANGO_DEMO")
DEBUG = env_flag("DJANGO_DEBUG")


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    if not DEMO:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (see .env.example), or set DJANGO_DEMO=1 "
            "for a local demo that generates a key into .local/."
        )
    key_file = BASE_DIR / ".local" / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # orders comes before django_pgviews: its makemigrations/migrate commands combine the
    # pgtrigger and pgviews-redux autodetectors (see orders/migration_autodetector.py).
    "orders",
    "reports",
    "catalog",
    "currencies",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pgtrigger",
    "django_pgviews",
    "ninja",  # the API docs (Swagger UI) from its static files, not a CDN
]

MIDDLEWARE = [
    "project.middleware.RequestIdMiddleware",
    "project.metrics.RequestMetricsMiddleware",  # inside: its access line has the request id
    # The body is read before any database session opens: a slow client holds none.
    "api.body.BodyLimitMiddleware",
    "project.middleware.StatementTimeoutMiddleware",
    "project.replica.ReportsDatabaseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "project.middleware.ApiProblemMiddleware",
]

# Uploads: the view answers 413 above this (api.body.MAX_BODY_BYTES); deploy/nginx.conf's
# client_max_body_size says the same.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Under gunicorn's gevent worker (`make run`) a body must arrive within this long, or 408.
REQUEST_BODY_TIMEOUT_SECONDS = env_int("REQUEST_BODY_TIMEOUT_SECONDS", 30)


def _greenlet_worker() -> bool:
    """True in gunicorn's gevent worker (or after gevent's monkey-patching elsewhere).

    The worker's own module says so, not only gevent's patches: the worker's patch_all() loads
    these settings half-way (Celery's app proxy is touched while gevent looks over the loaded
    modules), before the socket module is patched.
    """
    if "gevent" not in sys.modules:
        return False
    from gevent import monkey

    return monkey.is_module_patched("socket") or "gunicorn.workers.ggevent" in sys.modules


# Under gevent every request runs in a greenlet of its own, which Django's connection handler
# treats as a thread: a connection kept past the request (CONN_MAX_AGE) would stay behind with
# that finished greenlet, one per request. So no persistent connections there (CONN_MAX_AGE=0):
# each request opens its own and closes it when it ends, or borrows one from Django's pool with
# DATABASE_POOL_MAX_SIZE (psycopg_pool; psycopg >= 3.1.14 waits cooperatively under gevent),
# which also bounds a worker's connections. Not on by default: a pool waits its whole timeout
# for a database that is down, where a direct connection is refused at once (503).
GREENLET_WORKER = _greenlet_worker()

# Every web request's queries stop after this long and the API answers 503 instead of holding
# a worker (project.middleware.StatementTimeoutMiddleware). Commands set their own.
REQUEST_STATEMENT_TIMEOUT_MS = int(os.environ.get("REQUEST_STATEMENT_TIMEOUT_MS", "5000"))

# Each statement of a refresh_reports run may take this long before it is cancelled; the run then
# fails, keeps the last good contents and is logged.
REFRESH_STATEMENT_TIMEOUT_MS = int(os.environ.get("REFRESH_STATEMENT_TIMEOUT_MS", "1800000"))

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "project" / "templates"],
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


def _pool() -> dict | None:
    """Django's own connection pool (psycopg_pool), on when DATABASE_POOL_MAX_SIZE is set.

    Each worker process keeps up to max_size connections open and lends one to each request;
    a request waits up to DATABASE_POOL_TIMEOUT seconds for one, then fails (the API answers
    503). Without it each worker keeps one connection for up to 60 s (CONN_MAX_AGE).
    """
    max_size = env_int("DATABASE_POOL_MAX_SIZE", 0, minimum=0)
    if not max_size:
        return None
    min_size = env_int("DATABASE_POOL_MIN_SIZE", 1, minimum=0)
    if min_size > max_size:
        raise ImproperlyConfigured(
            f"DATABASE_POOL_MIN_SIZE ({min_size}) must not exceed DATABASE_POOL_MAX_SIZE "
            f"({max_size})."
        )
    return {
        "min_size": min_size,
        "max_size": max_size,
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
        "name": "default",
    }


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    from project import embedded_postgres as embedded

    port = env_int("EMBEDDED_PG_PORT", 0)  # unset: no TCP listener, the Unix socket only
    host = os.environ.get("EMBEDDED_PG_HOST") or embedded.LOOPBACK
    pgdata = os.environ.get("EMBEDDED_PGDATA")
    try:
        return embedded.database_settings(
            pgdata=Path(pgdata) if pgdata else embedded.DEFAULT_DATA_DIRECTORY,
            listener=embedded.Listener(host=host, port=port) if port else None,
        )
    except embedded.EmbeddedPostgresError as error:
        raise SystemExit(f"Embedded PostgreSQL: {error}") from None


DATABASES = {"default": _database()}
if pool := _pool():
    # A pooled connection goes back to the pool after each request, so it has no age.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = pool
# An unreachable server fails fast (the API answers 503) instead of hanging a worker.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

# DATABASE_POOLER=transaction: DATABASE_URL is PgBouncer (or another pooler) in transaction mode,
# where a server connection is a client's only for one transaction. Nothing may then live in the
# session: the request statement timeout is set per transaction (project/statement_timeout.py),
# server-side cursors live only inside a transaction (the CSV streams open one), and Django's own
# pool would be a second pool in front of the pooler.
POOLER_MODES = ("transaction",)
ERROR_POOLER_MODE = (
    "DATABASE_POOLER must be 'transaction' (a pooler in transaction mode) or unset, got {mode!r}. "
    "A pooler in session mode needs no setting."
)
ERROR_POOLER_WITHOUT_URL = (
    "DATABASE_POOLER=transaction needs DATABASE_URL pointing at the pooler; the embedded "
    "PostgreSQL is reached directly."
)
ERROR_POOLER_WITH_POOL = (
    "DATABASE_POOLER=transaction with Django's connection pool (DATABASE_POOL_MAX_SIZE): a pool "
    "in front of the pooler only holds its connections; unset DATABASE_POOL_MAX_SIZE."
)

ERROR_REPLICA_POOLER_WITHOUT_URL = (
    "DATABASE_REPLICA_POOLER=transaction needs DATABASE_REPLICA_URL pointing at the replica's "
    "pooler."
)


def _database_pooler(database: dict, *, variable: str = "DATABASE_POOLER") -> str:
    """`variable` (DATABASE_POOLER for DATABASE_URL, DATABASE_REPLICA_POOLER for the replica's
    URL): the pooler mode of that database's URL, checked."""
    mode = os.environ.get(variable, "").strip().lower()
    if not mode:
        return ""
    if mode not in POOLER_MODES:
        raise ImproperlyConfigured(
            ERROR_POOLER_MODE.format(mode=mode).replace("DATABASE_POOLER", variable)
        )
    if not os.environ.get("DATABASE_URL"):
        raise ImproperlyConfigured(ERROR_POOLER_WITHOUT_URL)
    if database["OPTIONS"].get("pool"):
        raise ImproperlyConfigured(ERROR_POOLER_WITH_POOL.replace("DATABASE_POOLER", variable))
    # Django binds values client-side, which never prepares; should server_side_binding be
    # turned on, psycopg would prepare statements run often, which PgBouncer before 1.21 (or
    # without max_prepared_statements) sends to server connections that never saw them.
    database["OPTIONS"]["prepare_threshold"] = None
    return mode


DATABASE_POOLER = _database_pooler(DATABASES["default"])
if GREENLET_WORKER:
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Lets two test runs share one server (e.g. CI and a developer) without dropping each other's.
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

# A streaming replica of the same database (project/replica.py): report reads, CSV exports and
# the dashboard use it; writes and whatever must read its own writes stay on "default". An
# unreachable replica sends those reads to the primary for DATABASE_REPLICA_RETRY_SECONDS.
if os.environ.get("DATABASE_REPLICA_URL", "").strip():
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"].strip(), conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        **DATABASES["replica"].get("OPTIONS", {}),
    }
    if pool:  # a pool of its own, of the same size
        DATABASES["replica"]["CONN_MAX_AGE"] = 0
        # A pool waits its whole timeout for a connection to a replica that refuses them (its
        # worker keeps retrying): wait less, then the reads go to the primary.
        replica_pool = {**pool, "name": "replica", "timeout": min(pool["timeout"], 2)}
        DATABASES["replica"]["OPTIONS"]["pool"] = replica_pool
    if GREENLET_WORKER:
        DATABASES["replica"]["CONN_MAX_AGE"] = 0
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests: the same test database
# DATABASE_REPLICA_POOLER=transaction: the replica's URL is a transaction-mode pooler in front of
# it (what DATABASE_POOLER says of DATABASE_URL).
if os.environ.get("DATABASE_REPLICA_POOLER", "").strip() and "replica" not in DATABASES:
    raise ImproperlyConfigured(ERROR_REPLICA_POOLER_WITHOUT_URL)
DATABASE_REPLICA_POOLER = (
    _database_pooler(DATABASES["replica"], variable="DATABASE_REPLICA_POOLER")
    if "replica" in DATABASES
    else ""
)
DATABASE_REPLICA_RETRY_SECONDS = env_int("DATABASE_REPLICA_RETRY_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "project" / "static"]  # the pages' stylesheet
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "project.staticfinders.PlotlyFinder",  # the dashboard's charts, from the plotly package
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# LOG_FORMAT=json|plain (project/logs.py). Unset: JSON under gunicorn (gunicorn.conf.py sets it)
# and in production; plain for development (DJANGO_DEMO=1 or DJANGO_DEBUG=1: manage.py, tests).
try:
    LOG_FORMAT = log_format_choose(os.environ.get("LOG_FORMAT"), development=DEMO or DEBUG)
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from error
LOGGING_CONFIG = "project.logs.logging_configure"
# ACCESS_LOG_FILE: the access lines to this file instead of stderr (`make run` sets it, so the
# terminal keeps the banner).
LOGGING = logging_config(
    log_format=LOG_FORMAT,
    level=os.environ.get("LOG_LEVEL", "INFO"),
    access_log=os.environ.get("ACCESS_LOG_FILE", ""),
)

# GET /metrics (project/metrics.py) answers only `Authorization: Bearer <METRICS_TOKEN>`; unset,
# the endpoint is off (404). No default: a scrape shows traffic and report state.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()
METRICS_TOKEN_MIN_LENGTH = 16
if METRICS_TOKEN and len(METRICS_TOKEN) < METRICS_TOKEN_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} characters "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')."
    )

# Uploads naming another customer's order number: a key bound to a customer refused this many
# times within the window cannot upload (429, Retry-After) until the window has passed, so it
# cannot probe which order numbers exist (docs/API_KEYS.md).
UPLOAD_CONFLICT_LIMIT = env_int("UPLOAD_CONFLICT_LIMIT", 10)
UPLOAD_CONFLICT_WINDOW_SECONDS = env_int("UPLOAD_CONFLICT_WINDOW_SECONDS", 3600)
# Upload history (orders.UploadRecord, docs/UPLOADS.md): kept this many days, and at most
# this many rows; pruned as uploads are recorded.
UPLOAD_HISTORY_DAYS = env_int("UPLOAD_HISTORY_DAYS", 30)
UPLOAD_HISTORY_MAX_ROWS = env_int("UPLOAD_HISTORY_MAX_ROWS", 100_000)

# Reports (reports/): how often Celery beat runs the incremental refresh as a safety net beside
# `refresh_reports --follow`.
REPORTS_REFRESH_MINUTES = env_int("REPORTS_REFRESH_MINUTES", 5)
# How often Celery beat refits the predicted customer value (fit_clv; optional extra).
CLV_FIT_HOURS = env_int("CLV_FIT_HOURS", 24)
# Reports are stale when a committed change has waited longer than this to be applied (the
# follower applies changes within about a second), or when a full rebuild is due.
REPORTS_STALE_AFTER_SECONDS = env_int("REPORTS_STALE_AFTER_SECONDS", 60)
# The orders one follower run applies at first, those changed longest ago first: a client's big
# change (thousands of wide orders) is applied over several short runs, and a change made
# after it waits for those runs only (docs/DESIGN.md §6).
REPORTS_APPLY_BATCH_ORDERS = env_int("REPORTS_APPLY_BATCH_ORDERS", 2000)
# While the log stays deep, batches double after a run under 0.25 s and halve after one over 1 s,
# up to this many orders (reports.refresh.next_batch).
REPORTS_APPLY_BATCH_ORDERS_MAX = env_int("REPORTS_APPLY_BATCH_ORDERS_MAX", 16000)
# A run that finds at least this share of the orders in the change log (and at least the
# minimum) rebuilds every report instead of applying the changes: past it a full rebuild is
# the cheaper of the two (measured break-even in docs/DESIGN.md §6, "When a rebuild is cheaper").
REPORTS_FULL_REBUILD_PERCENT = env_int("REPORTS_FULL_REBUILD_PERCENT", 8)
REPORTS_FULL_REBUILD_MIN_ORDERS = env_int("REPORTS_FULL_REBUILD_MIN_ORDERS", 50_000)
# Money (docs/CURRENCIES.md): every report sums in this currency (ISO 4217); an order or an
# upload that names no currency is in it. Changing it on a database with rates converts
# nothing by itself: load rates to the new base, then refresh_reports --full.
REPORTS_BASE_CURRENCY = os.environ.get("REPORTS_BASE_CURRENCY", "USD").strip().upper()
# The sales channels an order may name; the first is the default for one that names none.
REPORTS_CHANNELS = env_list("REPORTS_CHANNELS", "online,retail,wholesale")
# The dashboard (/dashboard/) asks for new data this often.
DASHBOARD_POLL_SECONDS = env_int("DASHBOARD_POLL_SECONDS", 5)

# Celery (project/celery.py): Redis as broker and result store; beat runs the refresh service.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # A safety net beside `refresh_reports --follow`, which applies changes within a second:
    # the same incremental run, so a beat run while the follower works just finds nothing.
    "reports-refresh": {
        "task": "reports.refresh",
        "schedule": REPORTS_REFRESH_MINUTES * 60,
        # A run that could not start in time is dropped, not queued behind the next one.
        "options": {"expires": REPORTS_REFRESH_MINUTES * 60},
    },
    # The predicted customer value (reports.clv): refitted daily; skipped without the extra.
    "customer-value-fit": {
        "task": "reports.fit_clv",
        "schedule": CLV_FIT_HOURS * 3600,
        "options": {"expires": CLV_FIT_HOURS * 3600},
    },
}
