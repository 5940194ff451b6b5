"""What Lyo sends: a month of the tenant's outbound messages, counted by what Meta bills.

The tenant and the month are resolved here, at the edge; the counting is
``reminders.selectors.messages_sent_in_month``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backoffice.views import DAY_MAX, DAY_MIN, _render, _tenant, _tenant_choice, _tenant_query, _tenant_slug
from reminders.models import Purpose
from reminders.selectors import REPLIES, SentByKind, messages_sent_in_month
from tenants.models import Tenant

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
# The years the day and week views show too.
YEAR_MIN, YEAR_MAX = DAY_MIN.year, DAY_MAX.year


@dataclass(frozen=True)
class PurposeRow:
    key: str  # the purpose, "replies" for the assistant's and staff's own messages
    label: str
    sent: SentByKind


def _this_month(tenant: Tenant) -> date:
    return timezone.now().astimezone(tenant.tzinfo).date().replace(day=1)


def _month_param(value: str | None, tenant: Tenant) -> date | None:
    """The first day of the month asked for (``YYYY-MM``); this month when none; None when not a month."""
    if not value:
        return _this_month(tenant)
    found = MONTH_PATTERN.match(value)
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not (YEAR_MIN <= year <= YEAR_MAX and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def _shifted(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


def _label(purpose: str) -> str:
    if purpose == REPLIES:
        return _("Replies and messages written by staff")
    return str(Purpose(purpose).label) if purpose in Purpose.values else purpose


def sends_view(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("What Lyo sends"))
    month = _month_param(request.GET.get("month"), tenant)
    if month is None:
        messages.warning(request, _("That is not a month this page can show (write it as 2026-11): here is this "
                                    "month."))
        month = _this_month(tenant)
    sent = messages_sent_in_month(tenant=tenant, year=month.year, month=month.month)
    previous, following = _shifted(month, -1), _shifted(month, 1)
    return _render(request, "backoffice/sends.html", {
        "title": _("What Lyo sends"),
        "subtitle": date_format(month, "F Y"),
        "month": month,
        "sent": sent,
        "rows": [
            PurposeRow(purpose or "replies", _label(purpose), counts) for purpose, counts in sent.by_purpose.items()
        ],
        "this_month": month == _this_month(tenant),
        "previous_query": _tenant_query(request, tenant, month=f"{previous:%Y-%m}") if previous.year >= YEAR_MIN
        else None,
        "next_query": _tenant_query(request, tenant, month=f"{following:%Y-%m}") if following.year <= YEAR_MAX
        else None,
        "this_month_query": _tenant_query(request, tenant),
        "tenant_slug": _tenant_slug(request, tenant),
        "zone": tenant.timezone,
    }, tenant)
