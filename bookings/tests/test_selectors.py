from datetime import time

import pytest

from bookings.models import Appointment
from bookings.references import reference_normalise
from bookings.selectors import (
    appointment_get_by_reference,
    appointments_upcoming_for_customer,
    opening_hours_for_week,
)
from bookings.services import appointment_book, appointment_cancel
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def test_reference_is_found_however_the_customer_types_it(restaurant, tables):
    appointment = appointment_book(tenant=restaurant, start=rome(2026, 12, 4, 20), party_size=2, channel="test",
                                   now=NOW)
    code = appointment.reference
    typed = f" {code[:3].lower()}-{code[3:].lower()} "
    assert reference_normalise(typed) == code
    assert appointment_get_by_reference(tenant=restaurant, reference=typed) == appointment


def test_another_tenants_reference_is_missing_like_an_unknown_one(restaurant):
    other = AppointmentFactory(reference="K7M3QD")
    with pytest.raises(Appointment.DoesNotExist):
        appointment_get_by_reference(tenant=restaurant, reference="K7M3QD")
    with pytest.raises(Appointment.DoesNotExist):
        appointment_get_by_reference(tenant=restaurant, reference="ZZZZZZ")
    assert appointment_get_by_reference(tenant=other.tenant, reference="k7m3qd") == other


def test_upcoming_bookings_of_a_customer(restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)

    def book(start):
        return appointment_book(tenant=restaurant, start=start, party_size=2, customer=customer, channel="test",
                                now=NOW, by_staff=True)

    later, sooner, gone = book(rome(2026, 12, 9, 20)), book(rome(2026, 12, 4, 20)), book(rome(2026, 12, 5, 20))
    appointment_cancel(tenant=restaurant, appointment=gone, by_staff=True, now=NOW)
    book(rome(2026, 12, 1, 12, 30))  # already started by the time we ask
    AppointmentFactory(tenant=restaurant, starts_at=rome(2026, 12, 6, 20))  # someone else's booking
    asked_at = rome(2026, 12, 1, 13)
    assert appointments_upcoming_for_customer(tenant=restaurant, customer=customer, now=asked_at) == [sooner, later]
    assert appointments_upcoming_for_customer(tenant=TenantFactory(), customer=customer, now=asked_at) == []


def test_opening_hours_for_week_lists_every_day():
    tenant = TenantFactory()
    OpeningHoursFactory(tenant=tenant, weekday=1, opens=time(19), closes=time(23))
    OpeningHoursFactory(tenant=tenant, weekday=1, opens=time(12), closes=time(15))
    OpeningHoursFactory(tenant=tenant, weekday=4, opens=time(19), closes=time(1))
    OpeningHoursFactory(weekday=0)  # another tenant's
    week = opening_hours_for_week(tenant=tenant)
    assert list(week) == [0, 1, 2, 3, 4, 5, 6]
    assert [(h.opens, h.closes) for h in week[1]] == [(time(12), time(15)), (time(19), time(23))]
    assert week[4][0].crosses_midnight and week[0] == [] and week[6] == []


def test_the_assistants_row_lookups_never_cross_tenants_or_customers(restaurant, tables, salon):
    from bookings.selectors import (
        appointment_confirmed_of_customer,
        resource_of_tenant,
        service_of_tenant,
        waitlist_request_of_customer,
        waitlist_requests_open,
    )
    from bookings.waitlist import waitlist_join

    guest, other = CustomerFactory(tenant=restaurant), CustomerFactory(tenant=restaurant)
    booked = appointment_book(tenant=restaurant, start=rome(2026, 12, 5, 20), party_size=2, customer=guest,
                              channel="test", now=NOW)
    request = waitlist_join(tenant=restaurant, customer=guest, start=rome(2026, 12, 6, 20), party_size=2, now=NOW)
    assert resource_of_tenant(tenant=restaurant, pk=tables[2].pk) == tables[2]
    assert resource_of_tenant(tenant=salon["tenant"], pk=tables[2].pk) is None
    assert resource_of_tenant(tenant=restaurant, pk=None) is None
    assert service_of_tenant(tenant=salon["tenant"], pk=salon["cut"].pk) == salon["cut"]
    assert service_of_tenant(tenant=restaurant, pk=salon["cut"].pk) is None
    assert appointment_confirmed_of_customer(tenant=restaurant, customer=guest, reference=booked.reference) == booked
    assert appointment_confirmed_of_customer(tenant=restaurant, customer=other, reference=booked.reference) is None
    assert waitlist_requests_open(tenant=restaurant, customer=guest, now=NOW, limit=10) == [request]
    assert waitlist_requests_open(tenant=restaurant, customer=other, now=NOW, limit=10) == []
    assert waitlist_request_of_customer(tenant=restaurant, customer=other, pk=request.pk) is None
    appointment_cancel(tenant=restaurant, appointment=booked, now=NOW)
    assert appointment_confirmed_of_customer(tenant=restaurant, customer=guest, reference=booked.reference) is None
