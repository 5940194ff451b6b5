"""The tenant page's Instagram section: the token is set or replaced, never shown; the account id is the operator's."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tenants.models import Tenant
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

TOKEN = "IGAAG-secret-instagram-token-value"


def _url(tenant: Tenant) -> str:
    return reverse("admin:tenants_tenant_change", args=[tenant.pk])


def _form_data(response) -> dict:
    form = response.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "id"}
    for prefix in ("service_set", "openinghours_set", "closure_set", "resource_set", "memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


@pytest.fixture
def tenant():
    return TenantFactory(instagram_account_id="17841400000000001", instagram_access_token=TOKEN)


def test_owner_sees_the_instagram_section_but_never_the_token(client, tenant):
    client.force_login(MembershipFactory(tenant=tenant, role="owner").user)
    page = client.get(_url(tenant)).content.decode()
    assert TOKEN not in page
    assert "new_instagram_access_token" in page
    assert "17841400000000001" in page  # shown, read-only for a tenant's owner


def test_staff_who_are_not_owners_cannot_change_the_instagram_token(client, tenant):
    client.force_login(MembershipFactory(tenant=tenant, role="staff").user)
    page = client.get(_url(tenant)).content.decode()
    assert "new_instagram_access_token" not in page
    assert TOKEN not in page


def test_superuser_replaces_the_token_and_clears_metas_rejection(admin_client, tenant):
    Tenant.objects.filter(pk=tenant.pk).update(instagram_token_invalid_at=timezone.now())
    data = _form_data(admin_client.get(_url(tenant)))
    data["new_instagram_access_token"] = "IGAAG-brand-new"
    response = admin_client.post(_url(tenant), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    tenant.refresh_from_db()
    assert (tenant.instagram_access_token, tenant.instagram_token_invalid_at) == ("IGAAG-brand-new", None)
    assert tenant.whatsapp_access_token.startswith("EAAG-test-token")  # untouched


def test_superuser_removes_the_token(admin_client, tenant):
    data = {**_form_data(admin_client.get(_url(tenant))), "clear_instagram_access_token": "on"}
    assert admin_client.post(_url(tenant), data).status_code == 302
    assert Tenant.objects.get(pk=tenant.pk).instagram_access_token == ""


def test_an_instagram_account_belongs_to_one_tenant(admin_client, tenant):
    other = TenantFactory()
    data = {**_form_data(admin_client.get(_url(other))), "instagram_account_id": "17841400000000001"}
    response = admin_client.post(_url(other), data)
    assert response.status_code == 200
    assert "instagram_account_id" in response.context["adminform"].form.errors


def test_tenants_without_instagram_leave_the_account_id_empty(admin_client):
    first, second = TenantFactory(), TenantFactory()
    for tenant in (first, second):
        assert admin_client.post(_url(tenant), _form_data(admin_client.get(_url(tenant)))).status_code == 302
    assert list(Tenant.objects.values_list("instagram_account_id", flat=True)) == [None, None]


def test_the_column_never_holds_the_token_in_clear(tenant):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT instagram_access_token FROM lyo_tenants WHERE id = %s", [tenant.pk.hex])
        (stored,) = cursor.fetchone()
    assert stored and TOKEN not in stored
