"""The week view and the printable list of a day. Each resolves the tenant and the day at the
edge (as the day view does), calls one function of ``backoffice.week`` and renders."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backoffice.views import _day_param, _render, _tenant, _tenant_choice, _tenant_query, _tenant_slug
from backoffice.week import PeriodNotFound, day_sheet, week_grid, week_monday
from tenants.models import Tenant

PERIOD_ALL = "all"


def _today(tenant: Tenant) -> date:
    return timezone.now().astimezone(tenant.tzinfo).date()


def week_view(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("Week view"))
    day = _day_param(request.GET.get("date"), tenant)
    if day is None:
        messages.warning(request, _("That is not a day the week view can show: here is this week."))
        day = _today(tenant)
    grid = week_grid(tenant=tenant, day=day, now=timezone.now())
    monday = grid.monday
    return _render(request, "backoffice/week.html", {
        "title": _("Week view"),
        "subtitle": _("%(monday)s – %(sunday)s") % {
            "monday": date_format(monday, "j F"), "sunday": date_format(grid.sunday, "j F Y"),
        },
        "grid": grid,
        "day": day,
        "this_week": monday == week_monday(_today(tenant)),
        "previous_query": _tenant_query(request, tenant, date=(monday - timedelta(days=7)).isoformat()),
        "next_query": _tenant_query(request, tenant, date=(monday + timedelta(days=7)).isoformat()),
        "today_query": _tenant_query(request, tenant),
        "days": [(week_day, _tenant_query(request, tenant, date=week_day.day.isoformat())) for week_day in grid.days],
        "tenant_slug": _tenant_slug(request, tenant),
        "is_nav_sidebar_enabled": False,  # the seven days take the whole width
    }, tenant)


def _period_param(value: str | None) -> int | None:
    """The period asked for: None for the whole day; Http404 for anything but a number or "all"."""
    if not value or value == PERIOD_ALL:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 3:
        raise Http404("No such period.")
    return int(value)


def day_print(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("Printable list"))
    day = _day_param(request.GET.get("date"), tenant)
    if day is None:
        messages.warning(request, _("That is not a day the list can show: here is today."))
        day = _today(tenant)
    try:
        sheet = day_sheet(tenant=tenant, day=day, period_number=_period_param(request.GET.get("period")))
    except PeriodNotFound:
        raise Http404("No such period on that day.") from None
    return _render(request, "backoffice/day_print.html", {
        "title": sheet.period.name if sheet.period else _("Bookings"),
        "subtitle": date_format(day, "l j F Y"),
        "sheet": sheet,
        "day": day,
        "all_query": _tenant_query(request, tenant, date=day.isoformat(), period=PERIOD_ALL),
        "period_queries": [
            (period, _tenant_query(request, tenant, date=day.isoformat(), period=str(period.number)))
            for period in sheet.periods
        ],
        "day_query": _tenant_query(request, tenant, date=day.isoformat()),  # the day view's and the week view's
        "is_nav_sidebar_enabled": False,
    }, tenant)
