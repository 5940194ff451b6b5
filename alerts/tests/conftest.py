"""Fixtures of staff alerts: a restaurant with its staff, another business, a fake Graph API."""

import uuid
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.tests.factories import OpeningHoursFactory, ResourceFactory
from conversations.inbound import InboundKind, InboundMessage
from conversations.models import Conversation, Message
from conversations.services.inbound import inbound_message_process, inbound_message_record
from tenants.models import TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory
from whatsapp.tests.conftest import FakeGraph, celery_retries_inline, graph  # noqa: F401 - fixtures

ROME = ZoneInfo("Europe/Rome")
# A Tuesday morning in Rome.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ROME)
BUSINESS_NUMBER_ID = "106540352242922"

__all__ = ["FakeGraph"]


def restaurant_create(name: str, **fields):
    """Open every day 12:00-15:00 and 19:00-23:00, with tables for 2, 4 and 6."""
    tenant = TenantFactory(name=name, kind="restaurant", slot_minutes=15, default_duration_minutes=90, **fields)
    for weekday in range(7):
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(12), closes=time(15))
        OpeningHoursFactory(tenant=tenant, weekday=weekday, opens=time(19), closes=time(23))
    for position, (table, seats) in enumerate([("T2", 2), ("T4", 4), ("T6", 6)]):
        ResourceFactory(tenant=tenant, name=f"{name} {table}", min_seats=1, max_seats=seats, position=position)
    return tenant


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def restaurant(db):
    return restaurant_create(
        "Trattoria Uno", whatsapp_phone_number_id=BUSINESS_NUMBER_ID, whatsapp_access_token="EAAG-sample-token"
    )


@pytest.fixture
def other_restaurant(db):
    return restaurant_create("Osteria Due")


@pytest.fixture
def owner(restaurant):
    user = UserFactory(username="marta", email="marta@trattoria.example")
    MembershipFactory(tenant=restaurant, user=user, role=TenantMembership.Role.OWNER)
    return user


@pytest.fixture
def waiter(restaurant):
    user = UserFactory(username="luca", email="luca@trattoria.example")
    MembershipFactory(tenant=restaurant, user=user, role=TenantMembership.Role.STAFF)
    return user


@pytest.fixture
def other_staff(other_restaurant):
    user = UserFactory(username="bruno", email="bruno@osteria.example")
    MembershipFactory(tenant=other_restaurant, user=user)
    return user


def customer_says(conversation: Conversation, text: str, *, at: datetime | None = None) -> Message:
    """The customer's message, stored and handled as a webhook's is (on-commit work not run)."""
    inbound = InboundMessage(
        kind=InboundKind.TEXT, channel_message_id=f"wamid.{uuid.uuid4().hex}", timestamp=at or NOW, text=text,
    )
    message = inbound_message_record(
        tenant=conversation.tenant, customer=conversation.customer, conversation=conversation, inbound=inbound,
        message_type=Message.Type.TEXT, channel_payload={"text": text},
    )
    inbound_message_process(message_id=message.pk)
    conversation.refresh_from_db()
    return message
