"""What an onboarding file (or the flags of ``onboard_tenant``) may say, and its validation.

``tenant_spec_parse`` turns a plain document (parsed YAML / JSON, or a dict built
from flags) into a frozen ``TenantSpec``, or raises ``OnboardingInvalid`` listing
every problem at once, each named by its place in the document
(``opening_hours.fri``, ``services[2].duration_minutes``). It reads no database:
checks that need one (a phone number id taken by another tenant) are made by
``tenants.services.tenant_onboard``.

The document::

    name: Trattoria da Mario          # required for a new tenant
    slug: da-mario                    # required: identifies the tenant to create or update
    kind: restaurant                  # restaurant | salon
    timezone: Europe/Rome             # IANA name
    language: it                      # it | en
    address: Via Roma 1, Milano
    contact_phone: "+39 02 1234567"
    whatsapp:
      phone_number_id: "106540352242999"
      business_account_id: "102290129340398"
      display_phone_number: "+39 333 111 2222"
    booking:                          # any of the tenant's booking settings
      slot_minutes: 15
      pacing_max_covers: 20
    opening_hours:                    # day, day range or comma list: one or more ranges
      tue-sun: ["12:00-15:00 last 14:00", "19:00-23:30 last 22:00"]
      fri: ["19:00-01:00"]            # ends after midnight
    closures:                         # whole days (inclusive) or date-times, in the tenant's zone
      - {from: 2026-12-24, to: 2026-12-26, reason: Natale}
      - {from: "2026-08-15 19:00", to: "2026-08-15 23:59", reason: private event}
    services:
      - {name_it: Taglio donna, name_en: Women's haircut, duration_minutes: 45, price: 35.00,
         aliases: [taglio, haircut]}
    resources:
      - {kind: table, name: Tavolo 1, min_seats: 1, max_seats: 2}
      - {kind: staff, name: Giulia, services: [Taglio donna]}

A section that is present replaces that part of the tenant; one that is absent
leaves it as it is.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db.models import Field

from bookings.models import Resource
from tenants.models import Tenant


class OnboardingInvalid(Exception):
    """The onboarding document (or the database state it meets) has problems; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_BY_NAME = {name: i for i, name in enumerate(WEEKDAY_NAMES)} | {
    name[:3]: i for i, name in enumerate(WEEKDAY_NAMES)
}
_MINUTES_PER_DAY = 24 * 60
_MINUTES_PER_WEEK = 7 * _MINUTES_PER_DAY

TOP_LEVEL_FIELDS = ("name", "slug", "kind", "timezone", "language", "address", "contact_phone")
WHATSAPP_FIELDS = {
    "phone_number_id": "whatsapp_phone_number_id",
    "business_account_id": "whatsapp_business_account_id",
    "display_phone_number": "whatsapp_display_phone_number",
}
BOOKING_FIELDS = (
    "slot_minutes",
    "min_notice_minutes",
    "max_days_ahead",
    "default_duration_minutes",
    "cancellation_cutoff_hours",
    "pacing_max_covers",
    "waitlist_hold_minutes",
    "conversation_timeout_minutes",
)
SECTIONS = ("whatsapp", "booking", "opening_hours", "closures", "services", "resources")


@dataclass(frozen=True)
class HoursSpec:
    weekday: int
    opens: time
    closes: time
    last_start: time | None = None


@dataclass(frozen=True)
class ClosureSpec:
    # Naive values are wall-clock times in the tenant's zone (known only once the
    # tenant is loaded, on an update); aware values are taken as they are.
    starts_at: datetime
    ends_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class ServiceSpec:
    name_it: str
    name_en: str
    duration_minutes: int
    buffer_minutes: int = 0
    price: Decimal | None = None
    aliases: str = ""
    description_it: str = ""
    description_en: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class ResourceSpec:
    kind: str
    name: str
    min_seats: int = 1
    max_seats: int = 1
    services: tuple[str, ...] = ()  # staff: names (Italian) of the services they do


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    # Tenant model fields given in the document, by model field name; others stay as they are.
    fields: dict[str, Any] = field(default_factory=dict)
    # None: the section was absent and that part of the tenant is left alone.
    opening_hours: tuple[HoursSpec, ...] | None = None
    closures: tuple[ClosureSpec, ...] | None = None
    services: tuple[ServiceSpec, ...] | None = None
    resources: tuple[ResourceSpec, ...] | None = None


# --- reading files -------------------------------------------------------------------


class _OnboardingYamlLoader(yaml.SafeLoader):
    """YAML 1.1 reads an unquoted 12:00 as the number 720 (base 60); here it stays "12:00"."""


_CLOCK_TIME = re.compile(r"^[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?$")
_OnboardingYamlLoader.yaml_implicit_resolvers = {
    first: ([("tag:yaml.org,2002:str", _CLOCK_TIME)] if first.isdigit() else []) + list(resolvers)
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def onboarding_document_read(path: Path) -> dict:
    """The document in a ``.yaml``/``.yml`` or ``.json`` file; ``OnboardingInvalid`` when unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OnboardingInvalid([f"cannot read {path}: {exc.strerror}"]) from exc
    is_json = path.suffix.lower() == ".json"
    try:
        # A SafeLoader subclass: no arbitrary Python objects.
        document = json.loads(text) if is_json else yaml.load(text, Loader=_OnboardingYamlLoader)  # noqa: S506
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise OnboardingInvalid([f"{path} is not valid {'JSON' if is_json else 'YAML'}: {exc}"]) from exc
    if not isinstance(document, dict):
        raise OnboardingInvalid([f"{path} must hold a mapping of fields (name, slug, kind, ...)"])
    return document


# --- validation ----------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def tenant_spec_parse(document: dict, *, creating: bool) -> TenantSpec:
    """Validate ``document``; ``creating`` requires what a new tenant cannot do without."""
    problems = _Problems()
    for key in document:
        if key not in (*TOP_LEVEL_FIELDS, *SECTIONS):
            problems.add(str(key), "unknown field (known: " + ", ".join((*TOP_LEVEL_FIELDS, *SECTIONS)) + ")")

    fields: dict[str, Any] = {}
    for name in TOP_LEVEL_FIELDS:
        if name in document:
            _tenant_field_add(fields, problems, where=name, name=name, value=document[name])
    for name in ("slug", "name", "kind") if creating else ("slug",):
        if not fields.get(name) and not any(p.startswith(f"{name}:") for p in problems.items):
            problems.add(name, "required for a new tenant" if name != "slug" else "required")

    whatsapp = _section(document, "whatsapp", dict, problems)
    for key, value in (whatsapp or {}).items():
        if key not in WHATSAPP_FIELDS:
            problems.add(f"whatsapp.{key}", "unknown field (known: " + ", ".join(WHATSAPP_FIELDS) + ")")
            continue
        if key != "display_phone_number":
            value = _digits(value)
            if value and not value.isdigit():
                problems.add(f"whatsapp.{key}", f"{value!r} must be Meta's numeric id (digits only)")
                continue
        # An empty phone number id means "none" (NULL), so that it never collides.
        if key == "phone_number_id" and value == "":
            fields["whatsapp_phone_number_id"] = None
            continue
        _tenant_field_add(fields, problems, where=f"whatsapp.{key}", name=WHATSAPP_FIELDS[key], value=str(value))

    booking = _section(document, "booking", dict, problems)
    for key, value in (booking or {}).items():
        if key not in BOOKING_FIELDS:
            problems.add(f"booking.{key}", "unknown setting (known: " + ", ".join(BOOKING_FIELDS) + ")")
            continue
        _tenant_field_add(fields, problems, where=f"booking.{key}", name=key, value=value)

    hours_doc = _section(document, "opening_hours", dict, problems)
    closures_doc = _section(document, "closures", list, problems)
    services_doc = _section(document, "services", list, problems)
    resources_doc = _section(document, "resources", list, problems)
    services = _services_parse(services_doc, problems) if services_doc is not None else None
    spec = TenantSpec(
        slug=fields.get("slug", ""),
        fields=fields,
        opening_hours=_opening_hours_parse(hours_doc, problems) if hours_doc is not None else None,
        closures=_closures_parse(closures_doc, problems) if closures_doc is not None else None,
        services=services,
        resources=_resources_parse(resources_doc, services, problems) if resources_doc is not None else None,
    )
    if problems.items:
        raise OnboardingInvalid(problems.items)
    return spec


def _section(document: dict, name: str, kind: type, problems: _Problems) -> Any:
    if name not in document:
        return None
    value = document[name]
    if value is None:  # "opening_hours:" with nothing after it: an empty section
        return kind()
    if not isinstance(value, kind):
        problems.add(name, f"must be a {'mapping' if kind is dict else 'list'}")
        return None
    return value


def _digits(value: Any) -> str:
    # Ids written unquoted in YAML arrive as numbers.
    return str(value).strip() if value is not None else ""


def _tenant_field_add(fields: dict, problems: _Problems, *, where: str, name: str, value: Any) -> None:
    """Clean ``value`` with the model field's own validators (lengths, choices, ranges, time zone)."""
    model_field = Tenant._meta.get_field(name)
    assert isinstance(model_field, Field)  # the spec names the tenant's own columns only
    if isinstance(value, str):
        value = value.strip()
    if value is None and not model_field.null:
        problems.add(where, "must not be empty")
        return
    try:
        fields[name] = model_field.clean(value, None)
    except ValidationError as exc:
        problems.add(where, " ".join(exc.messages))


# Opening hours: "12:00-15:00" or "12:00-15:00 last 14:00".
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})(?:\s+last\s+(\d{1,2}:\d{2}))?\s*$", re.IGNORECASE)


def _clock_parse(text: str) -> time | None:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return None
    if int(hours) > 23 or int(minutes) > 59:
        return None
    return time(int(hours), int(minutes))


def weekdays_parse(text: str) -> list[int] | None:
    """``"tue"``, ``"tue-sun"``, ``"mon,wed,fri"``, ``"daily"`` → weekday numbers (Monday 0)."""
    text = str(text).strip().lower()
    if text in ("daily", "every day", "all"):
        return list(range(7))
    days: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        first, dash, last = part.partition("-")
        if first not in _WEEKDAY_BY_NAME or (dash and last.strip() not in _WEEKDAY_BY_NAME):
            return None
        start = _WEEKDAY_BY_NAME[first]
        end = _WEEKDAY_BY_NAME[last.strip()] if dash else start
        # "fri-mon" wraps round the weekend.
        days.extend((start + i) % 7 for i in range((end - start) % 7 + 1))
    return days


def _opening_hours_parse(document: dict, problems: _Problems) -> tuple[HoursSpec, ...]:
    hours: list[tuple[str, HoursSpec]] = []
    for key, ranges in document.items():
        where = f"opening_hours.{key}"
        weekdays = weekdays_parse(key)
        if weekdays is None:
            problems.add(where, "not a day, a day range or a comma list (e.g. mon, tue-sun, mon,wed,fri, daily)")
            continue
        if isinstance(ranges, str | dict):
            ranges = [ranges]
        if not isinstance(ranges, list):
            problems.add(where, 'must be a list of ranges such as "12:00-15:00" or "19:00-23:30 last 22:00"')
            continue
        for raw in ranges:
            parsed = _range_parse(raw)
            if isinstance(parsed, str):
                problems.add(where, parsed)
                continue
            opens, closes, last_start = parsed
            for weekday in weekdays:
                hours.append((where, HoursSpec(weekday, opens, closes, last_start)))
    _overlaps_check(hours, problems)
    return tuple(spec for _, spec in hours)


def _range_parse(raw: Any) -> tuple[time, time, time | None] | str:
    """The range, or a message naming what is wrong with it."""
    texts: tuple[Any, ...]  # opens, closes, last start (None when absent)
    if isinstance(raw, dict):
        unknown = set(raw) - {"opens", "closes", "last_start"}
        if unknown:
            return f"unknown keys {sorted(unknown)} in a range (known: opens, closes, last_start)"
        texts = (str(raw.get("opens", "")), str(raw.get("closes", "")), raw.get("last_start"))
        shown = f"{texts[0]}-{texts[1]}"
    else:
        match = _RANGE.match(str(raw))
        if not match:
            return f'{raw!r} is not a range like "12:00-15:00" or "19:00-23:30 last 22:00"'
        texts = match.groups()
        shown = str(raw).strip()
    opens, closes = _clock_parse(texts[0]), _clock_parse(texts[1])
    last_start = _clock_parse(str(texts[2])) if texts[2] is not None else None
    for text, parsed in ((texts[0], opens), (texts[1], closes), (texts[2], last_start)):
        if text is not None and parsed is None:
            return f"{shown}: {text!r} is not a time of day (00:00 to 23:59)"
    assert opens is not None and closes is not None  # both texts are always there, so both parsed
    if opens == closes:
        return f"{shown}: opens and closes at the same time"
    if last_start is not None and not _clock_within(last_start, opens, closes):
        return f"{shown}: last start {last_start:%H:%M} is outside the range"
    return opens, closes, last_start


def _clock_within(moment: time, opens: time, closes: time) -> bool:
    if opens < closes:
        return opens <= moment <= closes
    return moment >= opens or moment <= closes  # the range ends after midnight


def _week_interval(spec: HoursSpec) -> tuple[int, int]:
    start = spec.weekday * _MINUTES_PER_DAY + spec.opens.hour * 60 + spec.opens.minute
    length = (spec.closes.hour * 60 + spec.closes.minute) - (spec.opens.hour * 60 + spec.opens.minute)
    if length <= 0:  # ends after midnight, on the next day
        length += _MINUTES_PER_DAY
    return start, start + length


def _overlaps_check(hours: list[tuple[str, HoursSpec]], problems: _Problems) -> None:
    """Two ranges may not share a minute, also across midnight and from Sunday into Monday."""
    intervals = [(*_week_interval(spec), where, spec) for where, spec in hours]
    shifts = (-_MINUTES_PER_WEEK, 0, _MINUTES_PER_WEEK)  # compare on the weekly circle
    for i, (start_a, end_a, where_a, a) in enumerate(intervals):
        for start_b, end_b, _where_b, b in intervals[i + 1 :]:
            if any(start_a < end_b + shift and start_b + shift < end_a for shift in shifts):
                what = "repeats" if (a.weekday, a.opens, a.closes) == (b.weekday, b.opens, b.closes) else "overlaps"
                problems.add(
                    where_a,
                    f"{WEEKDAY_NAMES[a.weekday]} {a.opens:%H:%M}-{a.closes:%H:%M} {what} "
                    f"{WEEKDAY_NAMES[b.weekday]} {b.opens:%H:%M}-{b.closes:%H:%M}",
                )


def _moment_parse(value: Any, *, end_of_day: bool) -> datetime | None:
    """A date (the whole day) or a date-time; naive results are in the tenant's zone."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=1) if end_of_day else value, time(0))
    text = str(value).strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day + timedelta(days=1) if end_of_day else day, time(0))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _closures_parse(document: list, problems: _Problems) -> tuple[ClosureSpec, ...]:
    closures = []
    for index, item in enumerate(document):
        where = f"closures[{index}]"
        if not isinstance(item, dict) or "from" not in item:
            problems.add(where, "must be a mapping with from, to (optional, defaults to from) and reason")
            continue
        unknown = set(item) - {"from", "to", "reason"}
        if unknown:
            problems.add(where, f"unknown keys {sorted(unknown)} (known: from, to, reason)")
            continue
        starts_at = _moment_parse(item["from"], end_of_day=False)
        ends_at = _moment_parse(item.get("to", item["from"]), end_of_day=True)
        if starts_at is None or ends_at is None:
            bad = item["from"] if starts_at is None else item.get("to")
            problems.add(where, f"{bad!r} is not a date (2026-12-24) or date-time (2026-12-24 19:00)")
            continue
        if (starts_at.tzinfo is None) != (ends_at.tzinfo is None):
            problems.add(where, "from and to must both carry a UTC offset or both leave it out")
            continue
        if ends_at <= starts_at:
            problems.add(where, f"ends ({item.get('to')}) before it starts ({item['from']})")
            continue
        reason = str(item.get("reason") or "").strip()
        if len(reason) > 200:
            problems.add(where, "reason is longer than 200 characters")
            continue
        closures.append(ClosureSpec(starts_at, ends_at, reason))
    return tuple(closures)


def _int_parse(item: dict, key: str, *, default: int | None, minimum: int, where: str, problems: _Problems):
    value = item.get(key, default)
    if value is None:
        problems.add(f"{where}.{key}", "required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        problems.add(f"{where}.{key}", f"{value!r} is not a whole number")
        return None
    if int(value) < minimum:
        problems.add(f"{where}.{key}", f"must be at least {minimum}")
        return None
    return int(value)


def _text_parse(item: dict, key: str, *, max_length: int | None, where: str, problems: _Problems) -> str | None:
    value = item.get(key, "")
    if isinstance(value, list):  # aliases may be a list
        value = ", ".join(str(v).strip() for v in value)
    value = str(value or "").strip()
    if max_length is not None and len(value) > max_length:
        problems.add(f"{where}.{key}", f"is longer than {max_length} characters")
        return None
    return value


def _services_parse(document: list, problems: _Problems) -> tuple[ServiceSpec, ...]:
    known = {"name_it", "name_en", "duration_minutes", "buffer_minutes", "price", "aliases",
             "description_it", "description_en", "is_active"}
    services: list[ServiceSpec] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(document):
        where = f"services[{index}]"
        if not isinstance(item, dict):
            problems.add(where, "must be a mapping (name_it, name_en, duration_minutes, price, ...)")
            continue
        if set(item) - known:
            problems.add(where, f"unknown keys {sorted(set(item) - known)} (known: {', '.join(sorted(known))})")
            continue
        count_before = len(problems.items)
        name_it = _text_parse(item, "name_it", max_length=120, where=where, problems=problems)
        name_en = _text_parse(item, "name_en", max_length=120, where=where, problems=problems) or name_it
        if name_it == "":
            problems.add(f"{where}.name_it", "required")
        elif name_it and name_it.casefold() in seen:
            problems.add(f"{where}.name_it", f"{name_it!r} repeats services[{seen[name_it.casefold()]}]")
        elif name_it:
            seen[name_it.casefold()] = index
        duration = _int_parse(item, "duration_minutes", default=None, minimum=5, where=where, problems=problems)
        buffer = _int_parse(item, "buffer_minutes", default=0, minimum=0, where=where, problems=problems)
        price = _price_parse(item.get("price"), where=f"{where}.price", problems=problems)
        texts: dict[str, Any] = {k: _text_parse(item, k, max_length=None, where=where, problems=problems)
                 for k in ("aliases", "description_it", "description_en")}
        # The names are never None when nothing was wrong (None comes with a problem).
        if len(problems.items) == count_before and name_it is not None and name_en is not None:
            services.append(ServiceSpec(
                name_it=name_it, name_en=name_en, duration_minutes=duration, buffer_minutes=buffer, price=price,
                is_active=bool(item.get("is_active", True)), **texts,
            ))
    return tuple(services)


def _price_parse(value: Any, *, where: str, problems: _Problems) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        # str() first: a YAML 35.1 arrives as a float; its decimal text is what was written.
        price = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        problems.add(where, f"{value!r} is not a price (e.g. 35.00)")
        return None
    if not price.is_finite() or price < 0 or price >= Decimal("1000000") or price != price.quantize(Decimal("0.01")):
        problems.add(where, f"{value!r} is not a price between 0 and 999999.99 with at most 2 decimals")
        return None
    return price.quantize(Decimal("0.01"))


def _resources_parse(
    document: list, services: tuple[ServiceSpec, ...] | None, problems: _Problems
) -> tuple[ResourceSpec, ...]:
    known = {"kind", "name", "min_seats", "max_seats", "services"}
    resources: list[ResourceSpec] = []
    seen: dict[str, int] = {}
    service_names = {s.name_it.casefold() for s in services} if services is not None else None
    for index, item in enumerate(document):
        where = f"resources[{index}]"
        if not isinstance(item, dict):
            problems.add(where, "must be a mapping (kind, name, min_seats, max_seats, services)")
            continue
        if set(item) - known:
            problems.add(where, f"unknown keys {sorted(set(item) - known)} (known: {', '.join(sorted(known))})")
            continue
        count_before = len(problems.items)
        kind = str(item.get("kind", "")).strip()
        if kind not in Resource.Kind.values:
            problems.add(f"{where}.kind", f"{kind!r} must be one of {', '.join(Resource.Kind.values)}")
        name = _text_parse(item, "name", max_length=80, where=where, problems=problems)
        if name == "":
            problems.add(f"{where}.name", "required")
        elif name and name.casefold() in seen:
            problems.add(f"{where}.name", f"{name!r} repeats resources[{seen[name.casefold()]}]")
        elif name:
            seen[name.casefold()] = index
        min_seats = _int_parse(item, "min_seats", default=1, minimum=1, where=where, problems=problems)
        max_seats = _int_parse(item, "max_seats", default=min_seats or 1, minimum=1, where=where, problems=problems)
        if min_seats and max_seats and max_seats < min_seats:
            problems.add(f"{where}.max_seats", f"{max_seats} is less than min_seats {min_seats}")
        does = item.get("services") or []
        if not isinstance(does, list):
            problems.add(f"{where}.services", "must be a list of service names (name_it)")
            does = []
        does = tuple(str(s).strip() for s in does)
        if does and kind == Resource.Kind.TABLE:
            problems.add(f"{where}.services", "only staff do services; a table has none")
        if service_names is not None:
            for name_it in does:
                if name_it.casefold() not in service_names:
                    problems.add(f"{where}.services", f"{name_it!r} is not one of the services above")
        if len(problems.items) == count_before and name is not None:  # None comes with a problem
            resources.append(ResourceSpec(kind, name, min_seats, max_seats, does))
    return tuple(resources)
