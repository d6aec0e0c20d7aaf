"""Prometheus metrics: requests, database connections, and the `/metrics` endpoint.

Under gunicorn each worker is a process of its own. With `PROMETHEUS_MULTIPROC_DIR` set (which
`project/gunicorn.conf.py` does) every worker writes its samples to files in that directory and
a scrape, answered by any worker, adds them up (prometheus_client's multiprocess mode); the
gunicorn master removes a dead worker's live gauges. Without it (runserver, tests, commands)
the samples live in the process.

Labels are bounded whatever clients send: `endpoint` is the URL pattern a request matched
(`/api/orders/<order_number>`, never the order number), `<static>` or `<unmatched>`; `method`
is one of the standard methods or `other`; `status` is the code the app answered.

`/metrics` is off (404) unless `METRICS_TOKEN` is set, and then answers only
`Authorization: Bearer <METRICS_TOKEN>` (401 otherwise).
"""

from __future__ import annotations

import hmac
import logging
import os
import time

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.encoding import escape_uri_path
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from reports.metrics import ReportsCollector

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD, STATIC_ENDPOINT, UNMATCHED_ENDPOINT = "other", "<static>", "<unmatched>"
# Successful probes are frequent and say nothing new: their access lines are DEBUG.
PROBE_PATHS = ("/healthz", "/readyz", "/metrics")
ERROR_UNAUTHORIZED = "Send 'Authorization: Bearer <METRICS_TOKEN>'.\n"

access_logger = logging.getLogger("project.access")

REQUESTS = Counter(
    "http_requests",
    "Requests answered, by method, endpoint (the URL pattern matched) and status.",
    ["method", "endpoint", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from the request reaching Django to its answer (a streamed CSV: its first byte).",
    ["method", "endpoint", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# Per worker (`pid` label under gunicorn); a dead worker's series go with it.
DB_CONNECTIONS_OPEN = Gauge(
    "db_connections_open",
    "Database connections this worker holds open between requests (CONN_MAX_AGE), per alias.",
    ["alias"],
    multiprocess_mode="liveall",
)
# Django's connection pool (psycopg 3, OPTIONS["pool"]): psycopg_pool's statistics -> gauges.
POOL_GAUGES = {
    statistic: Gauge(
        name,
        f"This worker's database connection pool: {meaning}, per alias.",
        ["alias"],
        multiprocess_mode="liveall",
    )
    for statistic, name, meaning in (
        ("pool_size", "db_pool_size", "connections it holds, in use or idle"),
        ("pool_available", "db_pool_available", "idle connections ready"),
        ("pool_min", "db_pool_min", "its minimum size"),
        ("pool_max", "db_pool_max", "its maximum size"),
        ("requests_waiting", "db_pool_requests_waiting", "requests waiting for a connection"),
    )
}


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


def method_label(request: HttpRequest) -> str:
    return request.method if request.method in METHODS else OTHER_METHOD


def endpoint_label(request: HttpRequest) -> str:
    """The URL pattern the request matched, also when a middleware answered before the view."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    if match is not None:
        return "/" + match.route
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return STATIC_ENDPOINT
    return UNMATCHED_ENDPOINT


class RequestMetricsMiddleware:
    """Counts and times every request, and writes its access log line.

    Inside `RequestIdMiddleware`, so the line carries the request id.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        labels = (method_label(request), endpoint_label(request), str(response.status_code))
        REQUESTS.labels(*labels).inc()
        LATENCY.labels(*labels).observe(seconds)
        probe = request.path in PROBE_PATHS and response.status_code < 400
        access_logger.log(
            logging.DEBUG if probe else logging.INFO,
            "%s %s %s %.1f ms",
            labels[0],
            escape_uri_path(request.path),  # no query string; percent-encoded, one line
            labels[2],
            seconds * 1000,
            extra={
                "method": labels[0],
                "endpoint": labels[1],
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response


def db_gauges_update(**kwargs) -> None:
    """This worker's connections, after Django closed those past CONN_MAX_AGE."""
    for wrapper in connections.all(initialized_only=True):
        DB_CONNECTIONS_OPEN.labels(wrapper.alias).set(0 if wrapper.connection is None else 1)
        pool = getattr(wrapper, "pool", None)  # None without OPTIONS["pool"]
        if pool is not None:
            statistics = pool.get_stats()
            for statistic, gauge in POOL_GAUGES.items():
                gauge.labels(wrapper.alias).set(statistics.get(statistic, 0))


# Connected after django.db's close_old_connections, so it sees what a request leaves open.
request_finished.connect(db_gauges_update, dispatch_uid="project.metrics.db_gauges_update")


class _ThisProcess:
    """The samples of this process's default registry, when there are no worker files."""

    def collect(self):
        return REGISTRY.collect()


def scrape_registry() -> CollectorRegistry:
    """Every worker's samples (or this process's), then what is read from PostgreSQL now."""
    registry = CollectorRegistry()
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    registry.register(ReportsCollector())
    return registry


def _bearer(request: HttpRequest) -> str:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("METRICS_TOKEN is not set")
    if not hmac.compare_digest(_bearer(request).encode(), token.encode()):
        response = HttpResponse(ERROR_UNAUTHORIZED, status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    db_gauges_update()
    # The format the scraper asks for: Prometheus prefers OpenMetrics, curl gets plain text.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = HttpResponse(encode(scrape_registry()), content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
