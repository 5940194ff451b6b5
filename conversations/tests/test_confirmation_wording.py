"""Every confirmation the assistant writes for every demo service reads right in Italian and English.

Italian adjectives agree with the noun ("Piega prenotata", "Taglio prenotato"); the
confirmation names the service after "Prenotazione confermata:" so it needs no agreement
with a name the business typed, whatever its gender.
"""

import re
from datetime import datetime

import pytest
import time_machine

from bookings.models import Service
from conversations.assistant_trial import trial_customer_get_or_create, trial_message_id, trial_message_send
from conversations.inbound import InboundKind, InboundMessage
from operators.demo import demo_tenants_seed
from tenants.models import Tenant

# Thursday 26 November 2026, 09:00 in Rome: the salon is open the whole day.
NOW = datetime.fromisoformat("2026-11-26T09:00:00+01:00")


def _say(tenant, customer, *, text: str = "", choice: str = "") -> str:
    common = {"channel_message_id": trial_message_id(), "timestamp": NOW}
    if choice:
        inbound = InboundMessage(kind=InboundKind.CHOICE, choice_id=choice, choice_title="", **common)
    else:
        inbound = InboundMessage(kind=InboundKind.TEXT, text=text, **common)
    replies = trial_message_send(tenant=tenant, customer=customer, inbound=inbound)
    return "\n".join(r.text for r in replies)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["it", "en"])
def test_every_demo_service_is_confirmed_in_correct_words(language):
    demo_tenants_seed()
    salon = Tenant.objects.get(slug="salone-demo")
    services = list(Service.objects.filter(tenant=salon, is_active=True).order_by("pk"))
    assert len(services) >= 4
    # Each at its own hour: two staff members, so the salon is never full.
    for hour, service in enumerate(services, start=10):
        customer = trial_customer_get_or_create(tenant=salon, sender_id=f"wording-{language}-{service.pk}")
        customer.language = language
        customer.save(update_fields=["language"])
        name = service.name_it if language == "it" else (service.name_en or service.name_it)
        with time_machine.travel(NOW, tick=False):
            if language == "it":
                first = _say(salon, customer, text=f"vorrei prenotare {name} domani alle {hour}")
            else:
                first = _say(salon, customer, text=f"I would like to book {name} tomorrow at {hour}:00")
            assert "?" in first, first
            confirmation = _say(salon, customer, choice="yes")
        if language == "it":
            assert f"Fatto! Prenotazione confermata: {name} venerdì 27 novembre alle {hour}:00" in confirmation
            # No adjective left to agree (or disagree) with the service's name.
            assert not re.search(r"\b(prenotato|prenotata)\b", confirmation), confirmation
        else:
            assert f"Done! {name} booked Friday 27 November at {hour}:00" in confirmation
