"""After erasure, a dump of the whole database holds no trace of the customer's name or number.

PostgreSQL only: it reads the database with ``pg_dump``, as a backup would. The rows are
committed (``transaction=True``) so that pg_dump, another connection, sees them.
"""

import os
import shutil
import subprocess
from datetime import time, timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.utils import timezone

from bookings.services import appointment_book
from bookings.tests.factories import AppointmentFactory, OpeningHoursFactory, ResourceFactory
from conversations.models import Conversation
from conversations.personal_data import customers_erase, customers_find
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.services import customer_get_or_create_for_staff_booking
from customers.tests.factories import CustomerFactory
from tenants.tests.factories import TenantFactory, UserFactory

NAME = "Ermenegilda Pozzobon"
# The same number as people and systems write it.
PHONE_SPELLINGS = ("393471234567", "+39 347 123 4567", "347 123 4567", "3471234567", "347 123 45 67",
                   "+393471234567")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump reads PostgreSQL databases only"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
]


def _dump() -> str:
    database = connection.settings_dict
    command = ["pg_dump", "--no-owner", "--dbname", database["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            command += [option, str(database[key])]
    env = {**os.environ, "PGPASSWORD": database.get("PASSWORD") or ""}
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=120).stdout


def _traces(dump: str) -> list[str]:
    return [needle for needle in (NAME, NAME.split()[1], *PHONE_SPELLINGS) if needle in dump]


def _everything_lyo_stores_about_her(tenant) -> None:
    # Booked by staff on the phone: a WhatsApp customer with her number.
    OpeningHoursFactory(tenant=tenant, weekday=(timezone.localdate() + timedelta(days=3)).weekday(),
                        opens=time(0), closes=time(23, 59))
    table = ResourceFactory(tenant=tenant, name="T1", min_seats=1, max_seats=4)
    customer = customer_get_or_create_for_staff_booking(tenant=tenant, name=NAME, phone="347 123 4567")
    start = (timezone.now() + timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
    appointment_book(tenant=tenant, start=start, party_size=2, resource=table, customer=customer,
                     channel="admin", notes=f"{NAME} allergic to nuts, 347 123 45 67", by_staff=True)
    # Then she writes on WhatsApp: Meta's payload carries her number and profile name.
    conversation = ConversationFactory(customer=customer, state={"name": NAME, "phone": "+39 347 123 4567"})
    inbound = MessageFactory(conversation=conversation, text=f"Sono {NAME}, 347 123 4567", payload={
        "contacts": [{"profile": {"name": NAME}, "wa_id": "393471234567"}],
        "message": {"from": "393471234567", "type": "text", "text": {"body": f"Sono {NAME}"}},
    })
    MessageFactory(conversation=conversation, direction="out", reply_to=inbound, text=f"Grazie {NAME}!",
                   payload={"to": "393471234567", "text": {"body": f"Grazie {NAME}!"}})
    # And through the tenant's Chatwoot, where she is a contact id; the number is in the payload only.
    chatwoot = CustomerFactory(tenant=tenant, channel="chatwoot", channel_user_id="77", phone=None,
                               display_name=NAME)
    MessageFactory(conversation__customer=chatwoot, channel="chatwoot", text="Avete posto?", payload={
        "message": {"sender": {"id": 77, "name": NAME, "phone_number": "+393471234567", "type": "contact"},
                    "conversation": {"id": 512, "contact_inbox": {"source_id": "393471234567"}}},
    })
    # A booking taken before bookings had a customer: only the notes name her.
    AppointmentFactory(tenant=tenant, resource=table, notes=f"{NAME.upper()}, tel. +39 347-1234567")
    # Staff looked her up and changed her in the admin.
    staff = UserFactory(is_superuser=True)
    LogEntry.objects.log_actions(staff.pk, [customer, conversation], CHANGE,
                                 change_message=f"Changed name to {NAME}")


def test_after_erasure_a_database_dump_holds_no_trace_of_the_name_or_number():
    tenant = TenantFactory(slug="trattoria", contact_phone="+39 06 1234 5678")
    _everything_lyo_stores_about_her(tenant)
    neighbour = CustomerFactory(tenant=tenant, phone="393479999999", display_name="Romeo Montecchi")
    MessageFactory(conversation__customer=neighbour, text="Ciao")

    before = _dump()
    assert set(_traces(before)) == {NAME, NAME.split()[1], *PHONE_SPELLINGS}  # the dump does see her

    found = customers_find(tenant=tenant, identity="+39 347 123 4567")
    assert {c.channel for c in found} == {"whatsapp", "chatwoot"}
    customers_erase(found, actor=None, actor_label="manage.py erase_customer")

    after = _dump()
    assert _traces(after) == []
    assert "Romeo Montecchi" in after  # the dump is whole: others are still in it
    assert Conversation.objects.filter(customer=neighbour).exists()
