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
# project/gunicorn.conf.py: /metrics adds up every worker (a private sample directory unless
# PROMETHEUS_MULTIPROC_DIR is set), JSON logs with one access line per request from Django.
CMD ["gunicorn", "project.wsgi", "-c", "project/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "4"]
