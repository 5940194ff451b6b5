"""Bookings made before conversations recorded them are linked to the conversation they came from."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The tenants and bookings apps are pinned too: a later migration of theirs (a new NOT NULL
# column) would otherwise stay applied while the old models here create rows without it.
BEFORE = [
    ("conversations", "0007_message_media_and_conversation_bookings"),
    ("tenants", "0007_drop_plaintext_api_tokens"),
    ("bookings", "0007_appointment_visit_progress"),
]
AFTER = [
    ("conversations", "0008_conversation_bookings_backfill"),
    ("tenants", "0007_drop_plaintext_api_tokens"),
    ("bookings", "0007_appointment_visit_progress"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_each_channel_booking_is_linked_to_the_conversation_it_was_made_in():
    old = _migrate(BEFORE)
    Tenant = old.get_model("tenants", "Tenant")
    Customer = old.get_model("customers", "Customer")
    Conversation = old.get_model("conversations", "Conversation")
    Appointment = old.get_model("bookings", "Appointment")
    Resource = old.get_model("bookings", "Resource")
    try:
        tenant = Tenant.objects.create(name="Trattoria", slug="trattoria-backfill", kind="restaurant")
        giulia = Customer.objects.create(tenant=tenant, channel="whatsapp", channel_user_id="IT.1")
        table = Resource.objects.create(tenant=tenant, kind="table", name="T1", min_seats=1, max_seats=4)
        first = Conversation.objects.create(tenant=tenant, customer=giulia, channel="whatsapp", status="closed")
        start = datetime(2027, 1, 15, 19, tzinfo=UTC)

        booked = []

        def book(reference, channel, customer=giulia):
            # Each an hour after the last: one table cannot hold two bookings at once (PostgreSQL's exclusion).
            at = start + timedelta(hours=len(booked))
            booked.append(reference)
            return Appointment.objects.create(
                tenant=tenant, customer=customer, resource=table, starts_at=at, ends_at=at + timedelta(hours=1),
                blocks_until=at + timedelta(hours=1), party_size=2, reference=reference, channel=channel,
            )

        in_first = book("AAAAAA", "whatsapp")
        second = Conversation.objects.create(tenant=tenant, customer=giulia, channel="whatsapp")
        in_second = book("BBBBBB", "whatsapp")
        by_staff = book("CCCCCC", "admin")
        erased = book("DDDDDD", "whatsapp", customer=None)
        # The times the rows would have had: the first conversation, its booking, then the second.
        base = datetime(2026, 11, 1, tzinfo=UTC)
        for row, minutes in ((first, 0), (in_first, 1), (second, 2), (in_second, 3)):
            type(row).objects.filter(pk=row.pk).update(created_at=base + timedelta(minutes=minutes))

        new = _migrate(AFTER)
        links = dict(new.get_model("conversations", "ConversationBooking").objects.values_list(
            "appointment_id", "conversation_id"))
        assert links == {in_first.pk: first.pk, in_second.pk: second.pk}
        assert by_staff.pk not in links and erased.pk not in links
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
