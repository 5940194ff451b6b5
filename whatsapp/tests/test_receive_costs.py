"""What storing a webhook's message costs the database, and that the shortcuts keep the rules."""

from unittest import mock

import pytest

from conversations.models import Conversation, Message
from customers.models import Customer
from tenants.models import Tenant
from tenants.selectors import TENANT_BY_NUMBER_SECONDS, tenant_for_phone_number_id
from tenants.tests.factories import TenantFactory
from whatsapp.services.inbound import whatsapp_webhook_handle
from whatsapp.tests.conftest import SAMPLE_PHONE_NUMBER_ID

# Transactions for real: the returning customer's message is stored without one of its own.
pytestmark = pytest.mark.django_db(transaction=True)

WA_ID = "393331234567"


def _text(message_id: str, *, wa_id: str = WA_ID, user_id: str = "", name: str = "Giulia") -> dict:
    sender = {"from": wa_id} if wa_id else {}
    if user_id:
        sender["from_user_id"] = user_id
    contact = {
        "profile": {"name": name},
        **({"wa_id": wa_id} if wa_id else {}),
        **({"user_id": user_id} if user_id else {}),
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "393330000000", "phone_number_id": SAMPLE_PHONE_NUMBER_ID},
        "contacts": [contact],
        "messages": [{**sender, "id": message_id, "timestamp": "1764100000", "type": "text", "text": {"body": "ciao"}}],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


@pytest.fixture
def enqueued():
    with mock.patch("conversations.services.inbound.inbound_message_enqueue") as enqueue:
        yield enqueue


def test_a_returning_customer_message_is_one_lookup_and_one_insert(tenant, enqueued, django_assert_num_queries):
    whatsapp_webhook_handle(data=_text("wamid.first"))

    # Tenant remembered; conversation and customer in one query; the INSERT is its own transaction.
    with django_assert_num_queries(2):
        summary = whatsapp_webhook_handle(data=_text("wamid.second"))

    assert (summary.stored, summary.duplicates) == (1, 0)
    conversation = Conversation.objects.get()
    assert list(conversation.messages.values_list("channel_message_id", flat=True).order_by("id")) == [
        "wamid.first",
        "wamid.second",
    ]
    second = Message.objects.get(channel_message_id="wamid.second")
    assert enqueued.call_args_list == [
        mock.call(Message.objects.get(channel_message_id="wamid.first").pk, conversation_id=conversation.pk),
        mock.call(second.pk, conversation_id=conversation.pk),
    ]


def test_a_redelivery_is_answered_by_the_constraint_and_enqueues_nothing(tenant, enqueued):
    whatsapp_webhook_handle(data=_text("wamid.once"))
    summary = whatsapp_webhook_handle(data=_text("wamid.once"))

    assert (summary.stored, summary.duplicates) == (0, 1)
    assert Message.objects.count() == 1
    assert enqueued.call_count == 1


def test_a_redelivery_after_the_conversation_closed_leaves_no_empty_conversation(tenant, enqueued):
    whatsapp_webhook_handle(data=_text("wamid.old"))
    Conversation.objects.update(status=Conversation.Status.CLOSED)

    summary = whatsapp_webhook_handle(data=_text("wamid.old"))

    assert summary.duplicates == 1
    assert Conversation.objects.count() == 1
    assert enqueued.call_count == 1


def test_a_new_profile_name_is_learned_on_the_short_path(tenant, enqueued):
    whatsapp_webhook_handle(data=_text("wamid.1", name="Giulia"))
    whatsapp_webhook_handle(data=_text("wamid.2", name="Giulia Rossi"))

    assert Customer.objects.get().display_name == "Giulia Rossi"


def test_a_user_id_seen_for_the_first_time_is_learned_not_a_second_customer(tenant, enqueued):
    whatsapp_webhook_handle(data=_text("wamid.1"))
    whatsapp_webhook_handle(data=_text("wamid.2", user_id="IT.1234567890"))

    customer = Customer.objects.get()
    assert (customer.phone, customer.channel_user_id) == (WA_ID, "IT.1234567890")
    assert Conversation.objects.count() == 1


def test_the_same_number_at_another_tenant_is_another_customer(tenant, enqueued):
    other = TenantFactory(whatsapp_phone_number_id="999000111")
    whatsapp_webhook_handle(data=_text("wamid.here"))
    there = _text("wamid.there")
    there["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999000111"
    whatsapp_webhook_handle(data=there)

    assert sorted(Customer.objects.values_list("tenant_id", flat=True)) == sorted([tenant.pk, other.pk])
    assert Conversation.objects.filter(tenant=other).get().messages.get().channel_message_id == "wamid.there"
    assert Conversation.objects.filter(tenant=tenant).get().messages.get().channel_message_id == "wamid.here"


def test_the_tenant_is_remembered_for_a_few_seconds_then_looked_up_again(tenant, django_assert_num_queries):
    with mock.patch("tenants.selectors.time.monotonic", return_value=1000.0):
        assert tenant_for_phone_number_id(SAMPLE_PHONE_NUMBER_ID) == tenant
        with django_assert_num_queries(0):
            assert tenant_for_phone_number_id(SAMPLE_PHONE_NUMBER_ID) == tenant
    type(tenant).objects.filter(pk=tenant.pk).update(is_active=False)  # as another process would
    with mock.patch("tenants.selectors.time.monotonic", return_value=1000.0 + TENANT_BY_NUMBER_SECONDS + 0.1):
        assert tenant_for_phone_number_id(SAMPLE_PHONE_NUMBER_ID) is None


def test_a_tenant_saved_in_this_process_is_looked_up_afresh_at_once(tenant):
    assert tenant_for_phone_number_id(SAMPLE_PHONE_NUMBER_ID) == tenant
    tenant.is_active = False
    tenant.save()

    assert tenant_for_phone_number_id(SAMPLE_PHONE_NUMBER_ID) is None


def test_an_unknown_number_is_never_remembered(db):
    assert tenant_for_phone_number_id("555000") is None
    # Onboarded a moment later by another process (no signal reaches this one).
    (tenant,) = Tenant.objects.bulk_create([TenantFactory.build(whatsapp_phone_number_id="555000")])

    assert tenant_for_phone_number_id("555000") == tenant


def test_a_tenant_deactivated_in_this_process_is_ignored_at_once(tenant, enqueued):
    from tenants.services import tenant_deactivate

    assert tenant_for_phone_number_id(SAMPLE_PHONE_NUMBER_ID) == tenant  # remembered
    tenant_deactivate(tenant=tenant)  # an UPDATE: no post_save

    summary = whatsapp_webhook_handle(data=_text("wamid.after"))

    assert (summary.stored, summary.unknown_tenants) == (0, 1)
    assert not Message.objects.exists()
