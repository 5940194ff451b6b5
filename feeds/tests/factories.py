import secrets
from datetime import UTC, datetime

import factory

from feeds.models import CalendarFeed
from tenants.tests.factories import TenantFactory


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    tenant = factory.SubFactory(TenantFactory)
    scope = factory.LazyAttribute(
        lambda o: CalendarFeed.Scope.RESOURCE if o.resource is not None else CalendarFeed.Scope.BUSINESS
    )
    resource = None
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    created_at = datetime(2026, 11, 1, tzinfo=UTC)
