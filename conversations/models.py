"""A customer's conversations and every message in and out."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Channel, Customer
from tenants.models import TenantOwnedModel


class Conversation(TenantOwnedModel):
    class Status(models.TextChoices):
        BOT = "bot", _("Assistant")
        HUMAN = "human", _("Needs a person")
        CLOSED = "closed", _("Closed")

    class HandoffReason(models.TextChoices):
        """Why the conversation was last handed to staff (empty while the assistant answers)."""

        REQUESTED = "requested", _("The customer asked for a person")
        NOT_UNDERSTOOD = "not_understood", _("The assistant did not understand")
        STAFF = "staff", _("Staff took it over")
        REPLY_BUDGET = "reply_budget", _("Too many replies in a short time")
        REPEATED = "repeated", _("The same message over and over")
        LOOP = "loop", _("Automatic replies (a loop with another bot)")
        OWNER_APP = "owner_app", _("The owner wrote from the WhatsApp Business app")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # The channel's own id of the thread replies go to, where it has one (Chatwoot's
    # conversation id); empty for channels that address the customer directly.
    channel_conversation_id = models.CharField(_("channel conversation id"), max_length=64, blank=True)
    # The assistant's memory of a half-finished dialogue (what it asked, what it understood).
    state = models.JSONField(_("assistant state"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.BOT)
    handoff_reason = models.CharField(
        _("hand-off reason"), max_length=16, choices=HandoffReason.choices, blank=True,
        help_text=_("Why staff were asked to answer; cleared when the assistant answers again."),
    )
    last_inbound_at = models.DateTimeField(_("last message from the customer"), null=True, blank=True)
    # When staff last took the conversation over or wrote in it: the idle hand-back
    # (``Tenant.staff_hand_back_hours``) counts from here.
    staff_active_at = models.DateTimeField(_("staff last active"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_conversations"
        ordering = ["-last_inbound_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
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
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        INTERACTIVE = "interactive", _("Button or list reply")
        BUTTON = "button", _("Template button")
        LOCATION = "location", _("Location")
        IMAGE = "image", _("Image")
        AUDIO = "audio", _("Audio")
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")
        STICKER = "sticker", _("Sticker")
        REACTION = "reaction", _("Reaction")
        TEMPLATE = "template", _("Template")
        SYSTEM = "system", _("System")
        UNSUPPORTED = "unsupported", _("Unsupported")
        UNKNOWN = "unknown", _("Unknown")

    class Processing(models.TextChoices):
        """Inbound only: has the assistant handled it yet."""

        PENDING = "pending", _("Pending")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    class Delivery(models.TextChoices):
        """Outbound only."""

        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")
        NOT_SENDABLE = "not_sendable", _("Not sendable")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # wamid / Instagram mid / Chatwoot message id. Outbound rows get it once sent.
    channel_message_id = models.CharField(_("channel message id"), max_length=256, null=True, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices, default=Type.TEXT)
    text = models.TextField(_("text"), blank=True)
    # Inbound: the channel's payload for this message. Outbound: what is to be sent.
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    processing_status = models.CharField(_("processing"), max_length=10, choices=Processing.choices, blank=True)
    delivery_status = models.CharField(_("delivery"), max_length=12, choices=Delivery.choices, blank=True)
    error_code = models.IntegerField(_("error code"), null=True, blank=True)
    error_title = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    # Outbound replies point at the inbound message they answer; (reply_to, sequence)
    # is unique so a handler that runs twice cannot queue the same reply twice.
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies",
        verbose_name=_("reply to"),
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=0)
    # Outbound only: the staff user who wrote it (empty for the assistant's replies and reminders).
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("written by"),
    )

    channel_timestamp = models.DateTimeField(
        _("channel timestamp"), null=True, blank=True,
        help_text=_("When the channel says it happened (payload timestamp)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # Set, and committed, just before an outbound message goes to the channel; cleared once
    # the outcome is recorded. Still set on a queued row: the worker died mid-send, and
    # nobody knows yet whether the channel took it (see conversations.services.delivery).
    send_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Not a column: when the message an outbound one answers came in, set on the instance by
    # whoever loaded it with that at hand (the sender reads it with getattr, else queries).
    reply_to_received_at: datetime | None

    class Meta:
        db_table = "lyo_messages"
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
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



class MessageMedia(TenantOwnedModel):
    """The bytes of an inbound photo, voice note, video, document or sticker, fetched once from the channel.

    Meta's media URLs expire (WhatsApp's within minutes of asking for one), so what staff
    open later is served from here; deleted with the message's payload by the retention
    job (``conversations.services.retention``). Only media up to ``LYO_MEDIA_MAX_BYTES``
    are kept: the database is not a file store for hour-long videos.
    """

    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, related_name="media", verbose_name=_("message")
    )
    mime_type = models.CharField(_("MIME type"), max_length=128)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("content"))
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        db_table = "lyo_message_media"
        verbose_name = _("message media")
        verbose_name_plural = _("message media")

    def __str__(self) -> str:
        return f"{self.mime_type} ({self.size} bytes)"


class ConversationBooking(TenantOwnedModel):
    """A booking the assistant made in a conversation: staff go from one to the other.

    Kept here rather than on ``Appointment``: bookings sit below conversations in the
    stack and know nothing of them. One conversation per booking (a booking moved later
    in another conversation still belongs to the one it was made in).
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("conversation")
    )
    appointment = models.OneToOneField(
        "bookings.Appointment", on_delete=models.CASCADE, related_name="conversation_link",
        verbose_name=_("booking"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "lyo_conversation_bookings"
        ordering = ["created_at", "id"]
        verbose_name = _("booking made in a conversation")
        verbose_name_plural = _("bookings made in conversations")

    def __str__(self) -> str:
        return f"{self.conversation_id} → {self.appointment_id}"


class QuickReply(TenantOwnedModel):
    """A saved answer staff pick on the conversation page instead of typing it again."""

    title = models.CharField(_("title"), max_length=80)
    # The strictest channel's limit (Instagram's 1000): a saved answer fits every channel.
    text = models.TextField(_("text"), max_length=1000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "lyo_quick_replies"
        ordering = ["title", "pk"]
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "title"], name="uniq_quick_reply_title_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.title
