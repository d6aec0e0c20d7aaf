FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic only reads settings: a placeholder URL and key, never used at run time.
RUN DATABASE_URL=postgres://build@localhost/build DJANGO_SECRET_KEY=build-only \
    python manage.py collectstatic --no-input --verbosity 0
RUN useradd --system app
USER app
EXPOSE 8000
# Liveness (docs/OPERATIONS.md): the process and its database answer; stale reports do not fail it.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# project/gunicorn.conf.py: /metrics adds up every worker (a private sample directory unless
# PROMETHEUS_MULTIPROC_DIR is set), JSON logs with one access line per request from Django.
# Sync workers, because this image runs behind nginx (deploy/nginx.conf, docker-compose.yml),
# which hands gunicorn only whole requests; without a buffering proxy in front, drop
# `--worker-class sync` (the config's gevent workers) so a slow client cannot hold a worker.
CMD ["gunicorn", "project.wsgi", "-c", "project/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "sync"]
