"""Whole turns for the first messages of the phrase suite that carry an ``outcome``.

Each message is sent by a new customer of the demo tenants with time frozen at the phrase
suite's "now" (Wednesday 2026-11-25 19:00 Europe/Rome). A "propose" phrase must get a summary
carrying exactly the date, time, party and service it says; an "ask" phrase must get no summary
(a question, a choice, a refusal). Across every phrase, a summary never carries a date, time,
party or service the message did not say. Prints accuracy per kind, the CPU of an assistant
turn and the CPU of the whole message (stored, answered, its reply recorded).
"""

import time
from datetime import datetime

import pytest
import time_machine

from bookings.models import Service
from conversations.assistant_trial import trial_customer_get_or_create, trial_message_id, trial_message_send
from conversations.inbound import InboundKind, InboundMessage
from conversations.models import Conversation
from conversations.services import inbound as inbound_service
from conversations.tests.assistant.test_phrases import _phrases
from operators.demo import demo_tenants_seed
from tenants.models import Tenant

TENANTS = {"restaurant": "trattoria-demo", "salon": "salone-demo"}
NOW = "2026-11-25T19:00"
MIN_ACCURACY = 0.98
# Generous: CPU time on a loaded CI machine varies; the figure to watch is the one printed.
MAX_CPU_MS_PER_TURN = 50.0


def _summary(customer) -> dict | None:
    """What the assistant offers for confirmation, or None when it has not proposed anything."""
    conversation = Conversation.objects.filter(customer=customer).order_by("-created_at").first()
    state = conversation.state if conversation else {}
    draft = state.get("draft") or {}
    if state.get("step") != "confirm" or "slot" not in draft:
        return None
    start = datetime.fromisoformat(draft["slot"]["start"]).astimezone(customer.tenant.tzinfo)
    service = Service.objects.filter(pk=draft.get("service")).first() if draft.get("service") else None
    return {
        "date": start.date(),
        "time": start.strftime("%H:%M"),
        "party_size": draft.get("party"),
        "service": service.name_it if service else None,
    }


def _said(kind: str, phrase: dict) -> dict:
    services = phrase.get("services") or []
    return {
        "date": phrase.get("date"),
        "time": phrase.get("time"),
        "party_size": phrase.get("party_size") if kind == "restaurant" else None,
        "service": {
            "taglio_donna": "Taglio donna", "taglio_uomo": "Taglio uomo", "piega": "Piega",
            "colore": "Colore", "barba": "Barba",
        }[services[0]] if len(services) == 1 else None,
    }


def _assistant_cpu_counted(monkeypatch) -> list[float]:
    """CPU seconds spent in each assistant turn (understanding, booking rules, replies)."""
    spent: list[float] = []
    handle = inbound_service.assistant_handle

    def counted(**kwargs):
        started = time.process_time()
        try:
            return handle(**kwargs)
        finally:
            spent.append(time.process_time() - started)

    monkeypatch.setattr(inbound_service, "assistant_handle", counted)
    return spent


@pytest.mark.django_db
def test_first_messages_whole_turn_outcomes(capsys, monkeypatch):
    demo_tenants_seed()
    assistant_cpu = _assistant_cpu_counted(monkeypatch)
    tenants = {kind: Tenant.objects.get(slug=slug) for kind, slug in TENANTS.items()}
    cases = [(kind, p) for kind, p in _phrases() if "outcome" in p]
    assert len(cases) >= 150
    per_kind: dict[str, list[int]] = {}
    wrong, unsaid = [], []
    cpu = 0.0
    for number, (kind, phrase) in enumerate(cases):
        tenant = tenants[kind]
        customer = trial_customer_get_or_create(tenant=tenant, sender_id=f"first-message-{number}")
        now = datetime.fromisoformat(NOW).replace(tzinfo=tenant.tzinfo)
        inbound = InboundMessage(
            kind=InboundKind.TEXT, text=phrase["text"], channel_message_id=trial_message_id(), timestamp=now
        )
        with time_machine.travel(now, tick=False):
            started = time.process_time()
            trial_message_send(tenant=tenant, customer=customer, inbound=inbound)
            cpu += time.process_time() - started
        summary, said = _summary(customer), _said(kind, phrase)
        if summary is not None:
            extra = [k for k, v in summary.items() if v is not None and v != said[k]]
            if extra:
                unsaid.append((kind, phrase["text"], summary))
        right = summary is None if phrase["outcome"] == "ask" else summary == said
        counts = per_kind.setdefault(phrase.get("kind", "everyday"), [0, 0])
        counts[0] += right
        counts[1] += 1
        if not right:
            wrong.append((kind, phrase["text"], phrase["outcome"], summary))
    accuracy = 1 - len(wrong) / len(cases)
    cpu_ms = cpu / len(cases) * 1000
    assistant_ms = sum(assistant_cpu) / len(assistant_cpu) * 1000
    with capsys.disabled():
        print(f"\nfirst messages, whole turns: {len(cases) - len(wrong)}/{len(cases)} right ({accuracy:.1%})")
        for name, (right, total) in sorted(per_kind.items()):
            print(f"  {name:18} {right}/{total} ({right / total:.0%})")
        print(f"  summaries carrying something unsaid: {len(unsaid)}")
        print(f"  average CPU per assistant turn: {assistant_ms:.2f} ms")
        print(f"  average CPU per message, stored, answered and its reply recorded: {cpu_ms:.2f} ms")
        for kind, text, outcome, summary in wrong:
            print(f"  miss [{kind}] {text!r}: expected {outcome}, summary {summary}")
    assert unsaid == []
    assert accuracy >= MIN_ACCURACY
    assert len(assistant_cpu) == len(cases)
    assert assistant_ms < MAX_CPU_MS_PER_TURN
