"""Whole conversations with the assistant, written as data (see the YAML files here).

Each conversation runs against the demo tenants with time frozen: every turn is a
message the customer sends (typed, tapped, a photo, a location), what the replies
must (not) contain, and at the end the customer's bookings and the conversation's
status. Every reply of every conversation is also checked against Meta's limits.
"""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
import yaml

from bookings.models import Appointment, Closure, Resource, Service
from bookings.services import appointment_book, appointment_cancel
from conversations.assistant.dialogue import Dialogue
from conversations.assistant_trial import trial_customer_get_or_create, trial_message_id, trial_message_send
from conversations.inbound import InboundKind, InboundMessage, Location
from conversations.models import Conversation, Message
from conversations.replies import Reply, reply_limit_violations
from conversations.services.handoff import conversation_hand_back
from operators.demo import demo_tenants_seed
from tenants.models import Tenant

HERE = Path(__file__).parent
DEFAULT_NOW = "2026-11-25T19:00"
TENANTS = {"trattoria": "trattoria-demo", "salone": "salone-demo"}


def _dialogues() -> list:
    cases = []
    for path in sorted(HERE.glob("*.yaml")):
        for dialogue in yaml.safe_load(path.read_text()):
            cases.append(pytest.param(dialogue, id=f"{path.stem}: {dialogue['name']}"))
    return cases


def _local(tenant: Tenant, value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=tenant.tzinfo)


def _duration(value: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([mhd])", value)
    assert match, f"bad duration {value!r}"
    amount, unit = int(match[1]), match[2]
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]


def _setup(tenant: Tenant, customer, other_customer, setup: dict, now: datetime) -> None:
    if setup.get("tenant_settings"):
        Tenant.objects.filter(pk=tenant.pk).update(**setup["tenant_settings"])
        tenant.refresh_from_db()
    for row in setup.get("appointments", []):
        resource_name = row.get("table") or row.get("staff")
        appointment = appointment_book(
            tenant=tenant,
            start=_local(tenant, row["start"]),
            party_size=row.get("party", 1),
            service=Service.objects.get(tenant=tenant, name_it=row["service"]) if row.get("service") else None,
            resource=Resource.objects.get(tenant=tenant, name=resource_name) if resource_name else None,
            customer=customer if row.get("mine") else other_customer,
            channel=Appointment.Channel.ADMIN,
            by_staff=True,
            now=now,
        )
        if row.get("reference"):
            Appointment.objects.filter(pk=appointment.pk).update(reference=row["reference"])
        if row.get("status"):  # a visit already done ("completed"), for what follows it
            Appointment.objects.filter(pk=appointment.pk).update(status=row["status"])
    for row in setup.get("closures", []):
        Closure.objects.create(
            tenant=tenant, starts_at=_local(tenant, row["start"]), ends_at=_local(tenant, row["end"]),
            reason=row.get("reason", ""),
        )


def _inbound_for(turn: dict, customer) -> InboundMessage:
    common = {"channel_message_id": trial_message_id(), "timestamp": datetime.now().astimezone()}
    if "send" in turn:
        return InboundMessage(kind=InboundKind.TEXT, text=turn["send"], **common)
    if "send_repeat" in turn:
        text = turn["send_repeat"]["text"] * turn["send_repeat"]["times"]
        return InboundMessage(kind=InboundKind.TEXT, text=text, **common)
    if "tap_offer" in turn:
        # A button of the latest waitlist offer sent to the customer: its id names the held booking.
        offer = (
            Message.objects.filter(conversation__customer=customer, payload__purpose="waitlist_offer")
            .order_by("-pk").first()
        )
        assert offer is not None, "no waitlist offer was sent"
        option = next(o for o in offer.payload["options"] if o["id"].startswith(f"wl:{turn['tap_offer']}:"))
        return InboundMessage(kind=InboundKind.CHOICE, choice_id=option["id"], choice_title=option["title"], **common)
    if "tap" in turn or "tap_title" in turn:
        # A tap may come first: a button of a message the customer did not ask for (a reminder).
        conversation = Conversation.objects.filter(customer=customer, status__in=["bot", "human"]).first()
        state = conversation.state if conversation else {}
        options = dict((title, option_id) for option_id, title in state.get("options", []))
        titles = {option_id: title for title, option_id in options.items()}
        if "tap_title" in turn:
            assert turn["tap_title"] in options, f"no option titled {turn['tap_title']!r} in {list(options)}"
            choice_id = options[turn["tap_title"]]
        else:
            choice_id = turn["tap"]
        return InboundMessage(
            kind=InboundKind.CHOICE, choice_id=choice_id, choice_title=titles.get(choice_id, ""), **common
        )
    if "media" in turn:
        return InboundMessage(kind=InboundKind.MEDIA, media_type=turn["media"], media_id="MEDIA1", **common)
    if "location" in turn:
        return InboundMessage(kind=InboundKind.LOCATION, location=Location(**turn["location"]), **common)
    if "reaction" in turn:
        return InboundMessage(kind=InboundKind.REACTION, emoji=turn["reaction"], reacted_message_id="wamid.X", **common)
    raise AssertionError(f"a turn needs something to send: {turn}")


def _check_turn(number: int, turn: dict, replies: list[Reply]) -> None:
    where = f"turn {number} ({turn.get('send') or turn.get('tap') or turn.get('tap_title') or 'non-text'})"
    shown = "\n".join(
        [r.text for r in replies] + [f"[{o.title}] {o.description}" for r in replies for o in r.options]
    )
    titles = [o.title for r in replies for o in r.options]
    for reply in replies:
        assert reply_limit_violations(reply) == [], f"{where}: reply breaks Meta's limits: {reply}"
    if "replies" in turn:
        assert len(replies) == turn["replies"], f"{where}: expected {turn['replies']} replies, got:\n{shown}"
    for expected in turn.get("expect", []):
        assert expected.casefold() in shown.casefold(), f"{where}: {expected!r} not in replies:\n{shown}"
    for unexpected in turn.get("not_expect", []):
        assert unexpected.casefold() not in shown.casefold(), f"{where}: {unexpected!r} in replies:\n{shown}"
    for option in turn.get("options", []):
        assert option in titles, f"{where}: option {option!r} not offered; options: {titles}"
    for option in turn.get("not_options", []):
        assert option not in titles, f"{where}: option {option!r} offered; options: {titles}"


def _staff_cancel(tenant: Tenant, customer, turn: dict, now: datetime, capture) -> None:
    """Staff cancel a booking: the freed time is offered (after commit) to the waitlist."""
    with time_machine.travel(now, tick=False), capture(execute=True):
        appointment = Appointment.objects.get(tenant=tenant, reference=turn["reference"])
        appointment_cancel(tenant=tenant, appointment=appointment, by_staff=True, now=now)
    offers = [
        message.text for message in
        Message.objects.filter(conversation__customer=customer, payload__purpose="waitlist_offer").order_by("pk")
    ]
    for expected in turn.get("offer", []):
        assert offers and expected in offers[-1], f"{expected!r} not in the waitlist offer: {offers}"
    if turn.get("no_offer"):
        assert offers == [], f"a waitlist offer was sent: {offers}"


def _check_final(tenant: Tenant, customer, final: dict) -> None:
    if "appointments" in final:
        actual = []
        for appointment in Appointment.objects.filter(tenant=tenant, customer=customer).order_by("starts_at"):
            actual.append(
                {
                    "start": appointment.starts_at.astimezone(tenant.tzinfo).strftime("%Y-%m-%dT%H:%M"),
                    "start_utc": appointment.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"),
                    "party": appointment.party_size,
                    "status": appointment.status,
                    "service": appointment.service.name_it if appointment.service else None,
                    "staff": appointment.resource.name,
                    "channel": appointment.channel,
                    # A later service of a visit of several ("colore e piega": the piega).
                    "follows": appointment.visit_first_id is not None,
                }
            )
        expected = final["appointments"]
        assert len(actual) == len(expected), f"bookings: expected {expected}, got {actual}"
        for want, got in zip(expected, actual, strict=True):
            assert {k: got[k] for k in want} == want, f"booking: expected {want}, got {got}"
    if "status" in final:
        conversation = Conversation.objects.filter(customer=customer).order_by("-created_at").first()
        assert conversation.status == final["status"]


def _check_state_round_trip(customer) -> None:
    """The typed dialogue reads every state the assistant writes and writes it back unchanged."""
    conversation = Conversation.objects.filter(customer=customer).order_by("-created_at").first()
    state = dict(conversation.state or {})
    rewritten = {key: value for key, value in state.items() if key not in Dialogue.KEYS}
    Dialogue.from_state(state).state_write(rewritten)
    assert rewritten == state


@pytest.mark.django_db
@pytest.mark.parametrize("dialogue", _dialogues())
def test_dialogue(dialogue, django_capture_on_commit_callbacks):
    demo_tenants_seed()
    tenant = Tenant.objects.get(slug=TENANTS[dialogue.get("tenant", "trattoria")])
    customer = trial_customer_get_or_create(
        tenant=tenant, sender_id="dialogue-customer", display_name=dialogue.get("customer_name", "")
    )
    if dialogue.get("customer_language"):
        customer.language = dialogue["customer_language"]
        customer.save(update_fields=["language"])
    other = trial_customer_get_or_create(tenant=tenant, sender_id="someone-else")
    now = _local(tenant, dialogue.get("now", DEFAULT_NOW))
    _setup(tenant, customer, other, dialogue.get("setup", {}), now)

    for number, turn in enumerate(dialogue["turns"], start=1):
        if "advance" in turn:
            now += _duration(turn["advance"])
        if turn.get("staff") == "cancel":
            _staff_cancel(tenant, customer, turn, now, django_capture_on_commit_callbacks)
            continue
        if turn.get("staff") == "hand_back":
            conversation = Conversation.objects.get(customer=customer, status="human")
            assert conversation_hand_back(conversation=conversation) is True
            continue
        with time_machine.travel(now, tick=False):
            customer.refresh_from_db()
            replies = trial_message_send(tenant=tenant, customer=customer, inbound=_inbound_for(turn, customer))
        _check_turn(number, turn, replies)
        _check_state_round_trip(customer)
        now += timedelta(seconds=20)
    _check_final(tenant, customer, dialogue.get("final", {}))
