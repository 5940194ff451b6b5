"""The idle hand-back setting is on the tenant's admin page, with the assistant's limits."""

import pytest
from django.urls import reverse

from tenants.tests.factories import MembershipFactory, TenantFactory

pytestmark = pytest.mark.django_db


def test_the_tenant_page_shows_the_hand_back_hours(client):
    tenant = TenantFactory()
    assert tenant.staff_hand_back_hours == 12
    client.force_login(MembershipFactory(tenant=tenant, role="owner").user)
    html = client.get(reverse("admin:tenants_tenant_change", args=[tenant.pk])).content.decode()
    assert 'name="staff_hand_back_hours" value="12"' in html
