"""The tenant-scoping tripwire: a query on a tenant-owned model must know whose rows it reads.

Every request, task and webhook delivery is an *edge* (``tenant_edge``): inside one,
a query on a model derived from ``TenantOwnedModel`` raises ``ScopeError`` until the
edge has said which tenant (or tenants) it serves with ``tenant_scope_enter``; from
then on every such query is also filtered to those tenants. Work that really spans
tenants says so where it happens, in words: ``with cross_tenant("why"):`` — the few
places are easy to find (``grep -rn cross_tenant``): the beat sweeps, the lookups that
find the tenant in the first place, the superuser's admin.

Built on django-scopes (as pretix uses it). Outside any edge (imports, migrations, the
shell, a test calling a service directly) nothing is checked. Enforced where
``TENANT_SCOPES_ENFORCED`` is on: in the test suite and with ``DEBUG``; off by default
in production, where a forgotten scope must not turn into a customer left without an
answer (the suite is where it is caught).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from celery import Task
from django.conf import settings
from django.db import models
from django_scopes import ScopedManager, ScopeError, get_scope, scope, scopes_disabled
from django_scopes.state import state

__all__ = [
    "ScopeError",
    "TenantEdgeTask",
    "TenantScopedManager",
    "cross_tenant",
    "tenant_edge",
    "tenant_edge_run",
    "tenant_scope_enter",
]

P = ParamSpec("P")
R = TypeVar("R")

# The key an edge leaves in the scope state, so tenant_scope_enter knows it may narrow it.
_EDGE = "_lyo_edge"

_Scoped = type(ScopedManager(tenant="tenant"))


class TenantScopedManager(_Scoped):  # type: ignore[misc, valid-type]
    """The default manager of tenant-owned models: checked inside an edge, plain outside one."""

    def get_queryset(self) -> models.QuerySet:
        current = get_scope()
        if not current.get(_EDGE) or not settings.TENANT_SCOPES_ENFORCED:
            return models.Manager.get_queryset(self)
        return super().get_queryset()


@contextmanager
def tenant_edge() -> Iterator[None]:
    """Where a request, a task or a delivery starts: tenant-owned queries need a tenant from here on."""
    with scope(**{_EDGE: True}):
        yield


def tenant_edge_run(function: Callable[P, R]) -> Callable[P, R]:
    """``tenant_edge`` around a whole function (a task's body)."""

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with tenant_edge():
            return function(*args, **kwargs)

    return run


class TenantEdgeTask(Task):
    """The Celery application's task class: every task run is an edge."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with tenant_edge():
            return super().__call__(*args, **kwargs)


def tenant_scope_enter(tenant: Any) -> None:
    """The edge now serves ``tenant`` (a Tenant, its id, or several ids): until the edge ends.

    Narrows the edge's own scope in place, so a service can call it on one line once it
    has found its tenant; the edge puts the previous state back when it ends. A no-op
    outside an edge (a test calling the service directly).
    """
    current = get_scope()
    if not current.get(_EDGE):
        return
    value = _scope_value(tenant)
    state.set({**current, "_enabled": True, "tenant": value})


@contextmanager
def cross_tenant(reason: str) -> Iterator[None]:
    """Queries that span tenants on purpose; ``reason`` is for the reader (and grep)."""
    del reason
    with scopes_disabled():
        yield


def _scope_value(tenant: Any) -> Any:
    if isinstance(tenant, models.Model):
        return tenant.pk
    if isinstance(tenant, Iterable) and not isinstance(tenant, str | bytes):
        return [t.pk if isinstance(t, models.Model) else t for t in tenant]
    return tenant
