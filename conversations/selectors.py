"""Reads about customers, conversations and messages. Every query is scoped by tenant or by id."""

from collections.abc import Iterable
from datetime import datetime
from functools import cache

from django.db import connection
from django.db.models import Q, QuerySet

from common.model_rows import ModelColumns, lock_clause, row_instances
from conversations.models import Conversation, Message
from customers.models import Channel, Customer
from tenants.models import Tenant

# Written as SQL (see common.model_rows): the two locking reads every message's processing
# and every reply's send take. As querysets they cost 0.75 ms and 1.4 ms of CPU to compile
# on the benchmark machine, more than the database took to answer.
_CONVERSATION = ModelColumns(Conversation, "c")
_TENANT = ModelColumns(Tenant, "t")
_CUSTOMER = ModelColumns(Customer, "u")
_MESSAGE = ModelColumns(Message, "m")
_REPLY_TO = ModelColumns(Message, "r")  # only its created_at


def whatsapp_open_conversation_for_identity(*, tenant: Tenant, user_id: str, wa_id: str) -> Conversation | None:
    """The open conversation, customer loaded alongside, of the WhatsApp customer known by exactly
    this identity: the user id (when given) and the phone number (when given) both on file.

    One query for the common case (a returning customer writes again). ``None`` means the
    identity rules have work to do (new customer, a learned id, a changed number, no open
    conversation): the caller takes the full path.
    """
    if not user_id and not wa_id:
        return None
    # Written as SQL: this runs for every inbound webhook, and Django took four times as
    # long to compile the equivalent queryset as PostgreSQL took to run it (0.85 ms of
    # CPU per webhook, measured). The customer comes through its unique identity index
    # in a subquery: as a plain join, a planner without fresh statistics (a table just
    # filled) scanned every customer of the tenant.
    tenant_id = Tenant._meta.pk.get_db_prep_value(tenant.pk, connection)  # a UUID, as this database stores it
    params = [tenant_id, Channel.WHATSAPP, user_id, user_id, wa_id, wa_id, tenant_id, Conversation.Status.CLOSED]
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_CONVERSATION_FOR_IDENTITY_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    conversation_id, customer_id, channel, status, channel_user_id, phone, display_name, language = row
    # Model instances as a queryset's .only() would give: other fields load if ever read.
    conversation = Conversation.from_db(
        connection.alias, ["id", "tenant_id", "customer_id", "channel", "status"],
        [conversation_id, tenant.pk, customer_id, channel, status],
    )
    conversation.customer = Customer.from_db(
        connection.alias, ["id", "tenant_id", "channel", "channel_user_id", "phone", "display_name", "language"],
        [customer_id, tenant.pk, channel, channel_user_id, phone, display_name, language],
    )
    return conversation


# An identifier left empty matches anything: the database folds "'' = ''" away, so the
# customer's unique index on (tenant, channel, user id) or (tenant, channel, phone) serves.
_OPEN_CONVERSATION_FOR_IDENTITY_SQL = """
SELECT c.id, c.customer_id, c.channel, c.status, u.channel_user_id, u.phone, u.display_name, u.language
FROM lyo_conversations c JOIN lyo_users u ON u.id = c.customer_id
WHERE c.customer_id = (
        SELECT id FROM lyo_users
        WHERE tenant_id = %s AND channel = %s
          AND (%s = '' OR channel_user_id = %s) AND (%s = '' OR phone = %s)
        LIMIT 1)
  AND c.tenant_id = %s AND c.status <> %s
LIMIT 1
"""


def conversation_open_for_customer(*, customer: Customer) -> Conversation | None:
    return (
        Conversation.objects.filter(tenant_id=customer.tenant_id, customer=customer)
        .exclude(status=Conversation.Status.CLOSED)
        .first()
    )


def inbound_message_exists(*, channel: str, channel_message_id: str) -> bool:
    """Has this channel message id been stored before (Meta redelivers)."""
    return Message.objects.filter(channel=channel, channel_message_id=channel_message_id).exists()


def inbound_messages_pending(*, received_before: datetime, max_attempts: int) -> QuerySet[Message]:
    """Inbound messages still waiting for the assistant (e.g. the broker was down), oldest first."""
    return Message.objects.filter(
        direction=Message.Direction.INBOUND,
        processing_status=Message.Processing.PENDING,
        created_at__lt=received_before,
        attempts__lt=max_attempts,
    ).order_by("created_at", "id")


def outbound_messages_queued(
    *, queued_before: datetime, retrying_before: datetime, channels: Iterable[str], max_attempts: int
) -> QuerySet[Message]:
    """Outbound messages still queued: never tried since ``queued_before``, or retrying since ``retrying_before``.

    A row tried before waits for the retry its task scheduled; only when that is long
    overdue (its retry was lost with the broker) is it picked up again.
    """
    return (
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND,
            delivery_status=Message.Delivery.QUEUED,
            channel__in=list(channels),
            created_at__lt=queued_before,
            attempts__lt=max_attempts,
        )
        .filter(Q(attempts=0) | Q(created_at__lt=retrying_before))
        .order_by("created_at", "id")
    )


def conversation_lock_for_message(*, message_id: int) -> Conversation | None:
    """The conversation of inbound message ``message_id``, its row locked until the transaction
    ends, with tenant and customer loaded. Call inside ``atomic``.

    FOR NO KEY UPDATE: serialises the conversation's processing like FOR UPDATE, but does
    not block the webhook inserting a new message of the same conversation (its foreign
    key check takes FOR KEY SHARE), so Meta's answer never waits for the assistant.
    """
    with connection.cursor() as cursor:
        cursor.execute(_conversation_lock_sql(), [message_id, Message.Direction.INBOUND])
        row = cursor.fetchone()
    if row is None:
        return None
    conversation, tenant, customer = row_instances(row, _CONVERSATION, _TENANT, _CUSTOMER)
    conversation.tenant, conversation.customer = tenant, customer
    return conversation


def conversation_inbound_pending(*, conversation: Conversation) -> list[Message]:
    """The conversation's inbound messages the assistant has not handled, in the channel's order."""
    with connection.cursor() as cursor:
        cursor.execute(
            _conversation_pending_sql(), [conversation.pk, Message.Direction.INBOUND, Message.Processing.PENDING]
        )
        rows = cursor.fetchall()
    messages = [_MESSAGE.instance(row) for row in rows]
    for message in messages:
        message.conversation = conversation
    return messages


def outbound_message_lock(*, message_id: int, channel: str) -> Message | None:
    """Outbound message ``message_id`` of ``channel``, its row locked until the transaction ends,
    with tenant, conversation and customer loaded, and ``reply_to_received_at`` (when the
    message it answers came in, for the first-reply histogram). Call inside ``atomic``."""
    with connection.cursor() as cursor:
        cursor.execute(_outbound_lock_sql(), [message_id, channel, Message.Direction.OUTBOUND])
        row = cursor.fetchone()
    if row is None:
        return None
    message, tenant, conversation, customer = row_instances(row, _MESSAGE, _TENANT, _CONVERSATION, _CUSTOMER)
    conversation.tenant, conversation.customer = tenant, customer
    message.tenant, message.conversation = tenant, conversation
    message.reply_to_received_at = _REPLY_TO.value("created_at", row[-1])
    return message


# The statements, built once per process from the models' metadata (table and column
# names; every value is a bound parameter).


@cache
def _conversation_lock_sql() -> str:
    return (
        f"SELECT {_CONVERSATION.select_list()}, {_TENANT.select_list()}, {_CUSTOMER.select_list()} "  # noqa: S608
        f"FROM {_CONVERSATION.table} c JOIN {_TENANT.table} t ON t.id = c.tenant_id "
        f"JOIN {_CUSTOMER.table} u ON u.id = c.customer_id "
        f"WHERE c.id = (SELECT conversation_id FROM {_MESSAGE.table} WHERE id = %s AND direction = %s) "
        + lock_clause("FOR NO KEY UPDATE OF c")
    )


@cache
def _conversation_pending_sql() -> str:
    return (
        f"SELECT {_MESSAGE.select_list()} FROM {_MESSAGE.table} m "  # noqa: S608
        "WHERE m.conversation_id = %s AND m.direction = %s AND m.processing_status = %s "
        "ORDER BY m.channel_timestamp, m.id"
    )


@cache
def _outbound_lock_sql() -> str:
    return (
        f"SELECT {_MESSAGE.select_list()}, {_TENANT.select_list()}, {_CONVERSATION.select_list()}, "  # noqa: S608
        f"{_CUSTOMER.select_list()}, r.created_at "
        f"FROM {_MESSAGE.table} m JOIN {_TENANT.table} t ON t.id = m.tenant_id "
        f"JOIN {_CONVERSATION.table} c ON c.id = m.conversation_id "
        f"JOIN {_CUSTOMER.table} u ON u.id = c.customer_id "
        f"LEFT JOIN {_MESSAGE.table} r ON r.id = m.reply_to_id "
        "WHERE m.id = %s AND m.channel = %s AND m.direction = %s "
        + lock_clause("FOR UPDATE OF m")
    )
