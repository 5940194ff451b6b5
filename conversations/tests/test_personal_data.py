"""Export gives all of a customer's data; erase leaves none of it, and keeps appointment counts."""

import io
import json

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from conversations.models import Conversation, Message
from conversations.personal_data import customers_data_export, customers_erase, customers_find, phone_normalise
from conversations.tests.factories import ConversationFactory, MessageFactory
from customers.models import Customer
from customers.tests.factories import CustomerFactory
from tenants.fields import EncryptedTextField
from tenants.models import AuditEvent, TenantMembership
from tenants.tests.factories import MembershipFactory, TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "393471234567"
NAME = "Giulietta Capuleti"


def _whatsapp_payload(text: str, wamid: str) -> dict:
    # What Meta sends, trimmed: the phone number and profile name travel in it.
    return {
        "contacts": [{"profile": {"name": NAME}, "wa_id": PHONE, "user_id": "IT.0000000042"}],
        "message": {"from": PHONE, "id": wamid, "type": "text", "text": {"body": text}},
    }


@pytest.fixture
def juliet():
    """A customer with everything Lyo stores about a person, plus neighbours who must stay untouched."""
    tenant = TenantFactory(slug="trattoria")
    customer = CustomerFactory(tenant=tenant, phone=PHONE, display_name=NAME, channel_user_id="IT.0000000042")
    closed = ConversationFactory(customer=customer, status=Conversation.Status.CLOSED,
                                 state={"asked": "party_size", "name": NAME})
    current = ConversationFactory(customer=customer, state={"contact": PHONE})
    inbound = MessageFactory(conversation=closed, text=f"Sono {NAME}, tavolo per 2",
                             payload=_whatsapp_payload(f"Sono {NAME}", "wamid.J1"), channel_message_id="wamid.J1")
    MessageFactory(conversation=closed, direction=Message.Direction.OUTBOUND, text=f"Grazie {NAME}!",
                   reply_to=inbound, channel_message_id="wamid.J2", payload={"to": PHONE, "text": {"body": "ok"}})
    MessageFactory(conversation=current, text="Posso spostare?", payload=_whatsapp_payload("spostare", "wamid.J3"),
                   channel_message_id="wamid.J3")
    kept = [
        AppointmentFactory(tenant=tenant, customer=customer, notes=f"{NAME}, allergic to nuts, call {PHONE}"),
        AppointmentFactory(tenant=tenant, customer=customer, status=Appointment.Status.CANCELLED),
    ]
    staff = UserFactory(is_superuser=True)
    LogEntry.objects.log_actions(staff.pk, [customer], CHANGE, change_message=[{"changed": {"fields": ["phone"]}}])

    neighbour = CustomerFactory(tenant=tenant, phone="393479999999", display_name="Romeo")
    MessageFactory(conversation__customer=neighbour, text="Ciao")
    AppointmentFactory(tenant=tenant, customer=neighbour)
    # Same number, another business: a different customer record that must survive.
    elsewhere = CustomerFactory(tenant=TenantFactory(slug="salone"), phone=PHONE, display_name="G.")
    return {"tenant": tenant, "customer": customer, "conversations": [closed, current], "appointments": kept,
            "neighbour": neighbour, "elsewhere": elsewhere}


def _database_search(needle: str) -> list[tuple[str, object]]:
    """(model, pk) of every row whose text or JSON columns contain ``needle``, in every table."""
    hits = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                continue  # ciphertext
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                for pk in model._default_manager.filter(**{f"{field.name}__icontains": needle}).values_list(
                    "pk", flat=True
                ):
                    hits.append((model._meta.label, pk))
    return sorted(set(hits), key=str)


def test_the_search_finds_the_data_before_erasure(juliet):
    # The check below would be worthless if it could not see the data in the first place.
    found = {label for label, _ in _database_search(PHONE)} | {label for label, _ in _database_search(NAME)}
    assert found == {"customers.Customer", "conversations.Conversation", "conversations.Message",
                     "bookings.Appointment", "admin.LogEntry"}


def test_export_contains_all_of_the_customers_data(juliet):
    exported = customers_data_export([juliet["customer"]], actor=None)
    json.dumps(exported)  # JSON-ready as it is
    (record,) = exported["customers"]
    assert record["tenant"] == {"slug": "trattoria", "name": juliet["tenant"].name}
    assert record["customer"]["phone"] == PHONE
    assert record["customer"]["display_name"] == NAME
    assert record["customer"]["channel_user_id"] == "IT.0000000042"
    assert [c["id"] for c in record["conversations"]] == [c.pk for c in juliet["conversations"]]
    assert record["conversations"][0]["state"] == {"asked": "party_size", "name": NAME}
    messages = [m for c in record["conversations"] for m in c["messages"]]
    assert [m["channel_message_id"] for m in messages] == ["wamid.J1", "wamid.J2", "wamid.J3"]
    assert messages[0]["payload"]["contacts"][0]["profile"]["name"] == NAME
    assert messages[1]["text"] == f"Grazie {NAME}!"
    assert sorted(a["reference"] for a in record["appointments"]) == sorted(a.reference for a in juliet["appointments"])
    assert any(PHONE in a["notes"] for a in record["appointments"])
    assert all(a["resource_name"] for a in record["appointments"])
    # Nothing of anyone else.
    assert "Romeo" not in json.dumps(exported)


def test_erase_leaves_none_of_the_customers_data(juliet):
    summary = customers_erase([juliet["customer"]], actor=None)
    assert (summary.customers, summary.conversations, summary.messages, summary.appointments_kept) == (1, 2, 3, 2)
    assert _database_search(NAME) == []
    # The number remains only on the other business's own customer.
    assert _database_search(PHONE) == [("customers.Customer", juliet["elsewhere"].pk)]


def test_erase_keeps_the_appointment_counts_without_the_customer(juliet):
    tenant = juliet["tenant"]
    before = Appointment.objects.filter(tenant=tenant).count()
    customers_erase([juliet["customer"]], actor=None)
    assert Appointment.objects.filter(tenant=tenant).count() == before == 3
    for appointment in juliet["appointments"]:
        appointment.refresh_from_db()
        assert (appointment.customer_id, appointment.notes) == (None, "")
    assert Appointment.objects.filter(tenant=tenant, status=Appointment.Status.CANCELLED).count() == 1
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Customer))
    assert entry.object_repr == "erased customer"


def test_erase_touches_no_one_else(juliet):
    customers_erase([juliet["customer"]], actor=None)
    neighbour = Customer.objects.get(pk=juliet["neighbour"].pk)
    assert neighbour.display_name == "Romeo"
    assert Message.objects.filter(conversation__customer=neighbour).count() == 1
    assert Appointment.objects.get(customer=neighbour)
    assert Customer.objects.get(pk=juliet["elsewhere"].pk).phone == PHONE


@pytest.mark.parametrize("written", ["+39 347 123 4567", "0039 347-1234567", "393471234567"])
def test_phone_numbers_are_matched_however_written(written):
    assert phone_normalise(written) == PHONE


# --- commands ------------------------------------------------------------------------


def test_export_customer_data_prints_the_json(juliet):
    out = io.StringIO()
    call_command("export_customer_data", "trattoria", "+39 347 123 4567", stdout=out)
    exported = json.loads(out.getvalue())
    assert exported["customers"][0]["customer"]["display_name"] == NAME


def test_export_names_an_unknown_customer(juliet):
    with pytest.raises(CommandError, match="No customer of trattoria has the phone number or id '393470000000'"):
        call_command("export_customer_data", "trattoria", "393470000000")


def test_erase_customer_needs_confirmation_then_erases(juliet):
    with pytest.raises(CommandError, match="confirm with --yes"):
        call_command("erase_customer", "trattoria", PHONE, stdin=io.StringIO(""))
    assert Customer.objects.filter(pk=juliet["customer"].pk).exists()
    out = io.StringIO()
    call_command("erase_customer", "trattoria", PHONE, yes=True, stdout=out)
    assert "Erased 1 customer record(s): 2 conversation(s) and 3 message(s) deleted; 2 appointment(s) kept" \
        in out.getvalue()
    assert _database_search(NAME) == []


def test_erase_customer_of_another_tenant_finds_nobody(juliet):
    with pytest.raises(CommandError, match="No customer of salone"):
        call_command("erase_customer", "salone", "393479999999", yes=True)
    assert Customer.objects.filter(pk=juliet["neighbour"].pk).exists()


# --- admin actions -------------------------------------------------------------------


def _changelist_post(client, action: str, customers: list, **extra):
    return client.post(
        "/admin/customers/customer/",
        {"action": action, "_selected_action": [c.pk for c in customers], **extra},
    )


def test_admin_exports_the_selected_customers(client, juliet):
    owner = MembershipFactory(tenant=juliet["tenant"], role=TenantMembership.Role.OWNER).user
    client.force_login(owner)
    response = _changelist_post(client, "personal_data_export", [juliet["customer"]])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customer-data-')
    exported = json.loads(response.content)
    assert [r["customer"]["phone"] for r in exported["customers"]] == [PHONE]


def test_admin_erases_after_confirmation(client, juliet):
    client.force_login(MembershipFactory(tenant=juliet["tenant"], role=TenantMembership.Role.OWNER).user)
    confirm = _changelist_post(client, "personal_data_erase", [juliet["customer"]])
    assert confirm.status_code == 200
    assert 'value="Sì, cancella"' in confirm.content.decode()  # the staff's language: an Italian business
    assert Customer.objects.filter(pk=juliet["customer"].pk).exists()
    response = _changelist_post(client, "personal_data_erase", [juliet["customer"]], post="yes")
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=juliet["customer"].pk).exists()
    assert Appointment.objects.filter(tenant=juliet["tenant"]).count() == 3


def test_admin_cannot_export_or_erase_another_tenants_customer(client, juliet):
    client.force_login(MembershipFactory(tenant=juliet["elsewhere"].tenant, role=TenantMembership.Role.OWNER).user)
    response = _changelist_post(client, "personal_data_export", [juliet["customer"]])
    # The action only ever sees the user's own tenant's rows: an empty export.
    assert json.loads(response.content)["customers"] == []
    _changelist_post(client, "personal_data_erase", [juliet["customer"]], post="yes")
    assert Customer.objects.get(pk=juliet["customer"].pk).display_name == NAME


# --- any identity, notes typed by staff, history, Chatwoot payloads ---------------------


def _chatwoot_customer(tenant, *, contact_id="77", phone="+393471234567", name=NAME):
    """A Chatwoot contact: known by contact id only; the number travels in every stored payload."""
    customer = CustomerFactory(tenant=tenant, channel="chatwoot", channel_user_id=contact_id, phone=None,
                               display_name=name)
    raw = {"event": "message_created", "content": "Avete posto?", "sender": {"id": int(contact_id), "name": name,
           "phone_number": phone, "type": "contact"}, "conversation": {"id": 512,
           "contact_inbox": {"source_id": phone.lstrip("+")}}}
    MessageFactory(conversation__customer=customer, channel="chatwoot", text="Avete posto?",
                   payload={"message": raw, "inbound": {"text": "Avete posto?"}})
    return customer


@pytest.mark.parametrize("written", ["347 123 4567", "+39 347 123 4567", "0039 347-1234567", "393471234567"])
def test_customer_is_found_by_a_phone_typed_without_country_code(juliet, written):
    assert customers_find(tenant=juliet["tenant"], identity=written) == [juliet["customer"]]


@pytest.mark.parametrize(("channel", "user_id"), [
    ("whatsapp", "IT.0000000042"), ("instagram", "17841400000000042"), ("chatwoot", "912"),
])
def test_customer_is_found_by_the_channels_own_id(channel, user_id):
    tenant = TenantFactory()
    customer = CustomerFactory(tenant=tenant, channel=channel, channel_user_id=user_id, phone=None)
    CustomerFactory(tenant=tenant, channel=channel, channel_user_id=f"{user_id}0", phone=None)
    assert customers_find(tenant=tenant, identity=user_id) == [customer]


def test_chatwoot_customer_is_found_by_the_phone_in_their_payloads(juliet):
    chatwoot = _chatwoot_customer(juliet["tenant"])
    # A message whose payload merely contains the digits inside a longer id is no match.
    MessageFactory(conversation=Conversation.objects.get(customer=juliet["neighbour"]), payload={"id": f"99{PHONE}11"})
    assert customers_find(tenant=juliet["tenant"], identity="347 123 4567") == [chatwoot, juliet["customer"]]
    summary = customers_erase(customers_find(tenant=juliet["tenant"], identity="+39 347 123 4567"), actor=None)
    assert summary.customers == 2
    assert not Customer.objects.filter(pk=chatwoot.pk).exists()
    assert _database_search(NAME) == []


def test_chatwoot_customer_alone_is_erased_by_phone_through_the_command():
    tenant = TenantFactory(slug="osteria")
    chatwoot = _chatwoot_customer(tenant, phone="+393401112233", name="Marco Bianchi")
    call_command("erase_customer", "osteria", "340 111 2233", yes=True, stdout=io.StringIO())
    assert not Customer.objects.filter(pk=chatwoot.pk).exists()
    assert _database_search("1112233") == []
    assert _database_search("Marco Bianchi") == []


@pytest.fixture
def notes_typed_by_staff(juliet):
    """Bookings taken on the phone before they had a customer: the guest is only in the notes."""
    tenant = juliet["tenant"]
    return {
        "by_name": AppointmentFactory(tenant=tenant, notes=f"{NAME.upper()} - window table"),
        "by_spaced_phone": AppointmentFactory(tenant=tenant, notes="Giulia, tel. 347 123 45 67, birthday"),
        "by_international_phone": AppointmentFactory(tenant=tenant, notes="call +39 347-1234567 if late"),
        "someone_else": AppointmentFactory(tenant=tenant, notes="Romeo, 347 999 9999, at 19:30"),
    }


def test_export_includes_bookings_whose_notes_name_the_customer(juliet, notes_typed_by_staff):
    (record,) = customers_data_export([juliet["customer"]], actor=None)["customers"]
    mentioning = {a["reference"] for a in record["appointments_mentioning"]}
    expected = {notes_typed_by_staff[k].reference for k in ("by_name", "by_spaced_phone", "by_international_phone")}
    assert mentioning == expected


def test_erase_blanks_notes_that_name_the_customer_and_keeps_others(juliet, notes_typed_by_staff):
    summary = customers_erase([juliet["customer"]], actor=None)
    assert summary.notes_blanked == 3
    notes = {key: Appointment.objects.get(pk=a.pk).notes for key, a in notes_typed_by_staff.items()}
    assert notes == {"by_name": "", "by_spaced_phone": "", "by_international_phone": "",
                     "someone_else": "Romeo, 347 999 9999, at 19:30"}
    assert _database_search("347 123 45 67") == []


def test_erase_anonymises_admin_history_of_other_rows_that_quotes_the_customer(juliet, notes_typed_by_staff):
    booking = notes_typed_by_staff["by_name"]
    staff = UserFactory(is_superuser=True)
    LogEntry.objects.log_actions(staff.pk, [booking], CHANGE, change_message=f"Notes: {NAME} - window table")
    other = notes_typed_by_staff["someone_else"]
    LogEntry.objects.log_actions(staff.pk, [other], CHANGE, change_message="Notes: Romeo")
    customers_erase([juliet["customer"]], actor=None)
    entry = LogEntry.objects.get(object_id=str(booking.pk), content_type__model="appointment")
    assert (entry.object_repr, entry.change_message, entry.user_id) == ("erased", "", staff.pk)
    assert LogEntry.objects.get(object_id=str(other.pk), content_type__model="appointment").change_message \
        == "Notes: Romeo"


# --- who may, and the audit trail --------------------------------------------------------


def test_staff_who_are_not_owners_are_not_offered_the_actions(client, juliet):
    client.force_login(MembershipFactory(tenant=juliet["tenant"]).user)
    page = client.get("/admin/customers/customer/").content.decode()
    assert 'value="personal_data_export"' not in page
    assert 'value="personal_data_erase"' not in page


@pytest.mark.parametrize("action", ["personal_data_export", "personal_data_erase"])
def test_staff_who_are_not_owners_cannot_export_or_erase(client, juliet, action):
    client.force_login(MembershipFactory(tenant=juliet["tenant"]).user)
    response = _changelist_post(client, action, [juliet["customer"]], post="yes")
    # Django runs only the actions get_actions() offers: this one is refused, nothing happens.
    assert response.status_code == 302
    assert "Content-Disposition" not in response
    assert Customer.objects.get(pk=juliet["customer"].pk).display_name == NAME
    assert AuditEvent.objects.count() == 0


def test_owner_of_another_tenant_who_is_staff_here_cannot_erase(client, juliet):
    user = MembershipFactory(tenant=juliet["elsewhere"].tenant, role=TenantMembership.Role.OWNER).user
    MembershipFactory(tenant=juliet["tenant"], user=user)  # staff here
    client.force_login(user)
    _changelist_post(client, "personal_data_erase", [juliet["customer"]], post="yes")
    response = _changelist_post(client, "personal_data_export", [juliet["customer"]])
    assert "Content-Disposition" not in response
    assert Customer.objects.get(pk=juliet["customer"].pk).display_name == NAME
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(("action", "recorded"), [
    ("personal_data_export", AuditEvent.Action.PERSONAL_DATA_EXPORT),
    ("personal_data_erase", AuditEvent.Action.PERSONAL_DATA_ERASE),
])
def test_owner_export_and_erase_each_leave_one_audit_record(client, juliet, action, recorded):
    owner = MembershipFactory(tenant=juliet["tenant"], role=TenantMembership.Role.OWNER, user__username="anna").user
    client.force_login(owner)
    customer_id = juliet["customer"].pk
    _changelist_post(client, action, [juliet["customer"]], post="yes")
    (event,) = AuditEvent.objects.all()
    assert (event.tenant_id, event.actor_id, event.actor_label, event.action, event.target) == (
        juliet["tenant"].pk, owner.pk, "anna", recorded, f"customer {customer_id}"
    )
    assert event.created_at is not None


@pytest.mark.parametrize(("command", "recorded"), [
    ("export_customer_data", AuditEvent.Action.PERSONAL_DATA_EXPORT),
    ("erase_customer", AuditEvent.Action.PERSONAL_DATA_ERASE),
])
def test_commands_record_the_operator(juliet, command, recorded):
    options = {"yes": True} if command == "erase_customer" else {}
    call_command(command, "trattoria", PHONE, stdout=io.StringIO(), **options)
    (event,) = AuditEvent.objects.all()
    assert (event.tenant_id, event.actor_id, event.actor_label, event.action, event.target) == (
        juliet["tenant"].pk, None, f"manage.py {command}", recorded, f"customer {juliet['customer'].pk}"
    )
