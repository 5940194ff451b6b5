"""Only a tenant's owners (and the operator) set, replace or remove its channel access tokens."""

import pytest
from django.urls import reverse

from tenants.models import Tenant, TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db

INLINE_PREFIXES = ("service_set", "openinghours_set", "closure_set", "resource_set")


def _tenant_page_post(client, tenant: Tenant, **fields):
    url = reverse("admin:tenants_tenant_change", args=[tenant.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "id" and k in form.fields}
    for prefix in INLINE_PREFIXES:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(fields)
    return client.post(url, data)


TOKEN_POSTS = {
    "replace": ({"new_whatsapp_access_token": "EAAG-planted", "new_instagram_access_token": "IGQ-planted"},
                "EAAG-planted", "IGQ-planted"),
    "clear": ({"clear_whatsapp_access_token": "on", "clear_instagram_access_token": "on"}, "", ""),
}


@pytest.mark.parametrize("post", TOKEN_POSTS)
def test_staff_who_are_not_owners_cannot_replace_or_clear_tokens_by_posting_them(client, post):
    tenant = TenantFactory(whatsapp_access_token="EAAG-original", instagram_access_token="IGQ-original")
    client.force_login(MembershipFactory(tenant=tenant, role=TenantMembership.Role.STAFF).user)
    fields, _, _ = TOKEN_POSTS[post]
    response = _tenant_page_post(client, tenant, name="Renamed by staff", **fields)
    assert response.status_code == 302
    stored = Tenant.objects.get(pk=tenant.pk)
    assert stored.name == "Renamed by staff"  # the rest of the page still works for staff
    assert stored.whatsapp_access_token == "EAAG-original"
    assert stored.instagram_access_token == "IGQ-original"


@pytest.mark.parametrize("post", TOKEN_POSTS)
def test_owners_replace_or_clear_tokens(client, post):
    tenant = TenantFactory(whatsapp_access_token="EAAG-original", instagram_access_token="IGQ-original")
    client.force_login(MembershipFactory(tenant=tenant, role=TenantMembership.Role.OWNER).user)
    fields, whatsapp, instagram = TOKEN_POSTS[post]
    response = _tenant_page_post(client, tenant, **fields)
    assert response.status_code == 302
    stored = Tenant.objects.get(pk=tenant.pk)
    assert stored.whatsapp_access_token == whatsapp
    assert stored.instagram_access_token == instagram


def test_owner_of_another_tenant_is_only_staff_here_and_cannot_replace_the_token(client):
    tenant = TenantFactory(whatsapp_access_token="EAAG-original")
    user = MembershipFactory(tenant=tenant, role=TenantMembership.Role.STAFF).user
    MembershipFactory(user=user, role=TenantMembership.Role.OWNER)  # owner elsewhere
    client.force_login(user)
    _tenant_page_post(client, tenant, new_whatsapp_access_token="EAAG-planted")
    assert Tenant.objects.get(pk=tenant.pk).whatsapp_access_token == "EAAG-original"


def test_staff_who_are_not_owners_cannot_set_chatwoot_secrets(client):
    from chatwoot.models import ChatwootConnection
    from chatwoot.tests.conftest import BOT_TOKEN, SECRET, connection_create

    connection = connection_create()
    client.force_login(MembershipFactory(tenant=connection.tenant, role=TenantMembership.Role.STAFF).user)
    url = reverse("admin:chatwoot_chatwootconnection_change", args=[connection.pk])
    response = client.post(url, {
        "tenant": connection.tenant.pk, "base_url": connection.base_url, "account_id": connection.account_id,
        "new_bot_access_token": "planted-token", "new_webhook_secret": "planted-secret-0123456789abcdef",
    })
    assert response.status_code == 403
    stored = ChatwootConnection.objects.get(pk=connection.pk)
    assert (stored.bot_access_token, stored.webhook_secret) == (BOT_TOKEN, SECRET)
