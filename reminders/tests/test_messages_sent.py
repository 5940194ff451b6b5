"""What Lyo sends: a month's outbound messages counted by what Meta bills, per tenant."""

from datetime import UTC, datetime

import pytest

from conversations.models import Message
from conversations.tests.factories import ConversationFactory
from customers.models import Channel
from customers.tests.factories import CustomerFactory
from reminders.models import MessageTemplate, Purpose
from reminders.selectors import REPLIES, MessagesSent, SentByKind, messages_sent_in_month
from reminders.tests.conftest import rome
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def _sent(conversation, at, *, template=None, purpose=None):
    """An outbound row sent at ``at``: free-form, or as ``template`` (name, language)."""
    payload = {"purpose": purpose} if purpose else {}
    if template:
        payload["template"] = {"name": template[0], "language": template[1], "parameters": [], "buttons": []}
    return Message.objects.create(
        tenant=conversation.tenant, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, type=Message.Type.TEMPLATE if template else Message.Type.TEXT, text="x",
        payload=payload, delivery_status=Message.Delivery.SENT, sent_at=at,
    )


def test_a_template_s_category_comes_from_its_purpose_unless_staff_set_one(trattoria):
    made = {
        purpose: MessageTemplate.objects.create(tenant=trattoria, purpose=purpose, name=purpose, language="it")
        for purpose in Purpose.values
    }
    assert {purpose: template.category for purpose, template in made.items()} == {
        "reminder": "utility", "staff_booked": "utility", "staff_moved": "utility", "staff_cancelled": "utility",
        "staff_alert": "utility", "review_request": "marketing", "rebook_nudge": "marketing",
        "no_show_follow_up": "utility", "waitlist_offer": "utility",
    }
    chosen = MessageTemplate.objects.create(
        tenant=trattoria, purpose=Purpose.NO_SHOW_FOLLOW_UP, name="ci_manchi", language="en", category="marketing"
    )
    chosen.refresh_from_db()
    assert chosen.category == "marketing"


def test_a_seeded_month_is_counted_exactly_by_kind_and_purpose(trattoria):
    MessageTemplate.objects.create(tenant=trattoria, purpose=Purpose.REMINDER, name="promemoria", language="it")
    # Approved by Meta as marketing, whatever its purpose usually is.
    MessageTemplate.objects.create(
        tenant=trattoria, purpose=Purpose.NO_SHOW_FOLLOW_UP, name="ci_manchi", language="it", category="marketing"
    )
    conversation = ConversationFactory(customer=CustomerFactory(tenant=trattoria))
    for day in (1, 2, 3):
        _sent(conversation, rome(2026, 11, day, 12))  # the assistant's replies in the window
    _sent(conversation, rome(2026, 11, 4, 9), purpose="reminder")  # a reminder, window open
    _sent(conversation, rome(2026, 11, 5, 9), template=("promemoria", "it"), purpose="reminder")
    _sent(conversation, rome(2026, 11, 6, 9), template=("cambio", "it"), purpose="staff_moved")  # since deleted
    _sent(conversation, rome(2026, 11, 7, 9), template=("recensione", "it"), purpose="review_request")
    _sent(conversation, rome(2026, 11, 8, 9), template=("ci_manchi", "it"), purpose="no_show_follow_up")
    _sent(conversation, rome(2026, 11, 9, 9), template=("promemoria", "it"))  # sent by staff from the chat
    # 22:30 UTC on the 30th: still November in Rome.
    _sent(conversation, rome(2026, 11, 30, 23, 30), template=("rinnova", "it"), purpose="rebook_nudge")
    _sent(conversation, rome(2026, 12, 1, 0, 30))  # 23:30 UTC on the 30th, but December in Rome
    _sent(conversation, datetime(2026, 10, 31, 22, 59, tzinfo=UTC))  # 23:59 on 31 October in Rome
    Message.objects.create(  # still queued: not sent, not billed
        tenant=trattoria, conversation=conversation, direction=Message.Direction.OUTBOUND,
        channel=conversation.channel, type=Message.Type.TEXT, text="x", delivery_status=Message.Delivery.QUEUED,
    )
    trial = ConversationFactory(customer=CustomerFactory(tenant=trattoria, channel=Channel.TEST))
    _sent(trial, rome(2026, 11, 12, 9))  # staff trying the assistant: reaches nobody, billed to nobody
    Message.objects.create(  # the customer's own message
        tenant=trattoria, conversation=conversation, direction=Message.Direction.INBOUND,
        channel=conversation.channel, type=Message.Type.TEXT, text="x", sent_at=rome(2026, 11, 10, 9),
    )

    november = messages_sent_in_month(tenant=trattoria, year=2026, month=11)

    assert november == MessagesSent(
        service_window=4, utility_templates=3, marketing_templates=3,
        by_purpose={
            REPLIES: SentByKind(service_window=3, utility_templates=1),
            "reminder": SentByKind(service_window=1, utility_templates=1),
            "staff_moved": SentByKind(utility_templates=1),
            "review_request": SentByKind(marketing_templates=1),
            "rebook_nudge": SentByKind(marketing_templates=1),
            "no_show_follow_up": SentByKind(marketing_templates=1),
        },
    )
    assert list(november.by_purpose) == ["", "reminder", "staff_moved", "review_request", "rebook_nudge",
                                         "no_show_follow_up"]
    assert november.total == 10
    assert messages_sent_in_month(tenant=trattoria, year=2026, month=12) == MessagesSent(
        1, 0, 0, {REPLIES: SentByKind(service_window=1)}
    )
    assert messages_sent_in_month(tenant=trattoria, year=2026, month=10) == MessagesSent(
        1, 0, 0, {REPLIES: SentByKind(service_window=1)}
    )


def test_another_tenant_s_messages_and_templates_never_count(trattoria):
    other = TenantFactory()
    # The other business approved the same name as marketing: not this one's category.
    MessageTemplate.objects.create(tenant=other, purpose=Purpose.REMINDER, name="promemoria", language="it",
                                   category="marketing")
    elsewhere = ConversationFactory(customer=CustomerFactory(tenant=other))
    _sent(elsewhere, rome(2026, 11, 10, 9), template=("promemoria", "it"), purpose="reminder")
    here = ConversationFactory(customer=CustomerFactory(tenant=trattoria))
    _sent(here, rome(2026, 11, 11, 9), template=("promemoria", "it"), purpose="reminder")

    assert messages_sent_in_month(tenant=trattoria, year=2026, month=11) == MessagesSent(
        0, 1, 0, {"reminder": SentByKind(utility_templates=1)}
    )
    assert messages_sent_in_month(tenant=other, year=2026, month=11) == MessagesSent(
        0, 0, 1, {"reminder": SentByKind(marketing_templates=1)}
    )


def test_a_template_counts_as_the_category_it_was_sent_with_even_after_staff_change_it(trattoria):
    template = MessageTemplate.objects.create(tenant=trattoria, purpose=Purpose.REMINDER, name="promemoria",
                                              language="it")
    conversation = ConversationFactory(customer=CustomerFactory(tenant=trattoria))
    row = _sent(conversation, rome(2026, 11, 5, 9), template=("promemoria", "it"), purpose="reminder")
    row.payload["template"]["category"] = "utility"  # as the senders keep it on the row
    row.save(update_fields=["payload"])
    _sent(conversation, rome(2026, 11, 6, 9), template=("promemoria", "it"), purpose="reminder")  # an older row
    template.category = "marketing"  # Meta re-classified it later
    template.save()

    assert messages_sent_in_month(tenant=trattoria, year=2026, month=11) == MessagesSent(
        0, 1, 1, {"reminder": SentByKind(utility_templates=1, marketing_templates=1)}
    )
