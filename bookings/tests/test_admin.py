import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import translation

from bookings.admin import AppointmentAdminForm
from bookings.models import Appointment
from bookings.services import appointment_book
from bookings.tests.conftest import NOW, rome
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:bookings_appointment_add")
LIST_URL = reverse("admin:bookings_appointment_changelist")


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff(client, restaurant):
    client.force_login(MembershipFactory(tenant=restaurant).user)
    return client


def _add(staff, restaurant, **overrides):
    data = {
        "tenant": restaurant.pk, "starts_at_0": "2026-12-04", "starts_at_1": "20:00", "party_size": 2,
        "notes": "", "customer": "", "service": "", "resource": "",
    }
    data.update(overrides)
    return staff.post(ADD_URL, data)


def _change_url(appointment):
    return reverse("admin:bookings_appointment_change", args=[appointment.pk])


def _edit(staff, appointment, **overrides):
    local = appointment.starts_at.astimezone(appointment.tenant.tzinfo)
    data = {
        "customer": appointment.customer_id or "", "service": appointment.service_id or "",
        "resource": appointment.resource_id, "starts_at_0": f"{local:%Y-%m-%d}", "starts_at_1": f"{local:%H:%M}",
        "party_size": appointment.party_size, "status": appointment.status, "notes": appointment.notes,
    }
    data.update(overrides)
    return staff.post(_change_url(appointment), data)


def _booked(restaurant, start=None, party_size=2, **kwargs):
    return appointment_book(
        tenant=restaurant, start=start or rome(2026, 12, 4, 20), party_size=party_size, channel="whatsapp", **kwargs
    )


def test_staff_book_in_the_admin_through_the_service(staff, restaurant, tables):
    customer = CustomerFactory(tenant=restaurant)
    response = _add(staff, restaurant, customer=customer.pk, notes="birthday")
    assert response.status_code == 302, response.context["adminform"].form.errors
    appointment = Appointment.objects.get(tenant=restaurant)
    assert appointment.starts_at == rome(2026, 12, 4, 20)  # typed in the tenant's time zone
    assert appointment.ends_at == rome(2026, 12, 4, 21, 30)
    assert appointment.resource == tables[2]
    assert (appointment.channel, appointment.customer, appointment.notes) == ("admin", customer, "birthday")
    assert len(appointment.reference) == 6


def test_the_add_form_has_no_reference_to_type(staff, restaurant, tables):
    form = staff.get(ADD_URL).context["adminform"].form
    assert "reference" not in form.fields and "ends_at" not in form.fields
    assert form.fields["resource"].required is False


def test_an_overlapping_booking_in_the_admin_is_refused_with_a_clear_message(staff, restaurant, tables):
    _booked(restaurant, party_size=5)
    response = _add(staff, restaurant, party_size=5, starts_at_1="20:30")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    # The booking rules' refusal and the free times nearby, in the staff's language (Italian business).
    assert errors["starts_at"] == [
        "Quell'orario è già prenotato. "
        "Liberi vicino: Ven 4 Dic 13:45 (T6), Ven 4 Dic 14:00 (T6), Ven 4 Dic 21:30 (T6)."
    ]
    assert Appointment.objects.filter(tenant=restaurant).count() == 1


def test_a_chosen_table_that_is_taken_is_refused(staff, restaurant, tables):
    _booked(restaurant)
    response = _add(staff, restaurant, resource=tables[2].pk)
    assert "è già prenotato" in response.context["adminform"].form.errors["starts_at"][0]
    assert Appointment.objects.filter(tenant=restaurant).count() == 1


def test_staff_may_book_inside_the_minimum_notice(staff, restaurant, tables):
    response = _add(staff, restaurant, starts_at_0="2026-12-01", starts_at_1="12:00")
    assert response.status_code == 302
    response = _add(staff, restaurant, starts_at_0="2026-12-01", starts_at_1="16:00")
    assert response.context["adminform"].form.errors["starts_at"] == ["Il locale non è aperto a quell'ora."]


def test_editing_the_time_reschedules_and_keeps_the_reference(staff, restaurant, tables):
    appointment = _booked(restaurant)
    response = _edit(staff, appointment, starts_at_1="21:00")
    assert response.status_code == 302, response.context["adminform"].form.errors
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.reference == appointment.reference
    assert (moved.starts_at, moved.ends_at) == (rome(2026, 12, 4, 21), rome(2026, 12, 4, 22, 30))


def test_editing_into_an_overlap_is_refused_and_changes_nothing(staff, restaurant, tables):
    _booked(restaurant, party_size=5)
    later = _booked(restaurant, party_size=5, start=rome(2026, 12, 4, 21, 30))
    response = _edit(staff, later, starts_at_1="20:15", notes="moved")
    assert response.status_code == 200
    assert "è già prenotato" in response.context["adminform"].form.errors["starts_at"][0]
    later.refresh_from_db()
    assert later.starts_at == rome(2026, 12, 4, 21, 30) and later.notes == ""


def test_staff_cancel_inside_the_cutoff_and_edit_notes(staff, restaurant, tables):
    appointment = _booked(restaurant, start=rome(2026, 12, 1, 12), by_staff=True)  # two hours from now
    assert _edit(staff, appointment, notes="called").status_code == 302
    assert _edit(staff, appointment, notes="called", status="cancelled").status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.notes) == ("cancelled", "called")
    assert appointment.cancelled_at == NOW
    response = _edit(staff, appointment, notes="called", status="confirmed")
    assert "non si riapre" in response.context["adminform"].form.errors["status"][0]


def test_bulk_cancel_action(staff, restaurant, tables):
    one, two = _booked(restaurant), _booked(restaurant, start=rome(2026, 12, 5, 20))
    response = staff.post(LIST_URL, {"action": "cancel_selected", "_selected_action": [one.pk, two.pk]})
    assert response.status_code == 302
    assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}


def test_changelist_filters_and_search(staff, restaurant, tables):
    today = _booked(restaurant, start=rome(2026, 12, 1, 12, 30), by_staff=True)
    tomorrow = _booked(
        restaurant, start=rome(2026, 12, 2, 20), customer=CustomerFactory(tenant=restaurant, display_name="Rossi",
                                                                          phone="393471234567")
    )
    later = _booked(restaurant, start=rome(2026, 12, 9, 20), party_size=5)

    def listed(query):
        response = staff.get(LIST_URL + query)
        assert response.status_code == 200
        return {a.pk for a in response.context["cl"].result_list}

    assert listed("?when=today") == {today.pk}
    assert listed("?when=tomorrow") == {tomorrow.pk}
    assert listed(f"?resource__id__exact={tables[6].pk}") == {later.pk}
    assert listed("?status__exact=confirmed") == {today.pk, tomorrow.pk, later.pk}
    assert listed(f"?q={tomorrow.reference}") == {tomorrow.pk}
    assert listed("?q=Rossi") == {tomorrow.pk}
    assert listed("?q=3471234567") == {tomorrow.pk}
    assert listed("?starts_at__day=9&starts_at__month=12&starts_at__year=2026") == {later.pk}
    page = staff.get(LIST_URL).content.decode()
    assert "?when=today" in page and "?when=tomorrow" in page


def test_salon_bookings_filter_by_service(client, salon):
    client.force_login(MembershipFactory(tenant=salon["tenant"]).user)
    cut = appointment_book(
        tenant=salon["tenant"], start=rome(2026, 12, 4, 10), service=salon["cut"], channel="whatsapp"
    )
    colour = appointment_book(
        tenant=salon["tenant"], start=rome(2026, 12, 4, 11), service=salon["colour"], channel="whatsapp"
    )

    def listed(query):
        response = client.get(LIST_URL + query)
        assert response.status_code == 200
        return {a.pk for a in response.context["cl"].result_list}

    assert listed(f"?service__id__exact={salon['cut'].pk}") == {cut.pk}
    assert listed(f"?service__id__exact={salon['colour'].pk}") == {colour.pk}



def test_english_staff_read_the_refusal_in_english(staff, restaurant, tables):
    _booked(restaurant, party_size=5)
    staff.cookies["django_language"] = "en"
    response = _add(staff, restaurant, party_size=5, starts_at_1="20:30")
    assert response.context["adminform"].form.errors["starts_at"] == [
        "That time is already booked. "
        "Free nearby: Fri 4 Dec 13:45 (T6), Fri 4 Dec 14:00 (T6), Fri 4 Dec 21:30 (T6)."
    ]


def test_a_booking_after_the_last_seating_is_refused_in_the_staffs_language(staff, restaurant, tables):
    response = _add(staff, restaurant, starts_at_1="14:30", starts_at_0="2026-12-04")
    assert response.context["adminform"].form.errors["starts_at"] == ["L'ultimo ingresso è alle 14:00."]
    assert not Appointment.objects.filter(tenant=restaurant).exists()


# --- Written in save_model; a refusal comes back to the form -----------------------------


def test_validating_the_form_writes_nothing_the_booking_is_made_when_the_admin_saves(staff, restaurant, tables):
    form = AppointmentAdminForm(
        data={"tenant": restaurant.pk, "starts_at": "2026-12-04 20:00", "party_size": 2, "status": "confirmed"}
    )
    assert form.is_valid(), form.errors
    assert not Appointment.objects.exists()

    assert _add(staff, restaurant).status_code == 302
    appointment = Appointment.objects.get(tenant=restaurant)
    (entry,) = LogEntry.objects.filter(object_id=str(appointment.pk))
    with translation.override("it"):  # the history keeps the name as the staff member read it
        assert entry.is_addition() and entry.object_repr == str(appointment)


def test_a_refused_booking_shows_the_staffs_input_again_and_leaves_no_trace(staff, restaurant, tables):
    existing = _booked(restaurant, party_size=5)
    response = _add(staff, restaurant, party_size=5, starts_at_1="20:30", notes="terrace")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "è già prenotato" in form.errors["starts_at"][0]
    assert (form["party_size"].value(), form["notes"].value()) == ("5", "terrace")
    assert list(Appointment.objects.all()) == [existing]
    assert not LogEntry.objects.exists()


def test_a_refused_step_of_an_edit_undoes_the_others_and_shows_on_its_field(staff, restaurant, tables):
    appointment = _booked(restaurant)
    # The move alone would be fine; a no-show before the booking starts is not.
    response = _edit(staff, appointment, starts_at_1="21:00", notes="late", status="no_show")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["status"]
    assert form["notes"].value() == "late"
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.notes, appointment.status) == (rome(2026, 12, 4, 20), "", "confirmed")
    assert not LogEntry.objects.exists()

    assert _edit(staff, appointment, starts_at_1="21:00", notes="late").status_code == 302
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.notes) == (rome(2026, 12, 4, 21), "late")
    (entry,) = LogEntry.objects.filter(object_id=str(appointment.pk))
    assert entry.is_change()
