"""Link the bookings made before conversations recorded them to the conversation they came from.

A customer has one open conversation at a time on a channel, so a booking made on a
channel belongs to that customer's conversation on the channel that had begun by then
(the latest such one). Staff and API bookings, and bookings whose customer was erased,
stay unlinked.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery

BATCH_SIZE = 1000
CHANNELS = ("whatsapp", "instagram", "chatwoot", "test")


def backfill(apps, schema_editor):
    Appointment = apps.get_model("bookings", "Appointment")
    Conversation = apps.get_model("conversations", "Conversation")
    ConversationBooking = apps.get_model("conversations", "ConversationBooking")
    begun = Conversation.objects.filter(
        customer_id=OuterRef("customer_id"), channel=OuterRef("channel"), created_at__lte=OuterRef("created_at"),
    ).order_by("-created_at", "-pk").values("pk")[:1]
    rows = (
        Appointment.objects.filter(customer__isnull=False, channel__in=CHANNELS, conversation_link__isnull=True)
        .annotate(conversation_pk=Subquery(begun)).exclude(conversation_pk=None)
        .values_list("pk", "tenant_id", "conversation_pk").order_by("pk").iterator(chunk_size=BATCH_SIZE)
    )
    batch = []
    for appointment_id, tenant_id, conversation_id in rows:
        batch.append(ConversationBooking(
            appointment_id=appointment_id, tenant_id=tenant_id, conversation_id=conversation_id,
        ))
        if len(batch) == BATCH_SIZE:
            ConversationBooking.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        ConversationBooking.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0007_appointment_visit_progress"),
        ("conversations", "0007_message_media_and_conversation_bookings"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
