"""The Celery app: `celery -A project worker` runs tasks, `celery -A project beat` schedules them.

Configuration is Django's settings under the CELERY_ prefix (project/settings.py), which read the
environment: CELERY_BROKER_URL, REPORTS_REFRESH_MINUTES.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
