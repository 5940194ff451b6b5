"""A worker keeps its database connection from task to task, as a web process does between requests."""

import time
from types import SimpleNamespace

import pytest
from django.db import connection

from lyo.celery import app, database_connections_tidy

pytestmark = pytest.mark.django_db(transaction=True)  # autocommit on, as in a worker


# Django never closes the suite's in-memory SQLite database; CI runs these on PostgreSQL.
closes_for_real = pytest.mark.skipif(connection.vendor == "sqlite", reason="in-memory SQLite is never closed")


def _task(eager: bool = False) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


@pytest.fixture
def open_connection():
    connection.ensure_connection()
    kept = connection.close_at
    yield connection
    connection.close_at = kept


def test_a_healthy_connection_is_kept_after_a_task(open_connection):
    open_connection.close_at = time.monotonic() + 60  # CONN_MAX_AGE not reached
    before = open_connection.connection
    database_connections_tidy(sender=_task())
    assert open_connection.connection is before


@closes_for_real
def test_a_connection_older_than_conn_max_age_is_closed_after_a_task(open_connection):
    open_connection.close_at = time.monotonic() - 1
    database_connections_tidy(sender=_task())
    assert open_connection.connection is None


@closes_for_real
def test_a_connection_that_failed_and_cannot_answer_is_closed(open_connection, monkeypatch):
    open_connection.close_at = time.monotonic() + 60
    open_connection.errors_occurred = True
    monkeypatch.setattr(open_connection, "is_usable", lambda: False)
    database_connections_tidy(sender=_task())
    assert open_connection.connection is None


def test_tasks_run_in_process_leave_the_callers_connection_alone(open_connection):
    open_connection.close_at = time.monotonic() - 1
    before = open_connection.connection
    database_connections_tidy(sender=_task(eager=True))
    assert open_connection.connection is before


def test_celerys_own_close_after_every_task_is_off():
    # Its Django fixup closes every connection unless told to reuse them this many times.
    assert app.conf.get("CELERY_DB_REUSE_MAX") >= 1_000_000
