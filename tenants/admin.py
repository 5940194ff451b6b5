from datetime import datetime
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

from tenants.admin_scoping import TenantLocalTimeMixin
from tenants.audit import tenant_ids_owned_by, user_may_handle_personal_data
from tenants.models import AuditEvent, TenantMembership

if TYPE_CHECKING:
    # The stubs' type of a lazily translated string (at run time it is a plain Promise).
    from django.utils.functional import _StrPromise


def secret_field(label: "str | _StrPromise", help_text: "str | _StrPromise") -> forms.CharField:
    """A form field that sets or replaces a secret: empty keeps the stored one, nothing is ever rendered."""
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


def token_status_display(is_set: bool, invalid_at: datetime | None, *, rejected_by: str = "Meta") -> str:
    """What staff see instead of a token: whether it is set, and since when the other side refuses it."""
    if not is_set:
        return gettext("not set")
    if invalid_at:
        # The active zone: the business's on its page (TenantLocalTimeMixin).
        when = timezone.localtime(invalid_at).strftime("%Y-%m-%d %H:%M")
        return format_html(
            '<strong style="color:#ba2121">{}</strong>',
            gettext("rejected by %(who)s since %(when)s") % {"who": rejected_by, "when": when},
        )
    return gettext("set")


@admin.register(TenantMembership)
class TenantMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role", "tenant")
    search_fields = ("user__username", "user__email", "tenant__name")
    autocomplete_fields = ["user", "tenant"]


@admin.register(AuditEvent)
class AuditEventAdmin(TenantLocalTimeMixin, admin.ModelAdmin):
    """Owners read their tenants' audit trail; nobody adds, changes or deletes a record here."""

    list_display = ("created_at", "tenant", "actor_label", "action", "target")
    list_filter = ("action", ("tenant", admin.RelatedOnlyFieldListFilter))
    search_fields = ("actor_label", "target")
    list_select_related = ("tenant",)
    readonly_fields = ("created_at", "tenant", "actor", "actor_label", "action", "target")
    fields = readonly_fields
    actions = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(tenant__in=tenant_ids_owned_by(request.user))

    def has_module_permission(self, request):
        return user_may_handle_personal_data(request.user)

    def has_view_permission(self, request, obj=None):
        if not user_may_handle_personal_data(request.user):
            return False
        return obj is None or user_may_handle_personal_data(request.user, tenant_ids={obj.tenant_id})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
