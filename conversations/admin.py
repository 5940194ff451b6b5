from django.contrib import admin

from conversations.models import Conversation, Customer, Message
from tenants.admin_scoping import TenantScopedAdmin, TenantScopedInline


@admin.register(Customer)
class CustomerAdmin(TenantScopedAdmin):
    list_display = ("__str__", "phone", "channel", "language", "tenant", "created_at")
    list_filter = ("channel", "language", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("display_name", "phone", "channel_user_id")
    list_select_related = ("tenant",)
    readonly_fields = ("created_at", "updated_at")


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
    list_display = ("customer", "channel", "status", "last_inbound_at", "tenant")
    list_filter = ("status", "channel", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("customer__display_name", "customer__phone")
    list_select_related = ("tenant", "customer")
    readonly_fields = ("state", "last_inbound_at", "created_at", "updated_at")
    autocomplete_fields = ("customer",)
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(TenantScopedAdmin):
    list_display = ("created_at", "direction", "type", "short_text", "delivery_status", "processing_status", "tenant")
    list_filter = (
        "direction", "type", "delivery_status", "processing_status", "channel",
        ("tenant", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("text", "channel_message_id", "conversation__customer__phone")
    list_select_related = ("tenant",)
    readonly_fields = ("created_at", "processed_at", "sent_at", "delivered_at", "read_at", "failed_at")
    raw_id_fields = ("conversation", "reply_to")

    @admin.display(description="text")
    def short_text(self, message: Message) -> str:
        return message.text[:80]
