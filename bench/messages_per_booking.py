"""How many messages does the assistant send per booking made in the chat?

Since July 2025 Meta bills WhatsApp per message sent, so fewer messages for the same
work is money. This runs the dialogue suite (conversations/tests/dialogues) and counts
every reply the assistant sends; a dialogue counts as a completed booking dialogue when
the customer ends it with a confirmed booking made in the chat. It prints, for those
dialogues, the messages sent and the messages per dialogue, and lists the turns answered
with more than one message (the candidates to merge into one).

    python bench/messages_per_booking.py
    python bench/messages_per_booking.py -k salon     # only some dialogues (pytest's -k)
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lyo.settings_test")

import pytest  # noqa: E402

SUITE = ROOT / "conversations" / "tests" / "dialogues" / "test_dialogues.py"


@dataclass
class Dialogue:
    turns: int = 0
    messages: int = 0
    multi: list[tuple[int, int]] = field(default_factory=list)  # (turn number, messages)
    booked: bool = False
    passed: bool = False


class Counter:
    """A pytest plugin: wraps the suite's send and final check to count, changing nothing."""

    def __init__(self) -> None:
        self.dialogues: dict[str, Dialogue] = {}
        self.current: Dialogue | None = None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):  # type: ignore[no-untyped-def]
        module = item.module
        dialogue = self.current = self.dialogues.setdefault(item.callspec.id, Dialogue())
        send, check_final = module.trial_message_send, module._check_final

        def counting_send(**kwargs):  # type: ignore[no-untyped-def]
            replies = send(**kwargs)
            dialogue.turns += 1
            dialogue.messages += len(replies)
            if len(replies) > 1:
                dialogue.multi.append((dialogue.turns, len(replies)))
            return replies

        def booked_check_final(tenant, customer, final):  # type: ignore[no-untyped-def]
            from bookings.models import Appointment

            dialogue.booked = (
                Appointment.objects.filter(tenant=tenant, customer=customer, status=Appointment.Status.CONFIRMED)
                .exclude(channel=Appointment.Channel.ADMIN)
                .exists()
            )
            return check_final(tenant, customer, final)

        module.trial_message_send, module._check_final = counting_send, booked_check_final
        try:
            outcome = yield
        finally:
            module.trial_message_send, module._check_final = send, check_final
        dialogue.passed = outcome.excinfo is None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only the dialogues whose name matches (pytest's -k)")
    args = parser.parse_args()
    counter = Counter()
    pytest_args = ["-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=", str(SUITE)]
    if args.k:
        pytest_args += ["-k", args.k]
    code = pytest.main(pytest_args, plugins=[counter])

    booked = {name: d for name, d in counter.dialogues.items() if d.booked and d.passed}
    messages = sum(d.messages for d in booked.values())
    turns = sum(d.turns for d in booked.values())
    print()
    print(f"dialogues run: {len(counter.dialogues)}, completed booking dialogues: {len(booked)}")
    if booked:
        print(f"messages sent in them: {messages} for {turns} customer turns")
        print(f"messages per completed booking dialogue: {messages / len(booked):.2f}")
        print(f"messages per customer turn: {messages / turns:.2f}")
    multi = [(name, d.multi) for name, d in counter.dialogues.items() if d.multi]
    if multi:
        print("turns answered with more than one message:")
        for name, turns_ in multi:
            print(f"  {name}: " + ", ".join(f"turn {t} ({n} messages)" for t, n in turns_))
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main())
