"""The operator's view of every tenant."""
from datetime import datetime, timedelta

from django.db.models import Case, Count, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from bookings.models import Appointment
from conversations.models import Conversation
from customers.models import Channel
from tenants.models import Tenant


def tenant_overview_list(*, now: datetime) -> QuerySet[Tenant]:
    """Every tenant with what the operator scans for (one query): token state without
    decrypting it, the last inbound message and the bookings made in the last 7 days.

    The activity columns leave out the test channel (the admin's "Try your assistant",
    `manage.py chat`, /api/test-message): a tenant whose only traffic is its staff trying
    the assistant has had no customer yet, and must not look live."""
    last_inbound = (
        Conversation.objects.filter(tenant=OuterRef("pk"), last_inbound_at__isnull=False)
        .exclude(channel=Channel.TEST)
        .order_by("-last_inbound_at")
        .values("last_inbound_at")[:1]
    )
    bookings_week = (
        Appointment.objects.filter(tenant=OuterRef("pk"), created_at__gte=now - timedelta(days=7))
        .exclude(channel=Appointment.Channel.TEST)
        .order_by()
        .values("tenant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Tenant.objects.annotate(
        # Compared with "" in SQL: the column holds ciphertext, never decrypted here.
        token_set=Case(When(whatsapp_access_token="", then=Value(False)), default=Value(True)),
        last_inbound_at=Subquery(last_inbound),
        bookings_week=Coalesce(Subquery(bookings_week), Value(0)),
    ).defer("whatsapp_access_token").order_by("name")
