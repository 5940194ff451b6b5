import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment
from conversations.models import Conversation, Message, QuickReply
from conversations.personal_data import customers_data_export, customers_erase
from conversations.services.handoff import conversation_hand_back, conversation_hand_to_staff
from customers.models import Customer
from tenants.admin_scoping import TenantScopedAdmin, TenantScopedInline
from tenants.audit import user_may_handle_personal_data


@admin.register(Customer)
class CustomerAdmin(TenantScopedAdmin):
    list_display = ("__str__", "phone", "channel", "language", "no_shows", "tenant", "created_at")
    list_filter = ("channel", "language", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("display_name", "phone", "channel_user_id")
    list_select_related = ("tenant",)
    readonly_fields = ("no_shows", "created_at", "updated_at")
    actions = ["personal_data_export", "personal_data_erase"]

    def get_queryset(self, request):
        # A subquery per row, not a join: the list stays one flat query however many bookings there are.
        no_shows = (
            Appointment.objects.filter(customer=OuterRef("pk"), status=Appointment.Status.NO_SHOW)
            .order_by().values("customer").annotate(n=Count("pk")).values("n")
        )
        return super().get_queryset(request).annotate(no_show_count=Coalesce(Subquery(no_shows), 0))

    @admin.display(description=_("no-shows"), ordering="no_show_count")
    def no_shows(self, customer: Customer) -> int:
        return getattr(customer, "no_show_count", 0)

    # Owners and superusers only: the permission hides the actions from everyone else and
    # refuses them if posted anyway (Django only runs an action get_actions() offers).
    def has_personal_data_permission(self, request) -> bool:
        return user_may_handle_personal_data(request.user)

    def _personal_data_refused(self, request, queryset) -> bool:
        """An owner of one tenant who is only staff of another handles neither's customers for the other."""
        tenant_ids = set(queryset.values_list("tenant_id", flat=True).distinct())
        if user_may_handle_personal_data(request.user, tenant_ids=tenant_ids) or not tenant_ids:
            return False
        self.message_user(
            request, gettext("Only the business's owners can export or erase customers' data."), messages.ERROR
        )
        return True

    @admin.action(description=_("Export personal data (JSON)"), permissions=["personal_data"])
    def personal_data_export(self, request, queryset):
        # The queryset is already limited to the user's tenants (TenantScopedAdmin).
        if self._personal_data_refused(request, queryset):
            return None
        exported = customers_data_export(queryset.select_related("tenant"), actor=request.user)
        response = HttpResponse(
            json.dumps(exported, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="customer-data-{timezone.now():%Y%m%d-%H%M}.json"'
        return response

    @admin.action(description=_("Erase personal data (keeps appointments, anonymised)"), permissions=["personal_data"])
    def personal_data_erase(self, request, queryset):
        if self._personal_data_refused(request, queryset):
            return None
        if request.POST.get("post") != "yes":  # irreversible: ask first, like "delete selected"
            return TemplateResponse(request, "admin/customers/customer/erase_confirmation.html", {
                **self.admin_site.each_context(request), "title": gettext("Erase personal data?"),
                "customers": queryset,
                "opts": self.model._meta, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            })
        summary = customers_erase(queryset, actor=request.user)
        self.message_user(
            request,
            gettext(
                "Erased %(customers)s customer(s): %(conversations)s conversation(s) and %(messages)s message(s) "
                "deleted; %(appointments)s appointment(s) kept anonymised."
            ) % {
                "customers": summary.customers, "conversations": summary.conversations,
                "messages": summary.messages, "appointments": summary.appointments_kept,
            },
            messages.SUCCESS,
        )
        return None


class MessageInline(TenantScopedInline, admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ("created_at", "direction", "type", "text", "delivery_status", "error_title")
    readonly_fields = fields
    ordering = ("-created_at",)
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(TenantScopedAdmin):
    list_display = ("customer", "channel", "status", "handoff_reason", "last_inbound_at", "tenant")
    list_filter = ("status", "handoff_reason", "channel", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("customer__display_name", "customer__phone")
    list_select_related = ("tenant", "customer")
    readonly_fields = ("state", "handoff_reason", "last_inbound_at", "staff_active_at", "created_at", "updated_at")
    autocomplete_fields = ("customer",)
    inlines = [MessageInline]
    actions = ["hand_back_to_assistant", "hand_to_staff"]

    @admin.action(description=_("Hand back to the assistant"))
    def hand_back_to_assistant(self, request, queryset):
        changed = sum(conversation_hand_back(conversation=c) for c in queryset)
        self.message_user(request, ngettext(
            "%(n)d conversation handed back to the assistant.", "%(n)d conversations handed back to the assistant.",
            changed,
        ) % {"n": changed})

    @admin.action(description=_("Take over (the assistant stays silent)"))
    def hand_to_staff(self, request, queryset):
        changed = sum(conversation_hand_to_staff(conversation=c) for c in queryset)
        self.message_user(request, ngettext(
            "%(n)d conversation taken over by staff.", "%(n)d conversations taken over by staff.", changed,
        ) % {"n": changed})


@admin.register(Message)
class MessageAdmin(TenantScopedAdmin):
    list_display = (
        "created_at", "direction", "type", "short_text", "delivery_status", "error_title", "processing_status",
        "tenant",
    )
    list_filter = (
        "direction", "type", "delivery_status", "processing_status", "channel",
        ("tenant", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("text", "channel_message_id", "conversation__customer__phone")
    list_select_related = ("tenant",)
    # ``sent_by``: who wrote a staff reply, recorded by the reply box; never picked from a list
    # (a list of users would name other businesses' staff).
    readonly_fields = (
        "created_at", "processed_at", "sent_at", "delivered_at", "read_at", "failed_at", "sent_by",
    )
    raw_id_fields = ("conversation", "reply_to")

    @admin.display(description=_("text"))
    def short_text(self, message: Message) -> str:
        return message.text[:80]


@admin.register(QuickReply)
class QuickReplyAdmin(TenantScopedAdmin):
    """Saved answers staff pick on the conversation page; each business keeps its own."""

    list_display = ("title", "text_start", "tenant", "updated_at")
    list_filter = (("tenant", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("title", "text")
    list_select_related = ("tenant",)
    fields = ("tenant", "title", "text")

    @admin.display(description=_("text"))
    def text_start(self, quick_reply: QuickReply) -> str:
        return quick_reply.text[:80]
