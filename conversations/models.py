"""A tenant's customers, their conversations and every message in and out."""

from django.db import models
from django.db.models import Q

from tenants.models import Language, TenantOwnedModel


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    INSTAGRAM = "instagram", "Instagram"
    CHATWOOT = "chatwoot", "Chatwoot"
    # The admin's "try your assistant" chat, the terminal chat and /api/test-message.
    TEST = "test", "Test"


class Customer(TenantOwnedModel):
    """A tenant's end customer on one channel.

    On WhatsApp Meta sends a business-scoped user id and, unless the customer uses a
    username, the phone number (``wa_id``). Either may be missing; the customer is
    found by the business-scoped id when present, else by the phone number.
    """

    channel = models.CharField(max_length=16, choices=Channel.choices)
    # Business-scoped user id (WhatsApp), IGSID (Instagram), contact id (Chatwoot).
    channel_user_id = models.CharField(max_length=128, null=True, blank=True)
    # E.164 digits without "+", as Meta's ``wa_id``.
    phone = models.CharField(max_length=32, null=True, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    language = models.CharField(
        max_length=2, choices=Language.choices, blank=True,
        help_text="The language the customer writes in; empty until known.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lyo_users"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel", "channel_user_id"],
                condition=Q(channel_user_id__isnull=False),
                name="uniq_customer_channel_user_id",
            ),
            models.UniqueConstraint(
                fields=["tenant", "channel", "phone"],
                condition=Q(phone__isnull=False),
                name="uniq_customer_channel_phone",
            ),
            models.CheckConstraint(
                condition=Q(channel_user_id__isnull=False) | Q(phone__isnull=False),
                name="customer_has_an_identity",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.phone or self.channel_user_id or f"customer {self.pk}"


class Conversation(TenantOwnedModel):
    class Status(models.TextChoices):
        BOT = "bot", "Assistant"
        HUMAN = "human", "Needs a person"
        CLOSED = "closed", "Closed"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # The channel's own id of the thread replies go to, where it has one (Chatwoot's
    # conversation id); empty for channels that address the customer directly.
    channel_conversation_id = models.CharField(max_length=64, blank=True)
    # The assistant's memory of a half-finished dialogue (what it asked, what it understood).
    state = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.BOT)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lyo_conversations"
        ordering = ["-last_inbound_at"]
        constraints = [
            # One open conversation per customer: a new message never forks a second one.
            models.UniqueConstraint(
                fields=["customer"],
                condition=~Q(status="closed"),
                name="uniq_open_conversation_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} ({self.get_channel_display()})"


class Message(TenantOwnedModel):
    class Direction(models.TextChoices):
        INBOUND = "in", "Inbound"
        OUTBOUND = "out", "Outbound"

    class Type(models.TextChoices):
        TEXT = "text", "Text"
        INTERACTIVE = "interactive", "Button or list reply"
        BUTTON = "button", "Template button"
        LOCATION = "location", "Location"
        IMAGE = "image", "Image"
        AUDIO = "audio", "Audio"
        VIDEO = "video", "Video"
        DOCUMENT = "document", "Document"
        STICKER = "sticker", "Sticker"
        REACTION = "reaction", "Reaction"
        TEMPLATE = "template", "Template"
        SYSTEM = "system", "System"
        UNSUPPORTED = "unsupported", "Unsupported"
        UNKNOWN = "unknown", "Unknown"

    class Processing(models.TextChoices):
        """Inbound only: has the assistant handled it yet."""

        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"

    class Delivery(models.TextChoices):
        """Outbound only."""

        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        FAILED = "failed", "Failed"
        NOT_SENDABLE = "not_sendable", "Not sendable"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # wamid / Instagram mid / Chatwoot message id. Outbound rows get it once sent.
    channel_message_id = models.CharField(max_length=256, null=True, blank=True)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.TEXT)
    text = models.TextField(blank=True)
    # Inbound: the channel's payload for this message. Outbound: what is to be sent.
    payload = models.JSONField(default=dict, blank=True)

    processing_status = models.CharField(max_length=10, choices=Processing.choices, blank=True)
    delivery_status = models.CharField(max_length=12, choices=Delivery.choices, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_title = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    # Outbound replies point at the inbound message they answer; (reply_to, sequence)
    # is unique so a handler that runs twice cannot queue the same reply twice.
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    sequence = models.PositiveSmallIntegerField(default=0)

    channel_timestamp = models.DateTimeField(
        null=True, blank=True, help_text="When the channel says it happened (payload timestamp)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "lyo_messages"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "channel_message_id"],
                condition=Q(channel_message_id__isnull=False),
                name="uniq_message_channel_message_id",
            ),
            models.UniqueConstraint(
                fields=["reply_to", "sequence"],
                condition=Q(reply_to__isnull=False),
                name="uniq_reply_sequence",
            ),
        ]
        indexes = [
            models.Index(fields=["processing_status", "created_at"], name="message_pending_idx"),
            models.Index(fields=["conversation", "created_at"], name="message_conversation_idx"),
        ]

    def __str__(self) -> str:
        arrow = "←" if self.direction == self.Direction.INBOUND else "→"
        return f"{arrow} {self.text[:60] or self.get_type_display()}"

