"""Booking a table or a service, and moving an existing booking, one question at a time.

The draft of the booking is ``turn.dialogue.draft`` (party size, service, staff
member, date, time, period); each message adds what it carries, and ``book_advance``
asks for the first thing still missing, or offers the slot for confirmation. Every
rule about what is free comes from ``bookings.availability``; every write goes
through ``bookings.services``.
"""

from datetime import date, datetime, time, timedelta

from bookings.approvals import appointment_approval_request, approval_needed
from bookings.availability import (
    Slot,
    Verdict,
    available_slots,
    slot_alternatives,
    start_check,
    visit_rest_check,
)
from bookings.errors import BookingError, CustomerBookingLimitReached, SlotUnavailable, TooLateToCancel
from bookings.models import Appointment, Resource, Service
from bookings.selectors import (
    appointment_confirmed_of_customer,
    closure_at,
    largest_table_seats,
    opening_hours_for_week,
    resource_of_tenant,
    service_active_get,
    services_active,
    staff_active_get,
    staff_doing_service,
    visit_services,
)
from bookings.services import appointment_book, appointment_reschedule
from conversations.assistant import waitlist
from conversations.assistant.dialogue import Draft, Flow, OfferedSlot, Step
from conversations.assistant.formatting import (
    WEEKDAYS,
    date_long,
    date_short,
    day_number,
    services_text,
    time_short,
    when_long,
)
from conversations.assistant.payment import payment_hold_start, payment_quote, payment_quote_text
from conversations.assistant.turn import JUST_BOOKED_KEY, Turn
from conversations.assistant.understanding import DayPeriod, Understanding
from conversations.assistant.understanding.catalogue import visit_order
from conversations.assistant.understanding.vocabulary import vocabulary_for_tenant
from conversations.models import Conversation
from conversations.services.conversations import conversation_booking_link
from conversations.signals import party_size_asked

# How many days ahead the "which day?" list looks for free days.
DAYS_LOOKAHEAD = 21
# Minutes of the day each period covers (lunch and evening overlap the afternoon on purpose).
PERIOD_MINUTES = {
    DayPeriod.MORNING: (0, 12 * 60),
    DayPeriod.LUNCH: (11 * 60, 15 * 60 + 30),
    DayPeriod.AFTERNOON: (13 * 60, 18 * 60),
    DayPeriod.EVENING: (17 * 60 + 30, 24 * 60 * 2),
}
ALTERNATIVES_SAME_DAY = 5
ALTERNATIVES_OTHER_DAYS = 4
LIST_SIZE = 10


# --- the draft ---------------------------------------------------------------------


def draft_merge(turn: Turn, understanding: Understanding) -> bool:
    """Copy what the message says into the draft; True when it added anything."""
    changes: dict[str, object] = {}
    if understanding.party_size and turn.is_restaurant:
        changes["party"] = understanding.party_size
    if understanding.service_ids and not turn.is_restaurant:
        if len(understanding.service_ids) == 1:
            changes.update(service=understanding.service_ids[0], service_choices=())
        else:
            changes.update(service_choices=tuple(understanding.service_ids), service=None)
        # "colore e piega": the piega follows in the same visit. Naming one service anew
        # ("anzi solo il taglio") books that one alone; answering "which of these?" keeps the rest.
        if understanding.then_service_ids:
            changes["then"] = tuple(understanding.then_service_ids)
        elif turn.dialogue.step != Step.SERVICE:
            changes["then"] = ()
    if understanding.staff_id and not turn.is_restaurant:
        changes["staff"] = understanding.staff_id
    if understanding.date_choices and not understanding.date:
        # "venerdì 22" when the 22nd is a Tuesday: both readings kept until the customer picks one.
        changes.update(date_choices=tuple(understanding.date_choices), date=None)
        if not understanding.time:
            changes["time"] = None
    if understanding.date:
        # "meglio domenica" changes the day only: the party, the service and the time stay (book_advance
        # offers other times if that one is not free on the new day).
        changes.update(date_choices=(), date=understanding.date)
    if understanding.time and understanding.time_relative and understanding.date:
        # "tra un'ora": the first start on the slot grid from then on (possibly tomorrow's first minutes).
        start = _slot_grid_ceil(datetime.combine(understanding.date, understanding.time), turn.tenant.slot_minutes)
        changes.update(date=start.date(), time=start.time(), period=None)
    elif understanding.time:
        changes.update(time=understanding.time.replace(second=0, microsecond=0), period=None)
    elif understanding.period:
        changes.update(period=str(understanding.period), time=None)
    if changes:
        turn.dialogue.draft_update(**changes)
    return bool(changes)


def _slot_grid_ceil(moment: datetime, slot_minutes: int) -> datetime:
    """``moment`` (naive, wall clock) moved up to the next start on the business's slot grid."""
    step = max(slot_minutes, 1)
    minutes = moment.hour * 60 + moment.minute
    ahead = -minutes % step
    if ahead == 0 and (moment.second or moment.microsecond):
        ahead = step
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=ahead)


def _service(turn: Turn, service_id: int | None) -> Service | None:
    if not service_id:
        return None
    key = ("service", service_id)
    if key not in turn.rows:
        turn.rows[key] = service_active_get(tenant=turn.tenant, pk=service_id)
    return turn.rows[key]


def _then(turn: Turn) -> list[Service]:
    """The services that follow the first in the same visit, in order (none for a single service)."""
    ids = turn.draft.then
    if not ids:
        return []
    key = ("then", ids)
    if key not in turn.rows:
        found = [service_active_get(tenant=turn.tenant, pk=pk) for pk in ids]
        turn.rows[key] = [service for service in found if service is not None]
    return list(turn.rows[key])


def _visit_in_order(turn: Turn) -> None:
    """Once every service of a visit is known, put them in the order a salon does them."""
    draft = turn.draft
    if not draft.then or not draft.service:
        return
    ordered = visit_order((draft.service, *draft.then), vocabulary_for_tenant(turn.tenant))
    turn.dialogue.draft_update(service=ordered[0], then=tuple(pk for pk in ordered[1:] if pk != ordered[0]))


def _services_name(turn: Turn, services: list[Service]) -> str:
    return services_text([s.name(turn.language) for s in services], turn.language)


def _staff(turn: Turn, staff_id: int | None) -> Resource | None:
    if not staff_id:
        return None
    key = ("staff", staff_id)
    if key not in turn.rows:
        turn.rows[key] = staff_active_get(tenant=turn.tenant, pk=staff_id)
    return turn.rows[key]


def _largest_table(turn: Turn) -> int:
    if "largest_table" not in turn.rows:
        turn.rows["largest_table"] = largest_table_seats(tenant=turn.tenant)
    return turn.rows["largest_table"]


# --- availability as the customer sees it ------------------------------------------


def _slots(turn: Turn, start: date, end: date) -> list[Slot]:
    draft = turn.draft
    return available_slots(
        turn.tenant,
        service=_service(turn, draft.service),
        party_size=draft.party_or_one,
        start_date=start,
        end_date=end,
        resource=_staff(turn, draft.staff),
        now=turn.now,
        exclude_appointment_id=_moving_id(turn),
        then=_then(turn),
    )


def _moving_id(turn: Turn) -> int | None:
    # A booking being moved does not stand in its own way (half an hour later, same table).
    return turn.dialogue.move_id if turn.dialogue.moving else None


def _in_period(slot: Slot, period: str | None) -> bool:
    if not period:
        return True
    low, high = PERIOD_MINUTES[DayPeriod(period)]
    minutes = slot.start.hour * 60 + slot.start.minute
    return low <= minutes < high


def _spread(slots: list[Slot], size: int) -> list[Slot]:
    """At most ``size`` slots over the day: on the hour and half hour first, evenly spread."""
    if len(slots) <= size:
        return slots
    round_times = [s for s in slots if s.start.minute in (0, 30)]
    if len(round_times) >= size // 2:
        slots = round_times
        if len(slots) <= size:
            return slots
    step = (len(slots) - 1) / (size - 1)
    return [slots[round(i * step)] for i in range(size)]


def _last_bookable_day(turn: Turn) -> date:
    return turn.now.date() + timedelta(days=turn.tenant.max_days_ahead)


def _slot_option(slot: Slot, turn: Turn, *, with_day: bool) -> tuple[str, str]:
    title = time_short(slot.start, twelve_hour=turn.twelve_hour)
    if with_day:
        title = f"{date_short(slot.start.date(), turn.language, today=turn.now.date())} {title}"
    return (f"slot:{slot.start.strftime('%Y-%m-%dT%H:%M')}", title)


# --- asking ------------------------------------------------------------------------


def _party_size_announce(turn: Turn, *, refused: bool) -> None:
    """Tell the apps above the party size the customer asked for (``conversations.signals``), once per size.

    The draft remembers the size told, so the following questions (day, time) of the
    same booking do not tell it again; the customer's message names the event.
    """
    party = turn.draft.party
    if turn.draft.party_told == party:
        return
    turn.dialogue.draft_update(party_told=party)
    party_size_asked.send(
        sender=Conversation, tenant=turn.tenant, conversation=turn.conversation, party_size=party,
        refused=refused, event_id=turn.inbound.channel_message_id or turn.now.isoformat(), now=turn.now,
    )


def _ask_party(turn: Turn) -> None:
    largest = min(_largest_table(turn), 10)
    options = [
        (f"party:{n}", turn.t("party_one") if n == 1 else turn.t("party_people", count=n))
        for n in range(1, largest + 1)
    ]
    turn.dialogue.step = Step.PARTY
    turn.choice_list(turn.t("ask_party_size"), options, turn.t("party_button"))


def _ask_service(turn: Turn, candidates: list[int] | None = None) -> None:
    services = services_active(tenant=turn.tenant, pks=candidates or None)
    options = [
        (f"svc:{s.pk}", s.name(turn.language), turn.t("minutes", minutes=s.duration_minutes)) for s in services
    ]
    turn.dialogue.step = Step.SERVICE
    if not options:
        turn.text(turn.t("services_none"))
        turn.flow_clear()
        return
    question = turn.t("ask_service_which") if candidates else turn.t("ask_service")
    turn.choice_list(question, options, turn.t("service_button"))


def _ask_date(turn: Turn, intro: str = "") -> None:
    today = turn.now.date()
    end = min(today + timedelta(days=DAYS_LOOKAHEAD), _last_bookable_day(turn))
    days: list[date] = []
    for slot in _slots(turn, today, end):
        if slot.start.date() not in days:
            days.append(slot.start.date())
            if len(days) == LIST_SIZE:
                break
    turn.dialogue.step = Step.DATE
    if not days:
        turn.text(" ".join(filter(None, [intro, turn.t("no_days_free")])))
        turn.flow_clear()
        return
    options = [(f"day:{d.isoformat()}", date_short(d, turn.language, today=today)) for d in days]
    turn.choice_list(" ".join(filter(None, [intro, turn.t("ask_date")])), options, turn.t("date_button"))


def _ask_which_date(turn: Turn, choices: list[date]) -> None:
    """"Il 22 è martedì: intendi martedì 22 o venerdì 25?", with a button for each."""
    numbered, weekday_date = choices[0], choices[1]
    language = turn.language
    turn.dialogue.step = Step.DATE
    turn.buttons(
        turn.t(
            "date_which",
            day=day_number(numbered, language),
            weekday=WEEKDAYS[language][numbered.weekday()],
            first=date_long(numbered, language),
            second=date_long(weekday_date, language),
        ),
        [(f"day:{d.isoformat()}", date_short(d, language)) for d in (numbered, weekday_date)],
    )


def _day_label(turn: Turn, day: date) -> str:
    today = turn.now.date()
    if day == today:
        return turn.t("today")
    if day == today + timedelta(days=1):
        return turn.t("tomorrow")
    return date_long(day, turn.language)


def _day_closed(turn: Turn, day: date) -> bool:
    return not opening_hours_for_week(tenant=turn.tenant)[day.weekday()]


def _ask_time(turn: Turn, day: date, *, intro: str = "") -> None:
    day_slots = _slots(turn, day, day)
    if not day_slots:
        key = "day_closed" if _day_closed(turn, day) else "day_full"
        turn.dialogue.draft_update(date=None)
        _ask_date(turn, intro=turn.t(key, date=_day_label(turn, day)))
        return
    in_period = [s for s in day_slots if _in_period(s, turn.draft.period)]
    if in_period:
        text = turn.t("ask_time", date=_day_label(turn, day))
        shown = _spread(in_period, LIST_SIZE)
    else:
        text = turn.t("period_nothing", date=_day_label(turn, day))
        shown = _spread(day_slots, LIST_SIZE)
    turn.dialogue.step = Step.TIME
    options = [_slot_option(s, turn, with_day=False) for s in shown]
    turn.choice_list(" ".join(filter(None, [intro, text])), options, turn.t("time_button"))


def _offer_alternatives(turn: Turn, day: date, wanted: time, intro: str) -> None:
    """The nearest free times: the same day first, then the same time on the following days."""
    draft = turn.draft
    alternatives = slot_alternatives(
        turn.tenant,
        near=datetime.combine(day, wanted, tzinfo=turn.tenant.tzinfo),
        service=_service(turn, draft.service),
        party_size=draft.party_or_one,
        resource=_staff(turn, draft.staff),
        now=turn.now,
        exclude_appointment_id=_moving_id(turn),
        count=ALTERNATIVES_SAME_DAY,
        same_time_other_days=ALTERNATIVES_OTHER_DAYS,
        then=_then(turn),
    )
    options = [_slot_option(s, turn, with_day=s.start.date() != day) for s in alternatives]
    join = waitlist.join_option(turn, day, wanted)  # a full time: "avvisami se si libera" too
    turn.dialogue.step = Step.TIME
    turn.dialogue.draft_update(time=None)
    if not options:
        if join:
            turn.buttons(" ".join([intro, turn.t("no_days_free"), turn.t("waitlist_join_ask")]),
                         [waitlist.join_button(join, turn)])
            return
        turn.text(" ".join([intro, turn.t("no_days_free")]))
        turn.flow_clear()
        return
    turn.choice_list(f"{intro} {turn.t('alternatives')}", [*options, *([join] if join else [])], turn.t("time_button"))


def alternatives_offer(turn: Turn, day: date, wanted: time, intro: str) -> None:
    """``intro``, then the nearest free times to ``wanted`` on ``day`` (the draft says for what)."""
    _offer_alternatives(turn, day, wanted, intro)


def _confirm_text(turn: Turn, start: datetime) -> str:
    draft = turn.draft
    when = when_long(start, turn.language, twelve_hour=turn.twelve_hour)
    if turn.dialogue.moving:
        return turn.t("confirm_move", summary=turn.dialogue.move_summary, when=when)
    service = _service(turn, draft.service)
    # A deposit or card guarantee is quoted before the customer commits.
    quote = payment_quote_text(turn, payment_quote(turn, start, service))
    if turn.is_restaurant:
        return _quoted(turn.t("confirm_table", party=draft.party_or_one, when=when), quote)
    staff = _staff(turn, draft.staff)
    return _quoted(turn.t(
        "confirm_service",
        service=_services_name(turn, [service, *_then(turn)]) if service else "",
        when=when,
        staff=turn.t("with_staff", staff=staff.name) if staff else "",
    ), quote)


def _quoted(question: str, quote: str) -> str:
    # "Riepilogo: tavolo per 4 sabato alle 20:00. <the deposit> Confermo?"
    if not quote:
        return question
    summary, _, ask = question.rpartition(". ")
    return f"{summary}. {quote} {ask}" if summary else f"{quote} {question}"


# --- the flow ------------------------------------------------------------------------


def book_start(turn: Turn) -> None:
    turn.dialogue.flow = Flow.BOOK
    book_advance(turn)


def book_advance(turn: Turn) -> None:
    """Ask for the first missing piece, or offer the booking for confirmation."""
    moving = turn.dialogue.moving
    if turn.is_restaurant and not moving:
        largest = _largest_table(turn)
        party = turn.draft.party
        if not party:
            _ask_party(turn)
            return
        _party_size_announce(turn, refused=party > largest)
        if party > largest:
            phone = turn.tenant.contact_phone
            turn.text(
                turn.t("party_too_large", max=largest, phone=phone)
                if phone
                else turn.t("party_too_large_no_phone", max=largest)
            )
            # The day and time stay: "ok allora siamo in 6" goes on from here.
            turn.dialogue.draft_update(party=None)
            turn.dialogue.step = Step.PARTY
            return
    if not turn.is_restaurant and not moving:
        if turn.draft.service_choices:
            _ask_service(turn, list(turn.draft.service_choices))
            return
        if not _service(turn, turn.draft.service):
            _ask_service(turn)
            return
        _visit_in_order(turn)
        _staff_who_does_the_service(turn)
    day = turn.draft.date
    if day is None and turn.draft.date_choices:
        _ask_which_date(turn, list(turn.draft.date_choices))
        return
    if day is None:
        _ask_date(turn)
        return
    if day < turn.now.date():
        turn.dialogue.draft_update(date=None)
        _ask_date(turn, intro=turn.t("day_past"))
        return
    if day > _last_bookable_day(turn):
        turn.dialogue.draft_update(date=None)
        _ask_date(turn, intro=turn.t("day_too_far", days=turn.tenant.max_days_ahead))
        return
    wanted = turn.draft.time
    if wanted is None:
        _ask_time(turn, day)
        return
    matching = [s for s in _slots(turn, day, day) if (s.start.hour, s.start.minute) == (wanted.hour, wanted.minute)]
    if not matching:
        _offer_alternatives(turn, day, wanted, _refusal_text(turn, day, wanted))
        return
    slot = matching[0]
    turn.dialogue.draft_update(slot=OfferedSlot(slot.start, slot.resource.pk))
    turn.dialogue.step = Step.CONFIRM
    yes_key = "button_yes_move" if moving else "button_yes_book"
    turn.buttons(
        _confirm_text(turn, slot.start),
        [("yes", turn.t(yes_key)), ("other", turn.t("button_other_time")), ("no", turn.t("button_cancel_flow"))],
    )


def _staff_who_does_the_service(turn: Turn) -> None:
    """"la barba con Giulia" when only Marco does beards: say who does it and go on with them.

    The service and the day stay in the draft; with one such person the booking goes on with
    them (the customer confirms or says "chiunque"), with several with whoever is free.
    """
    staff, service = _staff(turn, turn.draft.staff), _service(turn, turn.draft.service)
    if staff is None or service is None:
        return
    doers = staff_doing_service(tenant=turn.tenant, service=service)
    if staff in doers:
        return
    turn.dialogue.draft_update(staff=None)
    if not doers:
        return
    name = service.name(turn.language)
    names = [r.name for r in doers]
    others = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {turn.t('and')} {names[-1]}"
    key = "staff_not_doing_one" if len(doers) == 1 else "staff_not_doing_many"
    turn.text(turn.t(key, staff=staff.name, service=name[:1].lower() + name[1:], others=others))
    if len(doers) == 1:
        turn.dialogue.draft_update(staff=doers[0].pk)


def _refusal_text(turn: Turn, day: date, wanted: time) -> str:
    """Why that start cannot be booked, in the booking rules' own verdict: closed is not taken."""
    draft = turn.draft
    start = datetime.combine(day, wanted, tzinfo=turn.tenant.tzinfo)
    check = start_check(
        turn.tenant, start=start, service=_service(turn, draft.service), party_size=draft.party_or_one,
        resource=_staff(turn, draft.staff), now=turn.now, exclude_appointment_id=_moving_id(turn),
    )
    if check.verdict is Verdict.FREE and check.blocks_until is not None:
        # The first service fits, a later one of the visit does not: say why that one.
        check = visit_rest_check(
            turn.tenant, first_blocks_until=check.blocks_until, services=_then(turn),
            party_size=draft.party_or_one, now=turn.now, exclude_appointment_id=_moving_id(turn),
        )
    label = _day_label(turn, day)
    if check.verdict is Verdict.TOO_SOON:
        return turn.t("slot_too_soon", notice=_notice_text(turn))
    if check.verdict is Verdict.CLOSED:
        reason = _closure_reason(turn, start)
        if reason:
            return turn.t("day_closed_reason", date=label, reason=reason)
        return turn.t("day_closed", date=label)
    if check.verdict in (Verdict.OUTSIDE_HOURS, Verdict.ENDS_AFTER_CLOSING):
        spans = _day_opening_text(turn, day)
        if not spans:
            return turn.t("day_closed", date=label)
        # Open at that time, but the service would run past closing: not "closed".
        key = "time_closed" if check.verdict is Verdict.OUTSIDE_HOURS else "time_ends_after_closing"
        return turn.t(key, date=label, time=time_short(wanted, twelve_hour=turn.twelve_hour), hours=spans)
    return turn.t("slot_taken", when=when_long(start, turn.language, twelve_hour=turn.twelve_hour))


def _closure_reason(turn: Turn, start: datetime) -> str:
    closure = closure_at(tenant=turn.tenant, moment=start)
    return closure.reason if closure is not None else ""


def _day_opening_text(turn: Turn, day: date) -> str:
    """That day's opening ranges as the customer reads them: "12:00–15:00 e 19:00–23:30"."""
    ranges = opening_hours_for_week(tenant=turn.tenant).get(day.weekday()) or []
    spans = [f"{time_short(r.opens)}–{time_short(r.closes)}" for r in ranges]
    if len(spans) <= 1:
        return "".join(spans)
    return f"{', '.join(spans[:-1])} {turn.t('and')} {spans[-1]}"


def _notice_text(turn: Turn) -> str:
    minutes = turn.tenant.min_notice_minutes
    if minutes % 60 == 0:
        return turn.t("hours_notice", hours=minutes // 60)
    return turn.t("minutes_notice", minutes=minutes)


def book_confirm(turn: Turn) -> None:
    """The customer said yes to the offered slot: book (or move) it now."""
    draft = turn.draft
    offered = draft.slot
    if offered is None:
        book_advance(turn)
        return
    start = offered.start.astimezone(turn.tenant.tzinfo)
    try:
        if turn.dialogue.moving:
            appointment = _move(turn, start)
        elif approval_needed(tenant=turn.tenant, party_size=draft.party_or_one):
            _approval_ask(turn, start)
            return
        elif quote := payment_quote(turn, start, _service(turn, draft.service)):
            # Held while the customer pays; Stripe's webhook confirms it.
            payment_hold_start(
                turn, quote=quote, start=start, service=_service(turn, draft.service),
                resource=resource_of_tenant(tenant=turn.tenant, pk=offered.resource_id),
            )
            return
        else:
            appointment = appointment_book(
                tenant=turn.tenant,
                start=start,
                party_size=draft.party_or_one,
                service=_service(turn, draft.service),
                resource=resource_of_tenant(tenant=turn.tenant, pk=offered.resource_id),
                customer=turn.customer,
                channel=turn.conversation.channel,
                now=turn.now,
                then=_then(turn),
            )
            # Staff go from the chat to the booking and back (the conversation page, the booking's page).
            conversation_booking_link(conversation=turn.conversation, appointment=appointment)
            # "si può fare alle 22 invece?" next means this booking, not a new one (kept past the flow's end,
            # forgotten with the rest of the state after the conversation's timeout).
            turn.state[JUST_BOOKED_KEY] = appointment.reference
    except SlotUnavailable:
        turn.dialogue.draft_update(slot=None)
        wanted = start.time()
        when = when_long(start, turn.language, twelve_hour=turn.twelve_hour)
        _offer_alternatives(turn, start.date(), wanted, turn.t("slot_taken", when=when))
        return
    except TooLateToCancel as exc:
        too_late_answer(turn, exc.cutoff_hours)
        turn.flow_clear()
        return
    except CustomerBookingLimitReached as exc:
        booking_limit_answer(turn, exc, start)
        turn.flow_clear()
        return
    except BookingError:
        turn.text(turn.t("booking_failed"))
        turn.flow_clear()
        return
    if appointment is None:
        return
    when = when_long(
        appointment.starts_at.astimezone(turn.tenant.tzinfo), turn.language, twelve_hour=turn.twelve_hour
    )
    if turn.dialogue.moving:
        turn.text(turn.t("moved", reference=appointment.reference, when=when))
    elif turn.is_restaurant:
        turn.text(turn.t("booked_table", party=appointment.party_size, when=when, reference=appointment.reference))
        turn.text(turn.t("how_to_cancel"))
    else:
        staff = appointment.resource.name if draft.staff else ""
        turn.text(
            turn.t(
                "booked_service",
                service=_services_name(turn, visit_services(appointment)),
                when=when,
                staff=turn.t("with_staff", staff=staff) if staff else "",
                reference=appointment.reference,
            )
        )
        turn.text(turn.t("how_to_cancel"))
    turn.flow_clear()


def _approval_ask(turn: Turn, start: datetime) -> None:
    """A party big enough to need staff approval: take the request, say it waits (and until when it is kept).

    A ``BookingError`` (taken meanwhile, a limit) goes to the caller, answered as for any booking.
    """
    draft = turn.draft
    resource_id = draft.slot.resource_id if draft.slot else None
    request = appointment_approval_request(
        tenant=turn.tenant, start=start, party_size=draft.party_or_one,
        service=_service(turn, draft.service),
        resource=resource_of_tenant(tenant=turn.tenant, pk=resource_id),
        customer=turn.customer, channel=turn.conversation.channel, now=turn.now,
    )
    conversation_booking_link(conversation=turn.conversation, appointment=request)
    zone = turn.tenant.tzinfo
    when = when_long(request.starts_at.astimezone(zone), turn.language, twelve_hour=turn.twelve_hour)
    kept = ""
    if request.status == Appointment.Status.HELD and request.hold_expires_at is not None:
        until = request.hold_expires_at.astimezone(zone)
        until_text = time_short(until, twelve_hour=turn.twelve_hour)
        if until.date() == turn.now.astimezone(zone).date():
            kept = turn.t("approval_kept", until=until_text)
        else:
            kept = turn.t("approval_kept_day", until=until_text, day=date_long(until.date(), turn.language))
    turn.text(turn.t("approval_requested", party=request.party_size, when=when, kept=kept,
                     reference=request.reference))
    turn.flow_clear()


def _move(turn: Turn, start: datetime) -> Appointment | None:
    appointment = appointment_confirmed_of_customer(
        tenant=turn.tenant, customer=turn.customer, reference=turn.dialogue.move_reference
    )
    if appointment is None:
        turn.text(turn.t("booking_not_found", reference=turn.dialogue.move_reference))
        turn.flow_clear()
        return None
    return appointment_reschedule(tenant=turn.tenant, appointment=appointment, new_start=start, now=turn.now)


def book_other_time(turn: Turn) -> None:
    day = turn.dialogue.draft_update(slot=None, time=None).date
    if day is None:
        _ask_date(turn)
    else:
        _ask_time(turn, day)


def book_drop(turn: Turn) -> None:
    turn.text(turn.t("move_dropped" if turn.dialogue.moving else "booking_dropped"))
    turn.flow_clear()


def move_start(turn: Turn, appointment: Appointment, understanding: Understanding | None) -> None:
    """Start moving ``appointment``: same party and service, a new day and time."""
    dialogue = turn.dialogue
    dialogue.flow = Flow.MOVE
    dialogue.move_reference = appointment.reference
    dialogue.move_id = appointment.pk
    dialogue.move_summary = appointment_summary(turn, appointment)
    dialogue.draft = Draft(
        party=appointment.party_size,
        service=appointment.service_id,
        then=tuple(service.pk for service in visit_services(appointment)[1:]) if appointment.service_id else (),
    )
    if understanding is not None:
        draft_merge(turn, understanding)
        # "alle 22 invece" keeps the day, "a venerdì" keeps the time: only what the customer said changes.
        local_start = appointment.starts_at.astimezone(turn.tenant.tzinfo)
        draft = dialogue.draft
        if draft.time and not draft.date and not draft.date_choices:
            dialogue.draft_update(date=local_start.date())
        elif draft.date and not draft.time and not draft.period:
            dialogue.draft_update(time=local_start.time().replace(second=0, microsecond=0))
    if not dialogue.draft.date:
        _ask_date(turn, intro=turn.t("move_intro", summary=dialogue.move_summary))
        return
    book_advance(turn)


def appointment_summary(turn: Turn, appointment: Appointment) -> str:
    when = when_long(
        appointment.starts_at.astimezone(turn.tenant.tzinfo), turn.language, twelve_hour=turn.twelve_hour
    )
    what = _services_name(turn, visit_services(appointment)) if appointment.service else turn.t(
        "party_one" if appointment.party_size == 1 else "party_people", count=appointment.party_size
    )
    return f"{appointment.reference} ({what}, {when})"


def booking_limit_answer(turn: Turn, error: CustomerBookingLimitReached, start: datetime) -> None:
    """The business allows no more bookings for this customer online: say so, and how to reach a person."""
    if error.limit == CustomerBookingLimitReached.ACTIVE:
        text = turn.t("booking_limit_active", count=error.maximum) if error.maximum > 1 else turn.t(
            "booking_limit_active_one"
        )
    else:
        day = _day_label(turn, start.date())
        text = turn.t("booking_limit_day_many", date=day, count=error.maximum) if error.maximum > 1 else turn.t(
            "booking_limit_day", date=day
        )
    phone = turn.tenant.contact_phone
    contact = turn.t("booking_limit_phone", phone=phone) if phone else turn.t("booking_limit_no_phone")
    turn.text(f"{text} {contact}")


def too_late_answer(turn: Turn, cutoff_hours: int) -> None:
    phone = turn.tenant.contact_phone
    if phone:
        turn.text(turn.t("too_late", hours=cutoff_hours, phone=phone))
    else:
        turn.text(turn.t("too_late_no_phone", hours=cutoff_hours))
