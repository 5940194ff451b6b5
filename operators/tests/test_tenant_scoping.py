"""The tenant-scoping tripwire (tenants/scoping.py): inside a request or a task, a tenant-owned
query that does not know its tenant raises; once the tenant is known, only its rows are seen."""

import pytest
from celery import current_app
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from conversations.models import Message
from conversations.tests.factories import MessageFactory
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from tenants.middleware import TenantScopeMiddleware
from tenants.models import TenantOwnedModel
from tenants.scoping import (
    ScopeError,
    TenantEdgeTask,
    TenantScopedManager,
    cross_tenant,
    tenant_edge,
    tenant_edge_run,
    tenant_scope_enter,
)
from tenants.tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tenants():
    a, b = TenantFactory(), TenantFactory()
    return a, b, CustomerFactory(tenant=a), CustomerFactory(tenant=b)


def test_inside_an_edge_a_query_that_names_no_tenant_raises(two_tenants):
    _, _, giulia, _ = two_tenants
    with tenant_edge(), pytest.raises(ScopeError):
        Customer.objects.get(pk=giulia.pk)
    with tenant_edge(), pytest.raises(ScopeError):
        list(Message.objects.filter(conversation__customer=giulia))


def test_a_filter_by_tenant_is_not_enough_the_edge_must_say_whose_rows_it_reads(two_tenants):
    a, _, _, _ = two_tenants
    with tenant_edge(), pytest.raises(ScopeError):
        Customer.objects.filter(tenant=a).count()


def test_once_the_tenant_is_known_another_tenants_rows_are_invisible_even_by_id(two_tenants):
    a, _, giulia, marco = two_tenants
    with tenant_edge():
        tenant_scope_enter(a)
        assert Customer.objects.get(pk=giulia.pk) == giulia
        assert not Customer.objects.filter(pk=marco.pk).exists()
        assert list(Customer.objects.all()) == [giulia]


def test_a_staff_member_of_several_tenants_sees_exactly_those(two_tenants):
    a, b, giulia, marco = two_tenants
    c = TenantFactory()
    CustomerFactory(tenant=c)
    with tenant_edge():
        tenant_scope_enter([a, b.pk])
        assert set(Customer.objects.all()) == {giulia, marco}


def test_cross_tenant_work_says_so_and_sees_everything(two_tenants):
    _, _, giulia, marco = two_tenants
    with tenant_edge(), cross_tenant("a test of the escape"):
        assert set(Customer.objects.all()) == {giulia, marco}


def test_the_edge_ends_with_its_scope_and_outside_an_edge_nothing_is_checked(two_tenants):
    a, _, giulia, marco = two_tenants
    with tenant_edge():
        tenant_scope_enter(a)
    assert set(Customer.objects.all()) == {giulia, marco}
    tenant_scope_enter(a)  # outside an edge: a no-op, so a test calling a service directly is not narrowed
    assert set(Customer.objects.all()) == {giulia, marco}


def test_relations_follow_the_scope(two_tenants):
    a, _, giulia, _ = two_tenants
    message = MessageFactory(conversation__customer=giulia)
    other = MessageFactory()
    with tenant_edge():
        tenant_scope_enter(a)
        assert list(giulia.conversations.all()) == [message.conversation]
        assert not Message.objects.filter(pk=other.pk).exists()
        # A foreign key is read through the plain base manager: a row already loaded names its tenant.
        assert message.conversation.customer == giulia


@override_settings(TENANT_SCOPES_ENFORCED=False)
def test_off_when_not_enforced(two_tenants):
    _, _, giulia, marco = two_tenants
    with tenant_edge():
        assert set(Customer.objects.all()) == {giulia, marco}


def test_every_task_runs_as_an_edge():
    assert issubclass(current_app.Task, TenantEdgeTask)

    @tenant_edge_run
    def forgetful_task(customer_id: int) -> str:
        return Customer.objects.get(pk=customer_id).display_name

    customer = CustomerFactory()
    with pytest.raises(ScopeError):
        forgetful_task(customer.pk)


def test_every_model_with_a_tenant_is_tenant_owned_and_uses_the_scoped_manager():
    with_tenant = [
        model for model in apps.get_models()
        if any(isinstance(f, models.ForeignKey) and f.name == "tenant" for f in model._meta.fields)
    ]
    # Membership and the audit trail are how a tenant's staff are found, not a tenant's data.
    allowed_plain = {"tenants.TenantMembership", "tenants.AuditEvent"}
    for model in with_tenant:
        label = model._meta.label
        if label in allowed_plain:
            continue
        assert issubclass(model, TenantOwnedModel), label
        assert isinstance(model._default_manager, TenantScopedManager), label


def _request_counting_customers(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    response = TenantScopeMiddleware(lambda request: HttpResponse(str(Customer.objects.count())))(request)
    return int(response.content)


def test_a_request_serves_its_staff_members_tenants_the_operator_all_and_a_stranger_none(two_tenants):
    """Defence in depth: a page that forgot its tenant filter still shows only the staff member's rows."""
    a, _, _, _ = two_tenants
    staff = UserFactory()
    staff.tenant_memberships.create(tenant=a)
    assert _request_counting_customers(staff) == 1
    assert _request_counting_customers(UserFactory(is_superuser=True)) == 2
    with pytest.raises(ScopeError):
        _request_counting_customers(AnonymousUser())
