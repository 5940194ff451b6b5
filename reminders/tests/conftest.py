"""Fixtures for reminders: a WhatsApp restaurant, its customers and their bookings, fake channel APIs."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory, ResourceFactory
from chatwoot.tests.conftest import chatwoot  # noqa: F401 - the fake Chatwoot API fixture
from customers.tests.factories import CustomerFactory
from instagram.tests.conftest import instagram  # noqa: F401 - the fake Instagram Send API fixture
from reminders.models import MessageTemplate, Purpose, ReminderSettings
from tenants.tests.factories import TenantFactory
from whatsapp.tests.conftest import FakeGraph, graph  # noqa: F401 - the fake Graph API fixture

ROME = ZoneInfo("Europe/Rome")


def rome(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


@pytest.fixture
def trattoria(db):
    return TenantFactory(name="Trattoria Da Mario", kind="restaurant", language="it", cancellation_cutoff_hours=2)


@pytest.fixture
def customer(trattoria):
    return CustomerFactory(tenant=trattoria, display_name="Giulia Rossi", language="it", phone="393471234567")


def book(tenant, customer, starts_at: datetime, *, booked_at: datetime | None = None, **fields) -> Appointment:
    """A confirmed booking made at ``booked_at`` (default: a week before it starts)."""
    resource = fields.pop("resource", None) or ResourceFactory(tenant=tenant)
    with time_machine.travel(booked_at or starts_at - timedelta(days=7), tick=False):
        return AppointmentFactory(tenant=tenant, customer=customer, resource=resource, starts_at=starts_at, **fields)


def reminder_settings(tenant, **fields) -> ReminderSettings:
    settings, _ = ReminderSettings.objects.update_or_create(tenant=tenant, defaults=fields)
    return settings


def reminder_template(tenant, language: str = "it", **fields) -> MessageTemplate:
    fields.setdefault("name", "booking_reminder")
    return MessageTemplate.objects.create(tenant=tenant, purpose=Purpose.REMINDER, language=language, **fields)


@pytest.fixture
def whatsapp_trattoria(trattoria):
    """The trattoria's WhatsApp number is set up (the tenant factory gives it an id and a token)."""
    assert trattoria.whatsapp_phone_number_id and trattoria.has_whatsapp_token
    return trattoria


# The restaurant of the booking tests (hours, tables) for the admin's booking forms.
from bookings.tests.conftest import restaurant, tables  # noqa: E402, F401
