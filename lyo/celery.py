"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

from common.prometheus import celery_metrics_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lyo.settings")

# Every task runs as a tenant-scoping edge (tenants/scoping.py).
app = Celery("lyo", task_cls="tenants.scoping:TenantEdgeTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Pool processes count in PROMETHEUS_MULTIPROC_DIR; the worker serves them on CELERY_METRICS_PORT.
celery_metrics_connect()


@task_prerun.connect(dispatch_uid="lyo_database_connections_tidy_prerun")
@task_postrun.connect(dispatch_uid="lyo_database_connections_tidy_postrun")
def database_connections_tidy(sender=None, **kwargs) -> None:
    """Around each task, what Django does around each request: close a connection that broke
    or outlived ``CONN_MAX_AGE``, keep the others (``CELERY_DB_REUSE_MAX`` in settings).
    Not for tasks run in-process (``is_eager``): they run inside the caller's transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()
