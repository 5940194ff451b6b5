"""Answers from the tenant's configuration: opening hours, services and prices, address."""

from datetime import date, datetime, time, timedelta
from urllib.parse import quote_plus

from bookings.selectors import closure_covering, closures_upcoming, opening_hours_for_week, services_active
from conversations.assistant.formatting import WEEKDAYS, date_long, date_short, price_text, time_short
from conversations.assistant.turn import Turn

# How far ahead upcoming closures are worth mentioning with the hours.
CLOSURES_AHEAD = timedelta(days=30)


def hours_answer(turn: Turn) -> None:
    day = turn.understanding.date
    if day is not None and day >= turn.now.date():
        _day_hours_answer(turn, day)
        return
    week = opening_hours_for_week(tenant=turn.tenant)
    lines = [turn.t("hours_title")]
    for weekday in range(7):
        ranges = week.get(weekday) or []
        spans = ", ".join(f"{time_short(r.opens)}–{time_short(r.closes)}" for r in ranges)
        lines.append(f"• {WEEKDAYS[turn.language][weekday].capitalize()}: {spans or turn.t('hours_closed')}")
    closures = closures_upcoming(tenant=turn.tenant, now=turn.now, until=turn.now + CLOSURES_AHEAD, limit=5)
    if closures:
        lines.append("")
        lines.append(turn.t("hours_closures"))
        today = turn.now.date()
        for closure in closures:
            starts = closure.starts_at.astimezone(turn.tenant.tzinfo)
            ends = closure.ends_at.astimezone(turn.tenant.tzinfo)
            span = date_short(starts.date(), turn.language, today=today)
            last_day = (ends - timedelta(microseconds=1)).date()
            if last_day != starts.date():
                span += f" – {date_short(last_day, turn.language, today=today)}"
            elif (starts.hour, starts.minute) != (0, 0) or ends.date() == starts.date():
                span += f" {time_short(starts)}–{time_short(ends)}"
            lines.append(f"• {span}" + (f" ({closure.reason})" if closure.reason else ""))
    turn.text("\n".join(lines))


def services_answer(turn: Turn) -> None:
    if turn.is_restaurant:
        turn.text(turn.t("restaurant_services"))
        return
    services = services_active(tenant=turn.tenant)
    if not services:
        turn.text(turn.t("services_none"))
        return
    lines = [turn.t("services_title")]
    for service in services:
        details = [turn.t("minutes", minutes=service.duration_minutes)]
        if service.price is not None:
            details.append(price_text(service.price, turn.language))
        lines.append(f"• {service.name(turn.language)} — {', '.join(details)}")
    turn.text("\n".join(lines))


def address_answer(turn: Turn) -> None:
    tenant = turn.tenant
    lines = [turn.t("address", address=tenant.address) if tenant.address else turn.t("address_unknown")]
    if tenant.address:
        # A maps link needs no API key and opens the customer's own maps app.
        query = quote_plus(f"{tenant.name}, {tenant.address}")
        lines.append(f"https://www.google.com/maps/search/?api=1&query={query}")
    if tenant.contact_phone:
        lines.append(turn.t("phone", phone=tenant.contact_phone))
    turn.text("\n".join(lines))


def _day_hours_answer(turn: Turn, day: date) -> None:
    """"la domenica a che ora aprite?": that day's hours (or its closure), not the whole week."""
    tz = turn.tenant.tzinfo
    day_start = datetime.combine(day, time(0), tzinfo=tz)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    # The day opens the sentence: "Domenica 29 novembre siamo aperti ...".
    label = date_long(day, turn.language)
    label = label[0].upper() + label[1:]
    closure = closure_covering(tenant=turn.tenant, start=day_start, end=day_end)
    if closure is not None:
        if closure.reason:
            turn.text(turn.t("day_hours_closed_reason", date=label, reason=closure.reason))
        else:
            turn.text(turn.t("day_hours_closed", date=label))
        return
    ranges = opening_hours_for_week(tenant=turn.tenant).get(day.weekday()) or []
    if not ranges:
        turn.text(turn.t("day_hours_closed", date=label))
        return
    spans = [f"{time_short(r.opens)}–{time_short(r.closes)}" for r in ranges]
    hours = spans[0] if len(spans) == 1 else f"{', '.join(spans[:-1])} {turn.t('and')} {spans[-1]}"
    turn.text(turn.t("day_hours", date=label, hours=hours))
