"""gunicorn settings for this app: `gunicorn -c project/gunicorn.conf.py project.wsgi`.

- Metrics from every worker: prometheus_client's multiprocess mode needs one directory shared
  by the workers, set before any of them imports prometheus_client. `PROMETHEUS_MULTIPROC_DIR`
  names it (`make run` gives each port its own); unset, a private temporary directory is made
  and removed at exit. Its sample files are deleted when the server starts (a restarted server
  must not add up the counts of the last one), and when a worker exits the master drops that
  worker's live gauges (`mark_process_dead`); its counters stay in the sums.
- Logs: JSON unless LOG_FORMAT says otherwise (project/logs.py), gunicorn's own lines too.
  Django logs one access line per request with its request id, so gunicorn's access log is
  left off.

- Workers: gevent (`make run`, a machine with only Python in front of it): a client that
  sends its request slowly holds one greenlet, never the worker, so `/healthz` keeps answering
  (project/tests/test_slow_client.py). Each worker serves up to `worker_connections` at once;
  the app reads a body before it opens a database session, within REQUEST_BODY_TIMEOUT_SECONDS,
  and each request opens and closes its own database connection (CONN_MAX_AGE=0 under gevent;
  DATABASE_POOL_MAX_SIZE bounds them per worker instead: project/settings.py). The
  production shape (Dockerfile, docker-compose.yml) passes `--worker-class sync` behind nginx,
  which buffers whole requests first (deploy/nginx.conf); a sync worker alone is held for its
  whole `timeout` by one slow client.

Everything else (bind, workers) comes from the command line.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from project.logs import JSON, logging_config

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_OWN_DIR_VARIABLE = "ORDERS_METRICS_OWN_DIR"  # set when this file made the directory

# Module level, so the variables exist before the master forks or imports anything else (a
# gunicorn reload runs this file again and finds them set).
if not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
    os.environ[MULTIPROCESS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="orders-metrics-")
    os.environ[_OWN_DIR_VARIABLE] = os.environ[MULTIPROCESS_DIR_VARIABLE]
os.environ[MULTIPROCESS_DIR_VARIABLE] = str(Path(os.environ[MULTIPROCESS_DIR_VARIABLE]).resolve())
os.environ.setdefault("LOG_FORMAT", JSON)

worker_class = "gevent"
worker_connections = 200

if os.environ["LOG_FORMAT"] == JSON:
    logconfig_dict = logging_config(log_format=JSON, level=os.environ.get("LOG_LEVEL", "INFO"))
    logconfig_dict["loggers"] = {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Django's project.access line says it all (route, status, time, request id).
        "gunicorn.access": {"handlers": [], "propagate": False},
    }


def on_starting(server) -> None:
    """Before the first worker: an empty sample directory (only prometheus_client's files)."""
    directory = Path(os.environ[MULTIPROCESS_DIR_VARIABLE])
    directory.mkdir(parents=True, exist_ok=True)
    for samples in directory.glob("*.db"):
        samples.unlink()
    server.log.info("metrics: worker samples in %s", directory)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    own = os.environ.get(_OWN_DIR_VARIABLE)
    if own:
        shutil.rmtree(own, ignore_errors=True)
