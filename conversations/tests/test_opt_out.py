"""A customer who writes "stop" / "non scrivermi più" is recorded as opted out, and told so."""

from datetime import UTC, datetime

import pytest
import time_machine

from conversations.assistant.opt_out import opt_out_requested
from conversations.assistant_trial import trial_customer_get_or_create, trial_message_id, trial_message_send
from conversations.inbound import InboundKind, InboundMessage
from customers.models import Customer
from tenants.tests.factories import TenantFactory

NOW = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stop", True), ("STOP!", True), ("Non scrivermi più", True), ("non scrivermi piu.", True),
        ("No more messages", True), ("stop, ho sbagliato ora", False), ("tavolo per 2 domani", False),
    ],
)
def test_which_messages_are_an_opt_out(text, expected):
    assert opt_out_requested(text) is expected


def test_while_booking_a_bare_stop_still_means_start_over_but_the_explicit_phrase_opts_out():
    assert opt_out_requested("stop", in_flow=True) is False
    assert opt_out_requested("non scrivermi più", in_flow=True) is True


def _text(text: str) -> InboundMessage:
    return InboundMessage(kind=InboundKind.TEXT, channel_message_id=trial_message_id(), timestamp=NOW, text=text)


@pytest.mark.django_db
def test_stop_records_the_opt_out_on_the_customer_once_and_only_for_that_tenant():
    tenant, other = TenantFactory(language="it"), TenantFactory(language="it")
    with time_machine.travel(NOW, tick=False):
        customer = trial_customer_get_or_create(tenant=tenant, sender_id="giulia")
        elsewhere = trial_customer_get_or_create(tenant=other, sender_id="giulia")
        replies = trial_message_send(tenant=tenant, customer=customer, inbound=_text("Non scrivermi più"))
    assert [r.text for r in replies] == [
        "Va bene, non ti scriveremo più per primi: niente promemoria né altri messaggi. "
        "Le conferme delle tue prenotazioni arriveranno comunque. Per prenotare scrivici quando vuoi."
    ]
    assert Customer.objects.get(pk=customer.pk).opted_out_at == NOW
    assert Customer.objects.get(pk=elsewhere.pk).opted_out_at is None
    with time_machine.travel(NOW.replace(hour=20), tick=False):
        trial_message_send(tenant=tenant, customer=customer, inbound=_text("stop"))
    assert Customer.objects.get(pk=customer.pk).opted_out_at == NOW  # the first request's moment is kept
