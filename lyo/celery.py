"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery

from common.prometheus import celery_metrics_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lyo.settings")

# Every task runs as a tenant-scoping edge (tenants/scoping.py).
app = Celery("lyo", task_cls="tenants.scoping:TenantEdgeTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Pool processes count in PROMETHEUS_MULTIPROC_DIR; the worker serves them on CELERY_METRICS_PORT.
celery_metrics_connect()
