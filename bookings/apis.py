"""DRF API for availability and bookings, scoped to the caller's tenant.

Authentication: an API token (``Authorization: Token <key>``, ``manage.py api_token``) or the admin session.
The tenant is the one the user is a member of (``TenantMembership``); a user of
several tenants (or a superuser) names it with ``tenant=<slug>``. Another tenant's
booking answers 404, exactly like a missing one. Booking rules are the customer's
(minimum notice, cut-off, ...) unless the request says ``by_staff``; then staff act for
the customer, who is told of the booking, the move or the cancellation as when staff
change it in the admin.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.availability import Slot, available_slots
from bookings.errors import AppointmentNotActive, BookingError, SlotUnavailable, TooLateToCancel
from bookings.models import Appointment, Resource, Service
from bookings.selectors import appointment_get_by_reference, appointments_for_tenant
from bookings.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    appointment_staff_book,
    appointment_staff_change,
    booking_request_check,
)
from customers.models import Customer
from tenants.models import Tenant
from tenants.scoping import tenant_scope_enter
from tenants.selectors import tenants_for_user

# Ids are 64-bit: a larger number is refused as input instead of overflowing the database.
ID_MAX = 2**63 - 1
# One request scans at most two months (a customer may book 60 days ahead by default).
AVAILABILITY_DAYS_MAX = 62
PARTY_SIZE_MAX = 500
# Dates the API takes: wide enough for any booking or report, narrow enough that a day's
# arithmetic (``date + timedelta``, local to UTC) can never overflow Python's or the
# database's calendar (years 1 and 9999, which PostgreSQL also refuses in an offset).
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2099, 12, 31)
_DATE_RANGE = f"Use a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."
# A business's slug as ``Tenant.slug`` stores it; anything else (a NUL, which PostgreSQL
# refuses in a query, spaces, ...) names no business and is refused before any query.
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")

# Where a booking's money stands, as the API names it. Payments sits above bookings, which
# may not import it: its ``ready()`` registers the reader (``payment_status_reader_register``).
# Without one, every booking reads "none".
PAYMENT_STATUSES = ("none", "awaiting", "paid", "guaranteed", "refunded", "kept", "charged")
PaymentStatusReader = Callable[[Tenant, Sequence[Appointment]], dict[int, str]]
_payment_status_readers: list[PaymentStatusReader] = []


def payment_status_reader_register(reader: PaymentStatusReader) -> None:
    """Say how bookings' payment statuses are read: ``reader(tenant, appointments)`` → status by booking id."""
    if reader not in _payment_status_readers:
        _payment_status_readers.append(reader)


def _payment_statuses(tenant: Tenant, appointments: Sequence[Appointment]) -> dict[int, str]:
    statuses: dict[int, str] = {}
    for reader in _payment_status_readers:
        statuses.update(reader(tenant, appointments))
    return statuses


# --- Tenant and errors --------------------------------------------------------------


def _tenant_for(request: Request) -> Tenant:
    """The tenant this request acts for, resolved once at the edge."""
    slug = request.query_params.get("tenant") or (
        request.data.get("tenant") if isinstance(request.data, dict) else None
    )
    tenants = tenants_for_user(request.user)
    if slug:
        if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
            raise ValidationError({"tenant": ["Enter a business's slug (letters, digits, hyphens, underscores)."]})
        tenant = tenants.filter(slug=slug).first()
        if tenant is None:  # missing and someone else's answer alike
            raise NotFound("No such tenant.")
        tenant_scope_enter(tenant)
        return tenant
    mine = list(tenants[:2])
    if not mine:
        raise PermissionDenied("Your account works for no business.")
    if len(mine) > 1:
        raise ValidationError({"tenant": ["You work for several businesses: add tenant=<slug>."]})
    tenant_scope_enter(mine[0])
    return mine[0]


def _slot_json(slot: Slot) -> dict:
    return {
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "resource": {"id": slot.resource.pk, "name": slot.resource.name},
    }


def _booking_error_response(error: BookingError) -> Response:
    body: dict = {"error": error.code, "detail": error.message}
    code: int = status.HTTP_422_UNPROCESSABLE_ENTITY
    if isinstance(error, SlotUnavailable):
        body["alternatives"] = [_slot_json(slot) for slot in error.alternatives]
        code = status.HTTP_409_CONFLICT
    elif isinstance(error, AppointmentNotActive):
        code = status.HTTP_409_CONFLICT
    elif isinstance(error, TooLateToCancel):
        body.update(cutoff_hours=error.cutoff_hours, contact_phone=error.contact_phone)
    return Response(body, status=code)


def _tenant_row(model, tenant: Tenant, pk: int | None, field: str):
    if pk is None:
        return None
    row = model.objects.filter(tenant=tenant, pk=pk).first()
    if row is None:
        raise ValidationError({field: [f"No such {field} at this business."]})
    return row


@extend_schema_field(OpenApiTypes.DATETIME)
class LocalDateTimeField(serializers.Field):
    """An ISO 8601 date-time; without an offset it is the business's local time."""

    default_error_messages = {
        "invalid": "Use an ISO 8601 date-time, e.g. 2026-12-04T20:00 or 2026-12-04T20:00+01:00.",
        "out_of_range": _DATE_RANGE,
    }

    def to_internal_value(self, data) -> datetime:
        text = str(data)[:40]
        try:
            # A NUL would otherwise be read past (and PostgreSQL refuses it in any text).
            value = None if "\x00" in text else parse_datetime(text)
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if not DATE_MIN <= value.date() <= DATE_MAX:
            # Checked before any time zone is applied: 0001-01-01T00:30+01:00 is year 0 in UTC.
            self.fail("out_of_range")
        if timezone.is_naive(value):
            value = value.replace(tzinfo=self.context["tenant"].tzinfo)
        return value

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class ApiDateField(serializers.DateField):
    """An ISO 8601 date between ``DATE_MIN`` and ``DATE_MAX``."""

    default_error_messages = {"out_of_range": _DATE_RANGE}

    def to_internal_value(self, value) -> date:
        day = super().to_internal_value(value)
        if not DATE_MIN <= day <= DATE_MAX:
            self.fail("out_of_range")
        return day


# --- Serializers ----------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="slot_unavailable, outside_opening_hours, notice_too_short, ...")
    detail = serializers.CharField()


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    resource = inline_serializer("SlotResource", {"id": serializers.IntegerField(), "name": serializers.CharField()})


class AppointmentListOutput(serializers.ListSerializer):
    """A page of bookings, their payment statuses read in one go rather than one booking at a time."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        self.context["payment_statuses"] = _payment_statuses(self.context["tenant"], rows)
        return super().to_representation(rows)


class AppointmentOutput(serializers.ModelSerializer):
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    service = serializers.SerializerMethodField()
    resource = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    payment_status = serializers.SerializerMethodField(
        help_text="none: nothing asked (or the link ran out unpaid); awaiting: the payment link is out and the "
        "slot held; paid: the deposit is paid; guaranteed: a card is saved as a guarantee; refunded: the deposit "
        "is (being) given back; kept: cancelled after the cut-off or not shown, the deposit stays; charged: a "
        "no-show fee was charged on the saved card."
    )

    class Meta:
        model = Appointment
        fields = (
            "reference", "status", "start", "end", "party_size", "service", "resource", "customer", "channel",
            "notes", "created_at", "cancelled_at", "payment_status",
        )
        list_serializer_class = AppointmentListOutput

    def _local(self, value: datetime) -> str:
        return value.astimezone(self.context["tenant"].tzinfo).isoformat()

    def get_start(self, obj: Appointment) -> str:
        return self._local(obj.starts_at)

    def get_end(self, obj: Appointment) -> str:
        return self._local(obj.ends_at)

    def get_service(self, obj: Appointment) -> dict | None:
        if obj.service is None:
            return None
        return {"id": obj.service.pk, "name_it": obj.service.name_it, "name_en": obj.service.name_en}

    def get_resource(self, obj: Appointment) -> dict:
        return {"id": obj.resource.pk, "name": obj.resource.name}

    def get_customer(self, obj: Appointment) -> dict | None:
        if obj.customer is None:
            return None
        return {"id": obj.customer.pk, "name": obj.customer.display_name, "phone": obj.customer.phone}

    @extend_schema_field(serializers.ChoiceField(choices=PAYMENT_STATUSES))
    def get_payment_status(self, obj: Appointment) -> str:
        statuses = self.context.get("payment_statuses")
        if statuses is None:
            statuses = _payment_statuses(self.context["tenant"], [obj])
        return statuses.get(obj.pk, "none")


class AvailabilityQuery(serializers.Serializer):
    tenant = serializers.SlugField(required=False, help_text="Only for users of several businesses.")
    service = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    party_size = serializers.IntegerField(required=False, default=1, min_value=1, max_value=PARTY_SIZE_MAX)
    date = ApiDateField(required=False, help_text="First day (business-local); default today.")
    days = serializers.IntegerField(required=False, default=1, min_value=1, max_value=AVAILABILITY_DAYS_MAX)
    resource = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000)
    by_staff = serializers.BooleanField(required=False, default=False)


class AppointmentsQuery(serializers.Serializer):
    tenant = serializers.SlugField(required=False)
    date = ApiDateField(required=False, help_text="First day (business-local); default: from now on.")
    days = serializers.IntegerField(required=False, default=1, min_value=1, max_value=366)
    status = serializers.ChoiceField(choices=Appointment.Status.choices, required=False)


class BookInput(serializers.Serializer):
    tenant = serializers.SlugField(required=False)
    start = LocalDateTimeField()
    party_size = serializers.IntegerField(default=1, min_value=1, max_value=PARTY_SIZE_MAX)
    service = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX)
    resource = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX)
    customer = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    by_staff = serializers.BooleanField(required=False, default=False)


class RescheduleInput(serializers.Serializer):
    tenant = serializers.SlugField(required=False)
    start = LocalDateTimeField()
    by_staff = serializers.BooleanField(required=False, default=False)


class CancelInput(serializers.Serializer):
    tenant = serializers.SlugField(required=False)
    by_staff = serializers.BooleanField(required=False, default=False)


def _valid(serializer_class, data, tenant: Tenant | None = None) -> dict:
    serializer = serializer_class(data=data, context={"tenant": tenant})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


BOOKING_ERRORS = {
    409: OpenApiResponse(ErrorSerializer, description="Taken (with `alternatives`) or no longer active."),
    422: OpenApiResponse(ErrorSerializer, description="A booking rule refused it (closed, too soon, cut-off...)."),
}


# --- Views ------------------------------------------------------------------------------


class AvailabilityApi(APIView):
    @extend_schema(
        summary="Free start times",
        parameters=[AvailabilityQuery],
        responses={
            200: inline_serializer(
                "Availability",
                {"timezone": serializers.CharField(), "slots": SlotSerializer(many=True)},
            ),
            422: OpenApiResponse(ErrorSerializer, description="No table seats the party / service not offered."),
        },
    )
    def get(self, request: Request) -> Response:
        tenant = _tenant_for(request)
        query = _valid(AvailabilityQuery, request.query_params, tenant)
        service = _tenant_row(Service, tenant, query.get("service"), "service")
        resource = _tenant_row(Resource, tenant, query.get("resource"), "resource")
        first = query.get("date") or timezone.now().astimezone(tenant.tzinfo).date()
        slots = available_slots(
            tenant, service=service, party_size=query["party_size"], start_date=first,
            end_date=first + timedelta(days=query["days"] - 1), resource=resource, limit=query.get("limit"),
            by_staff=query["by_staff"],
        )
        if not slots:
            try:
                booking_request_check(
                    tenant=tenant, service=service, party_size=query["party_size"], resource=resource
                )
            except BookingError as error:
                return _booking_error_response(error)
        return Response({"timezone": tenant.timezone, "slots": [_slot_json(slot) for slot in slots]})


class AppointmentsApi(APIView):
    @extend_schema(
        summary="The business's bookings",
        parameters=[AppointmentsQuery],
        responses={200: AppointmentOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        tenant = _tenant_for(request)
        query = _valid(AppointmentsQuery, request.query_params, tenant)
        if query.get("date"):
            first = datetime.combine(query["date"], datetime.min.time(), tzinfo=tenant.tzinfo)
            after = datetime.combine(
                query["date"] + timedelta(days=query["days"]), datetime.min.time(), tzinfo=tenant.tzinfo
            )
            rows = appointments_for_tenant(tenant=tenant, starts_from=first, starts_before=after,
                                           status=query.get("status"))
        else:
            rows = appointments_for_tenant(tenant=tenant, starts_from=timezone.now(), status=query.get("status"))
        paginator = LimitOffsetPagination()
        paginator.default_limit, paginator.max_limit = 100, 500
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(AppointmentOutput(page, many=True, context={"tenant": tenant}).data)

    @extend_schema(
        summary="Book",
        request=BookInput,
        responses={201: AppointmentOutput, **BOOKING_ERRORS},
    )
    def post(self, request: Request) -> Response:
        tenant = _tenant_for(request)
        data = _valid(BookInput, request.data, tenant)
        # A booking staff make tells the customer (``appointment_staff_book``); their own does not.
        book = appointment_staff_book if data["by_staff"] else appointment_book
        try:
            appointment = book(
                tenant=tenant, start=data["start"], party_size=data["party_size"],
                service=_tenant_row(Service, tenant, data.get("service"), "service"),
                resource=_tenant_row(Resource, tenant, data.get("resource"), "resource"),
                customer=_tenant_row(Customer, tenant, data.get("customer"), "customer"),
                channel=Appointment.Channel.API, notes=data["notes"],
            )
        except BookingError as error:
            return _booking_error_response(error)
        return Response(AppointmentOutput(appointment, context={"tenant": tenant}).data, status=status.HTTP_201_CREATED)


def _appointment_for(tenant: Tenant, reference: str) -> Appointment:
    try:
        return appointment_get_by_reference(tenant=tenant, reference=reference)
    except Appointment.DoesNotExist:
        raise NotFound("No such booking.") from None


class AppointmentApi(APIView):
    @extend_schema(summary="One booking", responses={200: AppointmentOutput})
    def get(self, request: Request, reference: str) -> Response:
        tenant = _tenant_for(request)
        return Response(AppointmentOutput(_appointment_for(tenant, reference), context={"tenant": tenant}).data)


class AppointmentCancelApi(APIView):
    @extend_schema(summary="Cancel", request=CancelInput, responses={200: AppointmentOutput, **BOOKING_ERRORS})
    def post(self, request: Request, reference: str) -> Response:
        tenant = _tenant_for(request)
        data = _valid(CancelInput, request.data, tenant)
        appointment = _appointment_for(tenant, reference)
        try:
            if data["by_staff"]:
                appointment = appointment_staff_change(
                    tenant=tenant, appointment=appointment, status=Appointment.Status.CANCELLED
                )
            else:
                appointment = appointment_cancel(tenant=tenant, appointment=appointment)
        except BookingError as error:
            return _booking_error_response(error)
        return Response(AppointmentOutput(appointment, context={"tenant": tenant}).data)


class AppointmentRescheduleApi(APIView):
    @extend_schema(
        summary="Move to another time (keeps the reference)",
        request=RescheduleInput,
        responses={200: AppointmentOutput, **BOOKING_ERRORS},
    )
    def post(self, request: Request, reference: str) -> Response:
        tenant = _tenant_for(request)
        data = _valid(RescheduleInput, request.data, tenant)
        appointment = _appointment_for(tenant, reference)
        try:
            if data["by_staff"]:
                appointment = appointment_staff_change(tenant=tenant, appointment=appointment, start=data["start"])
            else:
                appointment = appointment_reschedule(tenant=tenant, appointment=appointment, new_start=data["start"])
        except BookingError as error:
            return _booking_error_response(error)
        return Response(AppointmentOutput(appointment, context={"tenant": tenant}).data)
