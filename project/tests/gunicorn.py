"""The app under gunicorn on a free loopback port, as tests that need real processes run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.support import free_port
from orders.tests.test_faults import BASE_DIR


def gunicorn_start(
    environment: dict,
    log: Path,
    *,
    workers: int,
    config: bool = True,
    options: tuple[str, ...] = (),
) -> tuple[subprocess.Popen, str]:
    """(the process, its base URL); its output goes to `log`. `config`: with
    project/gunicorn.conf.py (gevent workers, JSON logs, the metrics' multiprocess directory),
    as `make run` starts it; `options`: more of gunicorn's, e.g. ("--worker-class", "sync")."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "project.wsgi"]
    if config:
        command += ["-c", "project/gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), *options]
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (fixed argv)
            command, cwd=BASE_DIR, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    return process, f"http://127.0.0.1:{port}"
