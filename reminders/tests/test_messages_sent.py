"""What Lyo sends: a month's outbound messages counted by what Meta bills, per tenant."""

from datetime import UTC, datetime

import pytest

from conversations.models import Message
from conversations.tests.factories import ConversationFactory
from customers.tests.factories import CustomerFactory
from reminders.selectors import MessagesSent, messages_sent_in_month
from reminders.tests.conftest import rome
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _sent(conversation, at, *, template=False, purpose=None):
    payload = {"purpose": purpose} if purpose else {}
    return Message.objects.create(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, type=Message.Type.TEMPLATE if template else Message.Type.TEXT, text="x",
        payload=payload, delivery_status=Message.Delivery.SENT, sent_at=at,
    )


def test_a_seeded_month_is_counted_exactly_by_kind_and_purpose(trattoria):
    conversation = ConversationFactory(customer=CustomerFactory(tenant=trattoria))
    for day in (1, 2, 3):
        _sent(conversation, rome(2026, 11, day, 12))  # assistant replies in the window
    _sent(conversation, rome(2026, 11, 4, 9), purpose="reminder")  # a reminder, window open
    _sent(conversation, rome(2026, 11, 5, 9), template=True, purpose="reminder")
    _sent(conversation, rome(2026, 11, 6, 9), template=True, purpose="staff_moved")
    _sent(conversation, rome(2026, 11, 7, 9), template=True, purpose="review_request")
    _sent(conversation, rome(2026, 11, 30, 23, 30), template=True, purpose="rebook_nudge")  # 22:30 UTC: November
    _sent(conversation, rome(2026, 12, 1, 0, 30))  # 23:30 UTC on the 30th, but December in Rome
    _sent(conversation, datetime(2026, 10, 31, 22, 59, tzinfo=UTC))  # 23:59 on 31 October in Rome
    Message.objects.create(  # still queued: not sent, not billed
        tenant=trattoria, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, type=Message.Type.TEXT, text="x", delivery_status=Message.Delivery.QUEUED,
    )
    other = TenantFactory()
    elsewhere = ConversationFactory(customer=CustomerFactory(tenant=other))
    _sent(elsewhere, rome(2026, 11, 10, 9), template=True, purpose="reminder")

    assert messages_sent_in_month(tenant=trattoria, year=2026, month=11) == MessagesSent(
        service_window=4, utility_templates=2, marketing_templates=2,
        by_purpose={"rebook_nudge": 1, "reminder": 2, "review_request": 1, "staff_moved": 1},
    )
    assert messages_sent_in_month(tenant=trattoria, year=2026, month=12) == MessagesSent(1, 0, 0, {})
    assert messages_sent_in_month(tenant=other, year=2026, month=11) == MessagesSent(0, 1, 0, {"reminder": 1})
