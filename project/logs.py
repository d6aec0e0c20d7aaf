"""Logs: one line per record, JSON or plain, each carrying the id of the request it belongs to.

`LOG_FORMAT=json` writes one JSON object per line (`time`, `level`, `logger`, `message`,
`request_id`, `pid`, the record's scalar `extra` fields, `exception`); `plain` writes
`time level logger [request_id] message`. The request id is a context variable that
`project.middleware.RequestIdMiddleware` sets and `request_finished` clears (after a streamed
answer too), so every line logged during a request carries it, whichever library logs.

Never logged: request bodies and API keys. Only scalar `extra` values are written, so objects
that libraries attach to records (Django's `request`) are never serialised.

Imported by `project/gunicorn.conf.py` before Django is set up: nothing here may read settings.
"""

from __future__ import annotations

import datetime
import json
import logging
import logging.config
from contextvars import ContextVar

JSON, PLAIN = "json", "plain"
FORMATS = (JSON, PLAIN)
NO_REQUEST = "-"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
_SCALARS = (str, int, float, bool, type(None))


def request_id_bind(request_id: str | None) -> None:
    """The id that lines logged from now on in this thread carry (None: not in a request)."""
    request_id_var.set(request_id)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or NO_REQUEST
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; tracebacks are a field, never extra lines."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id in (None, NO_REQUEST) else request_id,
            "pid": record.process,
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and name not in line and isinstance(value, _SCALARS):
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def log_format_choose(value: str | None, *, development: bool) -> str:
    """LOG_FORMAT when set; otherwise plain for development (demo, debug), JSON elsewhere.

    gunicorn.conf.py sets LOG_FORMAT=json unless it is set, so a server logs JSON by default.
    """
    value = (value or "").strip().lower()
    if not value:
        return PLAIN if development else JSON
    if value not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, got {value!r}.")
    return value


def logging_config(*, log_format: str, level: str, access_log: str = "") -> dict:
    """The `LOGGING` dict: one console handler on stderr, the request id filter on it; with
    `access_log`, the access lines (logger project.access) go to that file instead (the demo)."""
    formatter = {"()": JsonFormatter} if log_format == JSON else {"format": PLAIN_FORMAT}
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {log_format: formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
    if access_log:
        config["handlers"]["access_file"] = {
            "class": "logging.FileHandler",
            "filename": access_log,
            "formatter": log_format,
            "filters": ["request_id"],
        }
        config["loggers"] = {
            "project.access": {"handlers": ["access_file"], "level": level, "propagate": False}
        }
    return config


def logging_configure(config: dict) -> None:
    """Django's LOGGING_CONFIG. Under JSON, Python's warnings become records too: a bare
    warning on stderr would break "one JSON object per line"."""
    logging.config.dictConfig(config)
    if config["handlers"]["console"]["formatter"] == JSON:
        logging.captureWarnings(True)
