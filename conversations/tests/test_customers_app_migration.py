"""Customer moved from conversations to customers by state-only migrations: a database
populated at the old schema comes through with every row, link and admin record intact.

Here, above every app the move touched (customers, bookings, conversations)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor

from bookings.models import Appointment
from conversations.models import Conversation, Message
from customers.models import Customer

BEFORE = [
    ("tenants", "0007_drop_plaintext_api_tokens"),
    ("conversations", "0005_conversation_handoff_reason"),
    ("bookings", "0005_translatable_labels"),
    ("customers", None),
]
AFTER = [
    ("tenants", "0007_drop_plaintext_api_tokens"),
    ("conversations", "0006_customer_moves_to_customers"),
    ("bookings", "0006_appointment_customer_in_customers"),
    ("customers", "0001_initial"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    apps = executor.loader.project_state([t for t in targets if t[1] is not None]).apps
    if targets is AFTER:
        # On to the newest schema, which the models (and the tests after this one) expect.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    return apps


@pytest.mark.django_db(transaction=True)
def test_a_database_at_the_old_schema_keeps_every_customer_row_link_and_admin_record():
    old = _migrate(BEFORE)
    Tenant = old.get_model("tenants", "Tenant")
    OldCustomer = old.get_model("conversations", "Customer")
    OldConversation = old.get_model("conversations", "Conversation")
    OldMessage = old.get_model("conversations", "Message")
    OldAppointment = old.get_model("bookings", "Appointment")
    OldResource = old.get_model("bookings", "Resource")

    tenant = Tenant.objects.create(name="Trattoria", slug="trattoria", kind="restaurant")
    giulia = OldCustomer.objects.create(
        tenant=tenant, channel="whatsapp", channel_user_id="IT.1", phone="393470000001",
        display_name="Giulia", language="it",
    )
    marco = OldCustomer.objects.create(tenant=tenant, channel="instagram", channel_user_id="IGSID.2")
    conversation = OldConversation.objects.create(tenant=tenant, customer=giulia, channel="whatsapp")
    message = OldMessage.objects.create(
        tenant=tenant, conversation=conversation, direction="in", channel="whatsapp",
        channel_message_id="wamid.1", text="Un tavolo per due",
    )
    start = datetime(2027, 1, 15, 19, tzinfo=UTC)
    table = OldResource.objects.create(tenant=tenant, kind="table", name="T1", min_seats=1, max_seats=4)
    appointment = OldAppointment.objects.create(
        tenant=tenant, customer=giulia, resource=table, starts_at=start, ends_at=start + timedelta(hours=2),
        blocks_until=start + timedelta(hours=2), party_size=2, reference="K7M3QD",
    )
    # As the old code left it: the content type under conversations (the test database was
    # built at today's schema, so it holds the new one: put it back where it was).
    ContentType.objects.filter(app_label="customers", model="customer").delete()
    customer_type, _ = ContentType.objects.get_or_create(app_label="conversations", model="customer")
    staff = User.objects.create(username="owner")
    LogEntry.objects.create(
        user=staff, content_type=customer_type, object_id=str(giulia.pk), object_repr="Giulia", action_flag=2,
    )
    rows_before = {
        pk: (tenant_id, channel, user_id, phone, name, language)
        for pk, tenant_id, channel, user_id, phone, name, language in OldCustomer.objects.values_list(
            "pk", "tenant_id", "channel", "channel_user_id", "phone", "display_name", "language"
        )
    }

    new = _migrate(AFTER)
    assert new.get_model("customers", "Customer")._meta.db_table == "lyo_users"
    rows_after = {
        c.pk: (c.tenant_id, c.channel, c.channel_user_id, c.phone, c.display_name, c.language)
        for c in Customer.objects.all()
    }
    assert rows_after == rows_before
    assert Conversation.objects.get(pk=conversation.pk).customer == Customer.objects.get(pk=giulia.pk)
    assert Message.objects.get(pk=message.pk).conversation.customer_id == giulia.pk
    assert Appointment.objects.get(pk=appointment.pk).customer_id == giulia.pk
    assert Customer.objects.get(pk=marco.pk).conversations.count() == 0
    # The admin's history of the customer follows the model to its new app.
    ContentType.objects.clear_cache()
    moved_type = ContentType.objects.get(pk=customer_type.pk)
    assert (moved_type.app_label, moved_type.model) == ("customers", "customer")
    assert LogEntry.objects.get(object_id=str(giulia.pk)).content_type_id == customer_type.pk
    # The database constraints still hold: one customer per identity and channel.
    with pytest.raises(IntegrityError):
        Customer.objects.create(tenant_id=tenant.pk, channel="whatsapp", channel_user_id="IT.1")


@pytest.mark.django_db(transaction=True)
def test_the_move_runs_backwards_too():
    old = _migrate(BEFORE)
    assert old.get_model("conversations", "Customer")._meta.db_table == "lyo_users"
    _migrate(AFTER)
    assert Customer.objects.count() == 0
