from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reminders.models import MessageTemplate, ReminderSettings
from tenants.admin_scoping import TenantScopedAdmin


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(TenantScopedAdmin):
    """One row per tenant; without one, the defaults apply (reminders 24 h before, no quiet hours)."""

    list_display = (
        "tenant", "reminders_enabled", "hours_before", "second_hours_before", "quiet_hours_start",
        "quiet_hours_end", "notify_staff_changes",
    )
    list_select_related = ("tenant",)
    fieldsets = (
        (None, {"fields": ("tenant",)}),
        (_("Reminders"), {
            "fields": (
                "reminders_enabled", "hours_before", "second_hours_before", "quiet_hours_start", "quiet_hours_end",
            ),
        }),
        (_("Staff changes"), {"fields": ("notify_staff_changes",)}),
    )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(TenantScopedAdmin):
    """WhatsApp templates Lyo sends outside the 24-hour window, one per purpose and language."""

    list_display = ("purpose", "name", "language", "category", "parameters", "confirm_cancel_buttons", "tenant")
    list_filter = ("purpose", "category", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name",)
    list_select_related = ("tenant",)
