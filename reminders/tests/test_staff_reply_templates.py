"""The approved templates staff can send outside WhatsApp's window, filled in for the customer."""

import pytest

from customers.tests.factories import CustomerFactory
from reminders.models import MessageTemplate, Purpose
from reminders.services import TemplateNotFillable, message_template_fill, message_templates_fillable
from reminders.tests.conftest import book, reminder_template, rome
from tenants.tests.factories import TenantFactory

NOW = rome(2026, 12, 3, 10)


def _template(tenant, purpose=Purpose.STAFF_MOVED, **fields) -> MessageTemplate:
    fields.setdefault("name", "booking_changed")
    return MessageTemplate.objects.create(tenant=tenant, purpose=purpose, language="it", **fields)


def test_without_a_booking_only_templates_that_need_just_the_name_are_offered(trattoria, customer):
    name_only = _template(trattoria, name="staff_follow_up", parameters="customer_name")
    _template(trattoria, purpose=Purpose.STAFF_BOOKED, name="booking_confirmed")  # date, time...: needs a booking
    (choice,) = message_templates_fillable(tenant=trattoria, customer=customer, now=NOW)
    assert choice.template == name_only
    assert (choice.filled.name, choice.filled.language, choice.filled.parameters, choice.filled.buttons) == (
        "staff_follow_up", "it", ("Giulia",), ()
    )
    assert choice.filled.summary == "staff_follow_up (it): Giulia"


def test_with_an_upcoming_booking_a_booking_template_is_filled_from_it(trattoria, customer):
    appointment = book(trattoria, customer, rome(2026, 12, 4, 20), party_size=2)
    reminder = reminder_template(trattoria, confirm_cancel_buttons=True)
    filled = message_template_fill(tenant=trattoria, customer=customer, template_id=reminder.pk, now=NOW)
    assert filled.parameters == ("Giulia", "venerdì 4 dicembre", "20:00", "2 persone", appointment.reference)
    assert len(filled.buttons) == 2 and all(appointment.reference in button for button in filled.buttons)


def test_a_booking_template_for_a_customer_without_a_booking_is_refused(trattoria, customer):
    template = _template(trattoria)
    with pytest.raises(TemplateNotFillable, match="no upcoming booking"):
        message_template_fill(tenant=trattoria, customer=customer, template_id=template.pk, now=NOW)


def test_another_tenants_template_is_not_found(trattoria, customer):
    theirs = _template(TenantFactory(), parameters="")
    with pytest.raises(TemplateNotFillable, match="does not exist"):
        message_template_fill(tenant=trattoria, customer=customer, template_id=theirs.pk, now=NOW)
    assert message_templates_fillable(tenant=trattoria, customer=customer, now=NOW) == []


def test_a_template_without_parameters_fits_any_customer(trattoria):
    template = _template(trattoria, name="we_are_here", parameters="")
    nameless = CustomerFactory(tenant=trattoria, display_name="", phone="393470000000")
    filled = message_template_fill(tenant=trattoria, customer=nameless, template_id=template.pk, now=NOW)
    assert (filled.parameters, filled.summary) == ((), "we_are_here (it)")
