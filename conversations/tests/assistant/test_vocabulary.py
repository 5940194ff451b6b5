"""``vocabulary_for_tenant``: the only part of the understanding that reads the database (once per
configuration version of the tenant)."""

from datetime import time

import pytest

from bookings.models import OpeningHours, Resource, Service
from bookings.tests.factories import OpeningHoursFactory, ResourceFactory, ServiceFactory
from conversations.assistant.understanding import Vocabulary, vocabulary_for_tenant
from conversations.assistant.understanding import vocabulary as vocabulary_module
from conversations.assistant.understanding.vocabulary import vocabulary_cache_clear
from conversations.tests.assistant.support import SALON, TRATTORIA
from operators.demo import demo_tenants_seed
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


# --- the per-process cache, keyed by the tenant's config_version ---------------------


def _salon_with_giulia() -> Tenant:
    tenant = TenantFactory(kind="salon")
    ServiceFactory(tenant=tenant, name_it="Piega", name_en="Blow-dry")
    ResourceFactory(tenant=tenant, kind=Resource.Kind.STAFF, name="Giulia")
    OpeningHoursFactory(tenant=tenant, opens=time(9, 0), closes=time(19, 0))
    return Tenant.objects.get(pk=tenant.pk)


def _saved(row, **changes):
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()
    return row


def test_the_first_read_runs_three_queries_and_the_next_ones_none(django_assert_num_queries):
    tenant = _salon_with_giulia()
    with django_assert_num_queries(3):
        first = vocabulary_for_tenant(tenant)
    reloaded = Tenant.objects.get(pk=tenant.pk)  # as for every message
    with django_assert_num_queries(0):
        second = vocabulary_for_tenant(tenant)
        third = vocabulary_for_tenant(reloaded)
    assert second is first
    assert third is first
    assert _without_ids(first) == ([("Piega", "Blow-dry")], ["Giulia"], ((time(9, 0), time(19, 0)),))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: ServiceFactory(tenant=t, name_it="Colore", name_en="Colour", position=1),
            ([("Piega", "Blow-dry"), ("Colore", "Colour")], ["Giulia"], ((time(9, 0), time(19, 0)),)),
        ),
        (
            lambda t: _saved(Service.objects.get(tenant=t), name_it="Messa in piega"),
            ([("Messa in piega", "Blow-dry")], ["Giulia"], ((time(9, 0), time(19, 0)),)),
        ),
        (
            lambda t: _saved(Service.objects.get(tenant=t), is_active=False),
            ([], ["Giulia"], ((time(9, 0), time(19, 0)),)),
        ),
        (
            lambda t: Service.objects.get(tenant=t).delete(),
            ([], ["Giulia"], ((time(9, 0), time(19, 0)),)),
        ),
        (
            lambda t: ResourceFactory(tenant=t, kind=Resource.Kind.STAFF, name="Marco", position=1),
            ([("Piega", "Blow-dry")], ["Giulia", "Marco"], ((time(9, 0), time(19, 0)),)),
        ),
        (
            lambda t: _saved(Resource.objects.get(tenant=t), name="Giulia B."),
            ([("Piega", "Blow-dry")], ["Giulia B."], ((time(9, 0), time(19, 0)),)),
        ),
        (
            lambda t: _saved(Resource.objects.get(tenant=t), is_active=False),
            ([("Piega", "Blow-dry")], [], ((time(9, 0), time(19, 0)),)),
        ),
        (
            lambda t: Resource.objects.get(tenant=t).delete(),
            ([("Piega", "Blow-dry")], [], ((time(9, 0), time(19, 0)),)),
        ),
        (
            lambda t: OpeningHoursFactory(tenant=t, weekday=5, opens=time(10, 0), closes=time(14, 0)),
            ([("Piega", "Blow-dry")], ["Giulia"], ((time(9, 0), time(19, 0)), (time(10, 0), time(14, 0)))),
        ),
        (
            lambda t: _saved(OpeningHours.objects.get(tenant=t), closes=time(20, 0)),
            ([("Piega", "Blow-dry")], ["Giulia"], ((time(9, 0), time(20, 0)),)),
        ),
        (
            lambda t: OpeningHours.objects.get(tenant=t).delete(),
            ([("Piega", "Blow-dry")], ["Giulia"], ()),
        ),
    ],
    ids=[
        "service added", "service renamed", "service deactivated", "service deleted",
        "staff added", "staff renamed", "staff deactivated", "staff deleted",
        "opening hours added", "opening hours changed", "opening hours deleted",
    ],
)
def test_a_change_bumps_the_version_and_the_next_read_shows_it(change, expected):
    tenant = _salon_with_giulia()
    vocabulary_for_tenant(tenant)

    change(tenant)

    reloaded = Tenant.objects.get(pk=tenant.pk)
    assert reloaded.config_version == tenant.config_version + 1
    assert _without_ids(vocabulary_for_tenant(reloaded)) == expected



def test_two_tenants_vocabularies_never_mix(django_assert_num_queries):
    a = _salon_with_giulia()
    b = TenantFactory(kind="salon")
    ServiceFactory(tenant=b, name_it="Barba", name_en="Beard trim")
    b = Tenant.objects.get(pk=b.pk)
    a_vocabulary = vocabulary_for_tenant(a)
    b_vocabulary = vocabulary_for_tenant(b)

    ServiceFactory(tenant=b, name_it="Colore", name_en="Colour", position=1)

    a_reloaded, b_reloaded = Tenant.objects.get(pk=a.pk), Tenant.objects.get(pk=b.pk)
    assert a_reloaded.config_version == a.config_version  # B's change is not A's
    assert b_reloaded.config_version == b.config_version + 1
    with django_assert_num_queries(0):
        assert vocabulary_for_tenant(a_reloaded) is a_vocabulary
    assert [s.names for s in a_vocabulary.services] == [("Piega", "Blow-dry")]
    assert [s.names for s in b_vocabulary.services] == [("Barba", "Beard trim")]
    assert [s.names for s in vocabulary_for_tenant(b_reloaded).services] == [
        ("Barba", "Beard trim"), ("Colore", "Colour")
    ]


def test_past_the_most_tenants_the_cache_starts_again(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(vocabulary_module, "CACHED_TENANTS_MAX", 1)
    a, b = _salon_with_giulia(), _salon_with_giulia()
    vocabulary_for_tenant(a)
    with django_assert_num_queries(3):
        vocabulary_for_tenant(b)  # forgets a
    with django_assert_num_queries(3):
        vocabulary_for_tenant(a)


def test_the_cache_can_be_cleared(django_assert_num_queries):
    tenant = _salon_with_giulia()
    vocabulary_for_tenant(tenant)
    vocabulary_cache_clear()
    with django_assert_num_queries(3):
        vocabulary_for_tenant(tenant)
