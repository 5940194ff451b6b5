"""``vocabulary_for_tenant``: the only part of the understanding that reads the database."""

import pytest

from bookings.models import Resource
from bookings.tests.factories import OpeningHoursFactory, ResourceFactory, ServiceFactory
from conversations.assistant.understanding import Vocabulary, vocabulary_for_tenant
from conversations.tests.assistant.support import SALON, TRATTORIA
from tenants.demo import demo_tenants_seed
from tenants.models import Tenant
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _without_ids(vocabulary: Vocabulary) -> tuple:
    return (
        [service.names for service in vocabulary.services],
        [member.name for member in vocabulary.staff],
        vocabulary.opening_ranges,
    )


def test_demo_tenants_vocabularies_are_the_ones_the_phrase_suite_uses():
    demo_tenants_seed()
    salon = vocabulary_for_tenant(Tenant.objects.get(slug="salone-demo"))
    trattoria = vocabulary_for_tenant(Tenant.objects.get(slug="trattoria-demo"))
    assert _without_ids(salon) == _without_ids(SALON)
    assert _without_ids(trattoria) == _without_ids(TRATTORIA)


def test_only_active_services_and_active_staff_of_the_tenant_count():
    tenant = TenantFactory(kind="salon")
    other = TenantFactory(kind="salon")
    active = ServiceFactory(tenant=tenant, name_it="Piega", name_en="Blow-dry", aliases="styling\nbrushing")
    ServiceFactory(tenant=tenant, name_it="Permanente", name_en="Perm", is_active=False)
    ServiceFactory(tenant=other, name_it="Colore", name_en="Colour")
    giulia = ResourceFactory(tenant=tenant, kind=Resource.Kind.STAFF, name="Giulia")
    ResourceFactory(tenant=tenant, kind=Resource.Kind.STAFF, name="Marco", is_active=False)
    ResourceFactory(tenant=tenant, kind=Resource.Kind.TABLE, name="Tavolo 1")
    ResourceFactory(tenant=other, kind=Resource.Kind.STAFF, name="Luca")
    OpeningHoursFactory(tenant=other)

    vocabulary = vocabulary_for_tenant(tenant)

    assert [(s.id, s.names) for s in vocabulary.services] == [(active.id, ("Piega", "Blow-dry", "styling", "brushing"))]
    assert [(m.id, m.name) for m in vocabulary.staff] == [(giulia.id, "Giulia")]
    assert vocabulary.opening_ranges == ()
