"""The staff pages inside the admin. Each view resolves the tenant, calls one selector or
service, and renders; the admin site wraps them in its login, staff and CSRF checks.

Tenancy: staff of one tenant always get that tenant; superusers and staff of several
tenants pick one with ``?tenant=<slug>``. Someone else's tenant, conversation or
resource is a 404, exactly like a missing one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from alerts.selectors import alerts_unseen
from alerts.texts import alert_lines
from backoffice.day import day_grid
from backoffice.day_waitlist import day_waitlist, waiting_counts
from backoffice.media import (
    MediaTooLargeToKeep,
    MediaUnavailable,
    conversation_media_load,
    media_inline,
    message_media_reference,
    safe_filename,
)
from backoffice.selectors import (
    assistant_draft,
    conversation_bookings,
    conversation_for_tenants,
    media_message_for_conversation,
    reply_box,
    staff_home,
    transcript,
    trial_conversation,
)
from backoffice.services import conversation_reply_send, staff_booking_make, trial_data_clear
from bookings.errors import BookingError, booking_refusal_text
from bookings.models import Appointment, Resource, Service
from conversations.assistant_trial import assistant_trial_turn
from conversations.models import Conversation
from conversations.services.handoff import conversation_hand_back, conversation_hand_to_staff
from conversations.services.owner_bookings import SuggestionMissing, owner_booking_suggestion_save
from conversations.services.staff_reply import StaffReplyRefused
from customers.services import PhoneNumberInvalid, phone_normalise, tenant_phone_region
from tenants.models import Tenant
from tenants.selectors import tenant_ids_for_user, tenants_for_user

# Longer than anything a customer types, short enough to keep the transcript readable.
TRIAL_TEXT_MAX = 2000


# --- Tenancy at the edge -------------------------------------------------------------


def _tenant(request: HttpRequest) -> Tenant | None:
    """The tenant this page is about, or None when the user must pick one first."""
    tenants = tenants_for_user(request.user)
    slug = request.POST.get("tenant") or request.GET.get("tenant")
    if slug and "\x00" in slug:
        raise Http404("No such tenant.")  # PostgreSQL refuses NUL in a query: not a 500
    if slug:
        tenant = tenants.filter(slug=slug).first()
        if tenant is None:
            raise Http404("No such tenant.")
        return tenant
    choices = list(tenants[:2])
    if len(choices) == 1:
        return choices[0]
    if not choices:
        raise Http404("No tenant.")  # a staff login that works for no business
    return None


def _tenant_slug(request: HttpRequest, tenant: Tenant) -> str:
    """The slug that links and forms carry, for users who choose their tenant; else ""."""
    return tenant.slug if request.user.is_superuser or len(tenant_ids_for_user(request.user)) > 1 else ""


def _tenant_query(request: HttpRequest, tenant: Tenant, **params: str) -> str:
    slug = _tenant_slug(request, tenant)
    if slug:
        params = {"tenant": slug, **params}
    return f"?{urlencode(params)}" if params else ""


def _render(request: HttpRequest, template: str, context: dict, tenant: Tenant | None = None) -> TemplateResponse:
    context = {**admin.site.each_context(request), "lyo_page_tenant": tenant, **context}
    if tenant is not None:
        # Times on these pages are the business's, whoever is looking (superusers too).
        with timezone.override(tenant.tzinfo):
            response = TemplateResponse(request, template, context)
            response.render()
            return response
    return TemplateResponse(request, template, context)


def _tenant_choice(request: HttpRequest, title: str) -> TemplateResponse:
    return _render(request, "backoffice/tenant_choice.html", {
        "title": title, "tenants": tenants_for_user(request.user).order_by("name"), "path": request.path,
    })


# --- Home ------------------------------------------------------------------------------


def staff_home_context(request: HttpRequest) -> dict:
    """What the admin index shows above the list of models."""
    if not tenants_for_user(request.user).exists():
        return {}
    tenant = _tenant(request)
    if tenant is None:
        return {"lyo_tenant_choices": tenants_for_user(request.user).order_by("name")}
    user = request.user
    assert isinstance(user, User)  # the admin index is behind the admin's login
    with timezone.override(tenant.tzinfo):
        return {
            "lyo_home": staff_home(tenant=tenant, now=timezone.now()),
            "lyo_alerts": alert_lines(alerts_unseen(tenant=tenant, user=user)),
            "lyo_waiting": waiting_counts(tenant=tenant, now=timezone.now()),
            "lyo_tenant_query": _tenant_query(request, tenant),
            "lyo_tenant_slug": _tenant_slug(request, tenant),
            "lyo_today": timezone.localdate(),
        }


# --- Day view --------------------------------------------------------------------------


# Days the staff pages show and book. Far wider than any real booking, and far enough
# from datetime's limits (years 1 and 9999) that a day's neighbours, its next midnight
# in any time zone and a booking's end always exist.
DAY_MIN = date(2000, 1, 1)
DAY_MAX = date(2099, 12, 31)


def _day_param(value: str | None, tenant: Tenant) -> date | None:
    """The day asked for; today when none; None when it is not a date the day view shows."""
    if not value:
        return timezone.now().astimezone(tenant.tzinfo).date()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if DAY_MIN <= day <= DAY_MAX else None


def day_view(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("Day view"))
    day = _day_param(request.GET.get("date"), tenant)
    if day is None:
        messages.warning(request, _("That is not a day the day view can show: here is today."))
        day = timezone.now().astimezone(tenant.tzinfo).date()
    return day_page(request, tenant, day)


def day_page(
    request: HttpRequest, tenant: Tenant, day: date, *, walk_in_form: forms.Form | None = None, status: int = 200
) -> TemplateResponse:
    """The day view of ``day``; ``walk_in_form`` shows a walk-in refused for its input (with ``status`` 400)."""
    from backoffice.service_views import WalkInForm  # the service's forms live with its views

    now = timezone.now()
    grid = day_grid(tenant=tenant, day=day, now=now)
    today = now.astimezone(tenant.tzinfo).date()
    response = _render(request, "backoffice/day.html", {
        "title": _("Day view"),
        "subtitle": date_format(day, "l j F Y"),
        "grid": grid,
        "day": day,
        "today": today,
        "walk_in_form": walk_in_form or (WalkInForm(tenant=tenant) if day == today else None),
        "day_waitlist": day_waitlist(tenant=tenant, day=day, now=now),
        "day_query": _tenant_query(request, tenant, date=day.isoformat()),
        "previous_query": _tenant_query(request, tenant, date=(day - timedelta(days=1)).isoformat()),
        "next_query": _tenant_query(request, tenant, date=(day + timedelta(days=1)).isoformat()),
        "today_query": _tenant_query(request, tenant),
        "tenant_slug": _tenant_slug(request, tenant),
        "is_nav_sidebar_enabled": False,  # every pixel of width goes to the columns
    }, tenant)
    response.status_code = status
    return response


class StaffBookingForm(forms.Form):
    """A booking made by clicking a free time on the day view."""

    start = forms.CharField(widget=forms.HiddenInput)
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.none(), required=False, label=gettext_lazy("Table or staff member"),
        empty_label=gettext_lazy("Any free one"),
    )
    party_size = forms.IntegerField(min_value=1, max_value=500, initial=2, label=gettext_lazy("Party size"))
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, label=gettext_lazy("Service"),
        empty_label=gettext_lazy("No particular service"),
    )
    name = forms.CharField(max_length=200, label=gettext_lazy("Name"))
    phone = forms.CharField(
        required=False, max_length=40, label=gettext_lazy("Phone"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "placeholder": "347 123 4567"}),
        help_text=gettext_lazy("The guest's mobile: the reminder goes to it on WhatsApp."),
    )
    walk_in = forms.BooleanField(required=False, label=gettext_lazy("Walk-in / no phone"))
    notes = forms.CharField(
        required=False, max_length=1000, label=gettext_lazy("Notes"),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": gettext_lazy("Allergies, high chair, occasion…")}),
    )

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        # (The fields are the model choice fields declared above; self.fields types them as plain fields.)
        cast(forms.ModelChoiceField, self.fields["resource"]).queryset = Resource.objects.filter(
            tenant=tenant, is_active=True
        ).order_by("position", "name")
        if tenant.kind == Tenant.Kind.RESTAURANT:
            del self.fields["service"]
        else:
            del self.fields["party_size"]
            cast(forms.ModelChoiceField, self.fields["service"]).queryset = Service.objects.filter(
                tenant=tenant, is_active=True
            )

    def clean_start(self) -> datetime:
        start = _start_param(self.cleaned_data["start"], self.tenant)
        if start is None:
            raise forms.ValidationError(_("Pick a time on the day view."))
        return start

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data  # what a form's clean() returns
        phone = data.get("phone", "").strip()
        if data.get("walk_in"):
            data["phone"] = ""
        elif not phone:
            self.add_error("phone", _("Type the guest's phone number, or tick “Walk-in / no phone”."))
        else:
            data["phone"] = phone
            try:
                phone_normalise(phone, region=tenant_phone_region(self.tenant))  # the service reads it the same way
            except PhoneNumberInvalid:
                self.add_error("phone", _(
                    "This is not a valid phone number. Type it with its country code if it is foreign, "
                    "e.g. +44 7700 900123."
                ))
        return data


def day_book(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        raise Http404("Choose a tenant on the day view first.")
    source = request.POST if request.method == "POST" else request.GET
    form = StaffBookingForm(source if request.method == "POST" else None, tenant=tenant, initial={
        "start": source.get("start", ""), "resource": _resource_id(source.get("resource")),
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = staff_booking_make(
                tenant=tenant, start=data["start"], party_size=data.get("party_size") or 1,
                service=data.get("service"), resource=data.get("resource"), name=data["name"],
                phone=data["phone"], notes=data.get("notes", ""),
            )
        except BookingError as error:
            form.add_error(None, booking_refusal_text(error, zone=tenant.tzinfo))
        else:
            local = appointment.starts_at.astimezone(tenant.tzinfo)
            messages.success(request, _("Booked %(reference)s: %(when)s, %(resource)s.") % {
                "reference": appointment.reference, "when": date_format(local, "D j F H:i"),
                "resource": appointment.resource.name,
            })
            query = _tenant_query(request, tenant, date=local.date().isoformat())
            return HttpResponseRedirect(f"{reverse('admin:backoffice_day')}{query}#booking-{appointment.pk}")
    start = _start_param(source.get("start"), tenant)
    day = start.date() if start else timezone.now().astimezone(tenant.tzinfo).date()
    return _render(request, "backoffice/day_book.html", {
        "title": _("New booking"),
        "form": form,
        "start": start,
        "tenant_slug": _tenant_slug(request, tenant),
        "back_query": _tenant_query(request, tenant, date=day.isoformat()),
        "is_nav_sidebar_enabled": False,
    }, tenant)


def _resource_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _start_param(value: str | None, tenant: Tenant) -> datetime | None:
    """An aware start on a day the day view shows (in the tenant's zone), or None."""
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if not timezone.is_aware(start) or not DAY_MIN <= start.date() <= DAY_MAX:
        return None  # also keeps 9999-12-31 23:30 from overflowing when it moves zone
    return start.astimezone(tenant.tzinfo)


# --- Try your assistant ---------------------------------------------------------------


def _trial_sender(request: HttpRequest) -> str:
    # One test customer per staff user, so two colleagues testing do not mix their chats.
    return f"staff-{request.user.pk}"


def assistant_try(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        return _tenant_choice(request, _("Try your assistant"))
    if request.method == "POST":
        text = request.POST.get("text", "").strip()[:TRIAL_TEXT_MAX]
        choice = request.POST.get("choice", "").strip()[:200]
        if text or choice:
            user = request.user
            assert isinstance(user, User)  # the page is behind the admin's login
            assistant_trial_turn(
                tenant=tenant, sender_id=_trial_sender(request), text="" if choice else text, choice_id=choice,
                display_name=user.get_full_name() or user.get_username(),
            )
        return HttpResponseRedirect(f"{reverse('admin:backoffice_try')}{_tenant_query(request, tenant)}#latest")
    conversation = trial_conversation(tenant=tenant, sender_id=_trial_sender(request))
    lines = transcript(conversation=conversation) if conversation else []
    # Only the replies after the customer's last message can be tapped, as on a phone.
    last_inbound = max((i for i, line in enumerate(lines) if line.is_inbound), default=-1)
    return _render(request, "backoffice/try.html", {
        "title": _("Try your assistant"),
        "lines": lines,
        "tappable_from": last_inbound + 1,
        "draft": assistant_draft(conversation=conversation) if conversation else None,
        "test_bookings": Appointment.objects.filter(
            tenant=tenant, channel=Appointment.Channel.TEST, status=Appointment.Status.CONFIRMED
        ).select_related("resource", "service").order_by("starts_at")[:20],
        "tenant_slug": _tenant_slug(request, tenant),
        "is_nav_sidebar_enabled": False,
    }, tenant)


@require_POST
def assistant_try_clear(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    if tenant is None:
        raise Http404("Choose a tenant first.")
    cleared = trial_data_clear(tenant=tenant)
    messages.success(request, _("Test data cleared: %(bookings)s booking(s), %(conversations)s conversation(s).") % {
        "bookings": cleared.appointments, "conversations": cleared.conversations,
    })
    return HttpResponseRedirect(f"{reverse('admin:backoffice_try')}{_tenant_query(request, tenant)}")


# --- Conversation view ----------------------------------------------------------------


def _conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    try:
        return conversation_for_tenants(tenants=tenants_for_user(request.user), conversation_id=conversation_id)
    except Conversation.DoesNotExist:
        raise Http404("No such conversation.") from None


def _conversation_context(
    request: HttpRequest, conversation: Conversation, *, reply_error: str = "", reply_text: str = ""
) -> dict:
    return {
        "conversation": conversation,
        "lines": transcript(conversation=conversation),
        "bookings": conversation_bookings(conversation=conversation),
        "box": reply_box(conversation=conversation, now=timezone.now()),
        "reply_error": reply_error,
        "reply_text": reply_text,
    }


def conversation_chat(
    request: HttpRequest, conversation_id: int, *, reply_error: str = "", reply_text: str = "", status: int = 200
) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    response = _render(request, "backoffice/conversation.html", {
        "title": str(conversation.customer),
        "subtitle": _("Conversation"),
        **_conversation_context(request, conversation, reply_error=reply_error, reply_text=reply_text),
        "draft": assistant_draft(conversation=conversation),
        "is_nav_sidebar_enabled": False,
    }, conversation.tenant)
    response.status_code = status
    return response


def conversation_live(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The part of the conversation page that htmx refreshes: status, hand-off and transcript."""
    conversation = _conversation(request, conversation_id)
    return _render(request, "backoffice/_conversation_live.html", _conversation_context(request, conversation),
                   conversation.tenant)


# Template ids are primary keys: anything longer than a bigint is no template (and no 500).
_TEMPLATE_ID_MAX_DIGITS = 18


@require_POST
def conversation_reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Staff write to the customer. htmx gets the refreshed transcript and a fresh reply box;
    a plain form post is redirected back to the page (or shown the refusal, with a 400)."""
    conversation = _conversation(request, conversation_id)
    text = request.POST.get("text", "")
    raw_template = request.POST.get("template", "").strip()
    error = ""
    if raw_template and not (raw_template.isascii() and raw_template.isdigit()
                             and len(raw_template) <= _TEMPLATE_ID_MAX_DIGITS):
        error = _("Pick one of the message templates.")
    else:
        try:
            conversation_reply_send(
                conversation=conversation, user=cast(User, request.user), text=text,
                template_id=int(raw_template) if raw_template else None, now=timezone.now(),
            )
        except StaffReplyRefused as refusal:
            error = str(refusal)
    kept = text if error else ""
    if getattr(request, "htmx", False):
        response = _render(request, "backoffice/_conversation_reply.html", _conversation_context(
            request, conversation, reply_error=error, reply_text=kept,
        ), conversation.tenant)
        response.status_code = 400 if error else 200
        return response
    if error:
        return conversation_chat(request, conversation.pk, reply_error=error, reply_text=kept, status=400)
    messages.success(request, _("Message queued: the ticks show when it is delivered."))
    return HttpResponseRedirect(reverse("admin:backoffice_conversation", args=[conversation.pk]) + "#latest")


@require_POST
def conversation_handoff(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    action = request.POST.get("action")
    if action == "take":
        if conversation_hand_to_staff(conversation=conversation):
            messages.success(request, _("You are answering this conversation; the assistant stays silent."))
    elif action == "back":
        if conversation_hand_back(conversation=conversation):
            messages.success(request, _("The assistant answers this conversation again."))
    else:
        return HttpResponse(status=400)
    return HttpResponseRedirect(reverse("admin:backoffice_conversation", args=[conversation.pk]))


@require_POST
def conversation_booking_save(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """The one tap on "Save this booking" under the owner's app message: booked once, or why not."""
    conversation = _conversation(request, conversation_id)
    tenant = conversation.tenant
    try:
        saved = owner_booking_suggestion_save(tenant=tenant, conversation=conversation, message_id=message_id)
    except SuggestionMissing:
        raise Http404("No booking to save on that message.") from None
    except BookingError as error:
        messages.error(request, _("Not saved: %(reason)s") % {
            "reason": booking_refusal_text(error, zone=tenant.tzinfo)})
    else:
        local = saved.appointment.starts_at.astimezone(tenant.tzinfo)
        text = _("Already saved as %(reference)s.") if saved.already else _("Booked %(reference)s: %(when)s, "
                                                                              "%(resource)s.")
        messages.success(request, text % {
            "reference": saved.appointment.reference, "when": date_format(local, "D j F H:i"),
            "resource": saved.appointment.resource.name,
        })
    return HttpResponseRedirect(reverse("admin:backoffice_conversation", args=[conversation.pk]))


# A media response is a file, never a page: nothing in it may run, load or be framed.
MEDIA_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; sandbox"
)


@require_safe
def conversation_media(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """A message's photo, voice note, video, document or sticker, fetched server-side and kept."""
    conversation = _conversation(request, conversation_id)
    message = media_message_for_conversation(conversation=conversation, message_id=message_id)
    if message is None or message_media_reference(message) is None:
        raise Http404("No such media.")
    try:
        media = conversation_media_load(tenant=conversation.tenant, message=message, now=timezone.now())
    except MediaUnavailable as exc:
        return _media_notice(request, exc.reason, status=exc.status)
    except MediaTooLargeToKeep:
        return _media_notice(request, _("This file is too large to show here: open it on the phone."), status=200)
    inline = media_inline(message, media.mime_type)
    # Anything not shown as what it says it is goes out as opaque bytes, to be saved, never rendered.
    content_type = media.mime_type if inline else "application/octet-stream"
    response = HttpResponse(bytes(media.content), content_type=content_type)
    reference = message_media_reference(message)
    filename = safe_filename(reference.filename if reference else "") or f"{message.type}-{message.pk}"
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or "inline"
    return _media_headers(response)


def _media_notice(request: HttpRequest, text: str, *, status: int) -> HttpResponse:
    """Why the media cannot be shown, as a small page of its own (what a click on the link opens)."""
    html = render_to_string("backoffice/_media_notice.html", {"text": text}, request=request)
    response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
    return _media_headers(response, cache="private, no-store")  # the next try may succeed


def _media_headers(response: HttpResponse, *, cache: str = "private, max-age=3600") -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CONTENT_SECURITY_POLICY
    # Staff's own browser may keep it; no shared cache ever may (it is a customer's photo).
    response["Cache-Control"] = cache
    return response
