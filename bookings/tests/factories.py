from datetime import UTC, datetime, time, timedelta

import factory

from bookings.models import Appointment, Closure, OpeningHours, Resource, Service
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    tenant = factory.SubFactory(TenantFactory, kind="salon")
    name_it = factory.Sequence(lambda n: f"Servizio {n}")
    name_en = factory.Sequence(lambda n: f"Service {n}")
    duration_minutes = 30


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    tenant = factory.SubFactory(TenantFactory)
    weekday = 0
    opens = time(12, 0)
    closes = time(15, 0)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    tenant = factory.SubFactory(TenantFactory)
    starts_at = datetime(2026, 12, 25, tzinfo=UTC)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=1))
    reason = "Natale"


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    tenant = factory.SubFactory(TenantFactory)
    kind = Resource.Kind.TABLE
    name = factory.Sequence(lambda n: f"Tavolo {n}")
    min_seats = 1
    max_seats = 4


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    tenant = factory.SubFactory(TenantFactory)
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    resource = factory.SubFactory(ResourceFactory, tenant=factory.SelfAttribute("..tenant"))
    starts_at = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=90))
    blocks_until = factory.SelfAttribute("ends_at")
    party_size = 2
    reference = factory.Sequence(lambda n: f"R{n:05d}")
