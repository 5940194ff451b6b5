"""Two services in one visit ("colore e piega"): booked back to back, all or nothing,
cancelled and moved together, counted as one booking for the customer's limits."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.availability import Verdict, available_slots, slot_alternatives, visit_part_start, visit_rest_check
from bookings.errors import CustomerBookingLimitReached, SlotUnavailable
from bookings.models import Appointment
from bookings.selectors import visit_services
from bookings.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_staff_book,
)
from bookings.signals import appointment_capacity_freed
from bookings.tests.conftest import NOW, rome
from bookings.tests.factories import ServiceFactory
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

DAY = rome(2026, 12, 4).date()


@pytest.fixture
def piega(salon):
    service = ServiceFactory(tenant=salon["tenant"], name_it="Piega", name_en="Blow-dry", duration_minutes=45)
    salon["giulia"].services.add(service)
    return service


def _visit(salon, start, services, **extra):
    first, *then = services
    return appointment_book(
        tenant=salon["tenant"], start=start, service=first, then=then, channel="whatsapp", now=NOW, **extra,
    )


def _rows(tenant):
    return [
        (a.service.name_it, a.resource.name, a.starts_at, a.ends_at, a.status, a.visit_first_id)
        for a in Appointment.objects.filter(tenant=tenant).select_related("service", "resource").order_by("starts_at")
    ]


def test_colour_and_blow_dry_are_booked_back_to_back_in_the_same_chair(salon, piega):
    first = _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], piega])
    assert _rows(salon["tenant"]) == [
        ("Colore", "Giulia", rome(2026, 12, 4, 10), rome(2026, 12, 4, 11, 30), "confirmed", None),
        ("Piega", "Giulia", rome(2026, 12, 4, 11, 30), rome(2026, 12, 4, 12, 15), "confirmed", first.pk),
    ]
    assert [s.name_it for s in visit_services(first)] == ["Colore", "Piega"]


def test_the_next_service_waits_for_the_buffer_and_starts_on_the_slot_grid(salon, piega):
    # Cut: 30 minutes and 10 of buffer, free again at 10:40; the grid is 15 minutes.
    _visit(salon, rome(2026, 12, 4, 10), [salon["cut"], piega])
    assert _rows(salon["tenant"])[1][2:4] == (rome(2026, 12, 4, 10, 45), rome(2026, 12, 4, 11, 30))
    assert visit_part_start(salon["tenant"], rome(2026, 12, 4, 10, 45)) == rome(2026, 12, 4, 10, 45)


def test_a_busy_chair_passes_the_next_service_to_someone_else_who_does_it(salon):
    appointment_staff_book(tenant=salon["tenant"], start=rome(2026, 12, 4, 11, 30), service=salon["cut"],
                           resource=salon["giulia"], channel="admin", now=NOW)
    _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], salon["cut"]])
    assert [(row[0], row[1]) for row in _rows(salon["tenant"]) if row[5]] == [("Taglio", "Marco")]


def test_a_visit_whose_second_service_finds_nobody_is_not_booked_at_all(salon, piega):
    # Only Giulia does a blow-dry, and she is busy at 11:30.
    appointment_staff_book(tenant=salon["tenant"], start=rome(2026, 12, 4, 11, 30), service=salon["cut"],
                           resource=salon["giulia"], channel="admin", now=NOW)
    with pytest.raises(SlotUnavailable) as refused:
        _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], piega])
    assert Appointment.objects.filter(tenant=salon["tenant"]).count() == 1
    # The alternatives offered are times where the whole visit fits.
    for slot in refused.value.alternatives:
        assert slot.start != rome(2026, 12, 4, 10)


def test_free_times_for_a_visit_are_those_where_every_service_fits(salon, piega):
    appointment_staff_book(tenant=salon["tenant"], start=rome(2026, 12, 4, 11, 30), service=salon["cut"],
                           resource=salon["giulia"], channel="admin", now=NOW)
    alone = {s.start for s in available_slots(salon["tenant"], service=salon["colour"], start_date=DAY,
                                               end_date=DAY, now=NOW)}
    visit = {s.start for s in available_slots(salon["tenant"], service=salon["colour"], then=[piega],
                                               start_date=DAY, end_date=DAY, now=NOW)}
    assert rome(2026, 12, 4, 10) in alone and rome(2026, 12, 4, 10) not in visit
    # Colour 90 minutes, then the blow-dry 45 by 19:00: the last start is 16:45.
    assert max(visit) == rome(2026, 12, 4, 16, 45)
    assert visit < alone
    near = slot_alternatives(salon["tenant"], near=rome(2026, 12, 4, 10), service=salon["colour"], then=[piega],
                             now=NOW)
    assert near and all(slot.start in visit for slot in near if slot.start.date() == DAY)


def test_cancelling_the_visit_cancels_every_service_and_a_later_one_can_go_alone(salon, piega):
    first = _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], piega])
    second = _visit(salon, rome(2026, 12, 5, 10), [salon["colour"], piega])
    appointment_cancel(tenant=salon["tenant"], appointment=first, now=NOW)
    assert [row[4] for row in _rows(salon["tenant"])] == ["cancelled", "cancelled", "confirmed", "confirmed"]
    blow_dry = Appointment.objects.get(visit_first=second)
    appointment_cancel(tenant=salon["tenant"], appointment=blow_dry, now=NOW)
    second.refresh_from_db()
    assert second.status == "confirmed"


def test_moving_the_visit_moves_every_service_and_frees_the_old_times(salon, piega):
    first = _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], piega])
    appointment_reschedule(tenant=salon["tenant"], appointment=first, new_start=rome(2026, 12, 4, 10, 30), now=NOW)
    assert [row[2] for row in _rows(salon["tenant"])] == [rome(2026, 12, 4, 10, 30), rome(2026, 12, 4, 12)]
    # The moved visit overlapped its old self: it did not stand in its own way.
    part = Appointment.objects.get(visit_first=first)
    assert part.reminder_sent_at is None
    first.refresh_from_db()
    appointment_reschedule(tenant=salon["tenant"], appointment=first, new_start=rome(2026, 12, 4, 10), now=NOW)
    assert [row[2] for row in _rows(salon["tenant"])] == [rome(2026, 12, 4, 10), rome(2026, 12, 4, 11, 30)]


def test_a_move_the_later_service_cannot_follow_moves_nothing(salon, piega):
    first = _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], piega])
    appointment_staff_book(tenant=salon["tenant"], start=rome(2026, 12, 5, 11, 30), service=salon["cut"],
                           resource=salon["giulia"], channel="admin", now=NOW)
    before = _rows(salon["tenant"])
    with pytest.raises(SlotUnavailable):
        appointment_reschedule(tenant=salon["tenant"], appointment=first, new_start=rome(2026, 12, 5, 10), now=NOW)
    assert _rows(salon["tenant"]) == before


def test_a_visit_counts_as_one_booking_for_the_limits_per_customer(salon, piega):
    tenant = salon["tenant"]
    tenant.max_bookings_per_customer_per_day = 1
    tenant.save()
    customer = CustomerFactory(tenant=tenant)
    _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], piega], customer=customer)
    with pytest.raises(CustomerBookingLimitReached):
        _visit(salon, rome(2026, 12, 4, 15), [salon["cut"]], customer=customer)
    tenant.max_bookings_per_customer_per_day = 2
    tenant.save()
    _visit(salon, rome(2026, 12, 4, 15), [salon["cut"]], customer=customer)
    assert Appointment.objects.filter(customer=customer).count() == 3


def test_the_later_services_carry_the_customer_and_channel_of_the_visit(salon, piega):
    customer = CustomerFactory(tenant=salon["tenant"])
    first = _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], piega], customer=customer)
    part = Appointment.objects.get(visit_first=first)
    assert (part.customer_id, part.channel, part.party_size, part.reference != first.reference) == (
        customer.pk, "whatsapp", 1, True,
    )
    assert part.starts_at - first.ends_at == timedelta(0)


def test_each_booking_of_a_visit_links_the_others_on_its_page(client, salon, piega):
    first = _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], piega])
    part = Appointment.objects.get(visit_first=first)
    client.force_login(MembershipFactory(tenant=salon["tenant"]).user)
    first_url, part_url = (reverse("admin:bookings_appointment_change", args=[a.pk]) for a in (first, part))
    assert f'<a href="{part_url}">{part.reference} Piega</a>' in client.get(first_url).content.decode()
    assert f'<a href="{first_url}">{first.reference} Colore</a>' in client.get(part_url).content.decode()


def test_cancelling_a_visit_frees_the_time_of_every_service_for_the_waitlist(
    salon, piega, django_capture_on_commit_callbacks
):
    freed = []

    def receiver(sender, tenant, starts_at, resource_id, now, **kwargs):
        freed.append((starts_at, resource_id))

    first = _visit(salon, rome(2026, 12, 4, 10), [salon["colour"], piega])
    appointment_capacity_freed.connect(receiver, dispatch_uid="test_visit_freed")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            appointment_cancel(tenant=salon["tenant"], appointment=first, now=NOW)
    finally:
        appointment_capacity_freed.disconnect(dispatch_uid="test_visit_freed")
    giulia = salon["giulia"].pk
    assert sorted(freed) == [(rome(2026, 12, 4, 10), giulia), (rome(2026, 12, 4, 11, 30), giulia)]


def test_a_visit_that_cannot_follow_says_why_its_later_service_cannot(salon, piega):
    # Colour from 17:30 ends at 19:00, closing time: the blow-dry would start after it.
    late = visit_rest_check(salon["tenant"], first_blocks_until=rome(2026, 12, 4, 19), services=[piega], now=NOW)
    assert late.verdict is Verdict.ENDS_AFTER_CLOSING
    appointment_staff_book(tenant=salon["tenant"], start=rome(2026, 12, 4, 11, 30), service=salon["cut"],
                           resource=salon["giulia"], channel="admin", now=NOW)
    taken = visit_rest_check(salon["tenant"], first_blocks_until=rome(2026, 12, 4, 11, 30), services=[piega], now=NOW)
    assert taken.verdict is Verdict.TAKEN
